"""The analyses on real national data and on synthetic elections with known truth."""

import numpy as np
import polars as pl
import pytest

from conftest import FEDERAL
from elections.cec import read_cec_file
from forensics.analysis import AnalysisError, analyse, excess_estimate, integer_test, totals


def cec_frame(year, remote=False):
    """The analysis frame straight from a CEC table (no database)."""
    table = read_cec_file(FEDERAL / f"{year}.csv.zip")
    leader = table.votes.group_by("choice").agg(pl.col("votes").sum()).sort("votes", descending=True)["choice"][0]
    votes = table.votes.filter(pl.col("choice") == leader).select("line", pl.col("votes").alias("leader"))
    stations = table.protocols.filter(pl.col("has_result") & (remote | ~pl.col("is_remote")))
    return stations.join(votes, on="line").with_columns(pl.col("tik").fill_null(""))


# Official turnout (ballots issued / registered) and the leader's share of
# ballots cast, as the CEC announced them. 2021 includes remote voting;
# 2024 is the paper stations only (remote voting is a separate file).
OFFICIAL = {
    2007: (63.78, 64.30),
    2011: (60.21, 49.31),
    2012: (65.34, 63.60),
    2016: (47.88, 54.20),
    2018: (67.54, 76.69),
    2021: (51.72, 49.82),
    2024: (75.40, 86.81),
}


@pytest.mark.parametrize("year", sorted(OFFICIAL))
def test_official_turnout_and_leader_share(year):
    t = totals(cec_frame(year, remote=True))
    assert (t.turnout, t.leader_share) == OFFICIAL[year]


def test_2020_without_its_remote_pseudo_stations():
    # The 2020 table leaves out the two remote-voting pseudo-stations
    # (SOURCE-NOTES): the CEC's 67.97 % and 77.92 % include them, the paper
    # stations alone give these.
    t = totals(cec_frame(2020))
    assert t.registered == 107_999_611
    assert (t.turnout, t.leader_share) == (67.69, 78.15)


def synthetic(seed, stations=20_000, share=0.4, stuffed=0.0):
    """An election with no fraud, optionally with ballots added for the leader.

    Where ballots are added, they fill 20–60 % of the station's non-voters
    (the method assumes added ballots lift turnout clear of the clean mode).
    Returns the frame and the number of ballots added.
    """
    rng = np.random.default_rng(seed)
    registered = rng.integers(300, 3000, stations)
    turnout = np.clip(rng.normal(0.45, 0.08, stations), 0.05, 0.95)
    voters = rng.binomial(registered, turnout)
    p = np.clip(rng.normal(share, 0.06, stations), 0.02, 0.98)  # independent of turnout
    leader = rng.binomial(voters, p)
    added = np.zeros(stations, dtype=np.int64)
    if stuffed:
        chosen = rng.random(stations) < stuffed
        room = registered - voters
        added[chosen] = (room[chosen] * rng.uniform(0.2, 0.6, chosen.sum())).astype(np.int64)
    frame = pl.DataFrame(
        {
            "region": [f"region {i % 40}" for i in range(stations)],
            "tik": "",
            "code": [str(i) for i in range(stations)],
            "registered": registered,
            "ballots_issued": voters + added,
            "ballots_in_boxes": voters + added,
            "leader": leader + added,
        }
    )
    return frame, int(added.sum())


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_excess_recovers_known_added_ballots(seed):
    frame, added = synthetic(seed, stuffed=0.3)
    estimate, _central = excess_estimate(frame)
    assert added > 500_000
    assert abs(estimate.excess - added) / added < 0.10
    assert 38 < estimate.clean_share < 42


def test_excess_is_small_without_fraud():
    frame, _ = synthetic(4)
    cast = frame["ballots_in_boxes"].sum()
    assert excess_estimate(frame)[0].excess < 0.01 * cast


def test_integer_test_is_quiet_on_clean_elections():
    p_values = [
        integer_test(synthetic(seed)[0], draws=200, seed=seed, by_region=False).turnout.p_value for seed in range(10)
    ]
    assert sum(p < 0.05 for p in p_values) <= 2


def test_integer_test_detects_injected_round_numbers():
    frame, _ = synthetic(5)
    rng = np.random.default_rng(5)
    chosen = rng.random(frame.height) < 0.03
    registered = frame["registered"].to_numpy()
    whole = np.round(100 * frame["ballots_issued"].to_numpy() / registered)
    # The chosen stations report the voter count nearest to a whole
    # percentage; those where it lands within 0.05 of it are forged.
    forged = np.where(chosen, (registered * whole / 100).round().astype(np.int64), frame["ballots_issued"].to_numpy())
    exact = chosen & (np.abs(100 * forged / registered - whole) <= 0.05)
    frame = frame.with_columns(ballots_issued=pl.Series(np.where(exact, forged, frame["ballots_issued"].to_numpy())))
    result = integer_test(frame, draws=1000, seed=1, by_region=False).turnout
    assert exact.sum() > 100
    assert result.observed > result.expected + 100
    assert result.p_value < 0.01


def test_real_2021_shows_anomalies():
    result = analyse(cec_frame(2021), draws=1000, seed=0)
    assert result.integers.turnout.p_value < 0.01
    assert result.integers.leader_share.observed > result.integers.leader_share.expected
    # Shpilkin published 13.8 M anomalous votes for 2021, United Russia
    # really at 31–33 %, turnout near 38 %.
    excess = result.excess
    assert excess.low <= 13_800_000 <= excess.high
    assert 31 <= excess.clean_share <= 33.5
    assert 36 <= excess.mode_turnout <= 41
    assert len(result.regions) > 80


def test_bad_input_gets_clear_errors():
    frame, _ = synthetic(6, stations=3)
    with pytest.raises(AnalysisError, match=r"3 polling station.*at least 10"):
        excess_estimate(frame)
    empty = frame.with_columns(registered=pl.lit(0))
    with pytest.raises(AnalysisError, match="0 polling station"):
        analyse(empty)
    with pytest.raises(AnalysisError, match="lacks leader"):
        analyse(frame.drop("leader"))
    with pytest.raises(AnalysisError, match="at least one draw"):
        integer_test(frame, draws=0)


def test_2020_follows_the_published_reading_of_its_table():
    """The published analysis reads the 2020 table's ballots in the boxes as the ballots issued: about 100
    fewer whole-percentage turnouts than the CEC's definition gives; the leader's side does not change."""
    from forensics.runs import CONVENTIONS

    assert CONVENTIONS["referendum-2020"] == {"issued": "ballots_in_boxes"}
    frame = cec_frame(2020)
    cec = integer_test(frame, draws=50, by_region=False)
    published = integer_test(frame, draws=50, by_region=False, issued="ballots_in_boxes")
    assert published.issued == "ballots_in_boxes"
    assert published.turnout.observed == 10_817 and cec.turnout.observed == 10_914
    assert published.leader_share.observed == 12_062
    assert published.either.observed == 21_062 and published.both.observed == 1_817


def test_whole_percentages_counted_once_when_either_side_is_whole():
    """either = turnout + leader's share − both, observed and expected; a station is counted once."""
    result = integer_test(cec_frame(2021), draws=200, by_region=True)
    t, s, e, b = (result.count(k) for k in ("turnout", "leader_share", "either", "both"))
    assert e.observed == t.observed + s.observed - b.observed
    assert e.expected == pytest.approx(t.expected + s.expected - b.expected, abs=0.2)
    assert e.excess == pytest.approx(e.observed - e.expected, abs=0.1)
    assert e.p_value < 0.01 and b.observed > b.expected
    # Per region too: the regions' counts add up to the whole.
    assert sum(r.observed for r in e.regions.values()) == e.observed


def test_the_2024_clean_peak_never_sits_in_the_fraud_tail():
    """2024 rises to its highest turnouts: heavy smoothing loses the shoulder near 60 % and finds the first
    peak at 84.5 %, above the median turnout. Such sets are shown, flagged and left out: every set kept has its
    peak below the median, and none of them finds fewer than 15 M excess votes."""
    estimate, _central = excess_estimate(cec_frame(2024))
    kept = [row for row in estimate.sets if not row.in_tail]
    assert len(estimate.sets) == 18 and estimate.sets_in_tail == 3
    assert all(row.mode_turnout < estimate.median_turnout for row in kept)
    assert all(row.mode_turnout > estimate.median_turnout + 2 for row in estimate.sets if row.in_tail)
    assert min(row.excess for row in kept) > 15_000_000 and estimate.low > 15_000_000
    assert estimate.low <= estimate.excess <= estimate.high
    # An honest election's sets are never flagged, nor a moderately stuffed one's: the clean peak is the bulk.
    for seed in range(4):
        assert excess_estimate(synthetic(seed)[0])[0].sets_in_tail == 0
        assert excess_estimate(synthetic(seed, stuffed=0.2)[0])[0].sets_in_tail == 0
