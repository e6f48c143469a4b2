"""Close a vote's board and put its encrypted tally on it (anyone can recompute the tally from the board).

    python manage.py vote_close SLUG [--early]

At or after the closing time; ``--early`` closes before it (the organisers' decision: the board says the day).
The trustees then decrypt the tally offline (``vote/offline.py decrypt``) and submit their parts; the result is
put on the board when enough have.
"""

from django.core.management.base import BaseCommand, CommandError

from vote.models import Vote
from vote.store import VoteError, close


class Command(BaseCommand):
    help = "Close a vote and put its tally on the board."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--early", action="store_true")

    def handle(self, *args, **options):
        vote = Vote.objects.filter(slug=options["slug"]).first()
        if vote is None:
            raise CommandError(f"no vote {options['slug']!r}")
        try:
            close(vote, early=options["early"])
        except VoteError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{vote.slug}: closed with {vote.ballots} ballots cast; the tally is on the board.")
