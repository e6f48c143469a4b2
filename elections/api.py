"""JSON API of the data core, under /api/ (schema at /api/openapi.json)."""

from datetime import date

from django.db.models import Q
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from elections.models import Candidate, Contest, Election, Precinct, Protocol, Venue
from elections.stats import contest_totals, election_summary

router = Router(tags=["elections"])


class ChoiceResult(Schema):
    choice_id: int
    name: str
    short_name: str
    votes: int
    share: float | None = Field(None, description="% of ballots cast (valid + invalid)")


class Totals(Schema):
    precincts: int = Field(description="precincts with a published result")
    precincts_reporting: int = Field(description="…of which with registered voters > 0")
    precincts_listed: int = Field(description="precincts with this contest on their ballot")
    registered: int
    ballots_issued: int
    ballots_in_boxes: int
    valid: int
    invalid: int
    turnout: float | None = Field(None, description="ballots issued / registered, %")


class ElectionOut(Schema):
    slug: str
    name: str
    date: date
    level: str
    kind: str


class ElectionSummary(ElectionOut, Totals):
    contests: int
    ballots_cast: int
    top: list[ChoiceResult]


class ContestOut(Schema):
    id: int
    election: str = Field(alias="election.slug")
    kind: str
    number: int
    area: str
    name: str
    seats: int | None


class ContestDetail(ContestOut):
    totals: Totals
    results: list[ChoiceResult]

    @staticmethod
    def resolve_totals(contest):
        return contest_totals(contest).totals

    @staticmethod
    def resolve_results(contest):
        return contest_totals(contest).results


class CandidateOut(Schema):
    id: int
    contest_id: int
    last_name: str = Field(alias="person.last_name")
    first_name: str = Field(alias="person.first_name")
    middle_name: str = Field(alias="person.middle_name")
    party: str | None = Field(None, alias="party.name")
    self_nominated: bool
    status: str = Field(description="registered, or withdrawn (left the race after registration: not standing)")


class VenueOut(Schema):
    id: int
    name: str
    kind: str
    address: str
    postal_code: str
    city: str
    district: str
    municipality: str
    street: str
    building: str
    latitude: float | None
    longitude: float | None


class PrecinctOut(Schema):
    id: int
    region: str = Field(alias="region.name")
    code: str
    number: int | None
    is_remote: bool
    city_district: str
    venue: VenueOut | None = None


class VoteOut(Schema):
    choice: str = Field(alias="choice.name")
    votes: int


class ProtocolOut(Schema):
    id: int
    election: str = Field(alias="contest.election.slug")
    contest_id: int
    contest: str = Field(alias="contest.name")
    precinct_id: int
    tik: str | None = Field(None, alias="tik.name")
    source: str
    has_result: bool
    registered: int | None
    ballots_received: int | None
    issued_early: int | None
    issued_at_station: int | None
    issued_outside: int | None
    ballots_issued: int | None
    cancelled: int | None
    in_portable_boxes: int | None
    in_stationary_boxes: int | None
    ballots_in_boxes: int | None
    invalid: int | None
    valid: int | None
    lost: int | None
    unaccounted: int | None
    extra: dict
    votes: list[VoteOut]


class PrecinctFilter(Schema):
    number: int | None = Field(None, ge=0, description="UIK number")
    region: str | None = Field(None, max_length=200, description="region name, or part of it")
    election: str | None = Field(None, max_length=100, description="election slug: only precincts on its ballot")


@router.get("/elections", response=list[ElectionSummary], summary="All elections with their totals")
def list_elections(request):
    return [election_summary(e) for e in Election.objects.all()]


@router.get("/elections/{slug}", response=ElectionSummary, summary="One election with its totals")
def get_election(request, slug: str):
    return election_summary(get_object_or_404(Election, slug=slug))


@router.get("/elections/{slug}/contests", response=list[ContestOut], summary="Contests (ballots) of an election")
def election_contests(request, slug: str):
    election = get_object_or_404(Election, slug=slug)
    return election.contests.select_related("election")


@router.get("/contests/{contest_id}", response=ContestDetail, summary="A contest with totals and results")
def get_contest(request, contest_id: int):
    contest = get_object_or_404(Contest.objects.select_related("election"), pk=contest_id)
    return contest


@router.get("/contests/{contest_id}/candidates", response=list[CandidateOut], summary="Candidates of a contest")
def contest_candidates(request, contest_id: int):
    contest = get_object_or_404(Contest, pk=contest_id)
    return Candidate.objects.filter(contest=contest).select_related("person", "party")


@router.get("/candidates", response=list[CandidateOut], summary="Candidates, by election")
@paginate
def list_candidates(request, election: str = Query(..., max_length=100)):
    return Candidate.objects.filter(contest__election__slug=election).select_related("person", "party").order_by("id")


@router.get("/precincts", response=list[PrecinctOut], summary="Precincts (UIK), filtered")
@paginate
def list_precincts(request, filters: Query[PrecinctFilter]):
    precincts = Precinct.objects.select_related("region", "venue").order_by("region__name", "number", "code")
    if filters.number is not None:
        precincts = precincts.filter(number=filters.number)
    if filters.region:
        region = filters.region
        precincts = precincts.filter(Q(region__name__icontains=region) | Q(region__key__icontains=region))
    if filters.election:
        precincts = precincts.filter(protocols__contest__election__slug=filters.election).distinct()
    return precincts


@router.get("/precincts/{precinct_id}", response=PrecinctOut, summary="One precinct with its venue")
def get_precinct(request, precinct_id: int):
    return get_object_or_404(Precinct.objects.select_related("region", "venue"), pk=precinct_id)


@router.get(
    "/precincts/{precinct_id}/protocols",
    response=list[ProtocolOut],
    summary="The contests on a precinct's ballot, with protocol lines and votes",
)
def precinct_protocols(request, precinct_id: int):
    precinct = get_object_or_404(Precinct, pk=precinct_id)
    return (
        Protocol.objects.filter(precinct=precinct)
        .select_related("contest__election", "tik")
        .prefetch_related("votes__choice")
        .order_by("-contest__election__date", "contest_id")
    )


@router.get("/contests/{contest_id}/protocols", response=list[ProtocolOut], summary="A contest's protocols, paged")
@paginate
def contest_protocols(request, contest_id: int):
    contest = get_object_or_404(Contest, pk=contest_id)
    return (
        contest.protocols.select_related("contest__election", "tik")
        .prefetch_related("votes__choice")
        .order_by("precinct_id")
    )


@router.get("/venues", response=list[VenueOut], summary="Polling-station buildings")
@paginate
def list_venues(request, q: str = Query(None, max_length=200, description="part of the street or name")):
    venues = Venue.objects.order_by("id")
    if q:
        venues = venues.filter(Q(street__icontains=q) | Q(name__icontains=q) | Q(building__icontains=q))
    return venues


@router.get("/venues/{venue_id}", response=VenueOut, summary="One venue")
def get_venue(request, venue_id: int):
    return get_object_or_404(Venue, pk=venue_id)
