from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse

from core.models import DemoMail
from elections.models import Election, Region


def home(request):
    elections = Election.objects.filter(forecasts__isnull=False).distinct()
    return render(request, "veche/home.html", {"forecast_elections": elections})


def demo_mode(request):
    """Every page says so when keys are on the server (demo mode): it must never take real reports."""
    return {"demo_mode": settings.DEMO}


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
