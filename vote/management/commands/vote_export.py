"""Export a vote's board as files any static host serves, with the verifier page.

    python manage.py vote_export SLUG OUT_DIR

OUT_DIR/board.jsonl (the board, line for line), keys.json (the organisers' key chain), index.html (the
verifier: it checks everything vote_verify checks, in the browser, and finds a tracker), and its scripts. Observers
copy the folder while the vote runs: a later board that does not extend their copy is caught.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from vote.models import Vote
from vote.views import export


class Command(BaseCommand):
    help = "Export a vote's board and the verifier page as static files."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("out", type=Path)

    def handle(self, *args, **options):
        vote = Vote.objects.filter(slug=options["slug"]).first()
        if vote is None:
            raise CommandError(f"no vote {options['slug']!r}")
        count = export(vote, options["out"])
        self.stdout.write(f"{vote.slug}: {count} entries and the verifier written to {options['out']}")
