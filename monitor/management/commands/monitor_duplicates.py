"""Find likely duplicate reports of named people, on the offline machine (monitor/duplicates.py).

    python manage.py monitor_duplicates --secret-key organisers.key --out flags.json

Reads a copy of the database (DATABASE_URL); writes report numbers only. Carry
flags.json to the server: python manage.py monitor_flag_duplicates flags.json
"""

import json
import os

from django.core.management.base import BaseCommand, CommandError

from core.commands import read_file
from core.sealing import SealingError
from monitor.duplicates import document, find


class Command(BaseCommand):
    help = "Compare the sealed names of live reports with the private key; write likely duplicates as report pairs."

    def add_arguments(self, parser):
        parser.add_argument("--secret-key", required=True, help="file with the private key from keygen")
        parser.add_argument("--out", required=True, help="file to write (must not exist)")

    def handle(self, *args, **options):
        private = read_file(options["secret_key"]).strip()
        try:
            pairs = find(private)
        except SealingError as exc:
            raise CommandError(f"{exc} (was VECHE_MONITOR_PUBLIC_KEY made from this key?)") from exc
        try:
            fd = os.open(options["out"], os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise CommandError(f"{options['out']} exists: choose a new file") from None
        with os.fdopen(fd, "w") as fh:
            json.dump(document(pairs), fh)
        self.stdout.write(f"{len(pairs)} likely duplicate(s) written to {options['out']} (report numbers only).")
