"""Totals of contests and elections, computed in the database.

One place for the numbers that the pages, the API and the `elections`
command show, so that they always agree. Shares are of the ballots cast
(valid + invalid), as the CEC publishes them; turnout is ballots issued
over registered voters.
"""

from dataclasses import dataclass

import polars as pl
from django.db.models import Count, Q, Sum

from core.cache import Cached, Freshness
from elections.models import Contest, Election, Protocol, Vote

MAIN_KINDS = [Contest.Kind.PARTY_LIST, Contest.Kind.PERSONAL, Contest.Kind.REFERENDUM]
SUMMED = ["registered", "ballots_issued", "ballots_in_boxes", "valid", "invalid"]


def percent(part, whole):
    return round(100 * part / whole, 2) if whole else None


def protocol_totals(protocols) -> dict:
    """Sums of the main lines over a queryset of protocols."""
    totals = protocols.filter(has_result=True).aggregate(
        precincts=Count("id"),
        precincts_reporting=Count("id", filter=Q(registered__gt=0)),
        **{name: Sum(name) for name in SUMMED},
    )
    totals = {k: v or 0 for k, v in totals.items()}
    totals["precincts_listed"] = protocols.count()
    totals["turnout"] = percent(totals["ballots_issued"], totals["registered"])
    return totals


def choice_results(contest: Contest) -> list[dict]:
    """Votes per ballot line, most first, with their share of ballots cast."""
    rows = list(
        Vote.objects.filter(protocol__contest=contest)
        .values("choice_id", "choice__name", "choice__party__short_name")
        .annotate(votes=Sum("votes"))
        .order_by("-votes", "choice__name")
    )
    cast = contest.protocols.aggregate(n=Sum("ballots_in_boxes"))["n"]
    return [
        {
            "choice_id": r["choice_id"],
            "name": r["choice__name"],
            "short_name": r["choice__party__short_name"] or "",
            "votes": r["votes"],
            "share": percent(r["votes"], cast),
        }
        for r in rows
    ]


def refresh_totals(contest: Contest, written: "Written | None" = None) -> dict:
    """Recompute and store a contest's totals and results (after an import).

    ``written``: what the import just wrote for this contest, when its protocols are all of them; the sums come from
    those frames instead of the database (summing a national election's ~1.35M vote rows in SQL was a third of its
    import, issue 38). The figures are the same either way (elections/tests/test_totals.py)."""
    if written is not None:
        contest.totals = written.totals(contest)
    else:
        totals = protocol_totals(contest.protocols.all())
        # No protocol with a result, no votes: skip the vote query (225 of a
        # national election's 226 contests have no published results).
        contest.totals = {"totals": totals, "results": choice_results(contest) if totals["precincts"] else []}
    contest.save(update_fields=["totals"])
    return contest.totals


@dataclass(frozen=True)
class Written:
    """One contest's protocols and votes as an import wrote them: ``protocols`` has has_result and the SUMMED lines
    (null where not published), ``votes`` choice_id and votes, one row per protocol and ballot line."""

    protocols: pl.DataFrame
    votes: pl.DataFrame

    def totals(self, contest: Contest) -> dict:
        """What ``protocol_totals`` and ``choice_results`` give once these are all the contest's rows."""
        p = self.protocols
        counted = p.filter(pl.col("has_result"))
        sums = counted.select(pl.col(name).sum() for name in SUMMED).row(0, named=True)
        totals = {
            "precincts": counted.height,
            "precincts_reporting": counted.filter(pl.col("registered") > 0).height,
            **{name: int(sums[name] or 0) for name in SUMMED},
            "precincts_listed": p.height,
        }
        totals["turnout"] = percent(totals["ballots_issued"], totals["registered"])
        if not totals["precincts"]:
            return {"totals": totals, "results": []}
        cast = p["ballots_in_boxes"].sum() if p["ballots_in_boxes"].null_count() < p.height else None
        summed = dict(self.votes.group_by("choice_id").agg(pl.col("votes").sum()).iter_rows())
        names = contest.choices.filter(pk__in=summed).values_list("pk", "name", "party__short_name")
        results = [
            {
                "choice_id": pk,
                "name": name,
                "short_name": short or "",
                "votes": int(summed[pk]),
                "share": percent(summed[pk], cast),
            }
            for pk, name, short in names
        ]
        # As choice_results orders them: most votes first, then by name (code point order, as SQLite's and the "C"
        # collation's; a tie in votes between two lines of one contest is rare).
        results.sort(key=lambda r: (-r["votes"], r["name"]))
        return {"totals": totals, "results": results}


def contest_totals(contest: Contest) -> dict:
    """{"totals": …, "results": […]} as stored by the last import."""
    return contest.totals or refresh_totals(contest)


def main_contest(election: Election) -> Contest | None:
    """The contest whose totals stand for the election's (the list vote, …)."""
    contests = {c.kind: c for c in election.contests.filter(kind__in=MAIN_KINDS, number=0)}
    return next((contests[k] for k in MAIN_KINDS if k in contests), None)


def election_summary(election: Election) -> dict:
    contest = main_contest(election)
    stored: dict = (
        contest_totals(contest) if contest else {"totals": protocol_totals(Protocol.objects.none()), "results": []}
    )
    totals = stored["totals"]
    return {
        "slug": election.slug,
        "name": election.name,
        "date": election.date.isoformat(),
        "level": election.level,
        "kind": election.kind,
        "contests": election.contests.count(),
        **totals,
        "ballots_cast": totals["ballots_in_boxes"],
        "top": stored["results"][:3],
    }


# A federal election counts as whole when this many regions are imported (85 regions, and voting abroad).
WHOLE_COUNTRY = 80


def compute_scope(contest_id: int) -> dict | None:
    regions = list(
        Protocol.objects.filter(contest_id=contest_id, precinct__is_remote=False)
        .values("precinct__region__name")
        .annotate(n=Count("id"))
        .order_by("-n")
    )
    return {
        "regions": len(regions),
        "region": regions[0]["precinct__region__name"] if len(regions) == 1 else "",
        "precincts": sum(r["n"] for r in regions),
    }


SCOPES = Cached(compute_scope, Freshness("election-scope", ["elections.ImportRun"], every=60), size=200)


def scope(election: Election) -> dict | None:
    """What part of a federal election is imported, when it is not the whole country: readers must not take one
    city's figures for the nation's ("only St Petersburg: 2,043 precincts")."""
    if election.level != Election.Level.FEDERAL:
        return None
    contest = main_contest(election)
    found = SCOPES.get(contest.pk) if contest else None
    return found if found and 0 < found["regions"] < WHOLE_COUNTRY else None
