"""Import a district result table (elections.districttable's format), by its declaration.

    python manage.py import_district_results ../shared/data/backtests/state_duma_2016_moscow_smd_results.csv
    python manage.py import_district_results totals.csv --election mgd-2024 --region "город Москва" \
        --source "МГИК, итоги" --map district=Округ --map candidate=ФИО --map votes=Голоса

Such a table gives single-mandate districts' candidates and their district totals, not their precincts'. The
election and its districts come first (``import_cec`` of the year, ``import_district_precincts``,
``import_candidates``); a declaration (elections.declared: ``FILE.results.toml`` beside the file or in
``elections/sources/``, or the command line) says which election and region the file belongs to and how its
columns are named (elections.districttable.COLUMNS). A table without nominations (``nominated_by = ""``) gives
votes for candidates already on record, matched by full name. Each district's sums are stored as one
pseudo-station, «Итоги ОИК №196», flagged like remote voting so that precinct statistics leave it out; the
district's precincts keep their result-less protocols (who votes where). One transaction; the same file again
changes nothing.
"""

from pathlib import Path

import polars as pl
from django.core.management.base import CommandError

from elections import districttable
from elections.importing import DeclaredImporter, candidate_line, ensure_choices, protocol_frame
from elections.models import Contest, Election
from elections.names import fold, region_key

SUMMARY = "Итоги ОИК №{}"


class Command(DeclaredImporter):
    help = "Import single-mandate districts' candidates and totals from a district table, by its declaration."
    source = "district-table"
    kind = "results"

    def load(self, path: Path, options) -> dict:
        declaration = self.declaration(path)
        if not declaration.region:
            raise CommandError(f"{declaration.where}: which region are the districts in? give region or --region")
        districts = districttable.read(path, declaration.columns)
        slug = declaration.election.slug
        election = Election.objects.filter(slug=slug).first()
        if election is None:
            raise CommandError(
                f"{path}: the election {slug} is not imported; import its CEC table or its districts first"
            )
        contests = {
            c.number: c
            for c in election.contests.filter(
                kind=declaration.contest_kind, area="", number__in=[d.number for d in districts]
            )
        }
        unknown = [d.number for d in districts if d.number not in contests]
        if unknown:
            raise CommandError(f"{path}: {slug} has no single-mandate district {', '.join(map(str, unknown))}")
        for district in districts:
            contest = contests[district.number]
            if any(nominated == districttable.NOT_GIVEN for nominated, _n in district.candidates.values()):
                self.match_on_record(contest, district, path)
                continue
            ensure_choices(
                contest,
                [
                    candidate_line(contest, f"{election.slug}:{district.number}:{name}", n, name, nominated)
                    for n, (name, (nominated, _votes)) in enumerate(district.candidates.items(), 1)
                ],
            )
        protocols, votes = [], []
        for district in districts:
            contest = contests[district.number]
            code = SUMMARY.format(district.number)
            protocols.append(
                {
                    "line": district.line,
                    "contest_id": contest.pk,
                    "region_key": region_key(declaration.region),
                    "region": declaration.region,
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
            "source": declaration.source,
            "districts": len(districts),
            "candidates": sum(len(d.candidates) for d in districts),
            "protocols_stored": stored,
        }

    def match_on_record(self, contest: Contest, district, path: Path) -> None:
        """A table without nominations: each of its names must be a ballot line of the contest already (its
        candidates imported from their list), spelled the same up to case, ё and spaces; the ballot lines are
        renamed to the spelling of the results, so the votes find them."""
        lines = {fold(name): name for name in contest.choices.values_list("name", flat=True)}
        missing = [name for name in district.candidates if fold(name) not in lines]
        if missing:
            raise CommandError(
                f"{path}: {', '.join(missing)} not on the ballot of {contest.name}: import the candidates first "
                "(import_candidates), or give the nominations"
            )
        for name in district.candidates:
            if lines[fold(name)] != name:
                contest.choices.filter(name=lines[fold(name)]).update(name=name)
