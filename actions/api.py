"""The actions' API: where and when, and how many places are taken. Counts only: no one's sign-up."""

from datetime import datetime

from django.shortcuts import get_object_or_404
from ninja import Router, Schema

from actions.models import Action

router = Router(tags=["actions"])


class SlotOut(Schema):
    id: int
    starts: datetime
    ends: datetime
    role: str
    capacity: int
    taken: int


class PlaceOut(Schema):
    id: int
    name: str
    kind: str
    city: str
    country: str
    address: str
    latitude: float
    longitude: float
    time_zone: str
    slots: list[SlotOut]


class ActionOut(Schema):
    slug: str
    title: str
    text: str
    places: list[PlaceOut]


class ActionBrief(Schema):
    slug: str
    title: str


def described(action: Action) -> dict:
    return {
        "slug": action.slug,
        "title": action.title,
        "text": action.text,
        "places": [
            {
                **{
                    f: getattr(p, f)
                    for f in ("id", "name", "kind", "city", "country", "address", "latitude", "longitude", "time_zone")
                },
                "slots": [
                    {f: getattr(s, f) for f in ("id", "starts", "ends", "role", "capacity", "taken")}
                    for s in p.slots.all()
                ],
            }
            for p in action.places.prefetch_related("slots")
        ],
    }


@router.get("/actions", response=list[ActionBrief], summary="Days of action")
def actions(request):
    return list(Action.objects.values("slug", "title"))


@router.get("/actions/{slug}", response=ActionOut, summary="An action: its places and slots, places taken")
def action(request, slug: str):
    return described(get_object_or_404(Action, slug=slug))
