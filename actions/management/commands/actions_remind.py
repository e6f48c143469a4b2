"""Send the reminder the day before, on the offline machine, where the organisers' private key is.

    python manage.py actions_remind ACTION --secret-key organisers.key [--day YYYY-MM-DD] [--dry-run]

Reads a copy of the database (DATABASE_URL), opens the sealed contact of
every confirmed, not cancelled sign-up for a slot that starts on the day
(tomorrow by default, in each place's own time), and mails each the same
reminder — the time, the place, the role, the cancel link the contact was
sealed with — through the organisers' own mail server (EMAIL_* settings).
The server cannot send it: it cannot open the contacts.
"""

import json
from datetime import date, timedelta

from django.core.mail import send_mail
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from actions.models import Action, Signup
from core.commands import read_file
from core.sealing import SealingError, unseal


class Command(BaseCommand):
    help = "Mail the reminder to everyone who holds a place at the action on the day (offline, with the key)."

    def add_arguments(self, parser):
        parser.add_argument("action", help="the action's slug")
        parser.add_argument("--secret-key", required=True, help="file with the private key from keygen")
        parser.add_argument("--day", help="the day of the slots, YYYY-MM-DD (default: tomorrow)")
        parser.add_argument("--dry-run", action="store_true", help="count, open every contact, send nothing")

    def handle(self, *args, **options):
        action = Action.objects.filter(slug=options["action"]).first()
        if action is None:
            raise CommandError(f"no action {options['action']}")
        try:
            day = date.fromisoformat(options["day"]) if options["day"] else None
        except ValueError:
            raise CommandError(f"--day {options['day'][:20]}: not a date YYYY-MM-DD") from None
        private = read_file(options["secret_key"]).strip()
        signups = Signup.objects.filter(
            slot__place__action=action, confirmed__isnull=False, cancelled__isnull=True
        ).select_related("slot__place")
        todo = []
        for signup in signups.order_by("slot__starts", "id").iterator():
            place = signup.slot.place
            local = timezone.localtime(signup.slot.starts, place.zone)
            wanted = day or (timezone.localtime(timezone.now(), place.zone).date() + timedelta(days=1))
            if local.date() != wanted:
                continue
            try:
                contact = json.loads(unseal(bytes(signup.contact), private))
            except SealingError as exc:
                raise CommandError(f"{exc} (is this the key of {action.slug}?)") from exc
            todo.append((contact, signup.slot, local))
        # Every contact is opened before the first mail: a wrong key sends nothing rather than half the mails.
        sent = 0
        for contact, slot, local in todo:
            if options["dry_run"]:
                continue
            subject = _("Tomorrow: your place at the action")
            body = _(
                "«%(title)s»: %(role)s, %(place)s, %(address)s, %(day)s at %(time)s (local time).\n\n"
                "Take a charged phone, your passport, the lawyer's number written on paper. "
                "If you are detained, tell the companion and press «I was detained» on the action's page.\n\n"
                "If you cannot come, give the place back, so that someone else can take it:\n%(cancel)s"
            ) % {
                "title": action.title,
                "role": slot.get_role_display(),
                "place": slot.place.name,
                "address": slot.place.address or slot.place.city,
                "day": local.strftime("%d.%m.%Y"),
                "time": local.strftime("%H:%M"),
                "cancel": contact["cancel"],
            }
            send_mail(subject, body, None, [contact["email"]])
            sent += 1
        self.stderr.write(f"{action.slug}: {len(todo)} places held on the day, {sent} reminders sent.")
