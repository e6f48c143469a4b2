"""Make the organisers' key pair, on an offline machine.

    python manage.py keygen --out organisers.key

Writes the private key (base64) to FILE, readable by you only, and prints the
public key: paste it into a pledge campaign, or give it to the server as
VECHE_MONITOR_PUBLIC_KEY for the monitor's reports. Keep FILE off the server:
whoever has it can read every contact sealed to that key.
"""

import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.sealing import new_keypair


class Command(BaseCommand):
    help = "Make an X25519 key pair for sealing contacts and personal data; print the public key."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", required=True, help="file for the private key (must not exist)")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["out"])
        public, private = new_keypair()
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise CommandError(f"{path} exists: choose a new file (an old key must not be overwritten)") from None
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror}") from exc
        with os.fdopen(fd, "w") as fh:
            fh.write(private + "\n")
        self.stdout.write(f"private key written to {path} (keep it offline)\npublic key: {public}")
