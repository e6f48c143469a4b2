"""The per-station table the analyses read, and the excess they leave for the forecast to take out."""

import polars as pl

from elections.frames import station_results
from elections.models import Contest, Election
from elections.stats import ChoiceResult, contest_totals, main_contest
from forensics.analysis import AnalysisError
from forensics.figures import Leader, RemoteVoting
from forensics.models import Analysis, CleanedResult


def leader_of(contest: Contest) -> ChoiceResult:
    results = contest_totals(contest).results
    if not results:
        raise AnalysisError(f"{contest} has no published votes")
    return results[0]


def precinct_frame(election: Election, region: str | None = None) -> tuple[pl.DataFrame, Leader]:
    """Stations of the election's main contest (remote voting left out)."""
    contest = main_contest(election)
    if contest is None:
        raise AnalysisError("no party-list, presidential or referendum results to analyse")
    leader = leader_of(contest)
    frame = station_results(contest, leader.choice_id).rename({"votes": "leader"})
    if region:
        frame = frame.filter(pl.col("region").str.to_lowercase().str.contains(region.lower(), literal=True))
    if frame.height == 0:
        where = f" in a region matching «{region}»" if region else ""
        raise AnalysisError(f"no polling stations with results{where}")
    return frame, Leader(contest_id=contest.pk, leader=leader.name, leader_choice_id=leader.choice_id)


def remote_totals(election: Election) -> RemoteVoting | None:
    """Remote electronic voting, shown apart from the stations."""
    contest = main_contest(election)
    if contest is None:
        return None
    leader = leader_of(contest)
    frame = station_results(contest, leader.choice_id, remote=True)
    if frame.height == 0:
        return None
    registered, issued, cast, votes = (
        int(frame[c].fill_null(0).sum()) for c in ("registered", "ballots_issued", "ballots_in_boxes", "votes")
    )
    return RemoteVoting(
        pseudo_stations=frame.height,
        registered=registered,
        ballots_issued=issued,
        turnout=round(100 * issued / registered, 2) if registered else None,
        leader_share=round(100 * votes / cast, 2) if cast else None,
    )


def cleaned_excess(election: Election, region_ids: list[int], votes: pl.DataFrame) -> pl.DataFrame | None:
    """precinct_id, party_id, excess: the ballots the latest stored analysis of the election estimates were
    added to the leader's list at each station of these regions; None when no analysis is stored.

    ``votes`` is the election's party-list votes there (elections.frames.party_list_votes): the leader's
    list at a station is the one whose votes equal the leader's count the analysis stored.
    """
    analysis = Analysis.objects.filter(election=election).order_by("-created").first()
    if analysis is None:
        return None
    stored = CleanedResult.objects.filter(analysis=analysis, excess__gt=0, protocol__precinct__region_id__in=region_ids)
    cleaned = pl.DataFrame(
        list(stored.values_list("protocol_id", "leader_votes", "excess")),
        schema={"protocol_id": pl.Int64, "leader_votes": pl.Int64, "excess": pl.Int64},
        orient="row",
    )
    frame = cleaned.join(votes, left_on=["protocol_id", "leader_votes"], right_on=["protocol_id", "votes"])
    # Two lists with the leader's exact count at one station: nobody knows which; take neither.
    return frame.select("precinct_id", "party_id", "excess").filter(pl.len().over("precinct_id") == 1)
