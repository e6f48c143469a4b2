"""Totals of contests and elections, computed in the database.

One place for the numbers that the pages, the API and the `elections`
command show, so that they always agree. Shares are of the ballots cast
(valid + invalid), as the CEC publishes them; turnout is ballots issued
over registered voters.
"""

from dataclasses import asdict, dataclass, fields
from datetime import date
from typing import Any

import polars as pl
from django.db.models import Count, Q, Sum

from core.cache import Cached, Freshness
from elections.models import Contest, Election, Protocol, Vote

MAIN_KINDS = [Contest.Kind.PARTY_LIST, Contest.Kind.PERSONAL, Contest.Kind.REFERENDUM]
SUMMED = ["registered", "ballots_issued", "ballots_in_boxes", "valid", "invalid"]


def percent(part: int | float, whole: int | float | None) -> float | None:
    return round(100 * part / whole, 2) if whole else None


@dataclass(frozen=True)
class Totals:
    """The main lines of a contest's protocols, summed over those with a published result."""

    precincts: int  # with a published result
    precincts_reporting: int  # …of which with registered voters > 0
    precincts_listed: int  # with this contest on their ballot
    registered: int
    ballots_issued: int
    ballots_in_boxes: int
    valid: int
    invalid: int
    turnout: float | None  # ballots issued / registered, %


@dataclass(frozen=True)
class ChoiceResult:
    """One ballot line's votes in a contest, with their share of ballots cast (valid + invalid)."""

    choice_id: int
    name: str
    short_name: str  # the party's short name, "" for a self-nominee or a referendum answer
    votes: int
    share: float | None


@dataclass(frozen=True)
class ContestTotals:
    """A contest's totals and its results, most votes first; stored as JSON in ``Contest.totals`` by each import."""

    totals: Totals
    results: list[ChoiceResult]

    def stored(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def read(cls, stored: dict[str, Any]) -> "ContestTotals":
        """From what ``stored`` wrote; a key an older version did not write reads as 0 (it is recomputed on the next
        import)."""
        names = {f.name for f in fields(Totals)}
        totals = {name: stored["totals"].get(name, 0) for name in names}
        return cls(Totals(**totals), [ChoiceResult(**r) for r in stored["results"]])


def protocol_totals(protocols: Any) -> Totals:
    """Sums of the main lines over a queryset of protocols."""
    summed = protocols.filter(has_result=True).aggregate(
        precincts=Count("id"),
        precincts_reporting=Count("id", filter=Q(registered__gt=0)),
        **{name: Sum(name) for name in SUMMED},
    )
    counts = {k: v or 0 for k, v in summed.items()}
    return Totals(
        **counts,
        precincts_listed=protocols.count(),
        turnout=percent(counts["ballots_issued"], counts["registered"]),
    )


def choice_results(contest: Contest) -> list[ChoiceResult]:
    """Votes per ballot line, most first, with their share of ballots cast."""
    rows = list(
        Vote.objects.filter(protocol__contest=contest)
        .values("choice_id", "choice__name", "choice__party__short_name")
        .annotate(votes=Sum("votes"))
        .order_by("-votes", "choice__name")
    )
    cast = contest.protocols.aggregate(n=Sum("ballots_in_boxes"))["n"]
    return [
        ChoiceResult(
            choice_id=r["choice_id"],
            name=r["choice__name"],
            short_name=r["choice__party__short_name"] or "",
            votes=r["votes"],
            share=percent(r["votes"], cast),
        )
        for r in rows
    ]


def refresh_totals(contest: Contest, written: "Written | None" = None) -> ContestTotals:
    """Recompute and store a contest's totals and results (after an import).

    ``written``: what the import just wrote for this contest, when its protocols are all of them; the sums come from
    those frames instead of the database (summing a national election's ~1.35M vote rows in SQL was a third of its
    import, issue 38). The figures are the same either way (elections/tests/test_totals.py)."""
    if written is not None:
        found = written.totals(contest)
    else:
        totals = protocol_totals(contest.protocols.all())
        # No protocol with a result, no votes: skip the vote query (225 of a
        # national election's 226 contests have no published results).
        found = ContestTotals(totals, choice_results(contest) if totals.precincts else [])
    contest.totals = found.stored()
    contest.save(update_fields=["totals"])
    return found


@dataclass(frozen=True)
class Written:
    """One contest's protocols and votes as an import wrote them: ``protocols`` has has_result and the SUMMED lines
    (null where not published), ``votes`` choice_id and votes, one row per protocol and ballot line."""

    protocols: pl.DataFrame
    votes: pl.DataFrame

    def totals(self, contest: Contest) -> ContestTotals:
        """What ``protocol_totals`` and ``choice_results`` give once these are all the contest's rows."""
        p = self.protocols
        counted = p.filter(pl.col("has_result"))
        sums = counted.select(pl.col(name).sum() for name in SUMMED).row(0, named=True)
        counts = {name: int(sums[name] or 0) for name in SUMMED}
        totals = Totals(
            precincts=counted.height,
            precincts_reporting=counted.filter(pl.col("registered") > 0).height,
            precincts_listed=p.height,
            **counts,
            turnout=percent(counts["ballots_issued"], counts["registered"]),
        )
        if not totals.precincts:
            return ContestTotals(totals, [])
        cast = int(p["ballots_in_boxes"].sum()) if p["ballots_in_boxes"].null_count() < p.height else None
        summed = dict(self.votes.group_by("choice_id").agg(pl.col("votes").sum()).iter_rows())
        names = contest.choices.filter(pk__in=summed).values_list("pk", "name", "party__short_name")
        results = [
            ChoiceResult(
                choice_id=pk,
                name=name,
                short_name=short or "",
                votes=int(summed[pk]),
                share=percent(summed[pk], cast),
            )
            for pk, name, short in names
        ]
        # As choice_results orders them: most votes first, then by name (code point order, as SQLite's and the "C"
        # collation's; a tie in votes between two lines of one contest is rare).
        results.sort(key=lambda r: (-r.votes, r.name))
        return ContestTotals(totals, results)


def contest_totals(contest: Contest) -> ContestTotals:
    """The totals and results as stored by the last import (computed now when no import stored them)."""
    return ContestTotals.read(contest.totals) if contest.totals else refresh_totals(contest)


def main_contest(election: Election) -> Contest | None:
    """The contest whose totals stand for the election's (the list vote, …)."""
    contests = {c.kind: c for c in election.contests.filter(kind__in=MAIN_KINDS, number=0)}
    return next((contests[k] for k in MAIN_KINDS if k in contests), None)


@dataclass(frozen=True)
class ElectionSummary(Totals):
    """An election with the totals of its main contest (``main_contest``) and that contest's first three lines."""

    slug: str
    name: str
    date: date
    level: str
    kind: str
    contests: int
    ballots_cast: int
    top: list[ChoiceResult]


def election_summary(election: Election) -> ElectionSummary:
    contest = main_contest(election)
    stored = contest_totals(contest) if contest else ContestTotals(protocol_totals(Protocol.objects.none()), [])
    return ElectionSummary(
        **asdict(stored.totals),
        slug=election.slug,
        name=election.name,
        date=election.date,
        level=election.level,
        kind=election.kind,
        contests=election.contests.count(),
        ballots_cast=stored.totals.ballots_in_boxes,
        top=stored.results[:3],
    )


# A federal election counts as whole when this many regions are imported (85 regions, and voting abroad).
WHOLE_COUNTRY = 80


@dataclass(frozen=True)
class Scope:
    """What part of a national election is imported: how many regions, the one region's name when one, precincts."""

    regions: int
    region: str
    precincts: int


def compute_scope(contest_id: int) -> Scope:
    regions = list(
        Protocol.objects.filter(contest_id=contest_id, precinct__is_remote=False)
        .values("precinct__region__name")
        .annotate(n=Count("id"))
        .order_by("-n")
    )
    return Scope(
        regions=len(regions),
        region=regions[0]["precinct__region__name"] if len(regions) == 1 else "",
        precincts=sum(r["n"] for r in regions),
    )


SCOPES = Cached(compute_scope, Freshness("election-scope", ["elections.ImportRun"], every=60), size=200)


def scope(election: Election) -> Scope | None:
    """What part of a federal election is imported, when it is not the whole country: readers must not take one
    city's figures for the nation's ("only St Petersburg: 2,043 precincts")."""
    if election.level != Election.Level.FEDERAL:
        return None
    contest = main_contest(election)
    found = SCOPES.get(contest.pk) if contest else None
    return found if found and 0 < found.regions < WHOLE_COUNTRY else None
