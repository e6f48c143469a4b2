"""Import which polling station votes in which district (elections.precincttable), by its declaration.

    python manage.py import_district_precincts ../shared/data/backtests/moscow_city_duma_2019_uik_districts.csv

This is how an election whose districts no federal file describes (a city council's) gets them before the
vote: the declaration (``FILE.precincts.toml`` beside the file or in ``elections/sources/``) names the election
(created from its [election] when new), the region and the columns. Each district becomes a single-mandate
contest with a result-less protocol for each of its precincts (who votes where: the lookup, the forecast's
carrying of earlier results and the mirror read this); precincts missing in the region are created by number.
Candidates come next (``import_candidates``), results after the vote (``import_district_results``). One
transaction; the same file again changes nothing; a newer table replaces the membership it stored before.
"""

from pathlib import Path

import polars as pl

from elections import precincttable
from elections.importing import DeclaredImporter, declared_election, district_contests, protocol_frame
from elections.models import Precinct
from elections.names import region_key


class Command(DeclaredImporter):
    help = "Import a precinct → district table (which UIK votes in which district), by its declaration."
    source = "precinct-table"
    kind = "precincts"
    needs_declaration = True  # an election's districts are worth a file kept with the data

    def load(self, path: Path, options) -> dict:
        declaration = self.declaration(path)
        stations = precincttable.read(path, declaration)
        election, created = declared_election(declaration.election)
        districts = sorted({s.district for s in stations})
        contests, new = district_contests(election, declaration.contest_kind, dict.fromkeys(districts, ""))
        remote = {int(v) for v in declaration.values.get("remote", ()) if v.strip().isdigit()}
        rows = [
            {
                "line": s.line,
                "contest_id": contests[s.district].pk,
                "region_key": region_key(s.region),
                "region": s.region,
                "code": str(s.uik),
                "number": s.uik,
                "is_remote": s.uik in remote,
                "tik": None,
                "has_result": False,
            }
            for s in stations
        ]
        stored = self.store_results(protocol_frame(rows).with_columns(extra=pl.lit(None, dtype=pl.String)))
        # A number declared remote that is already an ordinary polling station keeps its flag (another election
        # knows it as a building): said here, for the organisers to check.
        ordinary = sorted(
            n
            for n in Precinct.objects.filter(
                region__key__in={region_key(s.region) for s in stations if s.uik in remote},
                number__in=remote,
                is_remote=False,
            ).values_list("number", flat=True)
            if n is not None
        )
        return {
            "election": election.slug,
            "election_created": "yes" if created else "no",
            "source": declaration.source,
            "regions": len({region_key(s.region) for s in stations}),
            "districts": len(districts),
            "districts_created": new,
            "precincts": len(rows),
            "protocols_stored": stored,
            "declared_remote_but_an_ordinary_station_elsewhere": ", ".join(map(str, ordinary)) or "none",
        }
