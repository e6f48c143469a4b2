"""Earlier results carried onto a new election's districts.

District boundaries move between elections, precincts do much less: a
district's earlier result is rebuilt from the precincts it is made of now.
Each precinct of the new district takes the earlier result of

* the precinct with the same number in the same region, where it voted in
  the earlier election (boundaries held: in St Petersburg 1,892 of the 1,986
  precincts of 2021 also voted in 2016); otherwise
* the nearest precinct, by its building's coordinates, that did vote then
  (a new precinct in a new block of flats votes like its neighbours);
* else the mean of the precincts of its own TIK then, where the region's
  TIKs held (a TIK is a city district; it nests in the new district);

and is counted as missing when none is known. Numbers are not trusted
everywhere: where a region kept its TIKs but most numbers that voted at
both elections now sit in another TIK, the region renumbered its precincts
(Moscow between 2011 and 2016: 78 % of matched numbers moved TIK, and their
electorates hardly correlate, r = 0.24), and its precincts are matched by
coordinates or TIK, never by number. St Petersburg reorganised its TIKs
(30 in 2016, 64 in 2021) but kept its numbers (1,892 of 2021's 1,986
precincts voted under their number in 2016): numbers are used there. Where a forensic analysis
of the earlier election is stored, the ruling list's votes are taken with
its estimated added ballots removed (forensics.CleanedResult).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import polars as pl
from django.db.models import Sum
from scipy.spatial import cKDTree

from core.cache import table_version
from core.geo import unit_vectors
from elections.frames import (
    choice_votes,
    contest_precincts,
    located_precincts,
    party_list_votes,
    precinct_commissions,
)
from elections.models import Choice, Contest, Election, Protocol, Vote
from forensics.data import cleaned_excess
from smartvote.models import CarriedHistory

TIED = 12  # at most this many precincts in one building share a new precinct's result


@dataclass
class Carried:
    """One earlier election's list votes summed over each district of the target."""

    election: Election
    votes: pl.DataFrame  # contest_id, party_id, votes (fractional where a new precinct averages a building)
    coverage: pl.DataFrame  # contest_id, precincts, by_number, by_coordinates, by_commission, missing
    cleaned: bool  # ruling votes with the forensic excess taken out


def list_votes(election: Election, region_ids: list[int], cleaned: bool = True) -> tuple[pl.DataFrame, bool]:
    """precinct_id, party_id, votes of an election's party-list contest in some regions.

    The ruling list's votes are cleaned when the latest forensic analysis of
    the election holds per-precinct excess estimates.
    """
    votes = party_list_votes(election, region_ids)
    excess = cleaned_excess(election, region_ids, votes) if cleaned else None
    votes = votes.drop("protocol_id")
    if excess is None:
        return votes, False
    votes = (
        votes.join(excess, on=["precinct_id", "party_id"], how="left")
        .with_columns(votes=pl.col("votes") - pl.col("excess").fill_null(0))
        .drop("excess")
    )
    return votes, True


# A region's TIKs held when this share of the target's TIK keys existed at the earlier election; it renumbered its
# precincts when more than RENUMBERED of the numbers found at both sit in another TIK now.
TIKS_HELD = 0.9
RENUMBERED = 0.5


def tik_status(targets: pl.DataFrame, earlier_tiks: pl.DataFrame) -> tuple[set[int], set[int]]:
    """The target regions whose TIKs held since the earlier election, and those of them whose precinct numbers
    do not mean the same precincts."""
    # One pass per frame, grouped by region (a loop over regions filtered each frame ~1,000 times nationally).
    keys = targets.filter(pl.col("tik").is_not_null()).select("region_id", "tik").unique()
    then = earlier_tiks.select("region_id", "tik").unique().with_columns(found=pl.lit(True))
    per_region = (
        keys.join(then, on=["region_id", "tik"], how="left")
        .group_by("region_id")
        .agg(n=pl.len(), found=pl.col("found").fill_null(False).sum())
    )
    held = set(per_region.filter(pl.col("found") >= TIKS_HELD * pl.col("n"))["region_id"].to_list())
    matched = targets.unique("precinct_id").join(earlier_tiks.drop("region_id"), on="precinct_id", suffix="_then")
    moved = (
        matched.filter(pl.col("tik").is_not_null() & pl.col("tik_then").is_not_null())
        .group_by("region_id")
        .agg(moved=(pl.col("tik") != pl.col("tik_then")).mean())
    )
    renumbered = {r for r, share in moved.iter_rows() if r in held and share > RENUMBERED}
    return held, renumbered


def donors(
    targets: pl.DataFrame, voted: set[int], coordinates: pl.DataFrame, earlier_tiks: pl.DataFrame
) -> pl.DataFrame:
    """precinct_id → donor_id (whose earlier result it takes), weight, and how it was found.

    Several precincts often vote in the nearest building: a new precinct then
    takes their mean (each with weight 1/k), so the answer does not hang on
    which of them a query happens to list first; a precinct matched by its TIK
    takes the mean of that TIK's earlier precincts the same way.
    """
    held, renumbered = tik_status(targets, earlier_tiks)
    precincts = targets.unique("precinct_id").select("precinct_id", "region_id", "tik", "latitude", "longitude")
    by_number = pl.col("precinct_id").is_in(list(voted)) & ~pl.col("region_id").is_in(list(renumbered))
    own = precincts.filter(by_number)
    rest = precincts.filter(~by_number)
    found = [own.select("precinct_id", donor_id=pl.col("precinct_id"), weight=pl.lit(1.0), how=pl.lit("number"))]
    located = rest.filter(pl.col("latitude").is_not_null())
    known = coordinates.filter(pl.col("precinct_id").is_in(list(voted)) & pl.col("latitude").is_not_null())
    if located.height and known.height:
        tree = cKDTree(unit_vectors(known["latitude"].to_numpy(), known["longitude"].to_numpy()))
        k = min(TIED, known.height)
        distances, nearest = tree.query(
            unit_vectors(located["latitude"].to_numpy(), located["longitude"].to_numpy()), k=k
        )
        distances, nearest = distances.reshape(located.height, k), nearest.reshape(located.height, k)
        tied = distances <= distances[:, :1] + 1e-9  # within ~6 mm of the nearest
        rows, cols = np.nonzero(tied)
        found.append(
            pl.DataFrame(
                {
                    "precinct_id": located["precinct_id"].gather(rows),
                    "donor_id": known["precinct_id"].gather(nearest[rows, cols]),
                    "weight": 1.0 / tied.sum(axis=1)[rows],
                    "how": ["coordinates"] * len(rows),
                }
            )
        )
    else:
        located = located.clear()
    # The rest, in a region whose TIKs held: the mean of the TIK's earlier precincts.
    unplaced = rest.join(located.select("precinct_id"), on="precinct_id", how="anti").filter(
        pl.col("tik").is_not_null() & pl.col("region_id").is_in(list(held))
    )
    pool = earlier_tiks.filter(pl.col("precinct_id").is_in(list(voted)))
    pool = pool.with_columns(weight=1.0 / pl.len().over("region_id", "tik"))
    found.append(
        unplaced.select("precinct_id", "region_id", "tik")
        .join(pool.rename({"precinct_id": "donor_id"}), on=["region_id", "tik"])
        .select("precinct_id", "donor_id", "weight", how=pl.lit("commission"))
    )
    return pl.concat(found, how="vertical_relaxed")


def carry(
    election: Election, contests: list[Contest], targets: pl.DataFrame | None = None, cleaned: bool = True
) -> Carried:
    """An earlier election's list votes summed over the target contests' precincts."""
    targets = contest_precincts(contests) if targets is None else targets
    regions = targets["region_id"].unique().to_list()
    votes, cleaned = list_votes(election, regions, cleaned)
    lists = list(election.contests.filter(kind=Contest.Kind.PARTY_LIST).values_list("id", flat=True))
    carried, coverage = over_districts(votes, "party_id", targets, regions, precinct_commissions(lists, regions))
    return Carried(election=election, votes=carried, coverage=coverage, cleaned=cleaned)


COVERAGE_SCHEMA = {
    "contest_id": pl.Int64,
    "precincts": pl.UInt32,
    "by_number": pl.UInt32,
    "by_coordinates": pl.UInt32,
    "by_commission": pl.UInt32,
    "missing": pl.UInt32,
}

# The tables whose change can change a carried result: the imports (results, precincts' TIKs and districts) and
# the precincts and their buildings (coordinates decide a new precinct's donor).
CARRY_STATE = ["elections.ImportRun", "elections.Precinct", "elections.Venue", "elections.Protocol"]


def carry_kept(election: Election, contests: list[Contest], targets: pl.DataFrame) -> Carried:
    """carry() of the uncleaned list votes, kept in CarriedHistory while the data are unchanged."""
    key = hashlib.sha256(",".join(str(i) for i in sorted(c.pk for c in contests)).encode()).hexdigest()
    state = ":".join(str(v) for v in table_version(CARRY_STATE))
    kept = CarriedHistory.objects.filter(districts=key, history=election).first()
    if kept is not None and kept.state == state:
        votes = pl.DataFrame(
            kept.votes, schema={"contest_id": pl.Int64, "party_id": pl.Int64, "votes": pl.Float64}, orient="row"
        )
        coverage = pl.DataFrame(kept.coverage, schema=COVERAGE_SCHEMA)
        return Carried(election=election, votes=votes, coverage=coverage, cleaned=False)
    carried = carry(election, contests, targets, cleaned=False)
    CarriedHistory.objects.update_or_create(
        districts=key,
        history=election,
        defaults={
            "state": state,
            "votes": [list(row) for row in carried.votes.cast({"votes": pl.Float64}).iter_rows()],
            "coverage": carried.coverage.to_dicts(),
        },
    )
    return carried


def carry_own(choices: list[Choice], targets: pl.DataFrame) -> pl.DataFrame:
    """contest_id, choice_id, share: each earlier ballot line's share of its race's votes, rebuilt over the
    target contests' precincts (a candidate's own earlier result in their new district). A race published only
    as district totals (elections' district tables) cannot be rebuilt: its share counts for a target district
    made of the same precincts (same_district), and for no other."""
    regions = targets["region_id"].unique().to_list()
    earlier = sorted({c.contest_id for c in choices})
    votes = choice_votes(earlier, regions)
    carried, _coverage = over_districts(votes, "choice_id", targets, regions, precinct_commissions(earlier, regions))
    race = {c.pk: c.contest_id for c in Choice.objects.filter(contest_id__in=earlier)}
    carried = carried.with_columns(race=pl.col("choice_id").replace_strict(race, return_dtype=pl.Int64))
    totals = carried.group_by("contest_id", "race").agg(total=pl.col("votes").sum())
    rebuilt = (
        carried.join(totals, on=["contest_id", "race"])
        .filter(pl.col("choice_id").is_in([c.pk for c in choices]) & (pl.col("total") > 0))
        .select("contest_id", "choice_id", share=pl.col("votes") / pl.col("total"))
    )
    summed = [c for c in choices if c.contest_id not in set(votes["contest_id"].to_list())]
    return pl.concat([rebuilt, same_district(summed, targets)])


# Two districts are the same when this share of the precincts of each is in the other.
SAME_DISTRICT = 0.9


def same_district(choices: list[Choice], targets: pl.DataFrame) -> pl.DataFrame:
    """contest_id, choice_id, share of the ballot lines whose race has district totals only, for the target
    districts made of the same precincts as that race's district (a seat whose boundaries held: the State
    Duma's districts of 2016 and 2021)."""
    rows = []
    for choice in choices:
        race = set(
            Protocol.objects.filter(contest_id=choice.contest_id, precinct__is_remote=False).values_list(
                "precinct_id", flat=True
            )
        )
        votes = dict(
            Vote.objects.filter(protocol__contest_id=choice.contest_id)
            .values("choice_id")
            .annotate(n=Sum("votes"))
            .values_list("choice_id", "n")
        )
        total = sum(votes.values())
        if not race or not total:
            continue
        for (contest_id,), group in targets.group_by("contest_id"):
            here = set(group["precinct_id"].to_list())
            common = len(here & race)
            if common >= SAME_DISTRICT * len(here) and common >= SAME_DISTRICT * len(race):
                rows.append((contest_id, choice.pk, votes.get(choice.pk, 0) / total))
    return pl.DataFrame(rows, schema={"contest_id": pl.Int64, "choice_id": pl.Int64, "share": pl.Float64}, orient="row")


def over_districts(
    votes: pl.DataFrame, key: str, targets: pl.DataFrame, regions: list[int], earlier_tiks: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Earlier votes per precinct (``precinct_id``, ``key``, ``votes``) summed over each target contest's
    precincts, each taking its donor's (module docstring); and how each contest's precincts were found.
    ``earlier_tiks``: precinct_id, tik at the earlier election (elections.frames.precinct_commissions)."""
    voted = set(votes["precinct_id"].unique().to_list())
    coordinates = located_precincts(regions)  # earlier precincts keep their rows
    found = donors(targets, voted, coordinates, earlier_tiks)
    assigned = targets.select("contest_id", "precinct_id").join(found, on="precinct_id", how="left")
    carried = (
        assigned.filter(pl.col("donor_id").is_not_null())
        .join(votes.select("precinct_id", key, "votes"), left_on="donor_id", right_on="precinct_id")
        .group_by("contest_id", key)
        .agg((pl.col("votes") * pl.col("weight")).sum().round(6).alias("votes"))
        .sort("contest_id", key)
    )
    assigned = assigned.unique(["contest_id", "precinct_id"], keep="first")
    coverage = (
        assigned.group_by("contest_id")
        .agg(
            precincts=pl.len(),
            by_number=(pl.col("how") == "number").sum(),
            by_coordinates=(pl.col("how") == "coordinates").sum(),
            by_commission=(pl.col("how") == "commission").sum(),
            missing=pl.col("how").is_null().sum(),
        )
        .sort("contest_id")
    )
    return carried, coverage
