"""Erase deleted personal data from the database's files (core.erase), for every tool or the tables named.

    python manage.py erase [TABLE …]

The purges run it themselves; run it after an interrupted purge, after
deleting reports or campaigns by hand, or after an upgrade that dropped a
column. Each app names its tables of personal data (``personal_tables`` in
its AppConfig).
"""

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from core.erase import EraseError, scrub


class Command(BaseCommand):
    help = "Erase deleted personal data from the database files (SQLite WAL, PostgreSQL old row versions and WAL)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("tables", nargs="*", help="tables to scrub (default: every app's personal tables)")

    def handle(self, *args: Any, **options: Any) -> None:
        tables = options["tables"] or [
            t for config in apps.get_app_configs() for t in getattr(config, "personal_tables", [])
        ]
        unknown = set(tables) - set(connection.introspection.table_names())
        if unknown:
            raise CommandError(f"no table {', '.join(sorted(unknown))} in this database")
        try:
            steps = scrub(tables)
        except EraseError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Erased: {'; '.join(steps)}.")
