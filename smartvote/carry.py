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
from django.db import connection
from scipy.spatial import cKDTree

from elections.models import Contest, Election

EARTH_KM = 6371.0
TIED = 12  # at most this many precincts in one building share a new precinct's result


@dataclass
class Carried:
    """One earlier election's list votes summed over each district of the target."""

    election: Election
    votes: pl.DataFrame  # contest_id, party_id, votes (fractional where a new precinct averages a building)
    coverage: pl.DataFrame  # contest_id, precincts, by_number, by_coordinates, missing
    cleaned: bool  # ruling votes with the forensic excess taken out


def rows(sql: str, params: list) -> list[tuple]:
    """Run a query; the f-strings below format in nothing but "%s" placeholders."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def district_precincts(contests: list[Contest]) -> pl.DataFrame:
    """contest_id, precinct_id, region_id, latitude, longitude of every target precinct."""
    ids = [c.pk for c in contests]
    marks = ",".join(["%s"] * len(ids)) or "NULL"
    data = rows(
        f"""SELECT pr.contest_id, pr.precinct_id, p.region_id, v.latitude, v.longitude
            FROM elections_protocol pr
            JOIN elections_precinct p ON p.id = pr.precinct_id
            LEFT JOIN elections_venue v ON v.id = p.venue_id
            WHERE pr.contest_id IN ({marks}) AND NOT p.is_remote""",
        ids,
    )
    return pl.DataFrame(data, schema={"contest_id": pl.Int64, "precinct_id": pl.Int64, "region_id": pl.Int64,
                                      "latitude": pl.Float64, "longitude": pl.Float64}, orient="row")


def list_votes(election: Election, region_ids: list[int], cleaned: bool = True) -> tuple[pl.DataFrame, bool]:
    """precinct_id, party_id, votes of an election's party-list contest in some regions.

    The ruling list's votes are cleaned when the latest forensic analysis of
    the election holds per-precinct excess estimates.
    """
    marks = ",".join(["%s"] * len(region_ids)) or "NULL"
    data = rows(
        f"""SELECT pr.precinct_id, ch.party_id, v.votes
            FROM elections_vote v
            JOIN elections_protocol pr ON pr.id = v.protocol_id
            JOIN elections_contest c ON c.id = pr.contest_id
            JOIN elections_choice ch ON ch.id = v.choice_id
            JOIN elections_precinct p ON p.id = pr.precinct_id
            WHERE c.election_id = %s AND c.kind = 'party_list' AND pr.has_result
              AND ch.party_id IS NOT NULL AND NOT p.is_remote AND p.region_id IN ({marks})""",
        [election.pk, *region_ids],
    )
    votes = pl.DataFrame(data, schema={"precinct_id": pl.Int64, "party_id": pl.Int64, "votes": pl.Int64},
                         orient="row")
    excess = cleaned_excess(election, region_ids) if cleaned else None
    if excess is None:
        return votes, False
    votes = (
        votes.join(excess, on=["precinct_id", "party_id"], how="left")
        .with_columns(votes=pl.col("votes") - pl.col("excess").fill_null(0))
        .drop("excess")
    )
    return votes, True


def cleaned_excess(election: Election, region_ids: list[int]) -> pl.DataFrame | None:
    """precinct_id, party_id (the leader's), excess from the latest stored analysis, if any."""
    from forensics.models import Analysis

    analysis = Analysis.objects.filter(election=election).order_by("-created").first()
    if analysis is None:
        return None
    marks = ",".join(["%s"] * len(region_ids)) or "NULL"
    data = rows(
        f"""SELECT pr.precinct_id, ch.party_id, cr.excess
            FROM forensics_cleanedresult cr
            JOIN elections_protocol pr ON pr.id = cr.protocol_id
            JOIN elections_precinct p ON p.id = pr.precinct_id
            JOIN elections_vote v ON v.protocol_id = pr.id AND v.votes = cr.leader_votes
            JOIN elections_choice ch ON ch.id = v.choice_id
            WHERE cr.analysis_id = %s AND cr.excess > 0 AND p.region_id IN ({marks})""",
        [analysis.pk, *region_ids],
    )
    frame = pl.DataFrame(data, schema={"precinct_id": pl.Int64, "party_id": pl.Int64, "excess": pl.Int64},
                         orient="row")
    # Two lists with the leader's exact count at one station: nobody knows which; take neither.
    return frame.filter(pl.len().over("precinct_id") == 1)


def unit_vectors(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    lat, lon = np.radians(lat), np.radians(lon)
    return np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])


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
        distances, nearest = tree.query(unit_vectors(rest["latitude"].to_numpy(), rest["longitude"].to_numpy()),
                                        k=k)
        distances, nearest = distances.reshape(rest.height, k), nearest.reshape(rest.height, k)
        tied = distances <= distances[:, :1] + 1e-9  # within ~6 mm of the nearest
        rows, cols = np.nonzero(tied)
        found.append(pl.DataFrame({
            "precinct_id": rest["precinct_id"].gather(rows),
            "donor_id": known["precinct_id"].gather(nearest[rows, cols]),
            "weight": 1.0 / tied.sum(axis=1)[rows],
            "how": ["coordinates"] * len(rows),
        }))
    return pl.concat(found)


def carry(election: Election, contests: list[Contest], targets: pl.DataFrame | None = None,
          cleaned: bool = True) -> Carried:
    """An earlier election's list votes summed over the target contests' precincts."""
    targets = district_precincts(contests) if targets is None else targets
    regions = targets["region_id"].unique().to_list()
    votes, cleaned = list_votes(election, regions, cleaned)
    voted = set(votes["precinct_id"].unique().to_list())
    # Coordinates of every precinct in these regions (earlier precincts keep their rows).
    marks = ",".join(["%s"] * len(regions)) or "NULL"
    coordinates = pl.DataFrame(
        rows(f"""SELECT p.id, v.latitude, v.longitude FROM elections_precinct p
                 JOIN elections_venue v ON v.id = p.venue_id
                 WHERE p.region_id IN ({marks}) AND v.latitude IS NOT NULL
                 ORDER BY p.id""", regions),  # ties (one building, several precincts): the lowest id
        schema={"precinct_id": pl.Int64, "latitude": pl.Float64, "longitude": pl.Float64}, orient="row",
    )
    found = donors(targets, voted, coordinates)
    assigned = targets.select("contest_id", "precinct_id").join(found, on="precinct_id", how="left")
    carried = (
        assigned.filter(pl.col("donor_id").is_not_null())
        .join(votes, left_on="donor_id", right_on="precinct_id")
        .group_by("contest_id", "party_id").agg((pl.col("votes") * pl.col("weight")).sum().round(6).alias("votes"))
        .sort("contest_id", "party_id")
    )
    assigned = assigned.unique(["contest_id", "precinct_id"], keep="first")
    coverage = assigned.group_by("contest_id").agg(
        precincts=pl.len(),
        by_number=(pl.col("how") == "number").sum(),
        by_coordinates=(pl.col("how") == "coordinates").sum(),
        missing=pl.col("how").is_null().sum(),
    ).sort("contest_id")
    return Carried(election=election, votes=carried, coverage=coverage, cleaned=cleaned)
