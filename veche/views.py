from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.functional import Promise
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from core.models import DemoMail
from elections.models import Election, Region
from veche import demoload


def language(request):
    """The language switcher of every page's header (a GET form): remembers the choice in Django's language
    cookie and goes back. Django's own set_language takes a POST, so every page carried a CSRF token for it — a
    cookie set on every first visit and "Vary: Cookie" on every page, which no cache could then share (issue 35:
    nginx keeps anonymous pages for a second). A language chosen for someone by another site harms nobody."""
    code = request.GET.get("language", "")
    target = request.GET.get("next", "") or "/"
    hosts = {request.get_host()}
    if not url_has_allowed_host_and_scheme(target, allowed_hosts=hosts, require_https=request.is_secure()):
        target = "/"
    response = HttpResponseRedirect(target)
    if code in dict(settings.LANGUAGES):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            code,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            samesite="Lax",
            secure=request.is_secure(),
            httponly=True,
        )
    return response


def home(request):
    elections = Election.objects.filter(forecasts__isnull=False).distinct()
    return render(request, "veche/home.html", {"forecast_elections": elections})


@dataclass(frozen=True)
class Section:
    """A section of the site in its menus. ``header``: where the page's header shows it — "always", "wide" (from
    60rem; on a phone the header links to the menu at the foot instead) or "" (the foot's menu only)."""

    url: str
    label: str | Promise  # translated when shown
    header: str = ""
    short: str | Promise = ""  # the header's word for it, when shorter than the menu's


def sections(request) -> dict:
    """Every section once, for the header and the menu at the foot of every page (they repeated the list)."""
    user = getattr(request, "user", None)
    staff = user is not None and user.is_staff
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    return {"sections": _sections(get_script_prefix(), get_language(), urlconf, staff)}


@lru_cache(maxsize=64)
def _sections(prefix: str, language: str | None, urlconf: str | None, staff: bool) -> tuple[Section, ...]:
    """The list for one script prefix, language and URL configuration (what ``reverse`` reads): built on every
    page it cost 0.45 ms of CPU, half a refused sign-up's (issue 38). Labels stay lazy: translated when shown."""
    rows = [
        Section(reverse("lookup:lookup"), _("Where do I vote?"), "always"),
        Section(reverse("monitor:report_form", args=["detention"]), _("I was detained"), "always"),
        Section(reverse("elections:elections"), _("Elections"), "wide"),
        Section(reverse("elections:precincts"), _("Find a precinct")),
        Section(reverse("monitor:index"), _("Monitor"), "wide"),
        Section(reverse("actions:index"), _("Days of action"), "wide", _("Actions")),
        Section(reverse("actions:prisoners"), _("Political prisoners")),
        Section(reverse("pledges:index"), _("Pledges")),
        Section(reverse("vote:index"), _("Votes")),
        Section(reverse("initiatives:index"), _("Initiatives")),
        Section(reverse("forensics:index"), _("Forensics"), "wide"),
        Section(reverse("smartvote:backtest_latest"), _("How well smart voting did")),
        Section(reverse("api:openapi-view"), _("API")),
    ]
    if staff:
        rows.append(Section(reverse("admin:index"), _("Admin"), "wide"))
    return tuple(rows)


def demo_mode(request):
    """Every page says so when keys are on the server (demo mode): it must never take real reports. While `make run`
    still loads the demo's data beside the server, every page says how far it has got (veche/demoload.py)."""
    return {"demo_mode": settings.DEMO, "demo_progress": demoload.current() if settings.DEMO else None}


def demo_only(view):
    """A page of the demo's: not found on a real server."""

    def wrapped(request, *args, **kwargs):
        if not settings.DEMO:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


@demo_only
def demo(request):
    """What the demo holds, what is real and what is not, and how to try the staff's side."""
    from veche.management.commands.demo import PASSWORD, USERS

    spb = Region.objects.filter(name="город Санкт-Петербург").first()
    example = f"{reverse('lookup:lookup')}?uik=2218" + (f"&region={spb.pk}" if spb else "")
    return render(request, "veche/demo.html", {"users": USERS, "password": PASSWORD, "example": example})


@demo_only
def outbox(request):
    """The mails the demo would have sent (core.outbox), newest first: a visitor confirms a pledge from here."""
    return render(request, "veche/outbox.html", {"mails": DemoMail.objects.all()[:20]})
