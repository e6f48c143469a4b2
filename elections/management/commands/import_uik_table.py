"""Import a per-precinct result table (elections.uiktable's format), by its declaration.

    python manage.py import_uik_table ../shared/data/spb-prior/governor2019_uik_results.csv

A table holds one contest's protocols, precinct by precinct, but says nothing of the election: which one, the
region, the candidates' nominations. ``SOURCES`` declares that per file, in a few lines. Stations are matched
to the region's precincts by number (created when missing); the import is one transaction, and the same file
again changes nothing (``--force`` re-reads it).
"""

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import polars as pl
from django.core.management.base import CommandError

from elections import uiktable
from elections.importing import Importer, candidate_line, ensure_choices, protocol_frame
from elections.models import LINE_NAMES, Contest, Election
from elections.names import region_key
from elections.protocols import control_breaks


@dataclass(frozen=True)
class Declaration:
    slug: str
    name: str
    date: date
    level: str
    kind: str
    region: str
    contest: str
    # Each ballot line: the nominating party's name (as the CEC prints it), or None for a self-nomination.
    candidates: dict[str, str | None] = field(default_factory=dict)
    source: str = ""


SOURCES = {
    "governor2019_uik_results.csv": Declaration(
        slug="spb-governor-2019",
        name="Выборы Губернатора Санкт-Петербурга",
        date=date(2019, 9, 8),
        level=Election.Level.REGIONAL,
        kind=Election.Kind.GOVERNOR,
        region="город Санкт-Петербург",
        contest="Губернатор Санкт-Петербурга",
        candidates={
            "Амосов Михаил Иванович": 'Политическая партия "Гражданская Платформа"',
            "Беглов Александр Дмитриевич": None,
            "Тихонова Надежда Геннадьевна": "Политическая партия СПРАВЕДЛИВАЯ РОССИЯ",
        },
        source="alexei-kouprianov/Electoral-statistics, St.Petersburg/2019-09-08 (st-petersburg.vybory.izbirkom.ru)",
    ),
}


class Command(Importer):
    help = "Import a per-precinct result table declared in SOURCES (e.g. the St Petersburg 2019 governor election)."
    source = "uiktable"

    def load(self, path: Path, options) -> dict:
        declared = SOURCES.get(path.name)
        if declared is None:
            raise CommandError(f"{path}: no declaration for this file; known: {', '.join(sorted(SOURCES))}")
        try:
            table = uiktable.read(path)
        except uiktable.TableError as exc:
            raise CommandError(str(exc)) from None
        unknown = sorted(set(table.choices) - set(declared.candidates))
        if unknown or len(table.choices) != len(declared.candidates):
            raise CommandError(
                f"{path}: the ballot lines {table.choices} are not the declared {list(declared.candidates)}"
            )
        election, _ = Election.objects.get_or_create(
            slug=declared.slug,
            defaults={"name": declared.name, "date": declared.date, "level": declared.level, "kind": declared.kind},
        )
        contest, _ = Contest.objects.get_or_create(
            election=election, kind=Contest.Kind.PERSONAL, number=0, defaults={"name": declared.contest}
        )
        ensure_choices(
            contest,
            [
                candidate_line(contest, f"{declared.slug}:{name}", n, name, declared.candidates[name])
                for n, name in enumerate(table.choices, 1)
            ],
        )
        frame = protocol_frame(
            [
                {
                    "line": row["line"],
                    "contest_id": contest.pk,
                    "region_key": region_key(declared.region),
                    "region": declared.region,
                    "code": str(row["uik"]),
                    "number": row["uik"],
                    "is_remote": False,
                    "tik": row["tik"],
                    "has_result": True,
                    **{name: row.get(name) for name in LINE_NAMES},
                }
                for row in table.rows
            ]
        ).with_columns(
            ballots_issued=pl.col("issued_at_station") + pl.col("issued_outside"),
            ballots_in_boxes=pl.col("in_portable_boxes") + pl.col("in_stationary_boxes"),
        )
        votes = pl.DataFrame(
            [(row["line"], choice, n) for row in table.rows for choice, n in row["votes"].items()],
            schema=[("line", pl.Int64), ("choice", pl.String), ("votes", pl.Int64)],
            orient="row",
        )
        sums = votes.group_by("line").agg(vote_sum=pl.col("votes").sum())
        self.add_breaks(control_breaks(frame.join(sums, on="line", how="left"), uiktable.LINES, path))
        stored = self.store_results(frame, votes)
        return {"election": election.slug, "precincts": len(table.rows), "protocols_stored": stored}
