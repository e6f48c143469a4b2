"""Reading a precinct → district table (which polling station votes in which district), with no database.

Where districts are not in a federal file's district column (a city council's districts; an election not yet
held), organisers have the list the commission published: one row per polling station, with its district. A
declaration (elections.declared) maps ``district`` and ``uik`` (both required) onto the file's columns and may
name, under ``[values] remote``, the numbers that are remote e-voting "stations" rather than buildings.
``read`` gives {district: [UIK numbers]}; a bad row raises ``TableError`` naming the file and the line.
"""

from __future__ import annotations

from pathlib import Path

from elections.declared import Declaration
from elections.names import parse_uik
from elections.uiktable import TableError, csv_records

__all__ = ["TableError", "read"]

FIELDS = ("district", "uik", "district_name")


def read(path: Path, declaration: Declaration) -> dict[int, list[int]]:
    columns = {"district": "district", "uik": "uik", **declaration.columns}
    unknown = sorted(set(columns) - set(FIELDS))
    if unknown:
        raise TableError(f"{declaration.where}: no such field {', '.join(unknown)}; a precinct table maps {FIELDS}")
    header, records = csv_records(path)
    absent = [column for column in columns.values() if column not in header]
    if absent:
        raise TableError(f"{path}: no column {', '.join(absent)}; the file has {', '.join(header)}")
    districts: dict[int, list[int]] = {}
    where_first: dict[int, int] = {}
    for line, record in records:
        where = f"{path}, line {line}"
        text = (record.get(columns["district"]) or "").strip()
        if not text.isdigit() or int(text) == 0:
            raise TableError(f"{where}: {columns['district']} «{text}» is not a district number")
        uik = parse_uik(record.get(columns["uik"]) or "")
        if uik is None:
            raise TableError(f"{where}: {columns['uik']} «{record.get(columns['uik'])}» is not a UIK number")
        if uik in where_first:
            raise TableError(f"{where}: UIK {uik} again (line {where_first[uik]}): a precinct votes in one district")
        where_first[uik] = line
        districts.setdefault(int(text), []).append(uik)
    if not districts:
        raise TableError(f"{path}: no rows")
    return districts
