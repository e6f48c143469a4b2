from django.conf import settings
from django.shortcuts import render

from elections.models import Election


def home(request):
    elections = Election.objects.filter(forecasts__isnull=False).distinct()
    return render(request, "veche/home.html", {"forecast_elections": elections})


def demo_mode(request):
    """Every page says so when keys are on the server (demo mode): it must never take real reports."""
    return {"demo_mode": settings.DEMO}
