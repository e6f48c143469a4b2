"""Publish an election's list with the organisers' offline signature, from the command line.

    python manage.py smartvote_publish SLUG --request OUT.json --user NAME   # freeze the list as a draft; write it
    python manage.py smartvote_publish SLUG --signature FILE.sig --user NAME # check the signature; publish
    python manage.py smartvote_publish SLUG --demo --user NAME                # demo mode only: sign with the demo key

With ``--region NAME`` (with --request or --demo) the version covers that region's districts alone; every
other region keeps the picks of the last version covering it.

Between the two, on the offline machine: python3 signing.py sign OUT.json
--key organisers.key --keyring keys.json (it shows the list and what changed,
and asks before it signs). The editorial desk does the same in the browser.
"""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from core.commands import read_file
from elections.commands import elections_named
from smartvote.publish import PublishError, prepare, publish_demo, publish_signed, signing_request


class Command(BaseCommand):
    help = "Prepare a list version for offline signing, or publish it with the organisers' signature."

    def add_arguments(self, parser):
        parser.add_argument("election", help="the election's slug")
        parser.add_argument("--user", required=True, help="the organiser's user name, for the log")
        what = parser.add_mutually_exclusive_group(required=True)
        what.add_argument("--request", help="write the signing request to this file (must not exist)")
        what.add_argument("--signature", help="the signature file the signing tool wrote")
        what.add_argument("--demo", action="store_true", help="demo mode only: sign with the demo key and publish")
        parser.add_argument(
            "--region", help="the version covers this region's districts alone (as the forecast names the region)"
        )

    def handle(self, *args, **options):
        [election] = elections_named([options["election"]])
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None or not user.has_perm("smartvote.add_listversion"):
            raise CommandError(f"{options['user']}: no such user with the right to publish lists")
        if options["region"] and options["signature"]:
            raise CommandError("--region goes with --request: the signature is of the draft prepared then")
        region = options["region"] or None
        try:
            if options["request"]:
                # The file first: a refused command must not replace a draft already carried off to be signed.
                if Path(options["request"]).exists():
                    raise CommandError(f"{options['request']} exists: choose a new file")
                draft = prepare(election, user, region)
                try:
                    with open(options["request"], "xb") as fh:
                        fh.write(signing_request(draft))
                except FileExistsError:
                    raise CommandError(f"{options['request']} exists: choose a new file") from None
                covers = f" ({draft.region})" if draft.region else ""
                self.stdout.write(
                    f"Version {draft.number} of {election.slug}{covers} written to {options['request']} for "
                    "signing on the offline machine."
                )
                return
            if options["demo"]:
                version = publish_demo(election, user, region)
            else:
                version = publish_signed(election, read_file(options["signature"]), user)
        except PublishError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Version {version.number} of {election.slug} published (the signature holds).")
