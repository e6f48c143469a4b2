"""Show the organisers' signing key chain, or store the statements a new keys.json adds to it.

    python manage.py signing_keys              # the root, every key and its standing
    python manage.py signing_keys keys.json    # after a rotation or revocation made offline

The file must start from this server's root (VECHE_SIGNING_ROOT) and continue
the stored chain: a chain may grow, never change.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core import keys, signing
from core.commands import read_file


class Command(BaseCommand):
    help = "Show the organisers' signing key chain, or extend it with a keys.json made offline."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("keyring", nargs="?", help="keys.json from the signing tool")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            current: signing.Chain | None
            if options["keyring"]:
                current, added = keys.load_keyring(read_file(options["keyring"], binary=True))
                self.stdout.write(f"{added} new statement(s) stored.")
            else:
                current = keys.chain()
        except signing.SigningError as exc:
            raise CommandError(str(exc)) from exc
        if current is None:
            raise CommandError("no signing root: set VECHE_SIGNING_ROOT (or run the demo with VECHE_DEMO=1)")
        self.stdout.write("\n".join(signing.describe_chain(current)))
        if keys.demo_signing_key():
            self.stdout.write("(the DEMO key, kept on this server)")
