"""Reading the CEC's per-precinct result tables (russia-federal/*.csv.zip).

The tables were scraped from izbirkom.ru by Sergey Shpilkin and Ivan
Shukshin; their columns differ by year. ``read_cec_file`` detects the layout
from the header (station columns, protocol lines by their Russian wording,
one column per party/candidate/answer), checks every value, and returns
plain polars frames that the importer stores. It touches no database, so the
layout detection and the official totals of every year are cheap to test.

Data errors that make the file unusable (bad zip, unknown column, a value
that is not a whole number, a truncated row) raise ``CecFileError`` naming
the file, the line and the column. Breaks of the protocol's control
relations are facts about the published data: they are returned as a list,
never dropped, never fatal.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import polars as pl

from elections.names import fold, parse_uik, region_display_name, region_key, tik_name
from elections.protocols import control_breaks

STATION_COLUMNS = {"level", "name", "region", "oik", "tik", "uik", "url"}
REMOTE_TIK = "дистанционное электронное голосование"
REMOTE_CODE = "ДЭГ"  # a region's remote e-voting, published as one pseudo-station

# Protocol lines by the wording of their column, checked in this order; the
# wording changed across years ("внесенных в списки", "включенных в список").
LINE_PATTERNS = [
    ("registered", r"^число (избирателей|участников голосования), (внесенных|включенных)"),
    ("ballots_received", r"^число (избирательных )?бюллетеней, полученных"),
    ("issued_early", r"бюллетеней, выданных избирателям, проголосовавшим досрочно"),
    ("issued_at_station", r"бюллетеней, выданных (избирателям )?в помещени(и|ях) для голосования"),
    ("issued_outside", r"бюллетеней, выданных (избирателям )?вне помещени"),
    ("ballots_issued", r"^число бюллетеней, выданных участникам голосования"),
    ("cancelled", r"^число погашенных (избирательных )?бюллетеней"),
    ("in_portable_boxes", r"бюллетеней(, содержащихся)? в переносных ящиках"),
    ("in_stationary_boxes", r"бюллетеней(, содержащихся)? в стационарных ящиках"),
    ("ballots_in_boxes", r"^число бюллетеней, содержащихся в ящиках"),
    ("invalid", r"^число недействительных"),
    ("valid", r"^число действительных"),
    ("lost", r"^число утраченных (избирательных )?бюллетеней"),
    ("unaccounted", r"^число (избирательных )?бюллетеней, не учтенных"),
    # Absentee certificates (2007–2012): kept in Protocol.extra.
    ("absentee_received", r"^число (полученных )?открепительных удостоверений(, полученных|$)"),
    ("absentee_issued_at_station", r"открепительных удостоверений, выданных (избирателям )?на избирательн"),
    ("absentee_voted", r"проголосовавших по открепительным удостоверениям"),
    ("absentee_cancelled", r"неиспользованных открепительных удостоверений"),
    ("absentee_issued_by_tik", r"открепительных удостоверений, выданных избирателям (территориальной|тик)"),
    ("absentee_lost", r"^число утраченных открепительных"),
    ("absentee_unaccounted", r"^число не учтенных открепительных"),
]
# A more specific wording must win over a general one that also matches it.
_PRIORITY = [
    "absentee_issued_at_station",
    "absentee_issued_by_tik",
    "absentee_voted",
    "absentee_cancelled",
    "absentee_lost",
    "absentee_unaccounted",
]
CORE_LINES = [
    "registered",
    "ballots_received",
    "issued_early",
    "issued_at_station",
    "issued_outside",
    "ballots_issued",
    "cancelled",
    "in_portable_boxes",
    "in_stationary_boxes",
    "ballots_in_boxes",
    "invalid",
    "valid",
    "lost",
    "unaccounted",
]

# A table publishes the whole protocol (every election but one) or its summary (the 2020 vote on the
# constitution). A table missing a line of its layout is refused, naming it: it would store NULLs that hide
# control-relation breaks, and, since a station's first import wins, shadow the complete table imported later.
FULL_PROTOCOL = [
    "registered",
    "ballots_received",
    "issued_early",
    "issued_at_station",
    "issued_outside",
    "cancelled",
    "in_portable_boxes",
    "in_stationary_boxes",
    "invalid",
    "valid",
    "lost",
    "unaccounted",
]
SUMMARY_PROTOCOL = ["registered", "ballots_issued", "ballots_in_boxes", "invalid"]
# How the CEC words each line (2021), for the message naming a missing one.
WORDING = {
    "registered": "Число избирателей, внесенных в список избирателей",
    "ballots_received": "Число избирательных бюллетеней, полученных участковой избирательной комиссией",
    "issued_early": "Число избирательных бюллетеней, выданных избирателям, проголосовавшим досрочно",
    "issued_at_station": "Число избирательных бюллетеней, выданных в помещении для голосования в день голосования",
    "issued_outside": "Число избирательных бюллетеней, выданных вне помещения для голосования в день голосования",
    "ballots_issued": "Число бюллетеней, выданных участникам голосования",
    "cancelled": "Число погашенных избирательных бюллетеней",
    "in_portable_boxes": "Число избирательных бюллетеней в переносных ящиках для голосования",
    "in_stationary_boxes": "Число избирательных бюллетеней в стационарных ящиках для голосования",
    "ballots_in_boxes": "Число бюллетеней, содержащихся в ящиках для голосования",
    "invalid": "Число недействительных избирательных бюллетеней",
    "valid": "Число действительных избирательных бюллетеней",
    "lost": "Число утраченных избирательных бюллетеней",
    "unaccounted": "Число избирательных бюллетеней, не учтенных при получении",
}


@dataclass(frozen=True)
class KnownElection:
    year: int
    slug: str
    name: str
    date: date
    kind: str  # Election.Kind
    cec_vrn: int | None
    mixed: bool = False  # party list plus single-mandate districts (oik column)


DUMA = "Выборы депутатов Государственной Думы Федерального Собрания Российской Федерации"
PRESIDENT = "Выборы Президента Российской Федерации"
KNOWN_ELECTIONS = {
    e.year: e
    for e in [
        KnownElection(2007, "duma-2007", f"{DUMA} пятого созыва", date(2007, 12, 2), "parliament", 100100021960181),
        KnownElection(2011, "duma-2011", f"{DUMA} шестого созыва", date(2011, 12, 4), "parliament", 100100028713299),
        KnownElection(2012, "president-2012", PRESIDENT, date(2012, 3, 4), "president", 100100031793505),
        KnownElection(
            2016, "duma-2016", f"{DUMA} седьмого созыва", date(2016, 9, 18), "parliament", 100100067795849, mixed=True
        ),
        KnownElection(2018, "president-2018", PRESIDENT, date(2018, 3, 18), "president", 100100084849062),
        KnownElection(
            2020,
            "referendum-2020",
            "Общероссийское голосование по вопросу одобрения изменений в Конституцию Российской Федерации",
            date(2020, 7, 1),
            "referendum",
            100100163596966,
        ),
        KnownElection(
            2021, "duma-2021", f"{DUMA} восьмого созыва", date(2021, 9, 19), "parliament", 100100225883172, mixed=True
        ),
        KnownElection(2024, "president-2024", PRESIDENT, date(2024, 3, 17), "president", None),
    ]
}
KNOWN_BY_VRN = {e.cec_vrn: e for e in KNOWN_ELECTIONS.values() if e.cec_vrn}


class CecFileError(Exception):
    """The file cannot be imported; the message names file, line and column."""


@dataclass
class CecFile:
    path: Path
    election: KnownElection
    columns: dict[str, str]  # our line name -> the file's column header
    choices: list[tuple[int | None, str]]  # (position, name) in file order
    protocols: pl.DataFrame  # one row per station
    votes: pl.DataFrame  # long: line, choice, votes
    breaks: list[str] = field(default_factory=list)  # control-relation breaks, as messages

    @property
    def rows(self) -> int:
        return self.protocols.height


def classify_column(header: str) -> str | None:
    """Our name for a protocol-line column, None for a choice column."""
    text = fold(header)
    if not text.startswith("число"):
        return None
    matches = [name for name, pattern in LINE_PATTERNS if re.search(pattern, text)]
    for name in _PRIORITY:
        if name in matches:
            return name
    if matches:
        return matches[0]
    return "?"


def _read_bytes(path: Path) -> bytes:
    try:
        if path.suffix == ".zip":
            with zipfile.ZipFile(path) as zf:
                names = [n for n in zf.namelist() if n.endswith(".csv")]
                if len(names) != 1:
                    raise CecFileError(f"{path}: expected one .csv inside the zip, found {len(names)}")
                return zf.read(names[0])
        return path.read_bytes()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError) as exc:
        raise CecFileError(f"{path}: cannot read the archive: {exc}") from exc


def identify_election(path: Path, frame: pl.DataFrame, year: int | None) -> KnownElection:
    if "url" in frame.columns:
        vrns = frame["url"].str.extract(r"vrn=(\d+)").drop_nulls().unique().to_list()
        known = [KNOWN_BY_VRN[int(v)] for v in vrns if int(v) in KNOWN_BY_VRN]
        if len(known) == 1:
            return known[0]
    if year is None:
        found = re.search(r"(19|20)\d\d", path.name)
        year = int(found.group(0)) if found else None
    if year in KNOWN_ELECTIONS:
        return KNOWN_ELECTIONS[year]
    raise CecFileError(
        f"{path}: cannot tell which election this file holds (no known vrn in its urls, no known year "
        f"in its name); known years: {', '.join(map(str, KNOWN_ELECTIONS))}"
    )


def read_cec_file(path: str | Path, year: int | None = None, remote: bool | None = None) -> CecFile:
    """Read a CEC table; ``remote``: it holds remote e-voting per region.

    ``remote`` defaults to whether the file is named like the CEC's
    remote-voting tables (``…electronic-voting…``): those have one row per
    region and no station columns.
    """
    path = Path(path)
    if remote is None:
        remote = "electronic-voting" in path.name
    if not path.exists():
        raise CecFileError(f"{path}: no such file")
    raw = _read_bytes(path)
    try:
        frame = pl.read_csv(io.BytesIO(raw), infer_schema_length=0, encoding="utf8")
    except Exception as exc:  # polars raises several kinds for malformed CSV
        raise CecFileError(f"{path}: not a readable CSV table: {exc}") from exc
    if frame.height == 0:
        raise CecFileError(f"{path}: the table has a header but no rows")

    columns, choice_headers = _layout(path, frame, remote)
    election = identify_election(path, frame, year)
    numeric = list(columns.values()) + choice_headers
    frame = frame.with_row_index("line", offset=2)  # line 1 is the header
    values = _whole_numbers(path, frame, numeric)

    # A station with no published result (2024: the annexed regions) has
    # every number empty; a row with only some empty is a truncated file.
    empty = pl.sum_horizontal([values[c].is_null() for c in numeric])
    partial = frame.filter((empty > 0) & (empty < len(numeric)))
    if partial.height:
        row = partial.row(0, named=True)
        gap = next(c for c in numeric if row[c] is None)
        raise CecFileError(f"{path}, line {row['line']}, column «{gap}»: value missing (truncated row?)")
    has_result = empty == 0

    stations = _remote_regions(path, frame) if remote else _stations(path, frame)
    renamed = {header: name for name, header in columns.items()}
    lines = values.select(list(columns.values())).rename(renamed)
    for name in CORE_LINES:
        if name not in lines.columns:
            lines = lines.with_columns(pl.lit(None, dtype=pl.Int64).alias(name))
    lines = _derive_totals(lines)
    extra_names = [n for n in columns if n not in CORE_LINES]
    extra = (
        lines.select(pl.struct(extra_names).struct.json_encode().alias("extra"))["extra"]
        if extra_names
        else pl.Series("extra", [None] * frame.height, dtype=pl.String)
    )
    protocols = pl.concat([stations, lines.select(CORE_LINES)], how="horizontal").with_columns(
        has_result=has_result,
        extra=pl.when(has_result).then(extra).otherwise(None),
    )

    choices = [_split_position(h) for h in choice_headers]
    votes = (
        pl.concat([frame.select("line"), values.select(choice_headers)], how="horizontal")
        .filter(has_result)
        .unpivot(index="line", variable_name="header", value_name="votes")
        .join(pl.DataFrame({"header": choice_headers, "choice": [name for _p, name in choices]}), on="header")
        .select("line", "choice", "votes")
    )
    vote_sums = values.select(pl.sum_horizontal(choice_headers).alias("vote_sum"))
    breaks = control_breaks(pl.concat([protocols, vote_sums], how="horizontal"), columns, path)
    return CecFile(path, election, columns, choices, protocols, votes, breaks)


def _layout(path: Path, frame: pl.DataFrame, remote: bool) -> tuple[dict[str, str], list[str]]:
    """({protocol line: its header}, the choices' headers) of a table, or CecFileError naming what is amiss: a
    column Veche does not know, two read as one line, a line every table of the layout has missing."""
    columns: dict[str, str] = {}
    choice_headers: list[str] = []
    for header in frame.columns:
        if header in STATION_COLUMNS:
            continue
        kind = classify_column(header)
        if kind == "?":
            raise CecFileError(f"{path}: unknown layout: column «{header}» is not a protocol line Veche knows")
        if kind is None:
            choice_headers.append(header)
        elif kind in columns:
            raise CecFileError(f"{path}: unknown layout: columns «{columns[kind]}» and «{header}» both read as {kind}")
        else:
            columns[kind] = header
    missing = [c for c in (("region",) if remote else ("region", "uik")) if c not in frame.columns]
    missing += [c for c in ("registered", "invalid") if c not in columns]
    if "valid" not in columns and "ballots_in_boxes" not in columns:
        missing.append("valid")
    if missing:
        raise CecFileError(f"{path}: unknown layout: no column for {', '.join(missing)}")
    full = set(columns) & (set(FULL_PROTOCOL) - set(SUMMARY_PROTOCOL) - {"valid"})
    lacking = [line for line in (FULL_PROTOCOL if full else SUMMARY_PROTOCOL) if line not in columns]
    if lacking:
        raise CecFileError(
            f"{path}: no column for "
            + "; ".join(f"{line} («{WORDING[line]}…»)" for line in lacking)
            + ", which every table of this layout has: nothing was imported"
        )
    if not choice_headers:
        raise CecFileError(f"{path}: unknown layout: no party, candidate or answer columns")
    return columns, choice_headers


def _whole_numbers(path: Path, frame: pl.DataFrame, numeric: list[str]) -> pl.DataFrame:
    cast = frame.select([pl.col(c).str.strip_chars().cast(pl.Int64, strict=False) for c in numeric])
    for c in numeric:
        bad = frame.filter(frame[c].is_not_null() & (cast[c].is_null() | (cast[c] < 0)))
        if bad.height:
            line, value = bad["line"][0], bad[c][0]
            raise CecFileError(f"{path}, line {line}, column «{c}»: «{value[:40]}» is not a whole number ≥ 0")
    return cast


def _stations(path: Path, frame: pl.DataFrame) -> pl.DataFrame:
    """Region, TIK, station code and number, and the district (oik) per row."""
    for name in ("oik", "tik"):
        if name not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias(name))
    names = frame.select("region", "tik", "uik", "oik").unique()
    keys = {r: region_key(r) for r in names["region"].drop_nulls().unique()}
    displays = {r: region_display_name(r) for r in keys}
    tiks = {t: tik_name(t) for t in names["tik"].drop_nulls().unique()}
    remote_tiks = [t for t in tiks if fold(t) == REMOTE_TIK]
    uik_text = frame["uik"].drop_nulls().unique()
    numbers = {u: parse_uik(u) for u in uik_text}

    stations = frame.select(
        "line",
        "region",
        "tik",
        "uik",
        pl.col("oik").alias("district"),
        is_remote=pl.col("tik").is_in(remote_tiks) | pl.col("uik").is_null(),
    ).with_columns(
        region_key=pl.col("region").replace_strict(keys, default=None, return_dtype=pl.String),
        number=pl.col("uik").replace_strict(numbers, default=None, return_dtype=pl.Int64),
    )
    problems = [
        (pl.col("region").is_null(), "region", "empty"),
        (pl.col("is_remote") & pl.col("district").is_null(), "uik", "empty for a station that is not remote voting"),
        (~pl.col("is_remote") & pl.col("number").is_null(), "uik", "not a precinct number"),
    ]
    for condition, column, what in problems:
        bad = stations.filter(condition)
        if bad.height:
            value = bad[column][0]
            shown = f"«{value[:40]}» is " if value else ""
            raise CecFileError(f"{path}, line {bad['line'][0]}, column «{column}»: {shown}{what}")

    stations = stations.with_columns(
        region=pl.col("region").replace_strict(displays, return_dtype=pl.String),
        code=pl.when(pl.col("is_remote"))
        .then(pl.lit("ДЭГ ") + pl.col("district"))
        .otherwise(pl.col("number").cast(pl.String)),
        tik=pl.when(pl.col("is_remote"))
        .then(None)
        .otherwise(pl.col("tik").replace_strict(tiks, default=None, return_dtype=pl.String)),
    )
    twice = stations.filter(pl.struct("region_key", "code").is_duplicated())
    if twice.height:
        first, second = (
            twice.row(0, named=True),
            twice.filter((pl.col("region_key") == twice["region_key"][0]) & (pl.col("code") == twice["code"][0]))[
                "line"
            ][1],
        )
        raise CecFileError(
            f"{path}, line {second}: {first['region']}, {first['code']} appears twice (first on line {first['line']})"
        )
    return stations.select("line", "region_key", "region", "code", "number", "is_remote", "tik", "district")


def _remote_regions(path: Path, frame: pl.DataFrame) -> pl.DataFrame:
    """A region-level remote-voting table: one pseudo-station per region."""
    if "uik" in frame.columns or "tik" in frame.columns:
        raise CecFileError(f"{path}: has station columns (tik, uik), so it is not a region-level remote-voting table")
    empty = frame.filter(pl.col("region").is_null())
    if empty.height:
        raise CecFileError(f"{path}, line {empty['line'][0]}, column «region»: empty")
    stations = frame.select(
        "line",
        region_key=pl.col("region").map_elements(region_key, return_dtype=pl.String),
        region=pl.col("region").map_elements(region_display_name, return_dtype=pl.String),
        code=pl.lit(REMOTE_CODE),
        number=pl.lit(None, dtype=pl.Int64),
        is_remote=pl.lit(True),
        tik=pl.lit(None, dtype=pl.String),
        district=pl.lit(None, dtype=pl.String),
    )
    twice = stations.filter(pl.col("region_key").is_duplicated())
    if twice.height:
        raise CecFileError(f"{path}, line {twice['line'][1]}: region {twice['region'][0]} appears twice")
    return stations


def _derive_totals(lines: pl.DataFrame) -> pl.DataFrame:
    """Fill the total lines from their parts (or valid from the total, 2020).

    Turnout (ballots issued / registered) and ballots cast need these totals
    for every year; the 2020 vote published only the totals.
    """
    parts_issued = pl.col("issued_early").fill_null(0) + pl.col("issued_at_station") + pl.col("issued_outside")
    parts_boxes = pl.col("in_portable_boxes") + pl.col("in_stationary_boxes")
    return lines.with_columns(
        ballots_issued=pl.coalesce("ballots_issued", parts_issued),
        ballots_in_boxes=pl.coalesce("ballots_in_boxes", parts_boxes),
    ).with_columns(valid=pl.coalesce("valid", pl.col("ballots_in_boxes") - pl.col("invalid")))


def _split_position(header: str) -> tuple[int | None, str]:
    found = re.match(r"^\s*(\d+)\.\s*(.+)$", header)
    if found:
        header = found.group(2)
    # Some scrapes doubled the quotes inside names: ""ЕДИНАЯ РОССИЯ"".
    name = header.replace('""', '"').strip()
    return (int(found.group(1)) if found else None), name
