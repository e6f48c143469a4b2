"""Pages of the monitor: statistics with chart and map, report forms, people, open data, moderation."""

from dataclasses import asdict

from django.contrib.auth.decorators import login_required, permission_required
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters

from core.charts import FORMATS, drawn_format, with_bars
from core.clients import client_ip
from core.forms import numbered
from elections.models import Election
from monitor import plots, stats
from monitor.export import COLUMNS, TITLES, csv_lines, json_lines
from monitor.fields import LABELS
from monitor.intake import IntakeError, TooMany, check_rate, receive
from monitor.models import CATEGORIES, PHASES, City, Event, Person, Report
from monitor.moderation import ModerationError, act, allowed_actions
from monitor.prisoners import strike_day, zone_of

PERSONAL = ("name", "age", "person_contact", "reporter_contact")


def _filters(request):
    filters, errors = stats.Filters.from_query(request.GET)
    return filters, errors, request.GET.urlencode()


def index(request):
    filters, errors, query = _filters(request)
    data = stats.detentions(filters, days=False)  # the page shows days as a chart only
    context = {
        "data": data,
        "cities": with_bars([asdict(c) for c in data.cities], key="detentions"),
        "events_rows": with_bars([asdict(e) for e in data.events], key="detentions"),
        "filters": filters,
        "errors": errors,
        "query": query,
        "events": Event.objects.all(),
        "elsewhere": [] if request.headers.get("HX-Request") else stats.published_beside_own(),
    }
    template = "monitor/_stats.html" if request.headers.get("HX-Request") else "monitor/index.html"
    return render(request, template, context, status=400 if errors else 200)


def chart(request, name, fmt):
    """A chart of the counts, drawn once per question and state of the data (stats.state): drawing a
    thousand days takes most of a second, and the pages poll every 30 s. The question is what the query
    means (the election, or the filters as parsed), so that adding anything else to it (``?z=1``, ``?z=2`` …)
    cannot make the server draw again."""
    if fmt not in FORMATS or name not in ("days", "cities", "precincts"):
        raise Http404
    if name == "precincts":
        election = Election.objects.filter(slug=request.GET.get("election", "")).first()
        question = election.slug if election else ""
    else:
        filters, errors, _query = _filters(request)
        if errors:
            return HttpResponse(
                "; ".join(f"{k}: {v}" for k, v in errors.items()), status=400, content_type="text/plain"
            )
        question = filters.key()
    drawn = drawn_format(request, fmt)
    key = f"monitor-chart:{stats.state()}:{get_language()}:{name}.{drawn}:{question}"
    cached = cache.get(key)
    if cached is None:
        chosen = election if name == "precincts" else filters
        cached = HttpResponse(_draw(name, drawn, chosen), content_type=FORMATS[fmt])
        patch_vary_headers(cached, ["Accept-Language", "Cookie"])  # its words are in the visitor's language
        cache.set(key, cached, 600)
    return cached


def _draw(name, fmt, chosen) -> bytes:
    """The chart's bytes: ``chosen`` is the election (precincts) or the filters (days, cities)."""
    if name == "precincts":
        points = [{**asdict(p), "name": f"УИК {p.code}"} for p in stats.violations(chosen).precincts]
        return plots.bubbles(
            points,
            "n",
            _("Violation reports per precinct (UIK), at the polling station"),
            label_top=5,
            fmt=fmt,
            size=(7, 6),
            largest=250,
        )
    data = stats.detentions(chosen)
    if name == "days":
        return plots.days(data.days, fmt)
    points = [{**asdict(c), "name": c.city} for c in data.cities]
    return plots.bubbles(points, "detentions", _("Detentions by city"), fmt=fmt)


@sensitive_post_parameters(*PERSONAL)
def report_form(request, kind):
    if kind not in Report.Kind.values:
        raise Http404
    errors, status = {}, 200
    if request.method == "POST":
        if request.POST.get("website"):  # the honeypot
            return render(request, "monitor/received.html")  # the same page as a real report's
        try:
            check_rate(client_ip(request))
            receive(
                {
                    **request.POST.dict(),
                    "kind": kind,
                    "categories": request.POST.getlist("categories"),
                    "elections": request.POST.getlist("election"),
                },
                request.FILES.getlist("photos"),
                source="form",
            )
            return render(request, "monitor/received.html")
        except IntakeError as exc:
            errors, status = exc.errors, 429 if isinstance(exc, TooMany) else 400
    # Typed values come back so nothing is typed twice; never cached, never stored.
    response = render(
        request,
        "monitor/report_form.html",
        {
            "kind": kind,
            "kind_label": Report.Kind(kind).label,
            "errors": errors,
            # Each error under the field's own label, linked to the field (never the field's code name).
            "error_list": [(f, LABELS.get(f, ""), message) for f, message in errors.items()],
            "values": request.POST,
            "cities": City.objects.all(),
            "events": Event.objects.all(),
            "elections": Election.objects.filter(contests__isnull=False).distinct(),
            "steps": Report.Step.choices,
            "categories": [(p, PHASES[p], list(c.items())) for p, c in CATEGORIES.items()],
            "chosen": request.POST.getlist("categories"),
        },
        status=status,
    )
    response["Cache-Control"] = "no-store"
    return response


def reports(request):
    kind = request.GET.get("kind", "")
    rows = Report.objects.filter(state=Report.State.PUBLISHED).select_related("city", "event", "person", "precinct")
    if kind in Report.Kind.values:
        rows = rows.filter(kind=kind)
    page = Paginator(rows.order_by("-happened", "-pk"), 50).get_page(request.GET.get("page"))
    return render(request, "monitor/reports.html", {"page": page, "kind": kind, "kinds": Report.Kind.choices})


def report_detail(request, pk):
    report = get_object_or_404(Report.objects.select_related("city", "event", "person", "precinct", "case"), pk=pk)
    if report.state != Report.State.PUBLISHED and not request.user.has_perm("monitor.moderate_report"):
        raise Http404
    return render(request, "monitor/report.html", {"report": report})


def person(request, pseudonym):
    who = get_object_or_404(Person, pseudonym=pseudonym)
    published = who.reports.filter(state=Report.State.PUBLISHED).select_related("city", "event", "case")
    if not published.exists() and not request.user.has_perm("monitor.moderate_report"):
        raise Http404
    named = who.consent and bool(who.public_name)
    zone = zone_of(who)
    strikes = [(s, strike_day(s, zone)) for s in who.hunger_strikes.all()] if named else []
    return render(
        request,
        "monitor/person.html",
        {
            "person": who,
            "named": named,
            "timeline": published.order_by("happened", "pk"),
            "cases": who.cases.all(),
            "recognitions": who.recognitions.all() if named else [],
            "strikes": strikes,
            "striking": next((day for _s, day in strikes if day), None),
        },
    )


def violations(request):
    election = Election.objects.filter(slug=request.GET.get("election", "")).first()
    data = stats.violations(election)
    return render(
        request,
        "monitor/violations.html",
        {
            "data": data,
            "election": election,
            "categories": with_bars([asdict(c) for c in data.categories], key="n"),
            "areas": with_bars([asdict(a) for a in data.areas], key="n"),
            "precincts": data.precincts[:50],
            "elections": Election.objects.filter(violation_reports__isnull=False).distinct(),
            # The map's URL, for the chosen election when there is one (the template adds a phone's drawing).
            "chart": reverse("monitor:chart", args=["precincts", "svg"])
            + (f"?election={election.slug}" if election else ""),
        },
    )


def open_data(request):
    sets = [(name, TITLES[name], columns) for name, columns in COLUMNS.items()]
    return render(request, "monitor/data.html", {"sets": sets, "codes": Person.Status.choices})


def dataset(request, name, fmt):
    if name not in COLUMNS or fmt not in ("csv", "json"):
        raise Http404
    lines = csv_lines(name) if fmt == "csv" else json_lines(name)
    response = StreamingHttpResponse(
        lines, content_type="text/csv; charset=utf-8" if fmt == "csv" else "application/json"
    )
    response["Content-Disposition"] = f'inline; filename="veche-{name}.{fmt}"'
    return response


@login_required
@permission_required("monitor.moderate_report", raise_exception=True)
def moderation(request):
    state = request.GET.get("state", "new")
    rows = Report.objects.select_related("city", "precinct", "similar_to").order_by("pk")
    if state in Report.State.values:
        rows = rows.filter(state=state)
    kind = request.GET.get("kind", "")
    if kind in Report.Kind.values:
        rows = rows.filter(kind=kind)
    if request.GET.get("flagged"):
        rows = rows.filter(similar_to__isnull=False)
    counts = dict(Report.objects.values_list("state").annotate(n=Count("id")))
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "monitor/moderation.html",
        {
            "page": page,
            "state": state,
            "kind": kind,
            "kinds": Report.Kind.choices,
            "states": [(code, label, counts.get(code, 0)) for code, label in Report.State.choices],
            "flagged": bool(request.GET.get("flagged")),
        },
    )


@login_required
@permission_required("monitor.moderate_report", raise_exception=True)
def moderate(request, pk):
    report = get_object_or_404(Report.objects.select_related("city", "event", "person", "precinct"), pk=pk)
    error = ""
    if request.method == "POST":
        target = None
        if request.POST.get("action") == "merge":
            raw = request.POST.get("target", "").strip().lstrip("#")
            target = numbered(Report.objects.all(), raw)
        try:
            act(report, request.POST.get("action", ""), request.user, request.POST.get("reason", ""), target)
            return redirect("monitor:moderate", pk=report.pk)
        except ModerationError as exc:
            error = str(exc)
    similar = Report.objects.filter(Q(pk=report.similar_to_id) | Q(similar_to=report)).exclude(pk=report.pk)
    return render(
        request,
        "monitor/moderate.html",
        {
            "report": report,
            "actions": allowed_actions(report, request.user),
            "error": error,
            "log": report.log.select_related("user"),
            "similar": similar,
        },
        status=400 if error else 200,
    )
