"""The data core's tables as polars frames, for the tools that compute over whole elections.

Written in SQL because the ORM would build a Python object per row of
millions of votes; kept here, beside the models, so that a renamed field
breaks these queries and their tests, not a tool's silently. Every value
goes in as a parameter; the only text formatted in is a list of "%s"
placeholders, one per id.
"""

from __future__ import annotations

from typing import Any

import polars as pl
from django.db import connection

from elections.models import Contest, Election
from elections.names import commission_key


def _rows(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows: list[tuple[Any, ...]] = cursor.fetchall()
        return rows


def _marks(ids: list[int]) -> str:
    return ",".join(["%s"] * len(ids)) or "NULL"


def contest_precincts(contests: list[Contest]) -> pl.DataFrame:
    """contest_id, precinct_id, region_id, latitude, longitude, tik (the commission's key, elections.names) of
    every polling station (remote voting left out) that has a protocol of these contests."""
    ids = [c.pk for c in contests]
    data = _rows(
        f"""SELECT pr.contest_id, pr.precinct_id, p.region_id, v.latitude, v.longitude, t.name
            FROM elections_protocol pr
            JOIN elections_precinct p ON p.id = pr.precinct_id
            LEFT JOIN elections_venue v ON v.id = p.venue_id
            LEFT JOIN elections_commission t ON t.id = pr.tik_id
            WHERE pr.contest_id IN ({_marks(ids)}) AND NOT p.is_remote""",
        ids,
    )
    return _keyed(
        pl.DataFrame(
            data,
            schema={
                "contest_id": pl.Int64,
                "precinct_id": pl.Int64,
                "region_id": pl.Int64,
                "latitude": pl.Float64,
                "longitude": pl.Float64,
                "tik": pl.String,
            },
            orient="row",
        )
    )


def precinct_commissions(contest_ids: list[int], region_ids: list[int]) -> pl.DataFrame:
    """precinct_id, region_id, tik (the commission's key, elections.names) of the polling stations of these
    regions with a protocol of these contests: where each precinct belonged at that election."""
    data = _rows(
        f"""SELECT DISTINCT pr.precinct_id, p.region_id, t.name
            FROM elections_protocol pr
            JOIN elections_precinct p ON p.id = pr.precinct_id
            JOIN elections_commission t ON t.id = pr.tik_id
            WHERE pr.contest_id IN ({_marks(contest_ids)}) AND NOT p.is_remote
              AND p.region_id IN ({_marks(region_ids)})""",
        [*contest_ids, *region_ids],
    )
    frame = pl.DataFrame(data, schema={"precinct_id": pl.Int64, "region_id": pl.Int64, "tik": pl.String}, orient="row")
    return _keyed(frame).unique("precinct_id", keep="first")


def _keyed(frame: pl.DataFrame) -> pl.DataFrame:
    """The commission names as keys: one TIK has one key whichever source named it."""
    keys = {name: commission_key(name) for name in frame["tik"].drop_nulls().unique().to_list()}
    return frame.with_columns(tik=pl.col("tik").replace_strict(keys, default=None, return_dtype=pl.String))


def party_list_votes(election: Election, region_ids: list[int]) -> pl.DataFrame:
    """protocol_id, precinct_id, party_id, votes of the election's party-list contest at the polling stations
    (remote voting left out) of these regions."""
    data = _rows(
        f"""SELECT pr.id, pr.precinct_id, ch.party_id, v.votes
            FROM elections_vote v
            JOIN elections_protocol pr ON pr.id = v.protocol_id
            JOIN elections_contest c ON c.id = pr.contest_id
            JOIN elections_choice ch ON ch.id = v.choice_id
            JOIN elections_precinct p ON p.id = pr.precinct_id
            WHERE c.election_id = %s AND c.kind = 'party_list' AND pr.has_result
              AND ch.party_id IS NOT NULL AND NOT p.is_remote AND p.region_id IN ({_marks(region_ids)})""",
        [election.pk, *region_ids],
    )
    return pl.DataFrame(
        data,
        schema={"protocol_id": pl.Int64, "precinct_id": pl.Int64, "party_id": pl.Int64, "votes": pl.Int64},
        orient="row",
    )


def choice_votes(contest_ids: list[int], region_ids: list[int]) -> pl.DataFrame:
    """precinct_id, contest_id, choice_id, votes of every ballot line of these contests at the polling stations
    (remote voting left out) of these regions: a candidate's own votes, and their race's."""
    data = _rows(
        f"""SELECT pr.precinct_id, pr.contest_id, v.choice_id, v.votes
            FROM elections_vote v
            JOIN elections_protocol pr ON pr.id = v.protocol_id
            JOIN elections_precinct p ON p.id = pr.precinct_id
            WHERE pr.contest_id IN ({_marks(contest_ids)}) AND pr.has_result
              AND NOT p.is_remote AND p.region_id IN ({_marks(region_ids)})""",
        [*contest_ids, *region_ids],
    )
    return pl.DataFrame(
        data,
        schema={"precinct_id": pl.Int64, "contest_id": pl.Int64, "choice_id": pl.Int64, "votes": pl.Int64},
        orient="row",
    )


def located_precincts(region_ids: list[int]) -> pl.DataFrame:
    """precinct_id, latitude, longitude of every precinct of these regions whose building has coordinates,
    in id order (where a building holds several precincts, the lowest id comes first)."""
    data = _rows(
        f"""SELECT p.id, v.latitude, v.longitude FROM elections_precinct p
            JOIN elections_venue v ON v.id = p.venue_id
            WHERE p.region_id IN ({_marks(region_ids)}) AND v.latitude IS NOT NULL
            ORDER BY p.id""",
        region_ids,
    )
    return pl.DataFrame(
        data, schema={"precinct_id": pl.Int64, "latitude": pl.Float64, "longitude": pl.Float64}, orient="row"
    )


STATIONS = [
    ("protocol_id", pl.Int64),
    ("region", pl.String),
    ("tik", pl.String),
    ("code", pl.String),
    ("registered", pl.Int64),
    ("ballots_issued", pl.Int64),
    ("ballots_in_boxes", pl.Int64),
    ("votes", pl.Int64),
]


def station_results(contest: Contest, choice_id: int, remote: bool = False) -> pl.DataFrame:
    """One row per protocol with a result of the contest: protocol_id, region, tik, code, registered,
    ballots_issued, ballots_in_boxes, and the votes for one choice; the polling stations, or (``remote``)
    the remote-voting pseudo-stations."""
    data = _rows(
        """SELECT p.id, r.name, COALESCE(t.name, ''), pr.code, p.registered, p.ballots_issued, p.ballots_in_boxes,
                  COALESCE(v.votes, 0)
           FROM elections_protocol p
           JOIN elections_precinct pr ON pr.id = p.precinct_id
           JOIN elections_region r ON r.id = pr.region_id
           LEFT JOIN elections_commission t ON t.id = p.tik_id
           LEFT JOIN elections_vote v ON v.protocol_id = p.id AND v.choice_id = %s
           WHERE p.contest_id = %s AND p.has_result AND pr.is_remote = %s""",
        [choice_id, contest.pk, remote],
    )
    return pl.DataFrame(data, schema=STATIONS, orient="row")
