"""Reading per-precinct result tables in A. Kouprianov's format (Electoral-statistics), with no database.

One row per precinct (UIK): ``TIK``, ``UIK``, the compiler's municipality tags, coordinates, the protocol lines
under the source's codes (``VOTERS``, ``BALL.VALID`` …) and one column per ballot line, its votes. The St
Petersburg 2019 governor election (``spb-prior/governor2019_uik_results.csv``) is such a table. ``read`` gives
the stations and their lines in Veche's names, and the votes; a bad file raises ``TableError`` with its line.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

# The source's codes of the protocol lines, in Veche's names (elections.models.PROTOCOL_LINES).
LINES = {
    "registered": "VOTERS",
    "ballots_received": "BALL.RECEIVED",
    "issued_at_station": "BALL.ISS.UIK.DAYOFVOTE",
    "issued_outside": "BALL.ISS.EXTRA",
    "cancelled": "BALL.CANCELLED",
    "in_portable_boxes": "BALL.PORTABLE_BOXES",
    "in_stationary_boxes": "BALL.STATIONARY_BOXES",
    "invalid": "BALL.INVALID",
    "valid": "BALL.VALID",
    "lost": "BALL.LOST",
    "unaccounted": "BALL.NOT.RECORDED",
}
PLACE = ["TIK", "UIK", "MO.NAME", "MO.DISTRICT", "LAT.ik", "LON.ik", "LAT.voteroom", "LON.voteroom"]


class TableError(ValueError):
    """The file is not such a table, or a row is broken; the message names the file and line."""


@dataclass
class Table:
    choices: list[str]  # the ballot lines, in the table's order
    rows: list[dict]  # line, uik, tik, the lines in Veche's names, votes {choice: n}


def csv_records(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """A table file's header and its rows with their line numbers; TableError when it cannot be read."""
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh, restval="")
            return list(reader.fieldnames or []), list(enumerate(reader, 2))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise TableError(f"{path}: cannot read: {exc}") from None


def read(path: Path) -> Table:
    header, records = csv_records(path)
    missing = [c for c in ["TIK", "UIK", *LINES.values()] if c not in header]
    if missing:
        raise TableError(f"{path}: not a per-precinct table: no column {', '.join(missing)}")
    choices = [c for c in header if c not in PLACE and c not in LINES.values()]
    if not choices:
        raise TableError(f"{path}: no ballot line (a column after the protocol lines)")
    rows, seen = [], set()
    for line, record in records:
        try:
            uik = int(record["UIK"])
            numbers = {name: number(record[code]) for name, code in LINES.items()}
            votes = {choice: number(record[choice]) for choice in choices}
        except (TypeError, ValueError):
            raise TableError(f"{path}, line {line}: a number is missing or not a whole number") from None
        if uik in seen:
            raise TableError(f"{path}, line {line}: UIK {uik} a second time")
        seen.add(uik)
        rows.append({"line": line, "uik": uik, "tik": f"ТИК №{int(record['TIK'])}", **numbers, "votes": votes})
    if not rows:
        raise TableError(f"{path}: no precinct")
    return Table(choices=choices, rows=rows)


def number(text: str | None) -> int:
    value = int((text or "").strip())
    if value < 0:
        raise ValueError(text)
    return value
