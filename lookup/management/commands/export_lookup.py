"""Write the voter lookup as a static site for mirrors (see lookup/mirror.py).

    python manage.py export_lookup OUT_DIR [--election SLUG …] [--language ru|en]
    python manage.py export_lookup OUT_DIR --signature manifest.sig
    python manage.py export_lookup OUT_DIR --bundle lookup.html

The first writes the site with its manifest. The organisers then sign the
manifest on their offline machine (python3 signing.py sign
OUT_DIR/manifest.json --key … --keyring keys.json, which checks every file
against it first); the second checks that signature against their key chain
and puts it in the folder. In demo mode the export is signed at once with the
demo key, and says so. Serve OUT_DIR with any static web server (or open it
from a USB stick through a local one); it needs nothing from the main site.
The third packs the signed folder into one HTML file that checks its own
signature and answers from file:// (a copy to pass along in a messenger when
the network is cut).
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from core import keys
from core.commands import read_file
from elections.commands import elections_named
from lookup.mirror import VALID_DAYS, ExportError, attach_signature, bundle, default_elections, export


class Command(BaseCommand):
    help = "Export the voter lookup (page, script, data, manifest) as a static site; or attach its signature."

    def add_arguments(self, parser):
        parser.add_argument("out_dir")
        parser.add_argument("--election", nargs="+", help="election slugs (default: the latest election day)")
        parser.add_argument("--language", default="ru", choices=[code for code, _name in settings.LANGUAGES])
        parser.add_argument(
            "--valid-days",
            type=int,
            default=VALID_DAYS,
            help=f"days the copy is trusted; after them its page asks for a newer mirror (default {VALID_DAYS})",
        )
        parser.add_argument(
            "--bundle",
            metavar="FILE.html",
            help="pack OUT_DIR, exported and signed, into one HTML file that works offline (file://)",
        )
        parser.add_argument(
            "--signature",
            help="the organisers' signature of OUT_DIR/manifest.json: check it, "
            "then put it in the folder as manifest.sig",
        )

    def handle(self, *args, **options):
        out = Path(options["out_dir"])
        try:
            if options["bundle"]:
                size = bundle(out, Path(options["bundle"]))
                self.stdout.write(f"{options['bundle']}: {size / 1e6:.1f} MB, opens offline and checks itself.")
                return
            if options["signature"]:
                signer = attach_signature(out, read_file(options["signature"]))
                self.stdout.write(f"{out}: the signature holds (key {signer}); the copy is ready to serve.")
                return
            chosen = elections_named(options["election"]) if options["election"] else default_elections()
            with translation.override(options["language"]):
                manifest = export(out, chosen, options["valid_days"])
        except ExportError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"{out}: {len(manifest['files'])} files for {len(manifest['regions'])} region(s), "
            f"{len(manifest['lists'])} published list(s), elections "
            f"{', '.join(e['slug'] for e in manifest['elections'])}; version {manifest['version']}, valid until "
            f"{manifest['expires'][:10]}."
        )
        if keys.demo_signing_key():
            self.stdout.write("Signed with the DEMO key: the page says so.")
        else:
            self.stdout.write(
                f"Not signed yet. On the offline machine: python3 signing.py sign {out}/manifest.json "
                f"--key organisers.key --keyring keys.json; then here: python manage.py export_lookup "
                f"{out} --signature {out}/manifest.sig"
            )
