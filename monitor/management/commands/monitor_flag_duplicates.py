"""Flag the likely duplicates found offline (monitor_duplicates) for the moderators.

python manage.py monitor_flag_duplicates flags.json
"""

import json

from django.core.management.base import BaseCommand, CommandError

from core.commands import read_file
from monitor.duplicates import FlagsError, apply


class Command(BaseCommand):
    help = "Flag the report pairs that monitor_duplicates found offline; a bad file changes nothing."

    def add_arguments(self, parser):
        parser.add_argument("flags", help="flags.json from monitor_duplicates")

    def handle(self, *args, **options):
        try:
            flagged, kept = apply(json.loads(read_file(options["flags"])))
        except (json.JSONDecodeError, FlagsError) as exc:
            raise CommandError(f"{options['flags']}: {exc}") from exc
        self.stdout.write(f"{flagged} report(s) flagged; {kept} already flagged or decided, left as they were.")
