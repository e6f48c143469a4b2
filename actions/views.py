"""The actions' pages: where and when, taken or free, the sign-up, "I was detained", the links from the mail."""

import csv
import io
import math
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables

from actions.management.commands.actions_demo import SLUG as DEMO_SLUG
from actions.models import Action, Place, Slot
from actions.signup import SENT, SignupError, cancel, check_rate, confirm, link_maker, sign_up, signup_to_cancel
from core.clients import client_ip
from core.forms import numbered
from core.geo import chord_km, tile_server, unit_vectors
from core.hours import wall_clock
from monitor.intake import ActionSpot, take_detention_at
from monitor.intake import check_rate as check_report_rate


def distances(where: tuple[float, float], places: list[Place]) -> list[float]:
    """Great-circle km from the point to each place (core.geo's chords): a few hundred places, no index needed."""
    if not places:
        return []
    ends = unit_vectors(np.array([p.latitude for p in places]), np.array([p.longitude for p in places]))
    chords = np.linalg.norm(ends - unit_vectors(np.array([where[0]]), np.array([where[1]])), axis=1)
    return [chord_km(float(c)) for c in chords]


def point(query) -> tuple[tuple[float, float] | None, str]:
    """(lat, lon) from ?lat=&lon=, or None and why not."""
    raw_lat, raw_lon = query.get("lat", "").strip(), query.get("lon", "").strip()
    if not raw_lat and not raw_lon:
        return None, ""
    try:
        lat, lon = float(raw_lat.replace(",", ".")), float(raw_lon.replace(",", "."))
    except ValueError:
        return None, _("Give the latitude and longitude as numbers, for example 52.52 and 13.40.")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or math.isnan(lat) or math.isnan(lon):
        return None, _("Latitude −90…90, longitude −180…180.")
    return (lat, lon), ""


def slots_of(place: Place, now) -> list[dict]:
    rows = []
    for slot in place.slots.all():
        rows.append(
            {
                "slot": slot,
                "starts": wall_clock(slot.starts, place.zone),
                "ends": wall_clock(slot.ends, place.zone),
                "open": slot.starts > now and slot.free > 0,
                "past": slot.starts <= now,
            }
        )
    return rows


@dataclass(frozen=True)
class PlaceRow:
    """A place with a slot to come, as the index lists it (nearest first when the visitor gave a point)."""

    place: Place
    km: float | None
    next: datetime  # its next slot's start, in the place's own time
    free: int


def index(request):
    where, error = point(request.GET)
    places = list(Place.objects.select_related("action").prefetch_related("slots"))
    away = distances(where, places) if where else [None] * len(places)
    now = timezone.now()
    rows = []
    for place, km in zip(places, away, strict=True):
        upcoming = [s for s in place.slots.all() if s.ends > now]
        if not upcoming:
            continue
        rows.append(
            PlaceRow(
                place=place,
                km=km,
                next=wall_clock(min(s.starts for s in upcoming), place.zone),
                free=sum(s.free for s in upcoming if s.starts > now),
            )
        )
    rows.sort(key=lambda r: ((r.km or 0) if where else 0, r.next))
    # The map's dots: every place with a slot to come (the list shows the nearest 50).
    dots = [[r.place.latitude, r.place.longitude, r.place.name] for r in rows]
    return render(
        request,
        "actions/index.html",
        {
            "actions": Action.objects.all(),
            "rows": rows[:50],
            "where": where,
            "error": error,
            "dots": dots,
            "tiles": tile_server(),
        },
        status=400 if error else 200,
    )


def context(action: Action) -> dict:
    now = timezone.now()
    places = []
    for place in action.places.prefetch_related("slots"):
        slots = slots_of(place, now)
        places.append(
            {
                "place": place,
                "slots": slots,
                "taken": sum(s["slot"].taken for s in slots),
                "capacity": sum(s["slot"].capacity for s in slots),
                "open": any(s["open"] for s in slots),
            }
        )
    return {
        "action": action,
        "places": places,
        "invented": settings.DEMO and action.slug == DEMO_SLUG,
        "taken": sum(p["taken"] for p in places),
        "capacity": sum(p["capacity"] for p in places),
    }


@sensitive_post_parameters("email", "name")
@sensitive_variables("email", "name")
def action_page(request, slug):
    action = get_object_or_404(Action, slug=slug)
    message = error = ""
    status = 200
    chosen = request.POST.get("slot", "") if request.method == "POST" else request.GET.get("slot", "")
    if request.method == "POST":
        email, name = request.POST.get("email", ""), request.POST.get("name", "")
        if request.POST.get("website"):  # the honeypot: the same answer as a real sign-up, nothing stored or sent
            message = str(SENT)
        else:
            try:
                check_rate(client_ip(request))
                message = sign_up(action, chosen, email, name, link_maker(request)).message
            except SignupError as exc:
                error, status = str(exc), 400
    response = render(
        request,
        "actions/action.html",
        {**context(action), "message": message, "error": error, "chosen": chosen},
        status=status,
    )
    response["Cache-Control"] = "no-store"
    return response


def confirmation(request, token):
    if len(token) > 200:
        raise Http404
    try:
        outcome = confirm(token)
    except SignupError as exc:
        return render(request, "actions/answer.html", {"error": str(exc)}, status=400)
    return render(
        request,
        "actions/answer.html",
        {"message": outcome.message, "slot": outcome.slot, "cancel": outcome.cancel, **slot_context(outcome.slot)},
    )


def slot_context(slot: Slot) -> dict:
    zone = slot.place.zone
    return {"starts": wall_clock(slot.starts, zone), "ends": wall_clock(slot.ends, zone)}


def cancellation(request, token):
    """GET asks, POST cancels: a mail scanner that opens every link must not cancel anyone."""
    if len(token) > 200:
        raise Http404
    try:
        if request.method == "POST":
            outcome = cancel(token)
            return render(request, "actions/answer.html", {"message": outcome.message, "slot": outcome.slot})
        signup = signup_to_cancel(token)
    except SignupError as exc:
        return render(request, "actions/answer.html", {"error": str(exc)}, status=400)
    return render(
        request,
        "actions/cancel.html",
        {"slot": signup.slot, "done": signup.cancelled is not None, **slot_context(signup.slot)},
    )


def detained(request, slug):
    """ "I was detained": one tap files a detention at the action's place for the monitor's moderators."""
    action = get_object_or_404(Action, slug=slug)
    if request.method != "POST":
        return render(request, "actions/detained.html", {"action": action, "places": action.places.all()})
    place = numbered(action.places.all(), request.POST.get("place"))
    if place is None:
        return render(
            request,
            "actions/detained.html",
            {"action": action, "places": action.places.all(), "error": _("Choose the place of the detention.")},
            status=400,
        )
    day = timezone.localtime(timezone.now(), place.zone).date()
    text = (request.POST.get("text") or "").strip()
    try:
        check_report_rate(client_ip(request))
        spot = ActionSpot(
            event_slug=f"action-{action.slug}",
            event_name=action.title,
            day=day,
            city=place.city,
            latitude=place.latitude,
            longitude=place.longitude,
            place=f"{place.name}, {place.address}".strip(", "),
        )
        take_detention_at(
            spot,
            text
            or _("Detained at the action «%(title)s» (reported from the action's page).") % {"title": action.title},
            source="action",
        )
    except ValueError as exc:  # the monitor's refusal (IntakeError), a message per field
        errors = getattr(exc, "errors", {"__all__": str(exc)})
        return render(
            request,
            "actions/detained.html",
            {"action": action, "places": action.places.all(), "error": " ".join(errors.values())},
            status=429 if "__all__" in errors else 400,
        )
    return render(request, "actions/detained.html", {"action": action, "received": True, "place": place})


COLUMNS = [
    "action",
    "place",
    "kind",
    "city",
    "country",
    "latitude",
    "longitude",
    "starts_utc",
    "ends_utc",
    "starts_local",
    "role",
    "capacity",
    "taken",
]


def rows_of(action: Action):
    for place in action.places.prefetch_related("slots"):
        for slot in place.slots.all():
            yield [
                action.slug,
                place.name,
                place.kind,
                place.city,
                place.country,
                place.latitude,
                place.longitude,
                slot.starts.astimezone(UTC).isoformat(),
                slot.ends.astimezone(UTC).isoformat(),
                wall_clock(slot.starts, place.zone).isoformat(),
                slot.role,
                slot.capacity,
                slot.taken,
            ]


def counts_csv(request, slug):
    """Open data: per place and slot, capacity and places taken. Counts only: no one's sign-up."""
    action = get_object_or_404(Action, slug=slug)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    writer.writerows(rows_of(action))
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="veche-action-{action.slug}.csv"'
    return response
