"""Reading the open spbik-2021 dataset: St Petersburg's four elections of 19 September 2021.

The folder holds JSON files (elections, districts, parties, candidates,
precincts, venues) and the protocols as gzipped JSON lines. ``read_folder``
reads them, and the functions below say what each record means in the data
core's terms (an election's slug, level and kind; a district's contest; a
precinct's ballot; a protocol's lines; its interim turnout). Like
``elections.cec``, it touches no database: the command
``import_spb2021`` stores what it reads, and the next city's dataset is one
more reader beside it.

An unreadable file, a line that is not JSON or an unknown election type
raises ``SpbFileError`` naming the file and the line.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from core.commands import progress
from elections.names import latin_slug

FILES = [
    "elections.json",
    "electoral_districts.json",
    "parties.json",
    "candidates.json",
    "precincts.json",
    "venues.json",
    "protocols.jsonl.gz",
]
REGION = "город Санкт-Петербург"
MOSCOW = ZoneInfo("Europe/Moscow")

# Our protocol line <- where the dataset keeps it.
LINES = {
    "registered": "voters.registered_count",
    "ballots_received": "papers.received_count",
    "issued_early": "voters.ahead_of_time_count",
    "issued_at_station": "voters.walk_by_count",
    "issued_outside": "voters.on_home_count",
    "cancelled": "papers.destroyed_count",
    "in_portable_boxes": "papers.portable_box_count",
    "in_stationary_boxes": "papers.stationary_box_count",
    "invalid": "papers.invalid_count",
    "valid": "papers.valid_count",
    "lost": "papers.lost_count",
    "unaccounted": "papers.ignored_count",
}
# The dataset's election types -> the data core's election level (elections.models.Election.Level).
LEVELS = {"federal": "federal", "city": "regional", "municipality": "municipal"}


class SpbFileError(Exception):
    """The folder cannot be read as the spbik-2021 dataset; the message names the file and the line."""


def fingerprint(folder: Path) -> str:
    """SHA-256 over every file of the dataset, by name: the same folder is the same import."""
    if not folder.is_dir():
        raise SpbFileError(f"{folder}: expected the spb-2021 folder")
    digest = hashlib.sha256()
    for name in FILES:
        file = folder / name
        if not file.exists():
            raise SpbFileError(f"{file}: missing; the spb-2021 folder needs {', '.join(FILES)}")
        digest.update(name.encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()


def read_json(folder: Path, name: str):
    """A JSON file's content, or (line number, record) of each line of a .jsonl.gz file."""
    path = folder / name
    try:
        if name.endswith(".jsonl.gz"):
            rows = []
            with gzip.open(path, "rt", encoding="utf-8") as fh:
                for number, line in enumerate(fh, start=1):
                    try:
                        rows.append((number, json.loads(line)))
                    except json.JSONDecodeError as exc:
                        raise SpbFileError(f"{path}, line {number}: not JSON: {exc.msg}") from exc
            return rows
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise SpbFileError(f"{path}: missing; the spb-2021 folder needs {', '.join(FILES)}") from exc
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise SpbFileError(f"{path}: cannot read: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise SpbFileError(f"{path}, line {exc.lineno}, column {exc.colno}: not JSON: {exc.msg}") from exc


def read_folder(folder: Path) -> dict:
    """Every file of the dataset by its name, with a progress bar."""
    return {name: read_json(folder, name) for name in progress(FILES, desc="reading", unit="file")}


def dig(record: dict | None, dotted: str):
    value = record
    for part in dotted.split("."):
        value = (value or {}).get(part)
    return value


@dataclass(frozen=True)
class SpbElection:
    data_id: int  # the CEC's election id (the national tables' too)
    slug: str
    name: str
    date: date
    level: str  # Election.Level
    kind: str  # Election.Kind


def election(record: dict, folder: Path) -> SpbElection:
    kind = record["type"]
    if kind not in LEVELS:
        raise SpbFileError(f"{folder / 'elections.json'}: election {record['id']}: unknown type {kind!r}")
    # Epoch ms of a midnight east of Moscow: round to the nearest day.
    day = datetime.fromtimestamp(record["date"] / 1000 + 12 * 3600, tz=MOSCOW).date()
    name = record["name"]
    if kind == "federal":
        slug = f"duma-{day.year}"
    elif kind == "city":
        slug = f"spb-zaks-{day.year}"
    else:
        slug = f"mo-{latin_slug(name.split('муниципальный округ', 1)[-1].split()[0])}-{day.year}"
    return SpbElection(
        record["data_id"], slug, name, day, LEVELS[kind], "council" if kind == "municipality" else "parliament"
    )


@dataclass(frozen=True)
class SpbContest:
    key: tuple[str, str]  # (election type, district id): how precincts and protocols name it
    election_data_id: int
    kind: str  # Contest.Kind
    number: int
    area: str  # the municipality, for its multi-mandate districts
    name: str


def contest(record: dict) -> SpbContest | None:
    """The ballot a district record stands for; None for a municipality's own commission (no ballot)."""
    if "result_data_id" not in record:
        return None
    ident = record["id"]
    area, kind, number = "", "single_mandate", 0
    if record["type"] == "municipality":
        area, seat = str(ident).rsplit("_", 1)
        kind, number = "multi_mandate", int(seat)
    elif ident == 0:
        kind = "party_list"
    else:
        number = int(ident)
    name = (
        record["name"]
        if ident != 0
        else ("Федеральный избирательный округ" if record["type"] == "federal" else "Единый избирательный округ")
    )
    return SpbContest((record["type"], str(ident)), record["result_data_id"], kind, number, area, name)


def ballots(precinct: dict) -> Iterator[tuple[str, str]]:
    """The contests on a precinct's ballot, as (type, district id) keys."""
    for kind, district in precinct["electoral_districts"].items():
        if kind == "municipality":
            for area, number in district.items():
                yield kind, f"{area}_{number}"
        else:
            yield kind, "0"
            yield kind, str(district)


def protocol_key(row: dict) -> tuple[int, str, str]:
    """(UIK number, election type, district id) of a protocol line of protocols.jsonl.gz."""
    district = "0" if row["ballot"] == "parties" else str(row["electoral_district"]["id"])
    return row["protocol_scope"]["id"], row["election_type"], district


def protocol_lines(row: dict | None) -> tuple[bool, dict, dict]:
    """(has a result, our protocol lines, the dataset's other counts) of a protocol (None: not published)."""
    has_result = bool(row and row.get("voters") and row.get("papers"))
    lines = {n: dig(row, path) if has_result else None for n, path in LINES.items()}
    extra = {}
    if row is not None and has_result:
        for group in ("voters", "papers"):
            for field, value in row[group].items():
                if f"{group}.{field}" not in LINES.values():
                    extra[field] = value
    return has_result, lines, extra


def turnout(row: dict) -> Iterator[tuple[datetime, int]]:
    """(time, voters so far) of each interim turnout report in a protocol's row."""
    for day, times in (row.get("turnout_protocols") or {}).items():
        for clock, voters in times.items():
            if voters is not None:  # None: not reported
                yield datetime.strptime(f"{day} {clock}", "%d.%m.%Y %H.%M").replace(tzinfo=MOSCOW), voters
