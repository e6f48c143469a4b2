"""Rebuild the detention counts from the published reports, and say whether they had drifted.

    python manage.py monitor_recount

The counts are kept at each publication (monitor.moderation); this is the
check of that bookkeeping, and the repair after a manual edit of the database.
"""

from django.core.management.base import BaseCommand
from django.db.models import Sum

from monitor.models import DetentionCount
from monitor.moderation import recount


class Command(BaseCommand):
    help = "Rebuild the detention counts per city, event and day from the published reports."

    def handle(self, *args, **options):
        before = DetentionCount.objects.aggregate(n=Sum("detentions"))["n"] or 0
        rows = recount()
        after = DetentionCount.objects.aggregate(n=Sum("detentions"))["n"] or 0
        verdict = "they matched" if before == after else f"they had drifted from {before:,}"
        self.stdout.write(f"{rows:,} rows, {after:,} detentions ({verdict}).")
