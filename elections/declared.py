"""Declarations: what a data file does not say about itself, in a few lines of TOML kept beside it.

An organiser's table of registered candidates, of district totals or of which precinct belongs to which
district names its columns its own way and says nothing of the election it belongs to. Rather than code per
file (a new election would wait for a programmer), the file gets a declaration::

    # candidates.csv.candidates.toml, beside candidates.csv
    source = "ЦИК, «Сведения о кандидатах», 12.08.2021"
    [election]
    slug = "duma-2026"                 # the election; created when name, date, level and kind are given
    [columns]                          # Veche's name = the file's column
    district = "Округ"
    candidate = "ФИО"
    nominated_by = "Кем выдвинут"
    [values]                           # what the file writes for …
    self_nominated = ["Самовыдвижение"]

``find`` looks for it where the organiser keeps the data (``FILE.KIND.toml`` beside the file), then among the
declarations of the shared data kept in this repository (``elections/sources/``); every key can also be given
on the command line (``--map candidate=ФИО``, ``--election duma-2026``), which wins. ``load`` checks the whole
declaration and raises ``DeclarationError`` naming the key; nothing here touches the database.

Results are outcomes: a declaration may list ``outcomes`` (the winner, the votes …), columns an importer of
candidates refuses to read, so that no mapping can feed an outcome into a forecast by mistake.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

SHARED = Path(__file__).resolve().parent / "sources"
KINDS = ("candidates", "results", "precincts")
LEVELS = ("federal", "regional", "municipal")
ELECTION_KINDS = ("parliament", "president", "referendum", "council", "governor")
CONTEST_KINDS = ("single_mandate", "multi_mandate")
TOP_KEYS = {"source", "region", "contest_kind", "election", "columns", "values", "parties", "outcomes", "note"}
ELECTION_KEYS = {"slug", "name", "date", "level", "kind"}


class DeclarationError(ValueError):
    """A declaration is missing, unreadable or wrong; the message names the file and the key."""


@dataclass(frozen=True)
class ElectionSpec:
    slug: str
    name: str = ""
    date: date | None = None
    level: str = ""
    kind: str = ""

    @property
    def complete(self) -> bool:
        """Enough to create the election when it is not in the database yet."""
        return bool(self.name and self.date and self.level and self.kind)


@dataclass(frozen=True)
class Declaration:
    where: str  # the file it was read from, or "the command line"
    election: ElectionSpec
    source: str
    region: str = ""  # the region of every row, when the file has no region column
    contest_kind: str = "single_mandate"
    columns: dict[str, str] = field(default_factory=dict)  # Veche's name → the file's column
    values: dict[str, tuple[str, ...]] = field(default_factory=dict)  # e.g. self_nominated → ("Самовыдвижение",)
    parties: dict[str, str] = field(default_factory=dict)  # a nomination as written → the party's ballot name
    outcomes: tuple[str, ...] = ()  # the file's columns that hold outcomes: never read by a candidates' import


def find(data: Path, kind: str, explicit: Path | None = None) -> Path | None:
    """The declaration of ``data`` for an importer of ``kind``: the one named, else beside the file, else the
    shared data's in this repository; None when there is none."""
    if explicit is not None:
        return explicit
    for candidate in (data.with_name(f"{data.name}.{kind}.toml"), SHARED / f"{data.name}.{kind}.toml"):
        if candidate.is_file():
            return candidate
    return None


def load(path: Path | None, overrides: dict | None = None) -> Declaration:
    """The declaration in ``path`` (None: only the command line's), with ``overrides`` on top: ``election``,
    ``region``, ``source`` (text) and ``columns`` (a dict, merged)."""
    overrides = overrides or {}
    raw, where = _read(path) if path is not None else ({}, "the command line")
    unknown = sorted(set(raw) - TOP_KEYS)
    if unknown:
        raise DeclarationError(f"{where}: unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(TOP_KEYS))}")
    election = _election(raw, overrides.get("election"), where)
    contest_kind = _text(raw, "contest_kind", where) or "single_mandate"
    if contest_kind not in CONTEST_KINDS:
        raise DeclarationError(f"{where}: contest_kind «{contest_kind}»: one of {', '.join(CONTEST_KINDS)}")
    columns = {**_strings(raw, "columns", where), **overrides.get("columns", {})}
    values = _values(raw, where)
    outcomes = raw.get("outcomes", [])
    if not isinstance(outcomes, list) or not all(isinstance(v, str) for v in outcomes):
        raise DeclarationError(f"{where}: outcomes must be a list of the file's column names")
    source = overrides.get("source") or _text(raw, "source", where)
    if not source:
        raise DeclarationError(f'{where}: every import needs a source: give source = "…" or --source')
    return Declaration(
        where=where,
        election=election,
        source=source,
        region=overrides.get("region") or _text(raw, "region", where),
        contest_kind=contest_kind,
        columns=columns,
        values=values,
        parties=_strings(raw, "parties", where),
        outcomes=tuple(outcomes),
    )


def _read(path: Path) -> tuple[dict, str]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8")), str(path)
    except OSError as exc:
        raise DeclarationError(f"{path}: cannot read the declaration: {exc.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise DeclarationError(f"{path}: not a TOML declaration: {exc}") from None


def _election(raw: dict, slug_given: str | None, where: str) -> ElectionSpec:
    """The [election] table, checked; a slug given on the command line (another election) replaces it."""
    election = _table(raw, "election", where)
    bad = sorted(set(election) - ELECTION_KEYS)
    if bad:
        raise DeclarationError(f"{where}: unknown key(s) in [election]: {', '.join(bad)}")
    if slug_given:
        election = {"slug": slug_given} if slug_given != election.get("slug") else election
    slug = _text(election, "slug", where, "[election] slug")
    if not slug:
        raise DeclarationError(f"{where}: which election? give [election] slug, or --election SLUG")
    when = election.get("date")
    if when is not None and not isinstance(when, date):
        raise DeclarationError(f"{where}: [election] date must be a TOML date (2026-09-20), not «{when}»")
    level, kind = _text(election, "level", where), _text(election, "kind", where)
    if level and level not in LEVELS:
        raise DeclarationError(f"{where}: [election] level «{level}»: one of {', '.join(LEVELS)}")
    if kind and kind not in ELECTION_KINDS:
        raise DeclarationError(f"{where}: [election] kind «{kind}»: one of {', '.join(ELECTION_KINDS)}")
    return ElectionSpec(slug, _text(election, "name", where), when, level, kind)


def _values(raw: dict, where: str) -> dict[str, tuple[str, ...]]:
    """[values]: each name's texts in the file (a text alone, or a list)."""
    values = {}
    for name, listed in _table(raw, "values", where).items():
        if isinstance(listed, str):
            listed = [listed]
        if not isinstance(listed, list) or not all(isinstance(v, str) for v in listed):
            raise DeclarationError(f"{where}: [values] {name} must be a text or a list of texts")
        values[name] = tuple(listed)
    return values


def mapping(pairs: list[str] | None) -> dict[str, str]:
    """``--map veche=column`` pairs as a dict; DeclarationError for one without "="."""
    out = {}
    for pair in pairs or []:
        name, sep, column = pair.partition("=")
        if not sep or not name.strip() or not column.strip():
            raise DeclarationError(f"--map {pair}: write NAME=COLUMN, e.g. --map candidate=ФИО")
        out[name.strip()] = column.strip()
    return out


def _table(raw: dict, key: str, where: str) -> dict:
    value = raw.get(key, {})
    if not isinstance(value, dict):
        raise DeclarationError(f"{where}: {key} must be a table ([{key}])")
    return value


def _strings(raw: dict, key: str, where: str) -> dict[str, str]:
    table = _table(raw, key, where)
    bad = [k for k, v in table.items() if not isinstance(v, str)]
    if bad:
        raise DeclarationError(f"{where}: [{key}] {bad[0]} must be text")
    return dict(table)


def _text(raw: dict, key: str, where: str, label: str | None = None) -> str:
    value = raw.get(key, "")
    if not isinstance(value, str):
        raise DeclarationError(f"{where}: {label or key} must be text")
    return value.strip()
