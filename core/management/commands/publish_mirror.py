"""Publish a signed static folder to several hosts at once (see core/mirrors.py).

    python manage.py publish_mirror FOLDER --to ADDRESS [--to ADDRESS …] [--hosts FILE]

FOLDER is what ``export_lookup`` wrote and the organisers signed. Addresses:
``s3://BUCKET/PREFIX``, ``s3+https://HOST/BUCKET/PREFIX``, ``git+URL[#BRANCH]``,
``rsync+DESTINATION``; a hosts file holds one per line (# comments). A host
that fails does not stop the others; the command then exits non-zero.
"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core import mirrors


class Command(BaseCommand):
    help = "Publish a signed mirror folder to every host named (S3-compatible, git pages, rsync), then read each back."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder")
        parser.add_argument("--to", action="append", default=[], metavar="ADDRESS", help="a host (repeat for more)")
        parser.add_argument("--hosts", metavar="FILE", help="a file of host addresses, one per line")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            addresses = list(options["to"])
            if options["hosts"]:
                addresses += mirrors.hosts_file(Path(options["hosts"]))
            for address in addresses:
                mirrors.host(address)  # every address checked before the folder is read or anything sent
            folder = mirrors.checked_folder(Path(options["folder"]))
            self.stdout.write(
                f"{folder.path}: version {folder.version}, {len(folder.files)} files, signed by {folder.signer}; "
                f"publishing to {len(addresses)} host(s)."
            )
            results = mirrors.publish(folder, addresses, progress=lambda line: self.stderr.write(line))
        except mirrors.MirrorError as exc:
            raise CommandError(str(exc)) from exc
        for line in mirrors.lines(results):
            self.stdout.write(line)
        failed = [r.host for r in results if not r.ok]
        if failed:
            raise CommandError(
                f"{len(failed)} of {len(results)} host(s) failed: {', '.join(failed)}. The others hold the new copy."
            )
