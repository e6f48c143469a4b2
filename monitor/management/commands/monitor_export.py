"""Open the monitor's sealed data (names, ages, contacts, photos), on the offline machine.

    python manage.py monitor_export --secret-key organisers.key --out DIR [--state new] [--report N]

Reads a copy of the database (DATABASE_URL) and writes DIR/reports.json (per
report: its number, kind, state, the person's pseudonym with what was
reported about them, the reporter's contact) and each report's photos as
DIR/<report>-<n>.<ext>. DIR must not exist; it is made readable by you only.
Run it where the private key lives, never on the server.
"""

import json
import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from core.commands import read_file
from core.sealing import SealingError, unseal
from monitor.models import Report

EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}


class Command(BaseCommand):
    help = "Decrypt the people's details, reporters' contacts and photos of the monitor's reports."

    def add_arguments(self, parser):
        parser.add_argument("--secret-key", required=True, help="file with the private key from keygen")
        parser.add_argument("--out", required=True, type=Path, help="directory to write (must not exist)")
        parser.add_argument("--state", choices=Report.State.values, help="only reports in this state")
        parser.add_argument("--report", type=int, action="append", help="only this report (repeatable)")

    def handle(self, *args, **options):
        private = read_file(options["secret_key"]).strip()
        reports = Report.objects.select_related("person").prefetch_related("attachments").order_by("pk")
        if options["state"]:
            reports = reports.filter(state=options["state"])
        if options["report"]:
            reports = reports.filter(pk__in=options["report"])
        out = options["out"]
        try:
            out.mkdir(mode=0o700, parents=False)
        except FileExistsError:
            raise CommandError(f"{out} exists: choose a new directory") from None
        except OSError as exc:
            raise CommandError(f"{out}: {exc.strerror}") from exc
        rows: list[dict[str, Any]] = []
        photos = 0
        try:
            for report in reports.iterator(chunk_size=500):
                row: dict[str, Any] = {
                    "id": report.pk,
                    "kind": report.kind,
                    "state": report.state,
                    "reporter_contact": unseal(report.reporter, private).decode() if report.reporter else "",
                }
                person = report.person
                if person:
                    row["person"] = {
                        "pseudonym": person.pseudonym,
                        **(json.loads(unseal(person.sealed, private)) if person.sealed else {}),
                    }
                for n, attachment in enumerate(report.attachments.all(), 1):
                    name = f"{report.pk}-{n}.{EXTENSIONS.get(attachment.content_type, 'bin')}"
                    fd = os.open(out / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                    with os.fdopen(fd, "wb") as fh:
                        fh.write(unseal(attachment.sealed, private))
                    row.setdefault("photos", []).append(name)
                    photos += 1
                rows.append(row)
        except SealingError as exc:
            raise CommandError(f"{exc} (was VECHE_MONITOR_PUBLIC_KEY made from this key?)") from exc
        fd = os.open(out / "reports.json", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(rows, fh, ensure_ascii=False, indent=1)
        self.stdout.write(f"{len(rows)} reports and {photos} photos written to {out}")
