"""Apply the writes held under the keys of hours that are over (core.held).

    python manage.py held_flush          (a timer a few minutes past each hour; the workers do it too)
    python manage.py held_flush --now    (this hour's as well: before stopping the server for good)

Run it on each host of the site: the hour keys are on that host's memory filesystem.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from core import held


class Command(BaseCommand):
    help = "Apply the held writes of the hours that are over (with --now, this hour's too)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--now", action="store_true", help="this hour's writes too")

    def handle(self, *args: Any, **options: Any) -> None:
        done = held.flush(everything=options["now"])
        self.stdout.write(
            f"{done.hours} hour(s): {done.applied:,} writes applied, {done.again:,} held again, "
            f"{done.dropped:,} dropped after {held.TRIES} hours."
        )
