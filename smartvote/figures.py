"""A forecast as stored (``Forecast.contests``) and read by the pages, the API, the lists and the scoring: one
named type from the simulation to every reader (issue 36).

Forecasts stored by earlier versions lack some fields (a contest's region, ``no_ruling``, a coverage's
``by_commission``): they read with the defaults below, as the pages read them before these types.
"""

from dataclasses import dataclass, field
from typing import Any

from core.stored import read, stored


@dataclass(frozen=True)
class Evidence:
    """One input behind a candidate's strength, as the contest's page lists it: codes and slugs, so that a stored
    forecast reads in any language (smartvote/templatetags/evidence.py says them in words)."""

    input: str  # base, history, own, swing, or a fact's kind
    label: str = ""  # untranslated: the page translates it
    value: str | int | float | None = ""
    election: str | None = None  # the slug whose results it reads
    weight: float | None = None  # its part of the starting estimate
    share: float | None = None
    effect: float | None = None  # added to the log of the strength
    note: str | None = None
    source: str | None = None


@dataclass(frozen=True)
class CandidateForecast:
    """A candidate's simulated share (%, its 80 % interval) and probabilities; a withdrawn candidate has only the
    first five fields."""

    candidate_id: int
    name: str
    party: str
    role: str  # ruling, aligned, eligible, withdrawn
    evidence: list[Evidence] = field(default_factory=list)
    base: float | None = None
    sigma: float | None = None
    strength: float | None = None
    mean: float | None = None
    low: float | None = None
    median: float | None = None
    high: float | None = None
    p_beat: float | None = None  # ahead of every ruling candidate
    p_win: float | None = None
    p_best: float | None = None  # the strongest non-ruling candidate
    histogram: list[int] | None = None  # the simulated shares in HISTOGRAM_BINS bins over 0–100 %

    @property
    def standing(self) -> bool:
        return self.histogram is not None


@dataclass(frozen=True)
class Coverage:
    """How an earlier election's precinct results were carried onto the district's precincts."""

    election: str
    precincts: int
    by_number: int
    by_coordinates: int
    missing: int
    by_commission: int = 0
    cleaned: bool = False  # the ruling list's votes less the forensic excess


@dataclass(frozen=True)
class ContestForecast:
    contest_id: int
    number: int
    name: str
    recommended: int | None  # the candidate id: most often the strongest non-ruling, then most often ahead
    candidates: list[CandidateForecast]  # by forecast share, the withdrawn last
    no_ruling: bool = False  # no candidate of the ruling party on record: nobody to beat, no pick
    coverage: list[Coverage] = field(default_factory=list)
    region: str = ""  # for the pages: a region's districts

    def candidate(self, candidate_id: int | None) -> CandidateForecast | None:
        return next((c for c in self.candidates if c.candidate_id == candidate_id), None)


def stored_contests(contests: list[ContestForecast]) -> list[dict[str, Any]]:
    return [stored(c) for c in contests]


def read_contests(data: list[dict[str, Any]]) -> list[ContestForecast]:
    return read(list[ContestForecast], data)
