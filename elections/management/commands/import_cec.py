"""Import a federal election from the CEC per-precinct table.

    python manage.py import_cec ../shared/data/russia-federal/2021.csv.zip
    python manage.py import_cec ../shared/data/russia-federal/2024-electronic-voting.csv

Any year of russia-federal/ is understood (see elections/cec.py for how the
layout is detected). Where the election had single-mandate districts (2016,
2021) each precinct is also put on its district's ballot; the file holds no
district results, so those protocols are stored without one.
"""

import re

import polars as pl
from django.core.management.base import CommandError

from core.commands import progress
from elections.cec import CecFileError, read_cec_file
from elections.importing import Importer, ensure_choices
from elections.models import LINE_NAMES, Candidate, Contest, Election, Party, Person
from elections.names import party_key, party_short_name


def party(name: str) -> Party:
    found, _ = Party.objects.get_or_create(
        key=party_key(name), defaults={"name": name, "short_name": party_short_name(name)}
    )
    return found


def upsert_election(known, level=Election.Level.FEDERAL) -> Election:
    """The election by its CEC id (or slug), created if missing."""
    lookup = {"cec_vrn": known.cec_vrn} if known.cec_vrn else {"slug": known.slug}
    election, _ = Election.objects.get_or_create(
        **lookup,
        defaults={"slug": known.slug, "name": known.name, "date": known.date, "level": level, "kind": known.kind},
    )
    return election


def district_number(oik: str) -> tuple[int, str]:
    """'ОИК №39' or '1 Республика Адыгея (Адыгея) - Адыгейский' -> (number, name)."""
    found = re.match(r"^\s*(?:ОИК\s*№\s*)?(\d+)\s*(.*)$", oik)
    if not found:
        raise CommandError(f"«{oik}» is not a single-mandate district")
    number, rest = int(found.group(1)), found.group(2).strip()
    return number, rest or f"Одномандатный избирательный округ №{number}"


class Command(Importer):
    help = "Import a federal election's per-precinct results from a CEC table (russia-federal/YEAR.csv.zip)."
    source = "cec"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--year", type=int, help="the election's year, when the file name does not say it")
        parser.add_argument(
            "--remote",
            action="store_true",
            default=None,
            help="the table holds remote electronic voting per region (assumed when the file "
            "name contains 'electronic-voting')",
        )

    def load(self, path, options):
        steps = progress(total=4, desc="import_cec", unit="step")
        steps.set_postfix_str("reading")
        try:
            table = read_cec_file(path, options.get("year"), options.get("remote"))
        except CecFileError as exc:
            raise CommandError(str(exc)) from exc
        if table.protocols["is_remote"].all():
            # Its own source: importing it must not replace the stations'
            # protocols of the same contest, nor they it.
            self.source = "cec-remote"
        steps.update()
        known = table.election
        self.add_breaks(table.breaks)
        election = upsert_election(known)

        kind = {
            "parliament": Contest.Kind.PARTY_LIST,
            "president": Contest.Kind.PERSONAL,
            "referendum": Contest.Kind.REFERENDUM,
        }[known.kind]
        contest, _ = Contest.objects.get_or_create(
            election=election,
            kind=kind,
            number=0,
            area="",
            defaults={
                "name": {
                    Contest.Kind.PARTY_LIST: "Федеральный избирательный округ",
                    Contest.Kind.PERSONAL: known.name,
                    Contest.Kind.REFERENDUM: known.name,
                }[kind]
            },
        )
        ensure_choices(contest, [self.choice(contest, kind, position, name) for position, name in table.choices])
        steps.set_postfix_str("storing results")
        stored = self.store_results(table.protocols.with_columns(contest_id=pl.lit(contest.pk)), table.votes)
        steps.update()

        districts = 0
        if known.mixed and "district" in table.protocols.columns:
            steps.set_postfix_str("district ballots")
            districts = self.store_district_ballots(election, table.protocols)
        steps.update()
        steps.close()
        p = table.protocols
        return {
            "election": str(election),
            "rows": table.rows,
            "protocols_stored": stored,
            "with_result": p["has_result"].sum(),
            "registered_voters": int(p["registered"].sum()),
            "remote_voting_rows": int(p["is_remote"].sum()),
            "single_mandate_districts": districts,
        }

    def choice(self, contest, kind, position, name):
        if kind == Contest.Kind.PARTY_LIST:
            return position, name, party(name), None
        if kind == Contest.Kind.PERSONAL:
            last, first, middle = [*name.split(maxsplit=2), "", ""][:3]
            person, _ = Person.objects.get_or_create(
                source_key=f"cec:{name}", defaults={"last_name": last, "first_name": first, "middle_name": middle}
            )
            candidate, _ = Candidate.objects.get_or_create(person=person, contest=contest)
            return position, name, None, candidate
        return position, name, None, None

    def store_district_ballots(self, election, protocols: pl.DataFrame) -> int:
        """Put each precinct on its single-mandate district's ballot."""
        districts = protocols["district"].drop_nulls().unique().to_list()
        for oik in districts:
            number, name = district_number(oik)
            Contest.objects.get_or_create(
                election=election, kind=Contest.Kind.SINGLE_MANDATE, number=number, area="", defaults={"name": name}
            )
        by_number = dict(
            Contest.objects.filter(election=election, kind=Contest.Kind.SINGLE_MANDATE).values_list("number", "id")
        )
        ballots = self.precinct_ids(protocols).with_columns(
            contest_id=pl.col("district").map_elements(
                lambda d: by_number[district_number(d)[0]], return_dtype=pl.Int64
            ),
            has_result=pl.lit(False),
            extra=pl.lit(None, dtype=pl.String),
            **{name: pl.lit(None, dtype=pl.Int64) for name in LINE_NAMES},
        )
        self.store_results(ballots)
        return len(districts)
