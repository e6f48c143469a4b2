"""Import a district result table (elections.districttable's format), by its declaration.

    python manage.py import_district_results ../shared/data/backtests/state_duma_2016_moscow_smd_results.csv

Such a table gives single-mandate districts' candidates and their district totals, not their precincts'. The
election and its districts come first from the precinct table (``import_cec`` of the year): ``SOURCES`` says
which election and region a file belongs to. Each district's sums are stored as one pseudo-station, «Итоги
ОИК №196», flagged like remote voting so that precinct statistics leave it out; the district's precincts keep
their result-less protocols (who votes where). One transaction; the same file again changes nothing.
"""

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
from django.core.management.base import CommandError

from elections import districttable
from elections.importing import Importer, candidate_line, ensure_choices, protocol_frame
from elections.models import Contest, Election
from elections.names import region_key


@dataclass(frozen=True)
class Declaration:
    election: str  # slug of the election, imported from its precinct table first
    region: str
    source: str
    columns: dict[str, str] = field(default_factory=dict)  # elections.districttable.COLUMNS named otherwise


SOURCES = {
    "state_duma_2016_moscow_smd_results.csv": Declaration(
        election="duma-2016",
        region="город Москва",
        source="blueflyingpanda/ElectionsResearch gosduma/data2016.csv; "
        "nominations: spbelect/parse_candidates_duma_2016",
    ),
    "duma2016_smd217_results.csv": Declaration(
        election="duma-2016",
        region="город Санкт-Петербург",
        source='en.wikipedia "South East constituency (Saint Petersburg)", section 2016 (spb-prior/README.md)',
        columns={"district": "okrug", "candidate": "fio"},
    ),
}
SUMMARY = "Итоги ОИК №{}"


class Command(Importer):
    help = "Import single-mandate districts' candidates and totals from a district table declared in SOURCES."
    source = "district-table"

    def load(self, path: Path, options) -> dict:
        declared = SOURCES.get(path.name)
        if declared is None:
            raise CommandError(f"{path}: no declaration for this file; known: {', '.join(sorted(SOURCES))}")
        try:
            districts = districttable.read(path, declared.columns)
        except districttable.TableError as exc:
            raise CommandError(str(exc)) from None
        election = Election.objects.filter(slug=declared.election).first()
        if election is None:
            raise CommandError(f"{path}: the election {declared.election} is not imported; import its CEC table first")
        contests = {
            c.number: c
            for c in election.contests.filter(
                kind=Contest.Kind.SINGLE_MANDATE, number__in=[d.number for d in districts]
            )
        }
        unknown = [d.number for d in districts if d.number not in contests]
        if unknown:
            raise CommandError(
                f"{path}: {declared.election} has no single-mandate district {', '.join(map(str, unknown))}"
            )
        protocols, votes = [], []
        for district in districts:
            contest = contests[district.number]
            ensure_choices(
                contest,
                [
                    candidate_line(contest, f"{election.slug}:{district.number}:{name}", n, name, nominated)
                    for n, (name, (nominated, _votes)) in enumerate(district.candidates.items(), 1)
                ],
            )
            code = SUMMARY.format(district.number)
            protocols.append(
                {
                    "line": district.line,
                    "contest_id": contest.pk,
                    "region_key": region_key(declared.region),
                    "region": declared.region,
                    "code": code,
                    "number": None,
                    "is_remote": True,
                    "tik": None,
                    "has_result": True,
                    "registered": district.registered,
                    "ballots_issued": district.ballots_issued,
                }
            )
            votes += [(district.line, name, n) for name, (_party, n) in district.candidates.items()]
        frame = protocol_frame(protocols)
        stored = self.store_results(
            frame,
            pl.DataFrame(votes, schema=[("line", pl.Int64), ("choice", pl.String), ("votes", pl.Int64)], orient="row"),
        )
        return {
            "election": election.slug,
            "source": declared.source,
            "districts": len(districts),
            "candidates": sum(len(d.candidates) for d in districts),
            "protocols_stored": stored,
        }
