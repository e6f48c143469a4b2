"""Import national voting-intention polls (the table of spb-prior/polls_duma2021_national.csv).

    python manage.py import_polls ../shared/data/spb-prior/polls_duma2021_national.csv

One row per poll: ``pollster``, ``fieldwork_start``, ``fieldwork_end`` (ISO dates), one column per party code
(% of all respondents; empty when not asked), ``Others``, ``Undecided``, ``Abstention``, ``merged_cells`` (columns
given one value, "Rodina;PG=12%") and ``source_url``. The whole file is checked first; a bad row stops the import
with its line and nothing changes; the same poll again is not added twice.
"""

from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand
from django.db import transaction

from core.commands import parse_rows, read_csv
from smartvote.models import Poll
from smartvote.polls import PARTIES

CODES = [*sorted({code for code, _words in PARTIES}), "Others"]
COLUMNS = ["fieldwork_start", "fieldwork_end", "pollster", "source_url", *CODES, "Undecided", "Abstention"]


class Command(BaseCommand):
    help = "Import national voting-intention polls from a CSV table."
    requires_system_checks: list = []  # as elections.importing.Importer: the data only, no URL loading

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)

    def handle(self, *args, **options):
        path = options["path"]
        rows = read_csv(path, COLUMNS)
        polls = parse_rows(path, rows, self.poll)
        created = 0
        with transaction.atomic():
            for poll in polls:
                _poll, new = Poll.objects.get_or_create(
                    pollster=poll["pollster"],
                    fieldwork_start=poll["fieldwork_start"],
                    fieldwork_end=poll["fieldwork_end"],
                    defaults=poll,
                )
                created += new
        self.stdout.write(f"{path}: {len(polls):,} polls, {created:,} new.")

    def poll(self, row: dict) -> dict:
        try:
            end = date.fromisoformat(row["fieldwork_end"])
            start = date.fromisoformat(row["fieldwork_start"]) if row["fieldwork_start"] else None
        except ValueError:
            raise ValueError("fieldwork dates must be YYYY-MM-DD") from None
        if start and start > end:
            raise ValueError("the fieldwork starts after it ends")
        if not row["pollster"].strip():
            raise ValueError("no pollster")
        shares = {code: self.percent(row[code], code) for code in CODES}
        if not any(v is not None for v in shares.values()):
            raise ValueError("no party's share")
        merged = (row.get("merged_cells") or "").strip()
        if merged and "=" not in merged:
            raise ValueError(f"merged_cells «{merged[:40]}» is not CODES=value")
        return {
            "pollster": row["pollster"].strip()[:50],
            "fieldwork_start": start,
            "fieldwork_end": end,
            "shares": shares,
            "undecided": self.percent(row["Undecided"], "Undecided"),
            "abstention": self.percent(row["Abstention"], "Abstention"),
            "merged": merged[:300],
            "source": (row["source_url"] or "").strip()[:500] or "?",
        }

    @staticmethod
    def percent(text: str, column: str) -> float | None:
        if not (text or "").strip():
            return None
        try:
            value = float(text.strip().rstrip("%").replace(",", "."))
        except ValueError:
            raise ValueError(f"{column}: «{text[:20]}» is not a number") from None
        if not 0 <= value <= 100:
            raise ValueError(f"{column}: {value} is not a percentage")
        return value
