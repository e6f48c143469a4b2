"""Export a vote's board as files any static host serves, with the verifier page.

    python manage.py vote_export SLUG OUT_DIR [--site https://DOOR]

OUT_DIR/board.jsonl (the board, line for line), keys.json (the organisers' key chain), index.html (the
verifier: it checks everything vote_verify checks, in the browser, and finds a tracker), and its scripts. Observers
copy the folder while the vote runs: a later board that does not extend their copy is caught. builder.json holds
the SHA-256 of the ballot builder's scripts (copied beside it); with --site, while the vote is open, ballot.html is
the ballot's page, to vote from a host the server does not serve: it sends the ballot to that door.
"""

import re
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from vote.models import Vote
from vote.views import export


class Command(BaseCommand):
    help = "Export a vote's board and the verifier page as static files."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("out", type=Path)
        parser.add_argument("--site", help="the door ballot.html sends ballots to (https://…, the site or another)")

    def handle(self, *args, **options):
        vote = Vote.objects.filter(slug=options["slug"]).first()
        if vote is None:
            raise CommandError(f"no vote {options['slug']!r}")
        site = options["site"]
        if site and not re.fullmatch(r"https?://[^/\s\"'<>]+/?", site):
            raise CommandError("--site is an address such as https://veche.example (no path)")
        count = export(vote, options["out"], site)
        self.stdout.write(f"{vote.slug}: {count} entries and the verifier written to {options['out']}")
