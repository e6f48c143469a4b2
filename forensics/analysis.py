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

from dataclasses import dataclass

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


def totals(frame: pl.DataFrame) -> dict:
    """Official-style sums and percentages (of all stations given)."""
    s = frame.select(pl.col("registered", "ballots_issued", "ballots_in_boxes", "leader").sum()).row(0, named=True)
    return {
        "stations": frame.height,
        **{k: int(v or 0) for k, v in s.items()},
        "turnout": round(100 * s["ballots_issued"] / s["registered"], 2) if s["registered"] else None,
        "leader_share": round(100 * s["leader"] / s["ballots_in_boxes"], 2) if s["ballots_in_boxes"] else None,
    }


# -- histograms -------------------------------------------------------------
def histograms(frame: pl.DataFrame, comet_bins: int = 200) -> dict:
    f = check_frame(frame)
    turnout, share = 100 * f["turnout"].to_numpy(), 100 * f["share"].to_numpy()
    weights = f["ballots_in_boxes"].to_numpy()
    edges = np.linspace(0, 100, comet_bins + 1)
    comet, _, _ = np.histogram2d(turnout, share, bins=[edges, edges], weights=weights)
    fine = np.round(np.arange(0, 100.1001, 0.1), 1)
    return {
        "comet": comet,
        "comet_edges": edges,
        "fine_edges": fine,
        # Half-open bins [x, x + 0.1) would split a whole percentage from its
        # neighbours unevenly; centred bins put 50.0 % in the middle of one.
        "turnout_counts": np.histogram(turnout, bins=fine - 0.05)[0],
        "share_counts": np.histogram(share, bins=fine - 0.05)[0],
    }


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


def excess_votes(frame: pl.DataFrame, params: ExcessParams = ExcessParams()) -> dict:
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
    return {
        "params": params.__dict__,
        "mode_turnout": round(100 * mode, 2),
        "clean_share": round(float(100 * s0), 2),
        "clean_stations": int(clean.sum()),
        "excess": float(excess.sum()),
        "per_station": excess,
        "codes": f.select("region", "code"),
    }


def excess_estimate(frame: pl.DataFrame, grid=GRID) -> dict:
    """The central estimate (default parameters) and its range over the grid."""
    central = excess_votes(frame)
    runs = [excess_votes(frame, p) for p in grid]
    values = [run["excess"] for run in runs]
    shares = [run["clean_share"] for run in runs]
    return {
        "excess": round(central["excess"]),
        "low": round(min(values)),
        "high": round(max(values)),
        "mode_turnout": central["mode_turnout"],
        "clean_share": central["clean_share"],
        "clean_share_range": [min(shares), max(shares)],
        "clean_stations": central["clean_stations"],
        "params": central["params"],
        "grid_size": len(grid),
        "per_station": central["per_station"],
        "codes": central["codes"],
    }


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
    return np.abs(percent - np.round(percent)) <= tolerance + 1e-9


def integer_test(frame: pl.DataFrame, draws: int = 1000, seed: int = 0, by_region: bool = True) -> dict:
    """Observed and expected whole-percentage stations, with Monte Carlo p-values."""
    if draws < 1:
        raise AnalysisError("the Monte Carlo test needs at least one draw")
    f = check_frame(frame).filter(
        (pl.col("registered") >= 100) & (pl.col("turnout") <= 0.99) & (pl.col("share") <= 0.99)
    )
    if f.height == 0:
        raise AnalysisError("no station passes the inclusion rules (≥ 100 voters, turnout and share ≤ 99 %)")
    rng = np.random.default_rng(seed)
    result = {"stations": f.height, "draws": draws, "seed": seed}
    flags, probs = {}, {}
    for name, k, n, p in (
        ("turnout", f["ballots_issued"], f["registered"], f["turnout"]),
        ("leader_share", f["leader"], f["ballots_in_boxes"], f["share"]),
    ):
        k, n, p = k.to_numpy(), n.to_numpy(), p.to_numpy()
        flags[name] = is_integer_percent(k, n)
        probs[name] = integer_probability(n, p)
    # Stations sorted by region, so that one reduceat gives every region's
    # count for a whole block of draws.
    order = np.argsort(f["region"].to_numpy(), kind="stable")
    regions = f["region"].to_numpy()[order]
    names, starts = np.unique(regions, return_index=True)
    for name in flags:
        observed, prob = flags[name][order], probs[name][order].astype(np.float32)
        simulated = np.zeros(draws, dtype=np.int64)
        region_sim = np.zeros((draws, len(names)), dtype=np.int32)
        for start in range(0, draws, 50):
            chunk = min(50, draws - start)
            hits = rng.random((chunk, len(prob)), dtype=np.float32) < prob
            per_region = np.add.reduceat(hits, starts, axis=1, dtype=np.int32)
            region_sim[start : start + chunk] = per_region
            simulated[start : start + chunk] = per_region.sum(axis=1)
        count = int(observed.sum())
        result[name] = {
            "observed": count,
            "expected": round(float(prob.sum()), 1),
            "p_value": (1 + int((simulated >= count).sum())) / (draws + 1),
            "ratio": round(float(count / prob.sum()), 3) if prob.sum() else None,
        }
        if by_region:
            obs_r = np.add.reduceat(observed, starts)
            exp_r = np.add.reduceat(prob.astype(float), starts)
            p_r = (1 + (region_sim >= obs_r).sum(axis=0)) / (draws + 1)
            result[name]["regions"] = {
                str(r): {"observed": int(o), "expected": round(float(e), 1), "p_value": float(pv)}
                for r, o, e, pv in zip(names, obs_r, exp_r, p_r, strict=True)
            }
    return result


# -- regions ----------------------------------------------------------------
def region_table(frame: pl.DataFrame, excess: dict, integers: dict) -> list[dict]:
    """Per region: turnout, leader share, integer-percentage excess, excess votes."""
    f = check_frame(frame)
    per_station = excess["codes"].with_columns(excess=pl.Series(excess["per_station"]))
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
        integer = [integers[k]["regions"].get(row["region"], {}) for k in ("turnout", "leader_share")]
        observed = sum(i.get("observed", 0) for i in integer)
        expected = sum(i.get("expected", 0) for i in integer)
        p_values = [i["p_value"] for i in integer if "p_value" in i]
        table.append(
            {
                "region": row["region"],
                "stations": row["stations"],
                "registered": row["registered"],
                "turnout": round(100 * row["ballots_issued"] / row["registered"], 2),
                "leader_share": round(100 * row["leader"] / row["ballots_in_boxes"], 2),
                "integer_observed": observed,
                "integer_expected": round(expected, 1),
                # Anomaly score: how many times the chance count of whole
                # percentages the region reports (1 is what chance gives).
                "anomaly": round(observed / expected, 2) if expected else None,
                "integer_p": min(p_values) if p_values else None,
                "excess_votes": round(row["excess"] or 0),
            }
        )
    return table


def analyse(frame: pl.DataFrame, draws: int = 1000, seed: int = 0) -> dict:
    """Everything the page and the command show, for one set of stations."""
    integers = integer_test(frame, draws=draws, seed=seed)
    excess = excess_estimate(frame)
    return {
        "totals": totals(frame),
        "excess": excess,
        "integers": integers,
        "regions": region_table(frame, excess, integers),
    }
