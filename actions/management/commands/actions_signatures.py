"""Open the contacts of signatures waiting for their check, on the offline machine where the organisers' key is.

    python manage.py actions_signatures --secret-key organisers.key [DECLARATION]

Reads a copy of the database (DATABASE_URL) and prints, per waiting signature,
its number, declaration, kind, name and the contact the signer left, so that
staff can check it with them; they then mark it verified or rejected on the
site's review page. The server cannot open the contacts.
"""

import json

from django.core.management.base import BaseCommand, CommandError

from actions.models import Signature
from core.commands import read_file
from core.sealing import SealingError, unseal


class Command(BaseCommand):
    help = "Print the contacts of the signatures waiting for their check (offline, with the organisers' key)."

    def add_arguments(self, parser):
        parser.add_argument("declaration", nargs="?", help="the declaration's slug (default: every declaration)")
        parser.add_argument("--secret-key", required=True, help="file with the private key from keygen")

    def handle(self, *args, **options):
        private = read_file(options["secret_key"]).strip()
        waiting = Signature.objects.filter(state=Signature.State.PENDING).select_related("declaration")
        if options["declaration"]:
            waiting = waiting.filter(declaration__slug=options["declaration"])
        lines = []
        for s in waiting.order_by("pk"):
            if s.contact is None:  # a waiting signature keeps its sealed contact until it is checked
                raise CommandError(f"signature {s.pk} waits for its check but holds no contact to open")
            try:
                contact = json.loads(unseal(bytes(s.contact), private))["contact"]
            except SealingError as exc:
                raise CommandError(f"{exc} (is this the key of {s.declaration.slug}?)") from exc
            lines.append(f"#{s.pk}\t{s.declaration.slug}\t{s.kind}\t{s.name}\t{s.affiliation}\t{contact}")
        for line in lines:
            self.stdout.write(line)
        self.stderr.write(f"{len(lines)} signatures waiting")
