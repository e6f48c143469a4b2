"""The actions' API: where and when, how many places are taken; prisoners' records, letters, declarations.

Counts only: no one's sign-up, no writer of a letter, no signature waiting for its check."""

from datetime import date, datetime

from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema

from actions.declarations import for_prisoners
from actions.letters import this_month
from actions.models import Action
from monitor.prisoners import prisoners

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


class RecognitionOut(Schema):
    organisation: str
    kind: str = Field(description="conscience, political or persecuted")
    day: date


class DeclarationOut(Schema):
    slug: str
    title: str
    signatures: int = Field(description="signatures checked by staff")
    organisations: int


class PrisonerOut(Schema):
    pseudonym: str
    name: str
    status: str = Field(description="pre_trial, house_arrest or sentenced; empty when not known")
    facility: str
    facility_address: str
    time_zone: str
    held_since: date | None
    sentence_days: int | None
    term_end: date | None
    articles: list[str]
    recognitions: list[RecognitionOut]
    hunger_strike_since: date | None
    hunger_strike_day: int | None = Field(description="the strike's day today, in the prison's time zone")
    receives_letters: bool
    letters_this_month: int = Field(description="letters writers marked sent (a count, no one's identity)")
    declarations: list[DeclarationOut]


@router.get(
    "/prisoners",
    response=list[PrisonerOut],
    summary="Political prisoners who consented to be named: records, letters this month, declarations",
)
def prisoner_records(request):
    records = prisoners()
    month = this_month()
    per = for_prisoners([p.pseudonym for p in records])
    return [
        {
            **{f: getattr(p, f) for f in ("pseudonym", "name", "status", "facility", "time_zone", "held_since")},
            **{f: getattr(p, f) for f in ("sentence_days", "term_end", "articles", "recognitions")},
            "facility_address": p.address,
            "hunger_strike_since": p.strike_started,
            "hunger_strike_day": p.strike_day,
            "receives_letters": p.letters,
            "letters_this_month": month[p.pseudonym],
            "declarations": [
                {
                    "slug": d["declaration"].slug,
                    "title": d["declaration"].title,
                    "signatures": d["n"],
                    "organisations": d["organisations"],
                }
                for d in per.get(p.pseudonym, [])
            ],
        }
        for p in records
    ]
