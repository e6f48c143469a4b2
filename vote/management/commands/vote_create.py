"""Create a vote from the organisers' definition and write its manifest for them to sign offline.

    python manage.py vote_create DEFINITION.json --request SLUG.vote.json
    python3 core/signing.py sign SLUG.vote.json --key organisers.key --keyring keys.json   # offline
    python manage.py vote_submit SLUG SLUG.vote.sig

The definition (docs/vote.md): slug, title, description, questions [{question, answers, min, max}], opens,
closes (ISO with a time zone), time_zone (where the vote is held, for its pages: Europe/Moscow by default),
threshold, trustees [{name, key}], credential_authority and registrar (two parties: public keys from
``python3 vote/offline.py key``), eligibility (who may vote, in words). In demo mode without the organisers' root
the manifest is signed at once with the demo key, and the vote says so.
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core import keys
from vote.store import VoteError, create, demo_sign_manifest


class Command(BaseCommand):
    help = "Create a vote; write its manifest for the organisers to sign offline."

    def add_arguments(self, parser):
        parser.add_argument("definition", type=Path)
        parser.add_argument("--request", type=Path, help="where to write the manifest to sign")

    def handle(self, *args, **options):
        try:
            definition = json.loads(options["definition"].read_text())
        except (OSError, ValueError) as exc:
            raise CommandError(f"{options['definition']}: {exc}") from None
        try:
            vote = create(definition)
            if keys.demo_signing_key() is not None:
                demo_sign_manifest(vote)
                self.stdout.write(f"{vote.slug}: manifest signed with the DEMO key; the key ceremony can begin.")
                return
        except VoteError as exc:
            raise CommandError(str(exc)) from None
        target = options["request"] or Path(f"{vote.slug}.vote.json")
        target.write_text(vote.manifest)
        self.stdout.write(
            f"{vote.slug}: manifest written to {target}. Sign it offline (core/signing.py sign), then "
            f"manage.py vote_submit {vote.slug} {target.with_suffix('.sig')}"
        )
