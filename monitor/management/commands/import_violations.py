"""Import election-violation reports from the public "map of violations" (kartanarusheniy.org).

    python manage.py import_violations ../shared/data/spb-2021/violations.jsonl.gz

One JSON object per line (gzip or plain): id, date (epoch ms), text,
``violations.{before,during,finale}`` category codes, ``reported_by``,
``related_to_uik``/``related_to_tik``, ``district``,
``electoral_district_types`` (federal, city, municipality), source URL and
attachments (links: their files stay on their host). Each report is
attached to the St Petersburg elections of that day that its fields name
and to its precinct, and published (they were public already). The whole
file is checked first; any bad line stops the import with its number and
nothing is written. Already imported reports are skipped.
"""

import gzip
import json
from datetime import UTC, datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from core.commands import progress
from elections.models import Election
from monitor.intake import IntakeError, check, take
from monitor.models import Report
from monitor.moderation import act

SOURCE = "kartanarusheniy"
REGION = "город Санкт-Петербург"
TYPES = {"federal": "federal", "city": "regional", "municipality": "municipal"}


class Command(BaseCommand):
    help = "Import the map of violations' reports (JSON lines) as published election-violation reports."
    requires_system_checks: list = []  # as elections.importing.Importer: the data only, no URL loading

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--date", default="2021-09-19", help="the voting day the reports are about")

    def handle(self, *args, **options):
        rows = self.read(options["path"])
        elections = list(Election.objects.filter(date=options["date"]))
        if not elections:
            raise CommandError(f"no election on {options['date']} is imported: run import_spb2021 first")
        known = set(Report.objects.filter(source=SOURCE).values_list("source_key", flat=True))
        todo, errors = [], []
        for line, row in progress(rows, desc="checking"):
            key = f"{SOURCE}:{row.get('id')}"
            if key in known:
                continue
            data, extra = self.report(row, elections)
            try:
                check(data)
            except IntakeError as exc:
                errors.append(f"line {line} (id {row.get('id')}): {exc}")
            todo.append((key, data, extra))
        if errors:
            raise CommandError(f"{len(errors)} bad lines, nothing imported:\n" + "\n".join(errors[:50]))
        with transaction.atomic():
            for key, data, extra in progress(todo, desc="importing"):
                report = take(data, source=SOURCE, source_key=key, extra=extra)
                act(report, "verify", None, reason=f"{SOURCE} import")
                act(report, "publish", None, reason=f"{SOURCE} import")
        self.stdout.write(
            f"{options['path']}: {len(rows)} reports, {len(todo)} imported, {len(rows) - len(todo)} already there."
        )

    def read(self, path: Path) -> list[tuple[int, dict]]:
        opener = gzip.open if path.suffix == ".gz" else open
        try:
            with opener(path, "rt", encoding="utf-8") as fh:
                lines = list(fh)
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"{path}: cannot read: {exc}") from exc
        rows = []
        for number, text in enumerate(lines, 1):
            if not text.strip():
                continue
            try:
                row = json.loads(text)
            except json.JSONDecodeError as exc:
                raise CommandError(f"{path}, line {number}: not JSON ({exc.msg})") from None
            if not isinstance(row, dict) or not isinstance(row.get("id"), int) or not isinstance(row.get("date"), int):
                raise CommandError(f"{path}, line {number}: a report needs a numeric id and date")
            rows.append((number, row))
        return rows

    def report(self, row: dict, elections: list[Election]) -> tuple[dict, dict]:
        """The report's fields as the form would send them, and what else the source says (kept as extra)."""
        levels = {TYPES[t] for t in row.get("electoral_district_types") or [] if t in TYPES}
        uik = row.get("related_to_uik")
        chosen = [e for e in elections if e.level in levels and e.level != "municipal"]
        if "municipal" in levels and uik:
            chosen += [
                e
                for e in elections
                if e.level == "municipal"
                and e.contests.filter(
                    protocols__precinct__number=uik, protocols__precinct__region__name=REGION
                ).exists()
            ]
        attachments = [a["source"] for a in row.get("attachments") or [] if a.get("source")]
        extra = {k: row[k] for k in ("url", "related_to_tik", "complaints", "threats", "original_report") if k in row}
        return {
            "kind": "violation",
            "happened": datetime.fromtimestamp(row["date"] / 1000, tz=UTC).isoformat(),
            "text": row.get("text") or "",
            "categories": [
                f"{phase}:{code}" for phase, codes in (row.get("violations") or {}).items() for code in codes
            ],
            "elections": [e.slug for e in chosen],
            "precinct": uik,
            "region": REGION if uik else "",
            "area": row.get("district") or "",
            "reporter_role": row.get("reported_by") or "",
            "links": ([row["source_url"]] if row.get("source_url") else []) + attachments,
        }, extra
