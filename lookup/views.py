"""The lookup's pages: one form, three ways in (htmx renders the answer below it), and the map's points."""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from pydantic import ValidationError

from core.forms import whole_number
from core.geo import tile_server
from elections.models import Region
from lookup.find import VenueIndex
from lookup.questions import LookupQuery, QuestionError, reply

# What the page says of a field LookupQuery refuses (the API names the field and the rule).
FIELD_ERRORS = {
    "address": lambda: _("The address is too long: type the street and the house number."),
    "uik": lambda: _("A precinct number is digits only, e.g. 1545."),
    "region": lambda: _("A precinct number is digits only, e.g. 1545."),
    "lat": lambda: _("The point's coordinates are not valid."),
    "lon": lambda: _("The point's coordinates are not valid."),
}


def form_query(get) -> dict:
    """The one way in the form was used for: the address if typed, else the UIK, else the point."""
    address = get.get("address", "")
    uik, region = get.get("uik", "").strip(), get.get("region", "").strip()
    lat, lon = get.get("lat", "").strip(), get.get("lon", "").strip()
    if address.strip():
        return {"address": address}
    if uik:
        return {"uik": uik, "region": region if whole_number(region) is not None else None}
    if lat or lon:
        return {"lat": lat or None, "lon": lon or None}
    return {}


def default_region(regions) -> str:
    """The primary key, as the form's option value, of the site's region (settings.LOOKUP_REGION), or ""."""
    if not settings.LOOKUP_REGION:
        return ""
    found = regions.filter(name=settings.LOOKUP_REGION).values_list("pk", flat=True).first()
    return str(found) if found is not None else ""


def lookup(request):
    """The answer comes through the API's door: the same checks (LookupQuery) and the same cached replies."""
    fields, found, error = form_query(request.GET), None, ""
    if fields:
        try:
            found = reply(LookupQuery.model_validate(fields))
        except ValidationError as exc:
            error = FIELD_ERRORS[str(exc.errors()[0]["loc"][0])]()
        except QuestionError as exc:
            error = str(exc)
    elif request.GET:
        error = _("Type your address, or your precinct's number, or use your location.")
    get = request.GET
    regions = Region.objects.filter(precincts__isnull=False).distinct()
    context = {
        "address": get.get("address", "")[:200],
        "uik": get.get("uik", "").strip()[:10],
        # The site's own region until the visitor chooses (an empty choice is "any region", and stays so).
        "region": get["region"].strip() if "region" in get else default_region(regions),
        "lat": get.get("lat", "").strip()[:20],
        "lon": get.get("lon", "").strip()[:20],
        "result": found and found.answer,
        "contests": found.contests if found else [],
        # The picks first, under the station's address: on a phone the ballot's parties and candidates fill
        # two screens before the first recommendation.
        "picks": [c for c in found.contests if c.recommendation] if found else [],
        "error": error,
        "regions": regions,
        "tiles": tile_server(),
    }
    template = "lookup/_answer.html" if request.headers.get("HX-Request") else "lookup/lookup.html"
    return render(request, template, context)


def venues(request):
    """The polling stations' coordinates, for the lookup's map (dots a voter clicks near)."""
    response = JsonResponse({"venues": VenueIndex.get().points})
    response["Cache-Control"] = "public, max-age=300"
    return response
