"""Open the confirmed supporters' contacts for the announcement mailing, on the offline machine.

    python manage.py pledges_export CAMPAIGN --secret-key organisers.key [--out contacts.csv]

Reads a copy of the database (DATABASE_URL) and writes e-mail, name and city
of every confirmed pledge as CSV (to standard output without --out). Run it
where the private key lives, never on the server.
"""

import csv
import json
import os
import sys
from typing import TextIO

from django.core.management.base import BaseCommand, CommandError

from core.commands import read_file
from core.sealing import SealingError, unseal
from pledges.models import Campaign, Pledge


class Command(BaseCommand):
    help = "Decrypt the confirmed contacts of a campaign with the organisers' private key."

    def add_arguments(self, parser):
        parser.add_argument("campaign", help="the campaign's slug")
        parser.add_argument("--secret-key", required=True, help="file with the private key from keygen")
        parser.add_argument("--out", help="CSV file to write (must not exist); standard output otherwise")

    def handle(self, *args, **options):
        campaign = Campaign.objects.filter(slug=options["campaign"]).first()
        if campaign is None:
            raise CommandError(f"no campaign {options['campaign']}")
        if campaign.purged:
            raise CommandError(f"{campaign.slug}: the contacts were purged on {campaign.purged:%Y-%m-%d}")
        private = read_file(options["secret_key"]).strip()
        pledges = Pledge.objects.filter(campaign=campaign, confirmed__isnull=False, contact__isnull=False)
        rows = []
        for pledge in pledges.select_related("city").order_by("id").iterator():
            if pledge.contact is None:
                continue  # filtered out above (contact__isnull=False)
            try:
                contact = json.loads(unseal(pledge.contact, private))
            except SealingError as exc:
                raise CommandError(str(exc)) from exc
            rows.append([contact["email"], contact.get("name", ""), pledge.city.name])
        if options["out"]:
            try:
                fd = os.open(options["out"], os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                raise CommandError(f"{options['out']} exists: choose a new file") from None
            out: TextIO = os.fdopen(fd, "w", newline="", encoding="utf-8")
        else:
            out = sys.stdout
        writer = csv.writer(out)
        writer.writerow(["email", "name", "city"])
        writer.writerows(rows)
        if options["out"]:
            out.close()
        self.stderr.write(f"{len(rows):,} confirmed contacts of {campaign.slug}.")
