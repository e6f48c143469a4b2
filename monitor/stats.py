"""The numbers: detentions per city, day and event; cases; violations per category, precinct, election.

Detention figures come from ``DetentionCount`` (kept by monitor.moderation
at each publication): a page sums one row per city, event and day, not one
per report, and the answer stays in the cache until the next publication.
Only published reports count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from core.charts import with_bars
from elections.models import Election
from monitor.models import (
    CATEGORIES,
    PHASES,
    Case,
    City,
    DetentionCount,
    Event,
    ModerationLog,
    Report,
    ViolationCategory,
)


@dataclass(frozen=True)
class Filters:
    event: Event | None = None
    since: date | None = None
    until: date | None = None

    @classmethod
    def from_query(cls, query) -> tuple[Filters, dict]:
        """Filters from a page's or the API's query; bad values are reported, not guessed."""
        errors: dict[str, str] = {}
        values: dict[str, Any] = {}
        slug = (query.get("event") or "").strip()
        if slug:
            values["event"] = Event.objects.filter(slug=slug).first()
            if values["event"] is None:
                errors["event"] = "unknown event"
        for name in ("since", "until"):
            raw = (query.get(name) or "").strip()
            if raw:
                try:
                    values[name] = date.fromisoformat(raw)
                except ValueError:
                    errors[name] = "expected a date as YYYY-MM-DD"
        return cls(**values), errors

    def key(self) -> str:
        """The question these filters ask, written one way (for cache keys): what else a query holds is not
        part of it."""
        return f"{self.event.pk if self.event else ''}:{self.since or ''}:{self.until or ''}"

    def counts(self):
        rows = DetentionCount.objects.all()
        if self.event:
            rows = rows.filter(event_key=self.event.pk)
        if self.since:
            rows = rows.filter(day__gte=self.since)
        if self.until:
            rows = rows.filter(day__lte=self.until)
        return rows


SUMS = {
    "detentions": Sum("detentions"),
    "journalists": Sum("journalists"),
    "minors": Sum("minors"),
    "reports": Sum("reports"),
}


def state():
    """Where the published data stand: every publication and retraction writes the moderation log, so its
    last id changes whenever a count can (one look-up of a primary key)."""
    return ModerationLog.objects.order_by("-pk").values_list("pk", flat=True).first()


@dataclass(frozen=True)
class Sums:
    """Published detentions counted: people, of them journalists and minors, and the reports they came in."""

    detentions: int
    journalists: int
    minors: int
    reports: int


@dataclass(frozen=True)
class CityCount(Sums):
    city: str
    city_id: int
    latitude: float | None
    longitude: float | None


@dataclass(frozen=True)
class DayCount(Sums):
    day: date  # in the site's time zone, as the counts are kept


@dataclass(frozen=True)
class EventCount(Sums):
    event: str  # "" for detentions at no named event
    slug: str


@dataclass(frozen=True)
class DetentionTotals(Sums):
    cities: int
    cases_administrative: int
    cases_criminal: int


@dataclass(frozen=True)
class Detentions:
    """The detention statistics the page, its charts and the API show (``days`` empty when not asked for)."""

    totals: DetentionTotals
    cities: list[CityCount]  # most detentions first
    days: list[DayCount]  # oldest first
    events: list[EventCount]  # most detentions first


def detentions(filters: Filters | None = None, days: bool = True) -> Detentions:
    """Totals, per city, per event and (with ``days``) per day; kept in the cache until the data change."""
    filters = filters or Filters()
    key = f"monitor-stats:{state()}:{days}:{filters.key()}"
    found: Detentions | None = cache.get(key)
    if found is None:
        found = _detentions(filters, days)
        cache.set(key, found, 600)
    return found


def _detentions(filters: Filters, days: bool) -> Detentions:
    rows = filters.counts()
    cities = {c.pk: c for c in City.objects.all()}
    events = {e.pk: e for e in Event.objects.all()}
    per_city = [
        CityCount(
            city=cities[r["city_id"]].name,
            city_id=r["city_id"],
            latitude=cities[r["city_id"]].latitude,
            longitude=cities[r["city_id"]].longitude,
            **_ints(r),
        )
        for r in rows.values("city_id").annotate(**SUMS).order_by("-detentions", "city_id")
    ]
    per_day = (
        [DayCount(day=r["day"], **_ints(r)) for r in rows.values("day").annotate(**SUMS).order_by("day")]
        if days
        else []
    )
    per_event = [
        EventCount(
            event=events[r["event_key"]].name if r["event_key"] in events else "",
            slug=events[r["event_key"]].slug if r["event_key"] in events else "",
            **_ints(r),
        )
        for r in rows.values("event_key").annotate(**SUMS).order_by("-detentions")
    ]
    summed = {k: sum(getattr(c, k) for c in per_city) for k in SUMS}  # every counted row has a city
    cases = Case.objects.all()
    if filters.since:
        cases = cases.filter(opened__gte=filters.since)
    if filters.until:
        cases = cases.filter(opened__lte=filters.until)
    opened = cases.aggregate(
        administrative=Count("id", filter=Q(kind=Case.Kind.ADMINISTRATIVE)),
        criminal=Count("id", filter=Q(kind=Case.Kind.CRIMINAL)),
    )
    totals = DetentionTotals(
        **summed,
        cities=len(per_city),
        cases_administrative=opened["administrative"],
        cases_criminal=opened["criminal"],
    )
    return Detentions(totals=totals, cities=per_city, days=per_day, events=per_event)


def _ints(row: dict[str, Any]) -> dict[str, int]:
    return {k: int(row.get(k) or 0) for k in SUMS}


@dataclass(frozen=True)
class CategoryCount:
    phase: str
    code: str
    n: int  # reports
    label: str  # the phase and the category in the active language


@dataclass(frozen=True)
class PrecinctCount:
    id: int
    code: str  # the UIK's number as the commission writes it
    n: int
    district: str
    latitude: float | None
    longitude: float | None


@dataclass(frozen=True)
class ElectionCount:
    slug: str
    name: str
    n: int


@dataclass(frozen=True)
class AreaCount:
    area: str
    n: int


@dataclass(frozen=True)
class Violations:
    """Published violation reports (of one election, when chosen) per category, precinct, election and district,
    each most reports first."""

    total: int
    categories: list[CategoryCount]
    precincts: list[PrecinctCount]
    elections: list[ElectionCount]
    areas: list[AreaCount]


def violations(election: Election | None = None) -> Violations:
    reports = Report.objects.filter(kind=Report.Kind.VIOLATION, state=Report.State.PUBLISHED)
    if election is not None:
        reports = reports.filter(elections=election)
    categories = (
        ViolationCategory.objects.filter(report__in=reports)
        .values("phase", "code")
        .annotate(n=Count("report_id", distinct=True))
        .order_by("-n", "phase", "code")
    )
    precincts = (
        reports.filter(precinct__isnull=False)
        .values(
            "precinct_id",
            "precinct__code",
            "precinct__venue__latitude",
            "precinct__venue__longitude",
            "precinct__city_district",
        )
        .annotate(n=Count("id"))
        .order_by("-n", "precinct__code")
    )
    elections = (
        Report.elections.through.objects.filter(report__in=reports)
        .values("election__slug", "election__name")
        .annotate(n=Count("report_id"))
        .order_by("-n")
    )
    areas = reports.exclude(area="").values("area").annotate(n=Count("id")).order_by("-n", "area")
    return Violations(
        total=reports.count(),
        categories=[
            CategoryCount(r["phase"], r["code"], r["n"], f"{PHASES[r['phase']]}: {CATEGORIES[r['phase']][r['code']]}")
            for r in categories
        ],
        precincts=[
            PrecinctCount(
                id=r["precinct_id"],
                code=r["precinct__code"],
                n=r["n"],
                district=r["precinct__city_district"],
                latitude=r["precinct__venue__latitude"],
                longitude=r["precinct__venue__longitude"],
            )
            for r in precincts
        ],
        elections=[ElectionCount(r["election__slug"], r["election__name"], r["n"]) for r in elections],
        areas=[AreaCount(r["area"], r["n"]) for r in areas],
    )


# import_public_record's source: figures others published (OVD-Info's counts, via the press), each with its source.
PUBLISHED_ELSEWHERE = "public-record"
NATIONWIDE = {"Russia", "Россия"}


def published_beside_own() -> list[dict]:
    """Each published figure beside the detentions reported to the monitor itself that day in that city.

    The figures count in the monitor's totals (they are published record); this table shows them apart, so that
    a reader sees how much of a day the monitor's own reports cover and where its numbers come from. Kept in the
    cache until the published data change (state), as the other statistics are: every full view of /monitor/ asks."""
    key = f"monitor-elsewhere:{state()}:{get_language()}"  # its rows name "all of Russia" in the page's language
    found: list[dict[str, Any]] | None = cache.get(key)
    if found is None:
        found = _published_beside_own()
        cache.set(key, found, 600)
    return found


def _published_beside_own() -> list[dict]:
    """Issue 38: this aggregated every published report by day and city on every view — 0.4–0.9 s at 200k reports,
    at any anonymous visitor's will. Now it reads the few published-elsewhere reports (by the source's index) and,
    for their days only, the per-day counts (DetentionCount, which holds every published detention with a city):
    the monitor's own count of a day and city is the counts' sum less the figures published elsewhere in it."""
    elsewhere = list(
        Report.objects.filter(source=PUBLISHED_ELSEWHERE, kind=Report.Kind.DETENTION, state=Report.State.PUBLISHED)
        .select_related("city", "event")
        .order_by("happened", "city__name")
    )
    figures = [r for r in elsewhere if r.person_id is None]
    if not figures:
        return []
    days = {timezone.localdate(r.happened) for r in elsewhere}
    reported: dict = {}
    for c in DetentionCount.objects.filter(day__in=days).values("day", "city_id").annotate(n=Sum("detentions")):
        reported[(c["day"], c["city_id"])] = c["n"]
        reported[(c["day"], None)] = reported.get((c["day"], None), 0) + c["n"]
    for r in elsewhere:  # what the counts hold of the figures themselves (those with a city)
        if r.city_id:
            day = timezone.localdate(r.happened)
            reported[(day, r.city_id)] = reported.get((day, r.city_id), 0) - r.count
            reported[(day, None)] = reported.get((day, None), 0) - r.count
    rows = []
    for r in figures:
        day = timezone.localdate(r.happened)
        # A nationwide figure is kept as published (the report itself counts it less the cities named that day).
        as_published = (r.extra or {}).get("published") or {}
        nationwide = as_published.get("place") in NATIONWIDE
        rows.append(
            {
                "day": day,
                "city": _("all of Russia") if nationwide else (r.city.name if r.city else ""),
                "event": r.event.name if r.event else "",
                "published": as_published.get("count", r.count),
                "source": r.text,
                "own": max(0, reported.get((day, None if nationwide else r.city_id), 0)),
            }
        )
    return with_bars(rows, key="published")
