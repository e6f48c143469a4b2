"""GET /api/lookup: the voter's precinct and ballot, by address, UIK or point."""

from datetime import date

from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from smartvote.lookup import Answer, ballot, by_address, by_point, by_uik

router = Router(tags=["lookup"])


class LookupQuery(Schema):
    address: str | None = Field(None, max_length=200, description="a home address as people write it")
    uik: int | None = Field(None, ge=1, le=99_999, description="precinct (UIK) number")
    region: int | None = Field(None, ge=1, description="region id, when the UIK number is ambiguous")
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)


class Choice(Schema):
    precinct_id: int
    uik: str
    region: str
    region_id: int
    venue_id: int | None
    venue: str
    address: str
    distance_km: float | None = None


class CandidateOut(Schema):
    name: str
    party: str | None
    self_nominated: bool


class ContestOut(Schema):
    contest_id: int
    election: str
    election_slug: str
    date: date
    kind: str
    name: str
    area: str
    number: int
    candidates: list[CandidateOut]
    recommendation: dict | None = Field(None, description="the smart-voting pick, once lists are published")


class VenueOut(Schema):
    name: str
    address: str
    latitude: float | None
    longitude: float | None


class LookupOut(Schema):
    status: str = Field(description="found, or choose (see choices)")
    message: str
    matched_by: str
    precinct_id: int | None = None
    uik: str | None = None
    region: str | None = None
    venue: VenueOut | None = None
    distance_km: float | None = None
    contests: list[ContestOut] = []
    choices: list[Choice] = []


def answer(q: LookupQuery) -> Answer:
    given = [q.address is not None and q.address.strip() != "", q.uik is not None,
             q.lat is not None or q.lon is not None]
    if sum(given) != 1:
        raise HttpError(400, "Give one of: address, uik (with region if needed), or lat and lon.")
    if given[0]:
        return by_address(q.address)
    if given[1]:
        return by_uik(q.uik, q.region)
    if q.lat is None or q.lon is None:
        raise HttpError(400, "Give both lat and lon.")
    return by_point(q.lat, q.lon)


def as_json(result: Answer) -> dict:
    body = {"status": result.status, "message": result.message, "matched_by": result.matched_by,
            "distance_km": result.distance_km, "choices": result.choices, "contests": []}
    p = result.precinct
    if p is not None:
        venue = p.venue
        body.update(precinct_id=p.pk, uik=p.code, region=p.region.name, contests=ballot(p),
                    venue={"name": venue.name, "address": venue.address, "latitude": venue.latitude,
                           "longitude": venue.longitude} if venue else None)
    return body


@router.get("/lookup", response=LookupOut, summary="Where do I vote, and what is on my ballot?")
def lookup(request, q: Query[LookupQuery]):
    result = answer(q)
    if result.status == "not_found":
        raise HttpError(404, result.message)
    return as_json(result)
