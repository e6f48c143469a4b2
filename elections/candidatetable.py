"""Reading a table of nominated candidates (one row per candidate), with no database.

Commissions publish who is nominated and registered weeks before a vote; organisers keep it as a CSV with
columns of their own naming. A declaration (elections.declared) maps Veche's names onto the file's columns:

    district       the district's number (required)
    candidate      the full name as printed (required)
    nominated_by   the nominating body as printed; one of ``values.self_nominated`` for a self-nomination
    status         the registration status; ``values.registered`` and ``values.withdrawn`` say which texts mean
                   on the ballot and left it after registration; any other text (refused, lapsed) is read, counted
                   and kept off the ballot; no status column: every row is registered
    birth_date     optional: YYYY-MM-DD or DD.MM.YYYY
    region         optional: the region's name, when districts are numbered within regions or for the pages
    district_name  optional: the district's name
    id             optional: the source's id of the candidate (the CEC's), which keeps namesakes apart

``read`` returns every row checked; a bad row raises ``TableError`` naming the file, the line and the column;
a mapping onto a column the declaration lists as an outcome (the winner, the votes) is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from elections.declared import Declaration
from elections.names import fold
from elections.uiktable import TableError, csv_records

__all__ = ["Row", "TableError", "read"]

REQUIRED = ("district", "candidate")
OPTIONAL = ("nominated_by", "status", "birth_date", "region", "district_name", "id")
SELF_NOMINATED = ("Самовыдвижение",)
REGISTERED, WITHDRAWN, OFF = "registered", "withdrawn", "off"


@dataclass(frozen=True)
class Row:
    line: int
    district: int
    name: str  # spaces normalised
    nominated_by: str | None  # None: self-nominated
    status: str  # registered | withdrawn | off (refused, lapsed: never on the ballot)
    status_text: str  # as printed
    birth_date: date | None
    region: str
    district_name: str
    source_id: str


def read(path: Path, declaration: Declaration) -> list[Row]:
    columns = declaration.columns
    unknown = sorted(set(columns) - set(REQUIRED) - set(OPTIONAL))
    if unknown:
        raise TableError(
            f"{declaration.where}: no such field {', '.join(unknown)}; a candidates' table maps "
            f"{', '.join(REQUIRED + OPTIONAL)}"
        )
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        raise TableError(f"{declaration.where}: say which column holds the {', '.join(missing)} (--map NAME=COLUMN)")
    outcome = sorted(set(columns.values()) & set(declaration.outcomes))
    if outcome:
        raise TableError(
            f"{declaration.where}: {', '.join(outcome)} holds an outcome of the vote (the declaration's outcomes), "
            "never an input of a forecast"
        )
    header, records = csv_records(path)
    absent = [column for column in columns.values() if column not in header]
    if absent:
        raise TableError(f"{path}: no column {', '.join(absent)}; the file has {', '.join(header)}")
    self_nominated = {fold(v) for v in declaration.values.get("self_nominated", SELF_NOMINATED)}
    registered = {fold(v) for v in declaration.values.get("registered", ())}
    withdrawn = {fold(v) for v in declaration.values.get("withdrawn", ())}
    if "status" in columns and not registered:
        raise TableError(f'{declaration.where}: say which status means registered ([values] registered = ["…"])')
    rows: list[Row] = []
    seen: dict[tuple[int, str, str], int] = {}
    for line, record in records:
        where = f"{path}, line {line}"

        def cell(name: str, record: dict = record) -> str:
            return " ".join((record.get(columns[name]) or "").split()) if name in columns else ""

        district = _number(cell("district"), where, columns["district"])
        name = cell("candidate")
        if len(name.split()) < 2:
            raise TableError(f"{where}: «{name}» in {columns['candidate']} is not a candidate's full name")
        nominated = cell("nominated_by")
        if "nominated_by" in columns and not nominated:
            raise TableError(f"{where}: no nominating body for {name} in {columns['nominated_by']}")
        status_text = cell("status")
        status = REGISTERED
        if "status" in columns:
            folded = fold(status_text)
            status = REGISTERED if folded in registered else WITHDRAWN if folded in withdrawn else OFF
        key = (district, cell("region"), fold(name))
        if key in seen and "id" not in columns:
            raise TableError(f"{where}: {name} in district {district} again (line {seen[key]}); map an id column")
        seen[key] = line
        rows.append(
            Row(
                line=line,
                district=district,
                name=name,
                nominated_by=None if not nominated or fold(nominated) in self_nominated else nominated,
                status=status,
                status_text=status_text,
                birth_date=_date(cell("birth_date"), where, columns.get("birth_date", "")),
                region=cell("region"),
                district_name=cell("district_name"),
                source_id=cell("id"),
            )
        )
    if not rows:
        raise TableError(f"{path}: no rows")
    return rows


def _number(text: str, where: str, column: str) -> int:
    found = re.fullmatch(r"(?:№\s*)?(\d{1,4})", text)
    if not found or int(found.group(1)) == 0:
        raise TableError(f"{where}: {column} «{text}» is not a district number")
    return int(found.group(1))


def _date(text: str, where: str, column: str) -> date | None:
    if not text:
        return None
    found = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text) or re.fullmatch(r"(\d{2})\.(\d{2})\.(\d{4})", text)
    try:
        if found is None:
            raise ValueError
        parts = [int(p) for p in found.groups()]
        return date(*parts) if len(found.group(1)) == 4 else date(parts[2], parts[1], parts[0])
    except ValueError:
        raise TableError(f"{where}: {column} «{text}» is not a date (YYYY-MM-DD or DD.MM.YYYY)") from None
