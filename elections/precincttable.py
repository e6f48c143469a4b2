"""Reading a precinct → district table (which polling station votes in which district), with no database.

Where districts are not in a federal file's district column (a city council's districts; an election not yet
held), organisers have the list the commission published: one row per polling station, with its district. A
declaration (elections.declared) maps ``district`` and ``uik`` (both required) onto the file's columns, and
``region`` where the table spans several regions (a State Duma election's: districts are numbered nationally, UIKs
within their region; otherwise the declaration's ``region`` holds for every row); it may name, under ``[values]
remote``, the numbers that are remote e-voting "stations" rather than buildings. ``read`` gives each station
with its line; a bad row raises ``TableError`` naming the file and the line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from elections.declared import Declaration
from elections.names import parse_uik, region_key
from elections.uiktable import TableError, csv_records

__all__ = ["Station", "TableError", "read"]

FIELDS = ("district", "uik", "region")


@dataclass(frozen=True)
class Station:
    line: int
    district: int
    region: str  # the row's region, or the declaration's when the file has no region column
    uik: int


def read(path: Path, declaration: Declaration) -> list[Station]:
    columns = {"district": "district", "uik": "uik", **declaration.columns}
    unknown = sorted(set(columns) - set(FIELDS))
    if unknown:
        raise TableError(f"{declaration.where}: no such field {', '.join(unknown)}; a precinct table maps {FIELDS}")
    if "region" not in columns and not declaration.region:
        raise TableError(f'{declaration.where}: which region? give region = "…" or map a region column')
    header, records = csv_records(path)
    absent = [column for column in columns.values() if column not in header]
    if absent:
        raise TableError(f"{path}: no column {', '.join(absent)}; the file has {', '.join(header)}")
    stations: list[Station] = []
    where_first: dict[tuple[str, int], int] = {}
    for line, record in records:
        where = f"{path}, line {line}"
        text = (record.get(columns["district"]) or "").strip()
        if not text.isdigit() or int(text) == 0:
            raise TableError(f"{where}: {columns['district']} «{text}» is not a district number")
        uik = parse_uik(record.get(columns["uik"]) or "")
        if uik is None:
            raise TableError(f"{where}: {columns['uik']} «{record.get(columns['uik'])}» is not a UIK number")
        region = " ".join((record.get(columns["region"]) or "").split()) if "region" in columns else declaration.region
        if not region:
            raise TableError(f"{where}: no region in {columns['region']}")
        key = (region_key(region), uik)
        if key in where_first:
            raise TableError(f"{where}: UIK {uik} again (line {where_first[key]}): a precinct votes in one district")
        where_first[key] = line
        stations.append(Station(line, int(text), region, uik))
    if not stations:
        raise TableError(f"{path}: no rows")
    return stations
