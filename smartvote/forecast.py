"""The forecast: each candidate's share with its uncertainty, and who can beat the ruling party.

The model, in three lines:

1. A candidate's **base** is their party's list share in the district at
   earlier elections (carried precinct by precinct, smartvote.carry), a
   weighted mean that halves its weight every five years; a party's
   predecessors count as the party (a rename, a merger). A self-nominated
   candidate or a party without a history starts from a small fixed share
   and a wide uncertainty: nothing is known about them.
2. **Candidate facts** move the base on the log scale by fixed, published
   amounts (EFFECTS): sitting in this seat, sitting in another, having won
   or fought earlier elections, name recognition, endorsements. They are
   priors, not fitted to any outcome, so a backtest cannot have learnt the
   answer; a withdrawn candidate leaves the race.
3. **Simulation**: each draw adds normal noise to every candidate's log
   strength (its sd from what is known about them, times the election's
   calibrated scale) and a common swing for or against the ruling side,
   then takes the softmax as vote shares. Over the draws: the probability
   of finishing ahead of the best ruling candidate, of winning the seat,
   and of being the strongest non-ruling finisher; intervals of the share.

The recommendation is the eligible candidate (not ruling, not aligned with
it, not withdrawn) most likely to be the strongest non-ruling finisher: the
one the votes against the ruling candidate should gather on, which is what
can beat that candidate. (Ranking by the chance of beating the ruling
candidate outright favours whoever is least known where that chance is
small everywhere: a wide interval reaches further.) The chance of finishing
ahead of the ruling candidate and of winning are shown beside it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np
import polars as pl
from django.utils.translation import gettext_noop

from elections.frames import contest_precincts
from elections.models import Candidate, Contest, Election, Party, Protocol
from smartvote.carry import carry, carry_kept, carry_own
from smartvote.figures import CandidateForecast, ContestForecast, Coverage, Evidence, stored_contests
from smartvote.models import CandidateFact, ElectionSetup, Forecast, PartyLineage
from smartvote.polls import Swing, code_of, swings

# What the forecast can use; a backtest switches them off one by one.
# "history" is the latest party-list election before the vote; "older" adds every earlier one (weights halving).
INPUTS = ("history", "older", "own", "incumbent", "earlier", "recognition", "endorsement")
# Inputs a backtest can add, which the forecast leaves out because they did worse where tested (docs/smartvote.md):
# the ruling list's history cleaned of the forensic excess estimate (over the 47 backtest contests: Brier 0.597
# against 0.591 and one pick fewer at the same settings, 0.633 with the settings fitted with it), and the
# national poll swing, which moved St Petersburg's 2021 districts the wrong way (the КПРФ's national rise).
OPTIONAL = ("cleaned", "swing")
DRAWS = 10_000
HISTORY_HALF_LIFE_YEARS = 5.0
SELF_NOMINATED_SHARE = 0.02
# A candidate's own earlier votes in the precincts of their district (a citywide race, carried as the lists are)
# weigh this much against their party's list share: the same voters choosing the same person is the closer
# measure of that person's pull; the list share stays in, as the floor of a candidate the voters have not met.
# Set by reasoning, not fitted (docs/smartvote.md); the ablation shows what it adds.
OWN_WEIGHT = 0.75
NEW_PARTY_SHARE = 0.03
# The base of a candidate nothing earlier measures: those two shares until a backtest learns them from what such
# candidates got in the development sets (smartvote.backtest.learned_priors; stored on the setup by
# `smartvote_backtest --save`, as the uncertainty scale is).
PRIORS = {"self_nominated": SELF_NOMINATED_SHARE, "new_party": NEW_PARTY_SHARE}
# Log-strength standard deviations: a party with a list history, without one.
SIGMA_KNOWN = 0.30
SIGMA_UNKNOWN = 0.80
SIGMA_SWING = 0.15
# Log-strength effects of the candidate facts (counts capped at MAX_COUNT).
EFFECTS = {
    "incumbent_same_seat": 0.70,
    "incumbent_other_seat": 0.35,
    "earlier_elected": 0.25,
    "earlier_ran": 0.10,
    "recognition": 0.20,  # per point of the 0–3 scale
    "endorsement": 0.30,
}
MAX_COUNT = 2
# The effects in groups, each scaled by a weight: 1 (as published) unless a backtest fitted another, leave one
# contest out, on other contests (smartvote.backtest; stored on the election's setup by `smartvote_backtest --save`).
FACT_GROUPS = {
    "incumbent_same_seat": "incumbent",
    "incumbent_other_seat": "incumbent",
    "earlier_elected": "earlier",
    "earlier_ran": "earlier",
    "recognition": "recognition",
    "endorsement": "endorsement",
}
FACT_GROUP_LABELS = {
    "incumbent": gettext_noop("incumbency"),
    "earlier": gettext_noop("earlier candidacies"),
    "recognition": gettext_noop("name recognition"),
    "endorsement": gettext_noop("endorsements"),
}
HISTOGRAM_BINS = 50  # of the share, 0–100 %, for the charts
# The roles, marked for translation (pages show them with {% translate %}).
ROLES = [gettext_noop("ruling"), gettext_noop("aligned"), gettext_noop("eligible"), gettext_noop("withdrawn")]


class ForecastError(Exception):
    """The inputs do not allow a forecast; the message says what to fix."""


@dataclass
class Entry:
    """One candidate as the model sees them."""

    candidate_id: int
    name: str
    party: str
    role: str  # ruling, aligned, eligible, withdrawn
    base: float
    sigma: float
    evidence: list[Evidence] = field(default_factory=list)
    strength: float = 0.0  # log base + weighted effects
    effects: list[tuple[str, float]] = field(default_factory=list)  # (group, effect before its weight)
    prior: str = ""  # "self_nominated" or "new_party" while the base is the prior of such a candidate (PRIORS)


def reweighted(entries: list[Entry], weights: dict[str, float]) -> list[Entry]:
    """The same candidates with the facts' effects weighted anew (a backtest trying weights)."""
    return [replace(e, strength=math.log(e.base) + sum(weights.get(g, 1.0) * x for g, x in e.effects)) for e in entries]


def setup_of(election: Election) -> ElectionSetup:
    try:
        return election.smartvote_setup
    except ElectionSetup.DoesNotExist:
        raise ForecastError(
            f"{election.slug}: no smart-voting setup; set its ruling party in the admin or with import_smartvote_facts"
        ) from None


def single_mandate(election: Election) -> list[Contest]:
    """The election's single-mandate contests that have candidates on record.

    A national election imported from the CEC tables has all 225 districts
    but candidates only where a regional source gave them.
    """
    return list(
        election.contests.filter(kind=Contest.Kind.SINGLE_MANDATE, candidates__isnull=False)
        .distinct()
        .order_by("number")
    )


def regions_of(contests: list[Contest]) -> dict[int, str]:
    """contest_id → the name of the region its polling stations are in (a single-mandate district lies in one)."""
    return dict(
        Protocol.objects.filter(contest__in=contests, precinct__is_remote=False)
        .values_list("contest_id", "precinct__region__name")
        .distinct()
    )


def predecessors() -> dict[int, set[int]]:
    """party_id → itself and every party it descends from."""
    parents: dict[int, set[int]] = {}
    for party, before in PartyLineage.objects.values_list("party_id", "predecessor_id"):
        parents.setdefault(party, set()).add(before)
    lines = {}
    for party in parents:
        seen, todo = {party}, [party]
        while todo:
            for before in parents.get(todo.pop(), ()):
                if before not in seen:
                    seen.add(before)
                    todo.append(before)
        lines[party] = seen
    return lines


def list_shares(
    contests: list[Contest], targets: pl.DataFrame, history: list[Election], use
) -> tuple[dict[tuple[int, int, str], float], dict[int, list[Coverage]]]:
    """({(contest_id, party_id, history_slug): share}, {contest_id: coverage per history}); ``targets`` are the
    contests' precincts (elections.frames.contest_precincts)."""
    shares: dict[tuple[int, int, str], float] = {}
    coverage: dict[int, list[Coverage]] = {}
    if "history" not in use or not history:
        return shares, coverage
    for earlier in history:
        # The cleaned votes depend on a stored forensic analysis too: computed each time; the plain ones are kept.
        if "cleaned" in use:
            carried = carry(earlier, contests, targets, cleaned=True)
        else:
            carried = carry_kept(earlier, contests, targets)
        totals = carried.votes.group_by("contest_id").agg(total=pl.col("votes").sum())
        for contest_id, party_id, votes, total in carried.votes.join(totals, on="contest_id").iter_rows():
            shares[(contest_id, party_id, earlier.slug)] = votes / total if total else 0.0
        for row in carried.coverage.iter_rows(named=True):
            coverage.setdefault(row.pop("contest_id"), []).append(
                Coverage(election=earlier.slug, cleaned=carried.cleaned, **row)
            )
    return shares, coverage


def entries_for(
    election: Election,
    contests: list[Contest],
    use=INPUTS,
    history=None,
    weights: dict | None = None,
    priors: dict | None = None,
) -> tuple[dict[int, list[Entry]], dict[int, list[Coverage]]]:
    """({contest_id: [Entry]}, {contest_id: [coverage]}): the candidates with their base,
    uncertainty, strength and evidence, and how each district's history was carried. ``weights`` of the
    facts' groups and the ``priors`` of candidates nothing earlier measures: the setup's when None."""
    setup = setup_of(election)
    weights = setup.fact_weights if weights is None else weights
    priors = {**PRIORS, **{k: v for k, v in (setup.priors or {}).items() if k in PRIORS}} if priors is None else priors
    history = list(setup.history.order_by("-date")) if history is None else history
    history = sorted((h for h in history if h.date < election.date), key=lambda h: h.date, reverse=True)
    if "older" not in use:
        history = history[:1]
    ruling_parties = set(setup.ruling_parties.values_list("id", flat=True))
    aligned_parties = set(setup.aligned_parties.values_list("id", flat=True))
    ruling_people = set(setup.ruling_candidates.values_list("id", flat=True))
    aligned_people = set(setup.aligned_candidates.values_list("id", flat=True))
    lines = predecessors()
    facts: dict[int, list[CandidateFact]] = {}
    for fact in CandidateFact.objects.filter(candidate__contest__in=contests).select_related("earlier_choice"):
        facts.setdefault(fact.candidate_id, []).append(fact)
    targets = contest_precincts(contests)  # carried onto by the lists and by the candidates' own earlier votes
    shares, coverage = list_shares(contests, targets, history, use)
    own = own_shares(facts, targets) if "own" in use else {}
    # The national swing from the polls, since the latest history election (smartvote.polls).
    moved = swings(max(h.date for h in history), election.date) if "swing" in use and history else {}
    party_names = dict(Party.objects.values_list("id", "name")) if moved else {}
    weights = {h.slug: 0.5 ** ((election.date - h.date).days / 365.25 / HISTORY_HALF_LIFE_YEARS) for h in history}

    result: dict[int, list[Entry]] = {}
    candidates = (
        Candidate.objects.filter(contest__in=contests)
        .select_related("person", "party")
        .order_by("contest_id", "person__last_name", "person__first_name", "id")
    )
    for cand in candidates:
        own_facts = facts.get(cand.pk, [])
        own_votes = [f for f in own_facts if f.kind == CandidateFact.Kind.EARLIER_VOTES and "own" in use]
        kinds = {f.kind for f in own_facts}
        if CandidateFact.Kind.WITHDRAWN in kinds or cand.status == Candidate.Status.WITHDRAWN:
            role = "withdrawn"
        elif cand.pk in ruling_people or CandidateFact.Kind.RULING in kinds or cand.party_id in ruling_parties:
            role = "ruling"
        elif cand.pk in aligned_people or CandidateFact.Kind.ALIGNED in kinds or cand.party_id in aligned_parties:
            role = "aligned"
        else:
            role = "eligible"
        entry = Entry(cand.pk, cand.person.full_name, str(cand.nomination), role, 0.0, SIGMA_UNKNOWN)
        # The ruling party's candidate under another nomination carries the ruling list's votes.
        parties: list[int] = [cand.party_id] if cand.party_id is not None else []
        if role == "ruling" and cand.party_id not in ruling_parties:
            parties = sorted(ruling_parties)
        base_from_history(entry, cand.contest_id, parties, shares, weights, lines, priors)
        if parties and entry.sigma == SIGMA_KNOWN:  # a base from the lists: the polls move it
            apply_swing(entry, moved.get(code_of(party_names.get(parties[0], "")) or ""))
        for fact in own_votes:
            blend_own_votes(entry, fact, own.get((cand.contest_id, fact.earlier_choice_id or 0)))
        apply_facts(entry, own_facts, use, weights)
        result.setdefault(cand.contest_id, []).append(entry)
    return result, coverage


def apply_swing(entry: Entry, swing: Swing | None) -> None:
    """The list-based base moved by the party's national poll swing; its uncertainty widened by the polls'."""
    if swing is None:
        return
    entry.base = max(entry.base * swing.ratio, 1e-3)
    entry.sigma = math.sqrt(entry.sigma**2 + swing.sigma**2)
    entry.strength = math.log(entry.base)
    entry.evidence.append(
        Evidence(
            input="swing",
            label=gettext_noop("national poll swing since the history election"),
            value=round(swing.ratio, 2),
            note=f"{swing.before} % → {swing.now} %",
            source="polls_duma2021_national.csv (linusmoreau/polling, Wikipedia)",
        )
    )


def own_shares(facts: dict[int, list[CandidateFact]], targets: pl.DataFrame) -> dict[tuple[int, int], float]:
    """{(contest_id, earlier choice_id): share}: each candidate's own earlier result (their earlier_votes facts)
    rebuilt over their district's precincts."""
    choices = [
        f.earlier_choice
        for found in facts.values()
        for f in found
        if f.kind == CandidateFact.Kind.EARLIER_VOTES and f.earlier_choice is not None
    ]
    if not choices:
        return {}
    found = carry_own(choices, targets)
    return {(c, ch): s for c, ch, s in found.iter_rows()}


def blend_own_votes(entry: Entry, fact: CandidateFact, share: float | None) -> None:
    """The base moved towards the candidate's own earlier share in the district (OWN_WEIGHT)."""
    if share is None:
        return
    before = entry.base
    entry.base = max(OWN_WEIGHT * share + (1 - OWN_WEIGHT) * before, 1e-3)
    entry.prior = ""  # measured now: a learned prior no longer replaces it
    entry.sigma = min(entry.sigma, SIGMA_KNOWN)
    entry.strength = math.log(entry.base)
    entry.evidence.append(
        Evidence(
            input="own",
            label=gettext_noop("own earlier result in the district's precincts"),
            election=fact.value,
            value=round(100 * share, 2),
            weight=OWN_WEIGHT,
            note=fact.note,
            source=fact.source,
        )
    )


def base_from_history(
    entry: Entry,
    contest_id: int,
    parties: list[int],
    shares: dict,
    weights: dict,
    lines: dict,
    priors: dict | None = None,
) -> None:
    priors = priors or PRIORS
    if not parties:
        entry.base, entry.prior = priors["self_nominated"], "self_nominated"
        entry.evidence.append(
            Evidence(
                input="base",
                label=gettext_noop("self-nominated: the share such candidates get"),
                value=round(100 * entry.base, 1),
            )
        )
    else:
        family = set().union(*(lines.get(p, {p}) for p in parties))
        found = {}
        for slug, weight in weights.items():
            parts = [shares[(contest_id, p, slug)] for p in family if (contest_id, p, slug) in shares]
            if parts:
                found[slug] = (sum(parts), weight)
        if found:
            total_weight = sum(w for _s, w in found.values())
            entry.base = max(sum(s * w for s, w in found.values()) / total_weight, 1e-3)
            entry.sigma = SIGMA_KNOWN
            for slug, (share, weight) in found.items():
                entry.evidence.append(
                    Evidence(
                        input="history",
                        label=gettext_noop("party-list share in the district"),
                        election=slug,
                        value=round(100 * share, 2),
                        weight=round(weight / total_weight, 3),
                    )
                )
        else:
            entry.base, entry.prior = priors["new_party"], "new_party"
            entry.evidence.append(
                Evidence(
                    input="base",
                    value=round(100 * entry.base, 1),
                    label=gettext_noop("no earlier list result: the share such candidates get"),
                )
            )
    entry.strength = math.log(entry.base)


def apply_facts(entry: Entry, facts: list[CandidateFact], use, weights: dict[str, float]) -> None:
    counts = {"earlier_elected": 0, "earlier_ran": 0, "endorsement": 0}
    for fact in facts:
        if fact.kind == CandidateFact.Kind.EARLIER_VOTES:
            continue  # moves the base (blend_own_votes), not the strength
        effect, name = 0.0, None
        if fact.kind == CandidateFact.Kind.INCUMBENT and "incumbent" in use:
            name = f"incumbent_{fact.value}"
        elif fact.kind == CandidateFact.Kind.EARLIER and "earlier" in use:
            name = "earlier_elected" if fact.value == "elected" else "earlier_ran" if fact.value != "refused" else None
        elif fact.kind == CandidateFact.Kind.RECOGNITION and "recognition" in use:
            name = "recognition"
        elif fact.kind == CandidateFact.Kind.ENDORSEMENT and "endorsement" in use:
            name = "endorsement"
        if name in counts:
            counts[name] += 1
            if counts[name] > MAX_COUNT:
                name = None
        if name:
            effect = EFFECTS[name] * (int(fact.value) if name == "recognition" else 1)
            entry.effects.append((FACT_GROUPS[name], effect))
            effect *= weights.get(FACT_GROUPS[name], 1.0)
        entry.strength += effect
        entry.evidence.append(
            Evidence(
                input=fact.kind,
                label=fact.get_kind_display(),
                value=fact.value,
                share=fact.share,
                note=fact.note,
                source=fact.source,
                effect=round(effect, 3),
            )
        )


@dataclass(frozen=True)
class Simulated:
    """The candidates still standing, their simulated shares (draws × candidates) and probabilities."""

    active: list[Entry]
    shares: np.ndarray
    p_beat: np.ndarray
    p_win: np.ndarray
    p_best: np.ndarray


def simulate(entries: list[Entry], draws: int, rng: np.random.Generator, scale: float = 1.0) -> Simulated:
    """Shares (draws × candidates) and the probabilities, for the candidates still standing."""
    active = [e for e in entries if e.role != "withdrawn"]
    mu = np.array([e.strength for e in active])
    sigma = np.array([e.sigma for e in active]) * scale
    ruling = np.array([e.role == "ruling" for e in active])
    noise = rng.standard_normal((draws, len(active))) * sigma
    swing = rng.standard_normal((draws, 1)) * SIGMA_SWING * scale
    logits = mu + noise + swing * np.where(ruling, 1.0, -1.0)
    logits -= logits.max(axis=1, keepdims=True)
    shares = np.exp(logits)
    shares /= shares.sum(axis=1, keepdims=True)
    best_ruling = np.where(ruling, shares, -1.0).max(axis=1, keepdims=True)
    other = np.where(ruling, -1.0, shares)
    top_other = other.argmax(axis=1)
    return Simulated(
        active=active,
        shares=shares,
        p_beat=((shares > best_ruling) & ~ruling).mean(axis=0),
        p_win=np.bincount(shares.argmax(axis=1), minlength=len(active)) / draws,
        p_best=np.where(ruling, 0.0, np.bincount(top_other, minlength=len(active)) / draws),
    )


def contest_forecast(
    contest: Contest,
    entries: list[Entry],
    draws: int,
    rng: np.random.Generator,
    scale: float = 1.0,
    coverage: list[Coverage] | None = None,
    without_ruling: bool = False,
) -> ContestForecast:
    """The forecast of one contest. A contest with no candidate of the ruling party on record is an
    error, or with ``without_ruling`` forecast with no pick (``no_ruling``): where the ruling party nominated
    nobody it backs someone under another nomination, and only the organisers can say whom."""
    no_ruling = not any(e.role == "ruling" for e in entries)
    if no_ruling and not without_ruling:
        raise ForecastError(
            f"{contest.election.slug}, {contest.name}: no candidate of the ruling party; mark the candidate the "
            "ruling party backs (a 'ruling' fact or the election's setup), or leave the contest out"
        )
    sim = simulate(entries, draws, rng, scale)
    out = []
    edges = np.linspace(0, 1, HISTOGRAM_BINS + 1)
    for i, entry in enumerate(sim.active):
        column = sim.shares[:, i]
        q10, q50, q90 = np.quantile(column, [0.1, 0.5, 0.9])
        out.append(
            CandidateForecast(
                candidate_id=entry.candidate_id,
                name=entry.name,
                party=entry.party,
                role=entry.role,
                base=round(100 * entry.base, 2),
                sigma=round(entry.sigma * scale, 3),
                strength=round(entry.strength, 4),
                mean=round(100 * float(column.mean()), 2),
                low=round(100 * float(q10), 2),
                median=round(100 * float(q50), 2),
                high=round(100 * float(q90), 2),
                p_beat=round(float(sim.p_beat[i]), 4),
                p_win=round(float(sim.p_win[i]), 4),
                p_best=round(float(sim.p_best[i]), 4),
                histogram=np.histogram(column, bins=edges)[0].tolist(),
                evidence=list(entry.evidence),
            )
        )
    for entry in entries:
        if entry.role == "withdrawn":
            out.append(CandidateForecast(entry.candidate_id, entry.name, entry.party, entry.role, list(entry.evidence)))
    eligible = [c for c in out if c.role == "eligible"]
    pick = None if no_ruling else max(eligible, key=lambda c: (c.p_best or 0, c.p_beat or 0), default=None)
    out.sort(key=lambda c: -(c.mean if c.mean is not None else -1))
    return ContestForecast(
        contest_id=contest.pk,
        number=contest.number,
        name=contest.name,
        recommended=pick.candidate_id if pick else None,
        no_ruling=no_ruling,
        candidates=out,
        coverage=coverage or [],
    )


def forecast(
    election: Election,
    draws: int = DRAWS,
    seed: int = 0,
    use=INPUTS,
    history=None,
    contests: list[Contest] | None = None,
    scale: float | None = None,
) -> list[ContestForecast]:
    """Every single-mandate contest of an election (or the given ones), forecast."""
    contests = single_mandate(election) if contests is None else contests
    if not contests:
        raise ForecastError(f"{election.slug}: no single-mandate contests to forecast")
    setup = setup_of(election)
    scale = setup.sigma_scale if scale is None else scale
    entries, coverage = entries_for(election, contests, use, history)
    regions = regions_of(contests)
    rng = np.random.default_rng(seed)
    result = []
    for contest in contests:
        if contest.pk not in entries:
            raise ForecastError(f"{election.slug}, {contest.name}: no candidates")
        found = contest_forecast(
            contest, entries[contest.pk], draws, rng, scale, coverage.get(contest.pk), without_ruling=True
        )
        result.append(replace(found, region=regions.get(contest.pk, "")))  # for the pages: a region's districts
    return result


def save(election: Election, draws: int = DRAWS, seed: int = 0) -> Forecast:
    """Forecast an election with every input and store it, for the pages and the lists."""
    result = forecast(election, draws=draws, seed=seed)
    setup = setup_of(election)
    inputs = {
        "inputs": list(INPUTS),
        "history": [h.slug for h in setup.history.order_by("-date")],
        "scale": setup.sigma_scale,
        "effects": EFFECTS,
        "fact_weights": setup.fact_weights,
        "priors": {**PRIORS, **(setup.priors or {})},
        "sigma": {"known": SIGMA_KNOWN, "unknown": SIGMA_UNKNOWN, "swing": SIGMA_SWING},
    }
    return Forecast.objects.create(
        election=election, draws=draws, seed=seed, inputs=inputs, contests=stored_contests(result)
    )
