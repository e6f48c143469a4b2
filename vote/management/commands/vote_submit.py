"""Bring a file from an offline machine onto a vote's board: the manifest's signature, a trustee's deal,
acceptance or partial decryption, a batch of credentials. Each is checked as the verifier will check it; a file
that does not hold changes nothing.

    python manage.py vote_submit SLUG FILE [FILE …]
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from vote.models import Vote
from vote.store import VoteError, submit


class Command(BaseCommand):
    help = "Put files from the offline ceremony on a vote's board."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("files", nargs="+", type=Path)

    def handle(self, *args, **options):
        vote = Vote.objects.filter(slug=options["slug"]).first()
        if vote is None:
            raise CommandError(f"no vote {options['slug']!r}")
        for path in options["files"]:
            try:
                line = submit(vote, json.loads(path.read_text()))
            except (OSError, ValueError) as exc:
                raise CommandError(f"{path}: {exc}") from None
            except VoteError as exc:
                raise CommandError(f"{path}: refused: {exc}") from None
            entry = line["entry"]
            self.stdout.write(f"{path}: entry {entry['seq']} ({entry['kind']}); the vote is now {vote.phase}")
