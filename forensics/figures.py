"""An election's forensic figures as stored with its analysis (``Analysis.summary``) and read by the page, the
downloads and the command: one named type from the analysis to every reader (issue 36)."""

from dataclasses import dataclass, field
from typing import Any

from core.stored import read, stored
from forensics.analysis import METHOD, ExcessEstimate, IntegerTest, RegionRow, StationTotals


@dataclass(frozen=True)
class Leader:
    """The main contest analysed and its leader, whose votes the analyses follow."""

    contest_id: int
    leader: str
    leader_choice_id: int


@dataclass(frozen=True)
class RemoteVoting:
    """Remote electronic voting, shown apart from the stations."""

    pseudo_stations: int
    registered: int
    ballots_issued: int
    turnout: float | None
    leader_share: float | None


@dataclass(frozen=True)
class Summary:
    election: str  # slug
    region: str | None  # the stations of regions matching this, or the whole election
    contest_id: int
    leader: str
    leader_choice_id: int
    totals: StationTotals
    excess: ExcessEstimate
    integers: IntegerTest
    regions: list[RegionRow]
    conventions: dict[str, str] = field(default_factory=dict)  # runs.CONVENTIONS
    remote_voting: RemoteVoting | None = None
    method: int = METHOD  # the figures' version: a page showing an older one runs the analysis again

    def stored(self) -> dict[str, Any]:
        return stored(self)

    @classmethod
    def read(cls, summary: dict[str, Any]) -> "Summary":
        return read(cls, summary)


def is_current(summary: dict[str, Any]) -> bool:
    """Whether stored figures are of this version of the method (an older one is computed again, not read)."""
    return summary.get("method") == METHOD
