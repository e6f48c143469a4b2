"""National polls: each party's average before a vote, pollsters' house effects taken out, and the swing since
an earlier election, with the uncertainty the polls leave.

The method, stated (docs/smartvote.md): a poll's party shares are taken among the respondents who name a party
(undecided and abstaining left out; a poll whose undecided are merged with parties is left out). A pollster's
house effect on a party is the mean difference between its polls and all pollsters' polls of the same weeks,
over every poll before the vote; it is subtracted. The average at a day is the weighted mean of the polls whose
fieldwork ended in the WINDOW days before it, a poll's weight halving every HALF_LIFE days of age and each
pollster counting as one however often it polls. The swing of a party since an earlier election is its average
before the vote over its average in the WINDOW days after the earlier election (the first polls of that
parliament: polls and results differ by party, and a poll-to-poll ratio cancels what does not change); a party
the earlier polls do not name has no swing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from elections.names import fold
from smartvote.models import Poll

WINDOW = 45  # days
HALF_LIFE = 14  # days
WEEKS = 28  # days: the neighbourhood a house effect is measured against
# Poll-table codes → words of the party's names (folded), the first that fits.
PARTIES = [
    ("UR", "единая россия"),
    ("CR", "коммунисты россии"),
    ("CPRF", "коммунистическая партия российской федерации"),
    ("LDPR", "лдпр"),
    ("SR", "справедливая россия"),
    ("Yabloko", "яблоко"),
    ("Yabloko", "объединенная демократическая"),
    ("RPPSJ", "пенсионер"),
    ("Rodina", "родина"),
    ("PG", "партия роста"),
    ("GA", "зеленая альтернатива"),
    ("Greens", "экологическая"),
    ("CP", "гражданская платформа"),
    ("RPFJ", "свободы и справедливости"),
    ("NP", "новые люди"),
]
NOT_A_PARTY = {"Others", "Undecided", "Abstention"}


def code_of(party_name: str) -> str | None:
    """The poll-table code of a party (by its name as the commissions print it), or None."""
    text = fold(party_name)
    return next((code for code, words in PARTIES if words in text), None)


@dataclass(frozen=True)
class Reading:
    pollster: str
    day: date
    shares: dict[str, float]  # % of respondents naming a party


def readings(before: date) -> list[Reading]:
    """The polls whose fieldwork ended before the day, each as shares among respondents naming a party."""
    out = []
    for poll in Poll.objects.filter(fieldwork_end__lt=before).order_by("fieldwork_end", "pollster"):
        merged_codes, _, merged_value = poll.merged.partition("=")
        codes = set(merged_codes.split(";")) if poll.merged else set()
        if codes & {"Undecided", "Abstention"}:
            continue  # who named a party cannot be told
        decided = sum(v for v in poll.shares.values() if v is not None)
        if poll.merged:
            decided += float(merged_value.rstrip("%") or 0)
        if decided <= 0:
            continue
        shares = {k: 100 * v / decided for k, v in poll.shares.items() if v is not None and k not in NOT_A_PARTY}
        out.append(Reading(poll.pollster, poll.fieldwork_end, shares))
    return out


def house_effects(polls: list[Reading]) -> dict[tuple[str, str], float]:
    """(pollster, party) → its mean difference from the other pollsters' polls within WEEKS days."""
    if not polls:
        return {}
    parties = sorted({k for p in polls for k in p.shares})
    shares = np.array([[p.shares.get(k, np.nan) for k in parties] for p in polls])
    days = np.array([p.day.toordinal() for p in polls])
    names = np.array([p.pollster for p in polls])
    near = (np.abs(days[:, None] - days[None, :]) <= WEEKS) & (names[:, None] != names[None, :])
    known = ~np.isnan(shares)
    totals = near.astype(float) @ np.where(known, shares, 0.0)
    counts = near.astype(float) @ known.astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        differences = shares - totals / counts  # NaN where the poll or its neighbours lack the party
    found: dict[tuple[str, str], float] = {}
    for pollster in sorted(set(names)):
        rows = differences[names == pollster]
        for j, party in enumerate(parties):
            column = rows[:, j][~np.isnan(rows[:, j])]
            if column.size:
                found[(pollster, party)] = float(column.mean())
    return found


def average(polls: list[Reading], effects: dict, start: date, end: date, at: date) -> dict[str, tuple[float, float]]:
    """party → (mean, spread) of the polls whose fieldwork ended in [start, end), weighted by age from ``at``."""
    chosen = [p for p in polls if start <= p.day < end]
    per_pollster: dict[str, int] = {}
    for p in chosen:
        per_pollster[p.pollster] = per_pollster.get(p.pollster, 0) + 1
    found: dict[str, tuple[float, float]] = {}
    for party in sorted({k for p in chosen for k in p.shares}):
        values = [
            (
                p.shares[party] - effects.get((p.pollster, party), 0.0),
                0.5 ** (abs((at - p.day).days) / HALF_LIFE) / per_pollster[p.pollster],
            )
            for p in chosen
            if party in p.shares
        ]
        weight = sum(w for _v, w in values)
        mean = sum(v * w for v, w in values) / weight
        spread = math.sqrt(sum(w * (v - mean) ** 2 for v, w in values) / weight)
        found[party] = (max(mean, 0.1), spread)
    return found


@dataclass(frozen=True)
class Swing:
    party: str
    ratio: float  # the average before the vote over the average after the earlier election
    sigma: float  # of log(ratio): the polls' spread at both ends
    before: float  # %
    now: float  # %


def swings(earlier: date, vote: date) -> dict[str, Swing]:
    """Each party's national swing from the polls after an earlier election to the polls before a vote."""
    polls = readings(vote)
    effects = house_effects(polls)
    then = average(polls, effects, earlier, earlier + timedelta(days=WINDOW), earlier)
    now = average(polls, effects, vote - timedelta(days=WINDOW), vote, vote)
    out = {}
    for party in sorted(set(then) & set(now)):
        (a, sa), (b, sb) = then[party], now[party]
        out[party] = Swing(party, b / a, math.sqrt((sa / a) ** 2 + (sb / b) ** 2), round(a, 2), round(b, 2))
    return out
