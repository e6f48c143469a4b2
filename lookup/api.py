"""The lookup's API: where do I vote, and what is on my ballot (by address, UIK number or point)."""

import datetime

from django.http import HttpResponse
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from lookup.questions import LookupQuery, QuestionError, reply

router = Router(tags=["lookup"])


class Choice(Schema):
    precinct_id: int
    uik: str
    region: str
    region_id: int
    venue_id: int | None
    venue: str
    address: str
    district: str = Field("", description="the city district of the station, to tell streets of one name apart")
    distance_km: float | None = None


class BallotCandidateOut(Schema):
    name: str
    party: str | None
    self_nominated: bool


class BallotContestOut(Schema):
    contest_id: int
    election: str
    election_slug: str
    date: datetime.date
    kind: str
    name: str
    area: str
    number: int
    voting_days: list[datetime.date] = Field(description="the days the stations are open (8:00–20:00 local time)")
    candidates: list[BallotCandidateOut]
    parties: list[str] = Field([], description="a party-list ballot's lines in the ballot's order")
    recommendation: dict | None = Field(None, description="the smart-voting pick, once lists are published")


class PollingStationOut(Schema):
    name: str
    address: str
    latitude: float | None
    longitude: float | None


class Message(Schema):
    detail: str


class LookupOut(Schema):
    status: str = Field(description="found, or choose (see choices)")
    message: str
    matched_by: str
    precinct_id: int | None = None
    uik: str | None = None
    region: str | None = None
    venue: PollingStationOut | None = None
    distance_km: float | None = None
    contests: list[BallotContestOut] = []
    choices: list[Choice] = []


# The operation's id is the one it had when the lookup lived in smartvote/: clients generated from the schema
# keep working.
@router.get(
    "/lookup",
    response={200: LookupOut, 404: Message},
    summary="Where do I vote, and what is on my ballot?",
    operation_id="smartvote_api_lookup",
)
def lookup(request, q: Query[LookupQuery]):
    try:
        found = reply(q)
    except QuestionError as exc:
        raise HttpError(400, str(exc)) from None
    return HttpResponse(found.body, status=found.status, content_type="application/json")
