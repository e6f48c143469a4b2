"""The voter's lookup page (htmx: the answer replaces a part of the page)."""

from django.shortcuts import render
from django.utils.translation import gettext as _

from elections.models import Region
from smartvote.lookup import ballot, by_address, by_point, by_uik


def lookup(request):
    """One form, three ways in; the answer is rendered below it."""
    address = request.GET.get("address", "")
    uik = request.GET.get("uik", "").strip()
    region = request.GET.get("region", "").strip()
    lat, lon = request.GET.get("lat", "").strip(), request.GET.get("lon", "").strip()
    result, error = None, ""
    if len(address) > 200:
        error = _("The address is too long: type the street and the house number.")
    elif address.strip():
        result = by_address(address)
    elif uik:
        if not uik.isdigit() or not 0 < int(uik) < 100_000:
            error = _("A precinct number is digits only, e.g. 1545.")
        else:
            result = by_uik(int(uik), int(region) if region.isdigit() else None)
    elif lat or lon:
        try:
            point = float(lat), float(lon)
        except ValueError:
            point = None
        if point is None or not (-90 <= point[0] <= 90 and -180 <= point[1] <= 180):
            error = _("The point's coordinates are not valid.")
        else:
            result = by_point(*point)
    elif request.GET:
        error = _("Type your address, or your precinct's number, or use your location.")
    context = {
        "address": address[:200], "uik": uik[:10], "region": region, "lat": lat[:20], "lon": lon[:20],
        "result": result, "error": error,
        "contests": ballot(result.precinct) if result and result.precinct else [],
        "regions": Region.objects.filter(precincts__isnull=False).distinct(),
    }
    template = "smartvote/_answer.html" if request.headers.get("HX-Request") else "smartvote/lookup.html"
    return render(request, template, context)
