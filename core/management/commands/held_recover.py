"""After a crash took the hour keys (a power cut empties the memory filesystem): apply what was held.

    python manage.py held_recover --secret-key organisers.key

Run on the organisers' machine, against the site's database, as the reminders are: each hour's key was sealed
to their public key when it was made (core.held), and only their private key opens it. Nothing held is lost.
"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core import held
from core.sealing import SealingError


class Command(BaseCommand):
    help = "Open the hour keys of held writes with the organisers' private key and apply the writes."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--secret-key", required=True, help="file with the organisers' private key")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            private = Path(options["secret_key"]).read_text().strip()
        except OSError as exc:
            raise CommandError(f"{options['secret_key']}: {exc.strerror}") from None
        try:
            done = held.recover(private)
        except SealingError as exc:
            raise CommandError(f"{exc}; nothing was applied") from None
        self.stdout.write(
            f"{done.hours} hour key(s) opened: {done.applied:,} writes applied, {done.again:,} held again."
        )
