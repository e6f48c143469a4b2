"""Forecast past elections from what was known before them, and score the forecast.

For every single-mandate contest of the target elections: the forecast
(from the history elections and the candidate facts only), against what
happened. The scores:

* **hits**: contests where the recommended candidate was the strongest
  finisher who was not the ruling party's;
* **Brier score** of the probability of being that strongest non-ruling
  finisher, summed over a contest's non-ruling candidates and averaged over
  contests (0 is perfect; spreading 1 evenly over k candidates scores 1 − 1/k);
* **MAE**: mean absolute error of the forecast mean shares, in points of the
  candidates' total vote.

The **calibration** picks the uncertainty scale by leave-one-contest-out: each
contest is scored with the scale that minimises the Brier score on all the
others, so no contest's probabilities were tuned on its own outcome. The
**ablation** reruns the forecast with inputs switched off.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np
from django.utils.translation import gettext_noop

from elections.models import Candidate, Contest, Election
from elections.stats import contest_totals
from smartvote.forecast import INPUTS, OPTIONAL, ForecastError, contest_forecast, entries_for, single_mandate

SCALES = [0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0]
# The labels are stored in the report in English and translated where shown (the backtest page).
ABLATION = [
    (gettext_noop("equal bases, no facts"), ()),
    (gettext_noop("party-list shares"), ("history",)),
    (gettext_noop("+ cleaned results"), ("history", "cleaned")),
    (gettext_noop("+ own earlier votes"), ("history", "cleaned", "own")),
    (gettext_noop("+ incumbency"), ("history", "cleaned", "own", "incumbent")),
    (gettext_noop("+ earlier candidacies"), ("history", "cleaned", "own", "incumbent", "earlier")),
    (gettext_noop("+ recognition, endorsements (all inputs)"), INPUTS),
    (gettext_noop("candidate facts without list shares"), ("incumbent", "earlier", "recognition", "endorsement")),
    (gettext_noop("all inputs and the national poll swing (not used)"), (*INPUTS, *OPTIONAL)),
]
BINS = np.linspace(0, 1, 11)


def outcomes(contest: Contest) -> dict[int, int]:
    """candidate_id → votes in the contest's official result."""
    ids = dict(Candidate.objects.filter(contest=contest).values_list("choice__id", "id"))
    return {ids[r["choice_id"]]: r["votes"] for r in contest_totals(contest)["results"] if r["choice_id"] in ids}


def score(forecast: dict, votes: dict[int, int]) -> dict:
    """How one contest's forecast did."""
    standing = [c for c in forecast["candidates"] if c["role"] != "withdrawn"]
    total = sum(votes.get(c["candidate_id"], 0) for c in standing) or 1
    others = [c for c in standing if c["role"] != "ruling"]
    best = max(others, key=lambda c: votes.get(c["candidate_id"], 0))
    pick = next((c for c in standing if c["candidate_id"] == forecast["recommended"]), None)
    return {
        "contest_id": forecast["contest_id"],
        "number": forecast["number"],
        "name": forecast["name"],
        "recommended": pick and {k: pick[k] for k in ("name", "party", "p_beat", "p_best", "mean")},
        "recommended_actual": pick and round(100 * votes.get(pick["candidate_id"], 0) / total, 2),
        "strongest": {
            "name": best["name"],
            "party": best["party"],
            "share": round(100 * votes.get(best["candidate_id"], 0) / total, 2),
        },
        "hit": bool(pick) and pick["candidate_id"] == best["candidate_id"],
        "brier": sum((c["p_best"] - (c is best)) ** 2 for c in others),
        "errors": [abs(c["mean"] - 100 * votes.get(c["candidate_id"], 0) / total) for c in standing],
        "pairs": [(c["p_best"], int(c is best)) for c in others],
    }


def summarise(scores: list[dict]) -> dict:
    errors = [e for s in scores for e in s["errors"]]
    return {
        "contests": len(scores),
        "hits": sum(s["hit"] for s in scores),
        "brier": round(float(np.mean([s["brier"] for s in scores])), 4) if scores else None,
        "mae": round(float(np.mean(errors)), 2) if errors else None,
    }


def calibration_bins(pairs: list[tuple[float, int]]) -> list[dict]:
    """Forecast probability against how often it came true, in tenths."""
    p = np.array([x for x, _ in pairs])
    y = np.array([o for _, o in pairs])
    out = []
    for low, high in pairwise(BINS):
        inside = (p >= low) & ((p < high) if high < 1 else (p <= high))
        if inside.any():
            out.append(
                {
                    "low": round(float(low), 1),
                    "high": round(float(high), 1),
                    "n": int(inside.sum()),
                    "forecast": round(float(p[inside].mean()), 4),
                    "observed": round(float(y[inside].mean()), 4),
                }
            )
    return out


def run(
    targets: list[Election], history: list[Election], draws: int = 10_000, seed: int = 0, use=INPUTS, scales=None
) -> dict:
    """{scale: [score per contest]} for one set of inputs."""
    scales = scales or [1.0]
    prepared = []
    for election in targets:
        contests = single_mandate(election)
        entries, coverage = entries_for(election, contests, use, history)
        prepared += [(c, entries[c.pk], coverage.get(c.pk), outcomes(c)) for c in contests]
    result = {}
    for scale in scales:
        rng = np.random.default_rng(seed)
        result[scale] = [score(contest_forecast(c, e, draws, rng, scale, cov), votes) for c, e, cov, votes in prepared]
    return result


def leave_one_out(by_scale: dict) -> tuple[list[dict], list[float]]:
    """Each contest scored at the scale best for all the other contests."""
    scales = sorted(by_scale)
    n = len(by_scale[scales[0]])
    brier = np.array([[s["brier"] for s in by_scale[scale]] for scale in scales])  # scales × contests
    chosen, scored = [], []
    for i in range(n):
        rest = np.delete(brier, i, axis=1).mean(axis=1)
        best = scales[int(rest.argmin())]
        chosen.append(best)
        scored.append(by_scale[best][i])
    return scored, chosen


def backtest(
    targets: list[Election],
    history: list[Election],
    draws: int = 10_000,
    seed: int = 0,
    ablation: bool = True,
    progress=lambda label: None,
) -> dict:
    """The full report: per-contest rows, summary, calibration, ablation."""
    if not history:
        raise ForecastError("a backtest needs at least one history election")
    for target in targets:
        late = [h.slug for h in history if h.date >= target.date]
        if late:
            raise ForecastError(
                f"history {', '.join(late)} is not before {target.slug}: a backtest may only "
                "use what was known before the election"
            )
    progress("calibrating the uncertainty")
    by_scale = run(targets, history, draws, seed, INPUTS, SCALES)
    plain = by_scale[1.0]
    loo, chosen = leave_one_out(by_scale)
    overall = min(SCALES, key=lambda s: np.mean([x["brier"] for x in by_scale[s]]))
    report = {
        "targets": [t.slug for t in targets],
        "history": [h.slug for h in history],
        "draws": draws,
        "seed": seed,
        "contests": [{k: v for k, v in s.items() if k not in ("errors", "pairs")} for s in loo],
        "summary": summarise(loo),
        "summary_unscaled": summarise(plain),
        "scale": overall,
        "scales_chosen": sorted(set(chosen)),
        "calibration": calibration_bins([p for s in loo for p in s["pairs"]]),
        "calibration_unscaled": calibration_bins([p for s in plain for p in s["pairs"]]),
        "ablation": [],
    }
    if ablation:
        for label, use in ABLATION:
            progress(label)
            report["ablation"].append(
                {
                    "inputs": label,
                    "use": list(use),
                    **summarise(run(targets, history, draws, seed, use, [overall])[overall]),
                }
            )
        report["ablation"] += naive_baselines(targets, history)
    return report


def naive_baselines(targets, history) -> list[dict]:
    """The candidate of the non-ruling party with the best earlier list share (with and without aligned parties)."""
    rows = []
    for label, skip_aligned in (
        (gettext_noop("naive: best earlier list share among non-ruling parties"), False),
        (gettext_noop("naive: the same, aligned parties left out"), True),
    ):
        hits = n = 0
        for election in targets:
            contests = single_mandate(election)
            entries, _ = entries_for(election, contests, ("history",), history)
            for contest in contests:
                votes = outcomes(contest)
                others = [e for e in entries[contest.pk] if e.role not in ("ruling", "withdrawn")]
                best = max(others, key=lambda e: votes.get(e.candidate_id, 0))
                pool = [e for e in others if e.role == "eligible" or not skip_aligned]
                pool = [e for e in pool if any(x["input"] == "history" for x in e.evidence)]
                pick = max(pool, key=lambda e: e.base, default=None)
                hits += pick is best
                n += 1
        rows.append({"inputs": label, "use": ["history"], "contests": n, "hits": hits, "brier": None, "mae": None})
    return rows
