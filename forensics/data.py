"""The per-station table the analyses read, from the database or a CEC file."""

import polars as pl
from django.db import connection

from elections.models import Contest, Election
from elections.stats import contest_totals, main_contest
from forensics.analysis import AnalysisError

QUERY = """
SELECT p.id, r.name, COALESCE(t.name, ''), pr.code, p.registered, p.ballots_issued, p.ballots_in_boxes,
       COALESCE(v.votes, 0)
FROM elections_protocol p
JOIN elections_precinct pr ON pr.id = p.precinct_id
JOIN elections_region r ON r.id = pr.region_id
LEFT JOIN elections_commission t ON t.id = p.tik_id
LEFT JOIN elections_vote v ON v.protocol_id = p.id AND v.choice_id = %s
WHERE p.contest_id = %s AND p.has_result AND pr.is_remote = %s
"""
SCHEMA = [("protocol_id", pl.Int64), ("region", pl.String), ("tik", pl.String), ("code", pl.String),
          ("registered", pl.Int64), ("ballots_issued", pl.Int64), ("ballots_in_boxes", pl.Int64),
          ("leader", pl.Int64)]


def leader_of(contest: Contest) -> dict:
    results = contest_totals(contest)["results"]
    if not results:
        raise AnalysisError(f"{contest} has no published votes")
    return results[0]


def precinct_frame(election: Election, region: str | None = None) -> tuple[pl.DataFrame, dict]:
    """Stations of the election's main contest (remote voting left out)."""
    contest = main_contest(election)
    if contest is None:
        raise AnalysisError("no party-list, presidential or referendum results to analyse")
    leader = leader_of(contest)
    with connection.cursor() as cursor:
        cursor.execute(QUERY, [leader["choice_id"], contest.pk, False])
        frame = pl.DataFrame(cursor.fetchall(), schema=SCHEMA, orient="row")
    if region:
        frame = frame.filter(pl.col("region").str.to_lowercase().str.contains(region.lower(), literal=True))
    if frame.height == 0:
        where = f" in a region matching «{region}»" if region else ""
        raise AnalysisError(f"no polling stations with results{where}")
    return frame, {"contest_id": contest.pk, "leader": leader["name"], "leader_choice_id": leader["choice_id"]}


def remote_totals(election: Election) -> dict | None:
    """Remote electronic voting, shown apart from the stations."""
    contest = main_contest(election)
    if contest is None:
        return None
    leader = leader_of(contest)
    with connection.cursor() as cursor:
        cursor.execute(QUERY, [leader["choice_id"], contest.pk, True])
        rows = cursor.fetchall()
    if not rows:
        return None
    registered, issued, cast, votes = (sum(r[i] or 0 for r in rows) for i in (4, 5, 6, 7))
    return {"pseudo_stations": len(rows), "registered": registered, "ballots_issued": issued,
            "turnout": round(100 * issued / registered, 2) if registered else None,
            "leader_share": round(100 * votes / cast, 2) if cast else None}
