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

import math
import re
from dataclasses import replace
from itertools import pairwise, product
from typing import Any

import numpy as np
from django.utils.translation import gettext_noop

from elections.models import Candidate, Contest, Election, Protocol
from elections.names import party_short_name
from elections.stats import contest_totals
from smartvote.figures import ContestForecast
from smartvote.forecast import (
    INPUTS,
    PRIORS,
    SIGMA_SWING,
    ForecastError,
    contest_forecast,
    entries_for,
    regions_of,
    reweighted,
    setup_of,
    single_mandate,
)

SCALES = [0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0]
# The weights tried for the facts' groups that the backtests can tell apart (incumbency, earlier candidacies):
# 0 switches a group off, 1 keeps the published prior (forecast.EFFECTS). Recognition and endorsements have no
# sourced facts yet and stay at 1.
FITTED = ("incumbent", "earlier")
WEIGHTS = [0.0, 0.5, 1.0, 1.5]
PUBLISHED = (1.0, (("incumbent", 1.0), ("earlier", 1.0)))
# The labels are stored in the report in English and translated where shown (the backtest page).
ABLATION = [
    (gettext_noop("equal bases, no facts"), ()),
    (gettext_noop("party-list shares, latest election"), ("history",)),
    (gettext_noop("+ older party lists"), ("history", "older")),
    (gettext_noop("+ own earlier votes"), ("history", "older", "own")),
    (gettext_noop("+ incumbency"), ("history", "older", "own", "incumbent")),
    (gettext_noop("+ earlier candidacies"), ("history", "older", "own", "incumbent", "earlier")),
    (gettext_noop("+ recognition, endorsements (all inputs)"), INPUTS),
    (gettext_noop("candidate facts without list shares"), ("incumbent", "earlier", "recognition", "endorsement")),
    (gettext_noop("all inputs and the cleaned results (not used)"), (*INPUTS, "cleaned")),
    (gettext_noop("all inputs and the national poll swing (not used)"), (*INPUTS, "swing")),
]
BINS = np.linspace(0, 1, 11)
NO_RULING = gettext_noop("no candidate of the ruling party on record: nobody to beat")


def outcomes(contest: Contest) -> dict[int, int]:
    """candidate_id → votes in the contest's official result."""
    ids = dict(Candidate.objects.filter(contest=contest).values_list("choice__id", "id"))
    return {ids[r.choice_id]: r.votes for r in contest_totals(contest).results if r.choice_id in ids}


def score(forecast: ContestForecast, votes: dict[int, int]) -> dict:
    """How one contest's forecast did (a row of the report)."""
    standing = [c for c in forecast.candidates if c.role != "withdrawn"]
    total = sum(votes.get(c.candidate_id, 0) for c in standing) or 1
    others = [c for c in standing if c.role != "ruling"]
    best = max(others, key=lambda c: votes.get(c.candidate_id, 0))
    pick = forecast.candidate(forecast.recommended) if forecast.recommended is not None else None
    return {
        "contest_id": forecast.contest_id,
        "number": forecast.number,
        "name": forecast.name,
        "recommended": pick
        and {"name": pick.name, "party": pick.party, "p_beat": pick.p_beat, "p_best": pick.p_best, "mean": pick.mean},
        "recommended_actual": pick and round(100 * votes.get(pick.candidate_id, 0) / total, 2),
        "strongest": {
            "name": best.name,
            "party": best.party,
            "share": round(100 * votes.get(best.candidate_id, 0) / total, 2),
        },
        "hit": pick is not None and pick.candidate_id == best.candidate_id,
        "brier": sum(((c.p_best or 0) - (c is best)) ** 2 for c in others),
        "errors": [abs((c.mean or 0) - 100 * votes.get(c.candidate_id, 0) / total) for c in standing],
        "pairs": [(c.p_best or 0, int(c is best)) for c in others],
    }


def summarise(scores: list[dict]) -> dict:
    errors = [e for s in scores for e in s["errors"]]
    return {
        "contests": len(scores),
        "hits": sum(s["hit"] for s in scores),
        "brier": round(float(np.mean([s["brier"] for s in scores])), 4) if scores else None,
        "mae": round(float(np.mean(errors)), 2) if errors else None,
    }


def per_target(scores: list[dict], targets: list[Election]) -> dict:
    """{set: summary} of the scores of each backtest set: a target election, or an election and a region where
    its scored contests lie in several (the State Duma 2021 in St Petersburg and in Moscow are two sets)."""
    order = [s["set"] for s in scores]
    return {name: summarise([s for s in scores if s["set"] == name]) for name in dict.fromkeys(order)}


def set_names(election: Election, contests: list[Contest]) -> dict[int, str]:
    """contest_id → its backtest set: the election's slug, with the region's name where the contests lie in
    several regions."""
    regions = regions_of(contests)
    several = len(set(regions.values())) > 1
    short = {name: re.sub(r"^город\s+", "", name, flags=re.IGNORECASE) for name in regions.values()}
    return {
        c.pk: f"{election.slug} {short.get(regions.get(c.pk, ''), '?')}" if several else election.slug for c in contests
    }


def with_results(election: Election, region: str = "") -> list[Contest]:
    """The election's single-mandate contests whose result is on record: what a backtest can score (a national
    election may have candidates in every district and results in a few); only those in a region whose name
    contains ``region`` when it is given (a development set apart from the rest of its election)."""
    have = set(
        Protocol.objects.filter(contest__election=election, contest__kind=Contest.Kind.SINGLE_MANDATE, has_result=True)
        .values_list("contest_id", flat=True)
        .distinct()
    )
    if region:
        inside = set(
            Protocol.objects.filter(
                contest__election=election, precinct__is_remote=False, precinct__region__name__icontains=region
            )
            .values_list("contest_id", flat=True)
            .distinct()
        )
        have &= inside
    return [c for c in single_mandate(election) if c.pk in have]


def learned_priors(prepared: list[tuple], leave_out: int | None = None) -> dict[str, float]:
    """The base share of a candidate nothing earlier measures (a self-nominee, a party with no earlier list),
    learned from what such candidates got: the geometric mean of their shares in the contests (all but
    ``leave_out``), each floored at 0.1 %. Ruling candidates are left out (the ruling party's self-nominees carry
    its list). A kind with no such candidate keeps the published prior."""
    logs: dict[str, list[float]] = {kind: [] for kind in PRIORS}
    for i, (_election, _contest, entries, _cov, votes, _set) in enumerate(prepared):
        if i == leave_out:
            continue
        standing = [e for e in entries if e.role != "withdrawn"]
        total = sum(votes.get(e.candidate_id, 0) for e in standing)
        for e in standing:
            if e.prior and e.role != "ruling" and total:
                logs[e.prior].append(math.log(max(votes.get(e.candidate_id, 0) / total, 1e-3)))
    return {kind: round(math.exp(sum(v) / len(v)), 4) if v else PRIORS[kind] for kind, v in logs.items()}


def with_priors(prepared: list[tuple], priors: list[dict[str, float]]) -> list[tuple]:
    """The prepared contests with each prior-based candidate's base set to its contest's learned prior."""
    out = []
    for (election, contest, entries, cov, votes, name), learned in zip(prepared, priors, strict=True):
        moved = reweighted([replace(e, base=learned[e.prior]) if e.prior else e for e in entries], {})
        out.append((election, contest, moved, cov, votes, name))
    return out


def leave_one_out_priors(prepared: list[tuple]) -> list[dict[str, float]]:
    """Each contest's priors learned from all the other contests: its own outcome never sets its base."""
    return [learned_priors(prepared, leave_out=i) for i in range(len(prepared))]


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


def scored_contests(election: Election, entries: dict) -> list[Contest]:
    """The contests of ``entries`` that can be scored: those with a result and a ruling candidate (where the
    ruling party backed nobody on record, there is no one to beat; unscored() lists them)."""
    return [c for c in with_results(election) if any(e.role == "ruling" for e in entries.get(c.pk, []))]


def prepare(targets: list[Election], history: list[Election], use=INPUTS, regions: dict | None = None) -> list[tuple]:
    """(election, contest, entries, coverage, votes, set) of every scored contest. Each target is forecast from
    the history elections before it (entries_for leaves the later ones out); the facts' effects unweighted, the
    published priors (learned_priors replaces them)."""
    prepared = []
    for election in targets:
        contests = with_results(election, (regions or {}).get(election.pk, ""))
        entries, coverage = entries_for(election, contests, use, history, weights={}, priors=PRIORS)
        sets = set_names(election, contests)
        prepared += [
            (election, c, entries[c.pk], coverage.get(c.pk), outcomes(c), sets[c.pk])
            for c in scored_contests(election, entries)
        ]
    return prepared


def scored(prepared: list[tuple], draws: int, seed: int, configs: list) -> list[dict]:
    """Each contest's score with its settings (configs[i]: scale and facts' weights for contest i). A contest
    draws from its own generator, seeded (seed, its id): every setting meets the same random numbers, and a
    contest's draws do not change with the other contests in the backtest."""
    return [
        {
            "election": election.slug,
            "set": name,
            **score(
                contest_forecast(
                    c, reweighted(e, dict(weights)), draws, np.random.default_rng((seed, c.pk)), scale, cov
                ),
                votes,
            ),
        }
        for (election, c, e, cov, votes, name), (scale, weights) in zip(prepared, configs, strict=True)
    ]


def run(targets, history, draws=10_000, seed=0, use=INPUTS, config=PUBLISHED, regions=None, learn=True) -> list[dict]:
    """[score per contest] for one set of inputs and one setting (with priors learned leave one contest out,
    or the published ones)."""
    prepared = prepare(targets, history, use, regions)
    if learn:
        prepared = with_priors(prepared, leave_one_out_priors(prepared))
    return scored(prepared, draws, seed, [config] * len(prepared))


def brier_grid(prepared: list[tuple], draws: int, seed: int, configs: list) -> np.ndarray:
    """configs × contests: the Brier score of every setting on every contest, from the same draws as
    ``scored`` (only who tops the non-ruling candidates matters, so the shares need no softmax)."""
    grid = np.zeros((len(configs), len(prepared)))
    for i, (_election, contest, entries, _cov, votes, _set) in enumerate(prepared):
        active = [e for e in entries if e.role != "withdrawn"]
        rng = np.random.default_rng((seed, contest.pk))
        noise = rng.standard_normal((draws, len(active))) * np.array([e.sigma for e in active])
        swing = rng.standard_normal((draws, 1)) * SIGMA_SWING
        ruling = np.array([e.role == "ruling" for e in active])
        side = np.where(ruling, 1.0, -1.0)
        best = max((k for k in range(len(active)) if not ruling[k]), key=lambda k: votes.get(active[k].candidate_id, 0))
        outcome = np.zeros(len(active))
        outcome[best] = 1.0
        for j, (scale, weights) in enumerate(configs):
            mu = np.array([e.strength for e in reweighted(active, dict(weights))])
            logits = np.where(ruling, -np.inf, mu + (noise + swing * side) * scale)
            p = np.bincount(logits.argmax(axis=1), minlength=len(active)) / draws
            grid[j, i] = float(((p - outcome)[~ruling] ** 2).sum())
    return grid


def unscored(targets: list[Election], prepared: list[tuple], regions: dict | None = None) -> list[dict]:
    """The contests left out of the scores (not in ``prepared``), with why."""
    kept = {c.pk for _e, c, *_rest in prepared}
    return [
        {"election": election.slug, "number": c.number, "name": c.name, "why": NO_RULING}
        for election in targets
        for c in with_results(election, (regions or {}).get(election.pk, ""))
        if c.pk not in kept
    ]


def leave_one_out(grid: np.ndarray, configs: list) -> list:
    """Each contest's setting: the one with the best mean Brier score on all the other contests."""
    return [configs[int(np.delete(grid, i, axis=1).mean(axis=1).argmin())] for i in range(grid.shape[1])]


def backtest(
    targets: list[Election],
    history: list[Election],
    draws: int = 10_000,
    seed: int = 0,
    ablation: bool = True,
    progress=lambda label: None,
    regions: dict[int, str] | None = None,
) -> dict:
    """The full report: per-contest rows, summary, calibration, ablation. ``regions``: election id → the part of
    a target to score (a development set: St Petersburg of the State Duma 2021), the whole target otherwise."""
    if not history:
        raise ForecastError("a backtest needs at least one history election")
    for target in targets:
        # Each target uses only the history before it: what was known then.
        if not any(h.date < target.date for h in history):
            raise ForecastError(
                f"no history election is before {target.slug}: a backtest may only use what was known before "
                "the election"
            )
    progress("fitting the uncertainty scale and the facts' weights")
    configs = [(scale, tuple(zip(FITTED, w, strict=True))) for scale in SCALES for w in product(WEIGHTS, repeat=2)]
    published = prepare(targets, history, regions=regions)
    if not published:
        raise ForecastError("no contest to score: the targets have no single-mandate result with a ruling candidate")
    # The priors of candidates nothing earlier measures, learned from the others' outcomes, contest by contest.
    prepared = with_priors(published, leave_one_out_priors(published))
    priors = learned_priors(published)
    grid = brier_grid(prepared, draws, seed, configs)
    chosen = leave_one_out(grid, configs)
    overall = configs[int(grid.mean(axis=1).argmin())]
    loo = scored(prepared, draws, seed, chosen)
    plain = scored(prepared, draws, seed, [PUBLISHED] * len(prepared))
    report: dict[str, Any] = {
        "targets": [t.slug for t in targets],
        "history": [h.slug for h in history],
        "draws": draws,
        "seed": seed,
        "contests": [{k: v for k, v in s.items() if k not in ("errors", "pairs")} for s in loo],
        "summary": summarise(loo),
        "by_target": per_target(loo, targets),
        "unscored": unscored(targets, prepared, regions),
        "regions": {t.slug: (regions or {}).get(t.pk, "") for t in targets},
        "summary_unscaled": summarise(plain),
        "scale": overall[0],
        "fact_weights": dict(overall[1]),
        "priors": priors,
        "scales_chosen": sorted({scale for scale, _w in chosen}),
        "weights_chosen": [dict(w) for w in sorted({w for _s, w in chosen})],
        "calibration": calibration_bins([p for s in loo for p in s["pairs"]]),
        "calibration_unscaled": calibration_bins([p for s in plain for p in s["pairs"]]),
        "ablation": [],
    }
    if ablation:
        for label, use in ABLATION:
            progress(label)
            scores = run(targets, history, draws, seed, use, overall, regions)
            report["ablation"].append(
                {
                    "inputs": label,
                    "use": list(use),
                    **summarise(scores),
                    "by_target": per_target(scores, targets),
                }
            )
        progress("the published priors")
        fixed = scored(published, draws, seed, [overall] * len(published))
        report["ablation"].append(
            {
                "inputs": gettext_noop("all inputs with the published priors, not the learned ones"),
                "use": list(INPUTS),
                **summarise(fixed),
                "by_target": per_target(fixed, targets),
            }
        )
        report["ablation"] += naive_baselines(targets, history, regions)
    return report


def naive_baselines(targets, history, regions=None) -> list[dict]:
    """The candidate of the non-ruling party with the best earlier list share (with and without aligned parties)."""
    rows = []
    for label, use, skip_aligned in (
        (gettext_noop("naive: best earlier list share among non-ruling parties"), ("history",), False),
        (gettext_noop("naive: the same, aligned parties left out"), ("history",), True),
        (gettext_noop("naive: the same over all earlier lists"), ("history", "older"), True),
        (gettext_noop("naive: the КПРФ candidate everywhere"), (), True),
    ):
        by_target: dict[str, dict] = {}
        for election in targets:
            contests = with_results(election, (regions or {}).get(election.pk, ""))
            entries, _ = entries_for(election, contests, use, history)
            sets = set_names(election, contests)
            for contest in scored_contests(election, entries):
                votes = outcomes(contest)
                others = [e for e in entries[contest.pk] if e.role not in ("ruling", "withdrawn")]
                best = max(others, key=lambda e: votes.get(e.candidate_id, 0))
                pool = [e for e in others if e.role == "eligible" or not skip_aligned]
                if use:
                    pool = [e for e in pool if any(x.input == "history" for x in e.evidence)]
                    pick = max(pool, key=lambda e: e.base, default=None)
                else:
                    pick = next((e for e in pool if "КПРФ" in (e.party, party_short_name(e.party))), None)
                row = by_target.setdefault(sets[contest.pk], {"contests": 0, "hits": 0, "brier": None, "mae": None})
                row["hits"] += pick is best
                row["contests"] += 1
        rows.append(
            {
                "inputs": label,
                "use": list(use),
                "contests": sum(t["contests"] for t in by_target.values()),
                "hits": sum(t["hits"] for t in by_target.values()),
                "brier": None,
                "mae": None,
                "by_target": by_target,
            }
        )
    return rows


def frozen(
    targets: list[Election],
    history: list[Election],
    draws: int = 10_000,
    seed: int = 0,
    regions: dict[int, str] | None = None,
) -> dict:
    """Score a test set with the settings frozen on the development sets, fitting nothing: each target's stored
    uncertainty scale, facts' weights and learned priors (its setup, set by `smartvote_backtest --save` on the
    development sets), then the naive baselines on the same contests. What the national run is judged by."""
    for target in targets:
        if not any(h.date < target.date for h in history):
            raise ForecastError(f"no history election is before {target.slug}")
    prepared = prepare(targets, history, regions=regions)
    settings = {}
    for target in targets:
        setup = setup_of(target)
        settings[target.pk] = (
            setup.sigma_scale,
            tuple((group, setup.fact_weights.get(group, 1.0)) for group in FITTED),
            {**PRIORS, **(setup.priors or {})},
        )
    prepared = with_priors(prepared, [settings[p[0].pk][2] for p in prepared])
    scores = scored(prepared, draws, seed, [settings[p[0].pk][:2] for p in prepared])
    return {
        "targets": [t.slug for t in targets],
        "history": [h.slug for h in history],
        "draws": draws,
        "seed": seed,
        "frozen": {
            t.slug: {"scale": settings[t.pk][0], "fact_weights": dict(settings[t.pk][1]), "priors": settings[t.pk][2]}
            for t in targets
        },
        "regions": {t.slug: (regions or {}).get(t.pk, "") for t in targets},
        "contests": [{k: v for k, v in s.items() if k not in ("errors", "pairs")} for s in scores],
        "summary": summarise(scores),
        "by_target": per_target(scores, targets),
        "unscored": unscored(targets, prepared, regions),
        "calibration": calibration_bins([p for s in scores for p in s["pairs"]]),
        "ablation": naive_baselines(targets, history, regions),
    }
