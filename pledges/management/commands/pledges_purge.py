"""Delete every contact of a campaign after the event, leaving only the counts.

    python manage.py pledges_purge CAMPAIGN --yes

Removes the sealed contacts and the keyed hashes (with the pepper, a hash
could confirm that a known address signed up), deletes unconfirmed pledges,
and closes the campaign. Confirmed pledges stay as bare rows (city, hour):
the counts and the chart. Then it erases them from the database's files too
(core.erase: the SQLite WAL, PostgreSQL's old row versions and WAL), which
a plain DELETE leaves behind; backups made before stay as they were.
"""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from core.erase import EraseError, scrub
from pledges.models import Campaign, Pledge
from pledges.signup import CAMPAIGN_SECONDS


class Command(BaseCommand):
    help = "Delete all contacts of a campaign, keeping the counts."

    def add_arguments(self, parser):
        parser.add_argument("campaign", help="the campaign's slug")
        parser.add_argument("--yes", action="store_true", help="confirm: this cannot be undone")

    def handle(self, *args, **options):
        campaign = Campaign.objects.filter(slug=options["campaign"]).first()
        if campaign is None:
            raise CommandError(f"no campaign {options['campaign']}")
        if not options["yes"]:
            raise CommandError("this deletes every contact for good: add --yes")
        # Close it first, then wait until every worker's copy of the campaign (read at most every
        # CAMPAIGN_SECONDS) has seen it closed, so that no sign-up lands after the contacts are gone.
        Campaign.objects.filter(pk=campaign.pk).update(purged=timezone.now())
        time.sleep(CAMPAIGN_SECONDS + 0.5)
        with transaction.atomic():
            dropped, _ = Pledge.objects.filter(campaign=campaign, confirmed__isnull=True).delete()
            kept = Pledge.objects.filter(campaign=campaign).update(person=None, contact=None, link=None)
        self.stdout.write(
            f"{campaign.slug}: contacts deleted; {kept:,} confirmed pledges kept as counts, "
            f"{dropped:,} unconfirmed deleted."
        )
        try:
            steps = scrub([Pledge._meta.db_table])
        except EraseError as exc:
            raise CommandError(
                f"{campaign.slug}: the contacts are deleted, but not yet erased from the database files: {exc}"
            ) from None
        self.stdout.write(
            f"Erased from the database files ({'; '.join(steps)}). Delete the backups made before "
            "now as well (docs/threat-model.md)."
        )
