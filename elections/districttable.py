"""Reading district result tables (one row per candidate, the district's totals repeated), with no database.

Where only a district's sums are published in a machine-readable form (the backtests' single-mandate tables:
``backtests/state_duma_2016_moscow_smd_results.csv`` …), a row names the district, the candidate as printed,
the nominating body ("Самовыдвижение" for a self-nomination), the candidate's votes and the district's
registered voters and ballots issued. ``read`` gives each district with its candidates; a bad file raises
``TableError`` naming its line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from elections.uiktable import TableError, csv_records

__all__ = ["District", "TableError", "read"]

# Veche's names of the columns, as the backtests' tables name them; a source naming them otherwise declares how
# (``columns``). The district's registered voters and ballots issued may be missing from a source.
COLUMNS = {
    "district": "district_no",
    "candidate": "candidate",
    "nominated_by": "nominated_by",
    "votes": "votes",
    "registered": "district_registered_voters",
    "ballots_issued": "district_ballots_issued_total",
}
OPTIONAL = ("registered", "ballots_issued")
# A table may give no nominations (the candidates are on record already, from their list): a declaration then
# maps nominated_by to "" and every nomination reads as NOT_GIVEN.
NOT_GIVEN = "?"
SELF_NOMINATED = "самовыдвижение"


@dataclass
class District:
    number: int
    line: int  # its first row's line in the file
    registered: int | None
    ballots_issued: int | None
    # name as printed → (nominating body, None for a self-nomination, NOT_GIVEN; votes), in the file's order
    candidates: dict[str, tuple[str | None, int]] = field(default_factory=dict)


def read(path: Path, columns: dict[str, str] | None = None) -> list[District]:
    """The districts of a table; ``columns`` renames COLUMNS' entries for a source that names them otherwise."""
    names = {**COLUMNS, **(columns or {})}
    header, records = csv_records(path)
    given = bool(names["nominated_by"])
    missing = [names[c] for c in names if c not in OPTIONAL and names[c] and names[c] not in header]
    if missing:
        raise TableError(f"{path}: not a district result table: no column {', '.join(missing)}")
    districts: dict[int, District] = {}
    for line, record in records:
        where = f"{path}, line {line}"
        number = _count(record[names["district"]], where, names["district"])
        registered, issued = (
            _count(record[names[c]], where, names[c]) if (record.get(names[c]) or "").strip() else None
            for c in OPTIONAL
        )
        name = " ".join((record[names["candidate"]] or "").split())
        if len(name.split()) < 2:
            raise TableError(f"{where}: «{record[names['candidate']]}» is not a candidate's full name")
        district = districts.setdefault(number, District(number, line, registered, issued))
        if (district.registered, district.ballots_issued) != (registered, issued):
            raise TableError(f"{where}: district {number}'s totals differ from its line {district.line}")
        if name in district.candidates:
            raise TableError(f"{where}: {name} twice in district {number}")
        nominated = " ".join((record[names["nominated_by"]] or "").split()) if given else NOT_GIVEN
        if not nominated:
            raise TableError(f"{where}: no nominating body for {name}")
        district.candidates[name] = (
            None if nominated.lower() == SELF_NOMINATED else nominated,
            _count(record[names["votes"]], where, names["votes"]),
        )
    if not districts:
        raise TableError(f"{path}: no rows")
    return sorted(districts.values(), key=lambda d: d.number)


def _count(text: str | None, where: str, column: str) -> int:
    try:
        value = int((text or "").strip())
    except ValueError:
        raise TableError(f"{where}: {column} «{text}» is not a whole number") from None
    if value < 0:
        raise TableError(f"{where}: {column} {value} is negative")
    return value
