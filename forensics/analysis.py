"""Election forensics on per-precinct results: pure functions on a frame.

The frame has one row per polling station with ``region``, ``tik``, ``code``,
``registered``, ``ballots_issued``, ``ballots_in_boxes`` (ballots cast, valid
+ invalid) and ``leader`` (the leader's votes). Remote electronic voting is
left out by the loaders: it is not a polling station and its numbers are
not counted by a commission in a room.

Three analyses, each stating its method:

* **Histograms**: turnout (ballots issued / registered) against the leader's
  share (leader / ballots cast), the 2-D "comet" weighted by ballots cast,
  and 1-D histograms of turnout and share counted in stations with 0.1-point
  bins, where spikes at whole and round percentages show.
* **Excess votes, in Sergey Shpilkin's manner.** Assumption: where nobody
  adds ballots, the leader's share does not depend on turnout. The turnout
  distribution (weighted by ballots cast, smoothed) has a "clean" mode at
  low turnout; stations with turnout up to ``mode + window`` are taken as
  clean, and the leader's share among them is the clean share *s₀*. Above
  the window, the other candidates' votes are taken as genuine and the
  leader is credited ``others × s₀ / (1 − s₀)``; the rest of the leader's
  votes there are the excess, summed per turnout bin (so that honest
  stations' random ups and downs cancel) and counted where positive. Parameters: the bin width, the smoothing, the
  window; the estimate is given with the range over a grid of them.
* **Integer percentages (Kobak, Shpilkin & Pshenichnikov, Ann. Appl. Stat.
  10(1):54–73, 2016).** Stations with ballots > 0, at least 100 registered
  voters, turnout and leader share ≤ 99 % are counted as "integer" when the
  percentage is within 0.05 of a whole number. The count expected by chance
  models small stations' discreteness: each station's count is drawn from
  Bin(n, observed share), so its probability of an integer percentage is
  summed exactly over the binomial; the p-value is Monte Carlo over draws of
  those Bernoulli events (a null made by shifting the window off the
  integers would undercount small stations and is not used).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
import polars as pl
from scipy.stats import binom

COLUMNS = ["region", "tik", "code", "registered", "ballots_issued", "ballots_in_boxes", "leader"]


class AnalysisError(ValueError):
    """The data cannot support the analysis; the message says why."""


def check_frame(frame: pl.DataFrame, minimum: int = 1) -> pl.DataFrame:
    """Stations usable for statistics: registered > 0 and ballots cast > 0."""
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise AnalysisError(f"the precinct table lacks {', '.join(missing)}")
    usable = frame.filter((pl.col("registered") > 0) & (pl.col("ballots_in_boxes") > 0))
    if usable.height < minimum:
        raise AnalysisError(
            f"{usable.height} polling station(s) with registered voters and ballots cast; "
            f"this analysis needs at least {minimum}"
        )
    return usable.with_columns(
        turnout=pl.col("ballots_issued") / pl.col("registered"),
        share=pl.col("leader") / pl.col("ballots_in_boxes"),
    )


@dataclass(frozen=True)
class StationTotals:
    """Official-style sums over the stations analysed, and their percentages."""

    stations: int
    registered: int
    ballots_issued: int
    ballots_in_boxes: int
    leader: int
    turnout: float | None
    leader_share: float | None  # of ballots cast


def totals(frame: pl.DataFrame) -> StationTotals:
    """Official-style sums and percentages (of all stations given)."""
    s = frame.select(pl.col("registered", "ballots_issued", "ballots_in_boxes", "leader").sum()).row(0, named=True)
    return StationTotals(
        stations=frame.height,
        **{k: int(v or 0) for k, v in s.items()},
        turnout=round(100 * s["ballots_issued"] / s["registered"], 2) if s["registered"] else None,
        leader_share=round(100 * s["leader"] / s["ballots_in_boxes"], 2) if s["ballots_in_boxes"] else None,
    )


# -- histograms -------------------------------------------------------------
@dataclass(frozen=True)
class Histograms:
    """What the plots draw: the comet (turnout × share, weighted by ballots cast) and the fine 1-D counts."""

    comet: np.ndarray
    comet_edges: np.ndarray
    fine_edges: np.ndarray
    turnout_counts: np.ndarray
    share_counts: np.ndarray


def histograms(frame: pl.DataFrame, comet_bins: int = 200) -> Histograms:
    f = check_frame(frame)
    turnout, share = 100 * f["turnout"].to_numpy(), 100 * f["share"].to_numpy()
    weights = f["ballots_in_boxes"].to_numpy()
    edges = np.linspace(0, 100, comet_bins + 1)
    comet, _, _ = np.histogram2d(turnout, share, bins=[edges, edges], weights=weights)
    fine = np.round(np.arange(0, 100.1001, 0.1), 1)
    return Histograms(
        comet=comet,
        comet_edges=edges,
        fine_edges=fine,
        # Half-open bins [x, x + 0.1) would split a whole percentage from its
        # neighbours unevenly; centred bins put 50.0 % in the middle of one.
        turnout_counts=np.histogram(turnout, bins=fine - 0.05)[0],
        share_counts=np.histogram(share, bins=fine - 0.05)[0],
    )


# -- excess votes -----------------------------------------------------------
@dataclass(frozen=True)
class ExcessParams:
    bin_width: float = 0.01  # turnout bin, as a fraction
    smooth: int = 5  # bins in the moving average
    window: float = 0.05  # clean stations: turnout ≤ mode + window
    min_peak: float = 0.25  # a mode must reach this fraction of the highest bin


GRID = [ExcessParams(b, s, w) for b in (0.005, 0.01) for s in (3, 5, 9) for w in (0.02, 0.05, 0.10)]


def clean_mode(turnout: np.ndarray, weights: np.ndarray, params: ExcessParams) -> float:
    """The lowest-turnout peak of the smoothed turnout distribution.

    The global peak is not used: where ballots are added at scale (2024)
    the highest peak sits at the highest turnouts. A peak is a local maximum
    reaching ``min_peak`` of the highest bin.
    """
    edges = np.arange(0, 1 + params.bin_width / 2, params.bin_width)
    counts, _ = np.histogram(turnout, bins=edges, weights=weights)
    smooth = np.convolve(counts, np.ones(params.smooth) / params.smooth, mode="same")
    top = smooth.max()
    for i in range(1, len(smooth) - 1):
        if smooth[i] >= params.min_peak * top and smooth[i] >= smooth[i - 1] and smooth[i] > smooth[i + 1]:
            return float(edges[i] + params.bin_width / 2)
    return float(edges[int(np.argmax(smooth))] + params.bin_width / 2)


@dataclass(frozen=True)
class ExcessRun:
    """One parameter set's estimate, with each station's share of it (for the cleaned results)."""

    params: ExcessParams
    mode_turnout: float
    clean_share: float
    clean_stations: int
    excess: float
    per_station: np.ndarray  # in the order of ``codes``
    codes: pl.DataFrame  # region, code


def excess_votes(frame: pl.DataFrame, params: ExcessParams = ExcessParams()) -> ExcessRun:
    """One estimate; also the per-station excess (for cleaned results)."""
    f = check_frame(frame, minimum=10)
    turnout = f["turnout"].to_numpy()
    cast = f["ballots_in_boxes"].to_numpy().astype(float)
    leader = f["leader"].to_numpy().astype(float)
    others = cast - leader
    mode = clean_mode(turnout, cast, params)
    clean = turnout <= mode + params.window
    if not clean.any() or cast[clean].sum() == 0:
        raise AnalysisError("no stations at or below the clean turnout mode")
    s0 = leader[clean].sum() / cast[clean].sum()
    if s0 >= 1:
        raise AnalysisError("the leader has every vote in the clean stations: no clean share to compare with")
    # Compared per turnout bin, as Shpilkin does: within a bin, stations'
    # random ups and downs cancel; clipping each station at zero would count
    # the ups of an honest election as excess. A bin's excess is then shared
    # among its stations in proportion to their own surplus (for the cleaned
    # per-station results), so the two always add up.
    surplus = np.where(clean, 0.0, leader - others * s0 / (1 - s0))
    bins = np.minimum((turnout / params.bin_width).astype(np.int64), round(1 / params.bin_width))
    bin_excess = np.clip(np.bincount(bins, weights=surplus), 0, None)
    positive = np.clip(surplus, 0, None)
    bin_positive = np.bincount(bins, weights=positive)
    weight = np.divide(positive, bin_positive[bins], out=np.zeros_like(positive), where=bin_positive[bins] > 0)
    excess = bin_excess[bins] * weight
    return ExcessRun(
        params=params,
        mode_turnout=round(100 * mode, 2),
        clean_share=round(float(100 * s0), 2),
        clean_stations=int(clean.sum()),
        excess=float(excess.sum()),
        per_station=excess,
        codes=f.select("region", "code"),
    )


# How far above the median turnout a clean peak may sit before it counts as found in the tail: an honest
# election's clean mode is its median give or take the bins and the smoothing's shift (under 1 point on every
# synthetic honest election of the tests and in 2007–2021); the 2024 sets that lose the shoulder peak 2.7
# points above it.
TAIL_MARGIN = 0.02


def weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    order = np.argsort(values)
    cumulative = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cumulative, cumulative[-1] / 2)])


@dataclass(frozen=True)
class ExcessSet:
    """One parameter set of the grid as the page lists it."""

    bin_width: float
    smooth: int
    window: float
    min_peak: float
    mode_turnout: float
    clean_share: float
    excess: int
    in_tail: bool  # its clean peak lies in the tail: left out of the range


@dataclass(frozen=True)
class ExcessEstimate:
    """The central estimate and its range over the grid (the sets in the tail left out)."""

    excess: int
    low: int
    high: int
    mode_turnout: float
    median_turnout: float
    clean_share: float
    clean_share_range: tuple[float, float]
    clean_stations: int
    params: ExcessParams
    grid_size: int
    sets: list[ExcessSet]
    sets_in_tail: int


def excess_estimate(frame: pl.DataFrame, grid: list[ExcessParams] = GRID) -> tuple[ExcessEstimate, ExcessRun]:
    """The central estimate (default parameters) and its range over the grid, every set shown.

    A set whose clean peak lies above the median turnout of the ballots cast (by more than TAIL_MARGIN) has
    found a peak in the tail, not the clean bulk: where ballots are added the tail pulls the median above the
    clean mode, so a "clean" mode with most ballots cast below it is no clean mode (2024, heavy smoothing: the
    shoulder near 60 % smoothed away, the first peak at 84.5 %). Such sets are shown, flagged, and left out of
    the range; were the default set among them, the central estimate is the median of the others. Returned with
    the central run, whose per-station excess gives the cleaned results.
    """
    f = check_frame(frame, minimum=10)
    median = weighted_median(f["turnout"].to_numpy(), f["ballots_in_boxes"].to_numpy().astype(float))
    central = excess_votes(frame)
    runs = [excess_votes(frame, p) for p in grid]
    sets = [
        ExcessSet(
            **asdict(run.params),
            mode_turnout=run.mode_turnout,
            clean_share=run.clean_share,
            excess=round(run.excess),
            in_tail=run.mode_turnout > 100 * (median + TAIL_MARGIN),
        )
        for run in runs
    ]
    kept = [(run, row) for run, row in zip(runs, sets, strict=True) if not row.in_tail] or list(
        zip(runs, sets, strict=True)
    )
    if central.mode_turnout > 100 * (median + TAIL_MARGIN):
        ordered = sorted(kept, key=lambda pair: pair[0].excess)
        central = ordered[len(ordered) // 2][0]
    values = [run.excess for run, _row in kept]
    shares = [run.clean_share for run, _row in kept]
    estimate = ExcessEstimate(
        excess=round(central.excess),
        low=round(min(values)),
        high=round(max(values)),
        mode_turnout=central.mode_turnout,
        median_turnout=round(100 * median, 2),
        clean_share=central.clean_share,
        clean_share_range=(min(shares), max(shares)),
        clean_stations=central.clean_stations,
        params=central.params,
        grid_size=len(grid),
        sets=sets,
        sets_in_tail=sum(row.in_tail for row in sets),
    )
    return estimate, central


# -- integer percentages ----------------------------------------------------
def ranges(starts: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(owner, value) for the concatenated ranges [start, start + length)."""
    owner = np.repeat(np.arange(len(starts)), lengths)
    offset = np.arange(len(owner)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    return owner, starts[owner] + offset


def integer_probability(n: np.ndarray, p: np.ndarray, tolerance: float = 0.05) -> np.ndarray:
    """P(100·k/n is within ``tolerance`` of a whole number), k ~ Bin(n, p).

    Summed exactly over the k whose percentage falls in a window around a
    whole number, for the whole numbers within ±7 standard deviations (the
    mass beyond is below 10⁻¹¹).
    """
    n = np.asarray(n, dtype=np.int64)
    p = np.clip(np.asarray(p, dtype=float), 0, 1)
    sd = 100 * np.sqrt(p * (1 - p) / np.maximum(n, 1)) + 0.5
    lo = np.maximum(np.floor(100 * p - 7 * sd), 0).astype(np.int64)
    hi = np.minimum(np.ceil(100 * p + 7 * sd), 100).astype(np.int64)
    station, whole = ranges(lo, hi - lo + 1)
    nn = n[station]
    k_lo = np.ceil(nn * (whole - tolerance) / 100 - 1e-9).astype(np.int64)
    k_hi = np.floor(nn * (whole + tolerance) / 100 + 1e-9).astype(np.int64)
    k_lo = np.maximum(k_lo, 0)
    k_hi = np.minimum(k_hi, nn)
    pair, k = ranges(k_lo, np.maximum(k_hi - k_lo + 1, 0))
    prob = binom.pmf(k, nn[pair], p[station][pair])
    return np.bincount(station[pair], weights=prob, minlength=len(n))


def is_integer_percent(k: np.ndarray, n: np.ndarray, tolerance: float = 0.05) -> np.ndarray:
    percent = 100 * k / n
    whole: np.ndarray = np.abs(percent - np.round(percent)) <= tolerance + 1e-9
    return whole


# The counts of the whole-percentage test: each side, and the stations where either or both are whole (the
# published analysis counts a station once when either is: "either").
INTEGER_COUNTS = ("turnout", "leader_share", "either", "both")


@dataclass(frozen=True)
class RegionCount:
    observed: int
    expected: float
    p_value: float


@dataclass(frozen=True)
class IntegerCount:
    """One count of the whole-percentage test: stations observed, expected by chance, and its Monte Carlo p."""

    observed: int
    expected: float
    excess: float
    p_value: float
    ratio: float | None
    regions: dict[str, RegionCount] = field(default_factory=dict)  # by region name, when asked by_region


@dataclass(frozen=True)
class IntegerTest:
    stations: int  # passing the inclusion rules
    draws: int
    seed: int
    issued: str  # the column read as ballots issued
    turnout: IntegerCount
    leader_share: IntegerCount
    either: IntegerCount  # each station once, whole on either side (as published)
    both: IntegerCount

    def count(self, name: str) -> IntegerCount:
        """The count named in INTEGER_COUNTS."""
        if name not in INTEGER_COUNTS:
            raise KeyError(name)
        found: IntegerCount = getattr(self, name)
        return found


def integer_test(
    frame: pl.DataFrame, draws: int = 1000, seed: int = 0, by_region: bool = True, issued: str = "ballots_issued"
) -> IntegerTest:
    """Observed and expected whole-percentage stations, with Monte Carlo p-values.

    ``issued``: the column counted as ballots issued for the turnout side (ballots issued / registered); a
    published analysis may read a year's table otherwise (forensics.runs.CONVENTIONS). Under the null the two
    sides of a station are independent: P(either) = p₁ + p₂ − p₁p₂, P(both) = p₁p₂, and the Monte Carlo draws
    both sides of every station together.
    """
    if draws < 1:
        raise AnalysisError("the Monte Carlo test needs at least one draw")
    f = check_frame(frame).with_columns(turnout=pl.col(issued) / pl.col("registered"))
    f = f.filter((pl.col("registered") >= 100) & (pl.col("turnout") <= 0.99) & (pl.col("share") <= 0.99))
    if f.height == 0:
        raise AnalysisError("no station passes the inclusion rules (≥ 100 voters, turnout and share ≤ 99 %)")
    rng = np.random.default_rng(seed)
    # Stations sorted by region, so that one reduceat gives every region's count for a whole block of draws.
    order = np.argsort(f["region"].to_numpy(), kind="stable")
    regions = f["region"].to_numpy()[order]
    names, starts = np.unique(regions, return_index=True)
    flags, probs = {}, {}
    for name, k_column, n_column, p_column in (
        ("turnout", f[issued], f["registered"], f["turnout"]),
        ("leader_share", f["leader"], f["ballots_in_boxes"], f["share"]),
    ):
        k, n, p = k_column.to_numpy()[order], n_column.to_numpy()[order], p_column.to_numpy()[order]
        flags[name] = is_integer_percent(k, n)
        probs[name] = integer_probability(n, p)
    p1, p2 = probs["turnout"], probs["leader_share"]
    flags["either"], probs["either"] = flags["turnout"] | flags["leader_share"], p1 + p2 - p1 * p2
    flags["both"], probs["both"] = flags["turnout"] & flags["leader_share"], p1 * p2
    simulated = {name: np.zeros(draws, dtype=np.int64) for name in INTEGER_COUNTS}
    region_sim = {name: np.zeros((draws, len(names)), dtype=np.int32) for name in INTEGER_COUNTS}
    q1, q2 = p1.astype(np.float32), p2.astype(np.float32)
    for start in range(0, draws, 50):
        chunk = min(50, draws - start)
        first = rng.random((chunk, len(q1)), dtype=np.float32) < q1
        second = rng.random((chunk, len(q2)), dtype=np.float32) < q2
        hits = {"turnout": first, "leader_share": second, "either": first | second, "both": first & second}
        for name in INTEGER_COUNTS:
            per_region = np.add.reduceat(hits[name], starts, axis=1, dtype=np.int32)
            region_sim[name][start : start + chunk] = per_region
            simulated[name][start : start + chunk] = per_region.sum(axis=1)
    counts = {}
    for name in INTEGER_COUNTS:
        count, expected = int(flags[name].sum()), float(probs[name].sum())
        regions_found = {}
        if by_region:
            obs_r = np.add.reduceat(flags[name], starts)
            exp_r = np.add.reduceat(probs[name], starts)
            p_r = (1 + (region_sim[name] >= obs_r).sum(axis=0)) / (draws + 1)
            regions_found = {
                str(r): RegionCount(observed=int(o), expected=round(float(e), 1), p_value=float(pv))
                for r, o, e, pv in zip(names, obs_r, exp_r, p_r, strict=True)
            }
        counts[name] = IntegerCount(
            observed=count,
            expected=round(expected, 1),
            excess=round(count - expected, 1),
            p_value=(1 + int((simulated[name] >= count).sum())) / (draws + 1),
            ratio=round(count / expected, 3) if expected else None,
            regions=regions_found,
        )
    return IntegerTest(stations=f.height, draws=draws, seed=seed, issued=issued, **counts)


# -- regions ----------------------------------------------------------------
@dataclass(frozen=True)
class RegionRow:
    region: str
    stations: int
    registered: int
    turnout: float
    leader_share: float
    integer_observed: int  # stations with a whole turnout or leader's share, each once
    integer_expected: float
    anomaly: float | None  # observed / expected: 1 is what chance gives
    integer_p: float | None
    excess_votes: int


def region_table(frame: pl.DataFrame, excess: ExcessRun, integers: IntegerTest) -> list[RegionRow]:
    """Per region: turnout, leader share, integer-percentage excess, excess votes."""
    f = check_frame(frame)
    per_station = excess.codes.with_columns(excess=pl.Series(excess.per_station))
    rows = (
        f.join(per_station, on=["region", "code"], how="left")
        .group_by("region")
        .agg(
            pl.len().alias("stations"),
            pl.col("registered", "ballots_issued", "ballots_in_boxes", "leader").sum(),
            pl.col("excess").sum(),
        )
        .sort("region")
    )
    table = []
    for row in rows.iter_rows(named=True):
        # Stations with a whole turnout or a whole leader's share, each counted once (as published).
        either = integers.either.regions.get(row["region"])
        observed, expected = (either.observed, either.expected) if either else (0, 0.0)
        table.append(
            RegionRow(
                region=row["region"],
                stations=row["stations"],
                registered=row["registered"],
                turnout=round(100 * row["ballots_issued"] / row["registered"], 2),
                leader_share=round(100 * row["leader"] / row["ballots_in_boxes"], 2),
                integer_observed=observed,
                integer_expected=round(expected, 1),
                # Anomaly score: how many times the chance count of whole
                # percentages the region reports (1 is what chance gives).
                anomaly=round(observed / expected, 2) if expected else None,
                integer_p=either.p_value if either else None,
                excess_votes=round(row["excess"] or 0),
            )
        )
    return table


# The version of the figures a stored analysis holds: a page showing an older one runs the analysis again.
METHOD = 2


@dataclass(frozen=True)
class Analysed:
    """Everything the page and the command show for one set of stations, and the central run of the excess
    estimate whose per-station excess gives the cleaned results."""

    totals: StationTotals
    excess: ExcessEstimate
    integers: IntegerTest
    regions: list[RegionRow]
    central: ExcessRun


def analyse(frame: pl.DataFrame, draws: int = 1000, seed: int = 0, issued: str = "ballots_issued") -> Analysed:
    """Everything the page and the command show, for one set of stations."""
    integers = integer_test(frame, draws=draws, seed=seed, issued=issued)
    excess, central = excess_estimate(frame)
    return Analysed(totals(frame), excess, integers, region_table(frame, central, integers), central)
