"""The monitor's retention: erase what identifies people in old reports, keeping the public record.

    python manage.py monitor_retention --older-than DAYS --yes

For reports that came in more than DAYS days ago, their photos and the
reporters' contacts are deleted, and so are the sealed details (name, age,
contact) of every person none of whose reports is more recent. Pseudonyms,
case steps, counts and published pages stay. Then the database files are
scrubbed (core.erase), as a plain DELETE leaves the bytes behind. Open what
the organisers still need first (monitor_export, offline); backups made
before keep everything until they are deleted too.
"""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from core.erase import EraseError, scrub
from core.hours import this_hour
from monitor.apps import MonitorConfig
from monitor.models import Attachment, Person, Report


class Command(BaseCommand):
    help = "Delete photos, reporters' contacts and people's sealed details of reports older than DAYS; erase them."

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            type=int,
            required=True,
            metavar="DAYS",
            help="reports that came in more than this many days ago",
        )
        parser.add_argument("--yes", action="store_true", help="confirm: this cannot be undone")

    def handle(self, *args, **options):
        days = options["older_than"]
        if days < 0:
            raise CommandError("--older-than is a number of days, 0 or more")
        if not options["yes"]:
            raise CommandError("this deletes personal data for good: add --yes")
        cutoff = this_hour() - timedelta(days=days)
        old = Report.objects.filter(received__lt=cutoff)
        with transaction.atomic():
            photos, _kinds = Attachment.objects.filter(report__in=old).delete()
            contacts = old.filter(reporter__isnull=False).update(reporter=None)
            recent = Report.objects.filter(received__gte=cutoff, person__isnull=False).values("person")
            people = Person.objects.filter(sealed__isnull=False).exclude(pk__in=recent).update(sealed=None)
        self.stdout.write(
            f"Reports older than {days} days: {photos:,} photos and {contacts:,} reporters' contacts "
            f"deleted; {people:,} people's sealed details deleted."
        )
        try:
            steps = scrub(MonitorConfig.personal_tables)
        except EraseError as exc:
            raise CommandError(f"deleted, but not yet erased from the database files: {exc}") from None
        self.stdout.write(f"Erased from the database files ({'; '.join(steps)}).")
