"""The monitor's API: report intake, published open data, statistics."""

from itertools import islice

from ninja import Field, Query, Router, Schema, Status

from core.clients import client_ip
from core.hours import this_hour
from core.pagination import MAX_OFFSET
from elections.models import Election
from monitor import stats
from monitor.export import COLUMNS, rows
from monitor.intake import IntakeError, TooMany, check_rate, receive

router = Router(tags=["monitor"])


class ReportIn(Schema):
    """One report. Which fields apply depends on ``kind``; the others are ignored."""

    # Required, but checked by monitor.intake: a missing one gets its message like any other field.
    kind: str = Field("", description="detention, prosecution or violation (required)")
    happened: str = Field("", description="YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][+03:00]; not in the future (required)")
    text: str = ""
    links: list[str] = Field(default_factory=list, description="http(s) links to media and sources")
    reporter_contact: str = Field("", description="sealed to the organisers' offline key")
    reporter_role: str = ""
    # detention and prosecution: the person (all optional; name, age, contact are sealed)
    name: str = ""
    age: int | None = None
    minor: bool = False
    journalist: bool = False
    consent: bool = Field(False, description="the person agrees to be named publicly")
    person_contact: str = ""
    # detention
    city: str = Field("", description="a city's name as listed by the site")
    event: str = Field("", description="an event's slug")
    place: str = ""
    police_station: str = ""
    count: int = Field(1, description="people detained (a group is reported without names)")
    journalists: int | None = None
    minors: int | None = None
    charges: str = ""
    # prosecution
    person: str = Field("", description="pseudonym of an existing record (P-…)")
    case_kind: str = Field("", description="administrative or criminal")
    article: str = ""
    step: str = ""
    days: int | None = None
    court: str = ""
    # violation
    elections: list[str] = Field(default_factory=list, description="election slugs")
    precinct: int | None = Field(None, description="precinct (UIK) number")
    region: str = ""
    area: str = ""
    categories: list[str] = Field(default_factory=list, description="phase:code, e.g. during:carousel_or_stuffing")


class Received(Schema):
    """A report held until its hour is over (core.held): no id yet, so that nothing dates it finer than the hour."""

    state: str = Field(description="'held': it reaches the moderators within the hour")
    received: str = Field(description="the hour it is counted as received in (UTC, ISO 8601)")


class Errors(Schema):
    detail: str = ""  # every message in one line, as every refusal of the API has it
    errors: dict[str, str]


@router.post("/reports", response={201: Received, 400: Errors, 429: Errors}, summary="File a report")
def file_report(request, report: ReportIn):
    try:
        check_rate(client_ip(request))
        receive(report.dict(), source="api")
    except IntakeError as exc:
        return Status(429 if isinstance(exc, TooMany) else 400, {"detail": str(exc), "errors": exc.errors})
    return Status(201, {"state": "held", "received": this_hour().isoformat()})


class StatsQuery(Schema):
    event: str = Field("", description="event slug")
    since: str = Field("", description="YYYY-MM-DD")
    until: str = Field("", description="YYYY-MM-DD")


@router.get(
    "/monitor/stats/detentions",
    response={200: stats.Detentions, 400: Errors},
    summary="Published detentions per city, day and event; cases opened",
)
def detention_stats(request, q: Query[StatsQuery]):
    filters, errors = stats.Filters.from_query(q.dict())
    if errors:
        return Status(400, {"errors": errors})
    return stats.detentions(filters)


@router.get(
    "/monitor/stats/violations",
    response={200: stats.Violations, 404: Errors},
    summary="Published violation reports per category, precinct, election and district",
)
def violation_stats(request, election: str = ""):
    chosen = Election.objects.filter(slug=election).first() if election else None
    if election and chosen is None:
        return Status(404, {"detail": "unknown election", "errors": {"election": "unknown election"}})
    return stats.violations(chosen)


class Page(Schema):
    offset: int = Field(0, ge=0, le=MAX_OFFSET)
    limit: int = Field(1000, ge=1, le=10_000)


@router.get(
    "/monitor/data/{dataset}",
    response={200: list[dict], 404: Errors},
    summary="Open data: detentions, prosecutions, violations, counts or prisoners (as the CSV files)",
)
def open_data(request, dataset: str, page: Query[Page]):
    if dataset not in COLUMNS:
        known = "one of: " + ", ".join(COLUMNS)
        return Status(404, {"detail": known, "errors": {"dataset": known}})
    return list(islice(rows(dataset), page.offset, page.offset + page.limit))
