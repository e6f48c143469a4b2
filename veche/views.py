from django.shortcuts import render

from elections.models import Election


def home(request):
    elections = Election.objects.filter(forecasts__isnull=False).distinct()
    return render(request, "veche/home.html", {"forecast_elections": elections})
