"""Write the voter lookup as a static site for mirrors (see smartvote/export.py).

    python manage.py export_lookup OUT_DIR [--election SLUG …] [--language ru|en]

Serve OUT_DIR with any static web server (or open it from a USB stick
through a local one); it needs nothing from the main site.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from smartvote.export import ExportError, default_elections, export
from smartvote.management.commands.smartvote_backtest import elections


class Command(BaseCommand):
    help = "Export the voter lookup (page, script, signed data) as a static site."

    def add_arguments(self, parser):
        parser.add_argument("out_dir")
        parser.add_argument("--election", nargs="+", help="election slugs (default: the latest election day)")
        parser.add_argument("--language", default="ru", choices=[code for code, _name in settings.LANGUAGES])

    def handle(self, *args, **options):
        chosen = elections(options["election"]) if options["election"] else default_elections()
        out = Path(options["out_dir"])
        with translation.override(options["language"]):
            try:
                manifest = export(out, chosen)
            except ExportError as exc:
                raise CommandError(str(exc)) from exc
        self.stdout.write(f"{out}: {len(manifest['files'])} signed files for {len(manifest['regions'])} region(s), "
                          f"{len(manifest['lists'])} published list(s), elections "
                          f"{', '.join(e['slug'] for e in manifest['elections'])}.")
