"""Running an analysis on an election and storing it."""

from dataclasses import asdict

import numpy as np
import polars as pl
from django.db import transaction

from core.bulk import bulk_insert
from elections.models import Election
from forensics.analysis import analyse
from forensics.data import precinct_frame, remote_totals
from forensics.figures import Summary
from forensics.models import Analysis, CleanedResult

# Where the published analysis we compare with (Kobak, Shpilkin & Pshenichnikov; docs/forensics.md) reads a
# year's table otherwise than the CEC's definitions, its whole-percentage test follows it. The 2020 vote: the
# ballots issued are taken as the ballots found in the boxes («Число бюллетеней, содержащихся в ящиках для
# голосования»), as are valid + invalid; the registered are the participants on the list, as imported.
CONVENTIONS = {"referendum-2020": {"issued": "ballots_in_boxes"}}


def summarise(
    election: Election, region: str | None = None, draws: int = 1000, seed: int = 0
) -> tuple[pl.DataFrame, Summary, pl.DataFrame]:
    """(stations, figures, cleaned) for an election: the frame analysed, the figures, each station's excess
    (region, code, excess)."""
    frame, leader = precinct_frame(election, region)
    conventions = CONVENTIONS.get(election.slug, {})
    result = analyse(frame, draws=draws, seed=seed, issued=conventions.get("issued", "ballots_issued"))
    summary = Summary(
        election=election.slug,
        region=region,
        **asdict(leader),
        totals=result.totals,
        excess=result.excess,
        integers=result.integers,
        regions=result.regions,
        conventions=conventions,
        remote_voting=None if region else remote_totals(election),
    )
    central = result.central
    cleaned = central.codes.with_columns(excess=pl.Series(np.rint(central.per_station).astype(np.int64)))
    return frame, summary, cleaned


@transaction.atomic
def save(election: Election, draws: int = 1000, seed: int = 0) -> Analysis:
    """Run on the whole election, store the figures and the cleaned results."""
    frame, summary, cleaned = summarise(election, draws=draws, seed=seed)
    analysis = Analysis.objects.create(election=election, draws=draws, seed=seed, summary=summary.stored())
    rows = (
        frame.select("protocol_id", "region", "code", pl.col("leader").alias("leader_votes"))
        .join(cleaned, on=["region", "code"], how="left")
        .with_columns(analysis_id=pl.lit(analysis.pk), excess=pl.col("excess").fill_null(0))
    )
    bulk_insert(CleanedResult, ["analysis_id", "protocol_id", "leader_votes", "excess"], rows, label="cleaned results")
    return analysis
