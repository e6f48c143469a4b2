"""Earlier results carried onto a new election's districts.

District boundaries move between elections, precincts do much less: a
district's earlier result is rebuilt from the precincts it is made of now.
Each precinct of the new district takes the earlier result of

* the precinct with the same number in the same region, where it voted in
  the earlier election (boundaries held: in St Petersburg 1,892 of the 1,986
  precincts of 2021 also voted in 2016); otherwise
* the nearest precinct, by its building's coordinates, that did vote then
  (a new precinct in a new block of flats votes like its neighbours);

and is counted as missing when neither is known. Where a forensic analysis
of the earlier election is stored, the ruling list's votes are taken with
its estimated added ballots removed (forensics.CleanedResult).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy.spatial import cKDTree

from core.geo import unit_vectors
from elections.frames import choice_votes, contest_precincts, located_precincts, party_list_votes
from elections.models import Choice, Contest, Election
from forensics.data import cleaned_excess

TIED = 12  # at most this many precincts in one building share a new precinct's result


@dataclass
class Carried:
    """One earlier election's list votes summed over each district of the target."""

    election: Election
    votes: pl.DataFrame  # contest_id, party_id, votes (fractional where a new precinct averages a building)
    coverage: pl.DataFrame  # contest_id, precincts, by_number, by_coordinates, missing
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


def donors(targets: pl.DataFrame, voted: set[int], coordinates: pl.DataFrame) -> pl.DataFrame:
    """precinct_id → donor_id (whose earlier result it takes), weight, and how it was found.

    Several precincts often vote in the nearest building: a new precinct then
    takes their mean (each with weight 1/k), so the answer does not hang on
    which of them a query happens to list first.
    """
    precincts = targets.unique("precinct_id").select("precinct_id", "latitude", "longitude")
    own = precincts.filter(pl.col("precinct_id").is_in(list(voted)))
    rest = precincts.filter(~pl.col("precinct_id").is_in(list(voted)) & pl.col("latitude").is_not_null())
    found = [own.select("precinct_id", donor_id=pl.col("precinct_id"), weight=pl.lit(1.0), how=pl.lit("number"))]
    known = coordinates.filter(pl.col("precinct_id").is_in(list(voted)) & pl.col("latitude").is_not_null())
    if rest.height and known.height:
        tree = cKDTree(unit_vectors(known["latitude"].to_numpy(), known["longitude"].to_numpy()))
        k = min(TIED, known.height)
        distances, nearest = tree.query(unit_vectors(rest["latitude"].to_numpy(), rest["longitude"].to_numpy()), k=k)
        distances, nearest = distances.reshape(rest.height, k), nearest.reshape(rest.height, k)
        tied = distances <= distances[:, :1] + 1e-9  # within ~6 mm of the nearest
        rows, cols = np.nonzero(tied)
        found.append(
            pl.DataFrame(
                {
                    "precinct_id": rest["precinct_id"].gather(rows),
                    "donor_id": known["precinct_id"].gather(nearest[rows, cols]),
                    "weight": 1.0 / tied.sum(axis=1)[rows],
                    "how": ["coordinates"] * len(rows),
                }
            )
        )
    return pl.concat(found)


def carry(
    election: Election, contests: list[Contest], targets: pl.DataFrame | None = None, cleaned: bool = True
) -> Carried:
    """An earlier election's list votes summed over the target contests' precincts."""
    targets = contest_precincts(contests) if targets is None else targets
    regions = targets["region_id"].unique().to_list()
    votes, cleaned = list_votes(election, regions, cleaned)
    carried, coverage = over_districts(votes, "party_id", targets, regions)
    return Carried(election=election, votes=carried, coverage=coverage, cleaned=cleaned)


def carry_own(choices: list[Choice], targets: pl.DataFrame) -> pl.DataFrame:
    """contest_id, choice_id, share: each earlier ballot line's share of its race's votes, rebuilt over the
    target contests' precincts (a candidate's own earlier result in their new district)."""
    regions = targets["region_id"].unique().to_list()
    earlier = sorted({c.contest_id for c in choices})
    votes = choice_votes(earlier, regions)
    carried, _coverage = over_districts(votes, "choice_id", targets, regions)
    race = {c.pk: c.contest_id for c in Choice.objects.filter(contest_id__in=earlier)}
    carried = carried.with_columns(race=pl.col("choice_id").replace_strict(race, return_dtype=pl.Int64))
    totals = carried.group_by("contest_id", "race").agg(total=pl.col("votes").sum())
    return (
        carried.join(totals, on=["contest_id", "race"])
        .filter(pl.col("choice_id").is_in([c.pk for c in choices]) & (pl.col("total") > 0))
        .select("contest_id", "choice_id", share=pl.col("votes") / pl.col("total"))
    )


def over_districts(
    votes: pl.DataFrame, key: str, targets: pl.DataFrame, regions: list[int]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Earlier votes per precinct (``precinct_id``, ``key``, ``votes``) summed over each target contest's
    precincts, each taking its donor's (module docstring); and how each contest's precincts were found."""
    voted = set(votes["precinct_id"].unique().to_list())
    coordinates = located_precincts(regions)  # earlier precincts keep their rows
    found = donors(targets, voted, coordinates)
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
            missing=pl.col("how").is_null().sum(),
        )
        .sort("contest_id")
    )
    return carried, coverage
