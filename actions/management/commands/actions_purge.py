"""Delete the sign-ups of actions that are over, keeping the counts; erase them from the database's files.

    python manage.py actions_purge --ended-days DAYS --yes     (every action over for DAYS days: run it daily)
    python manage.py actions_purge --action SLUG --yes         (one action, whenever the organisers decide)

A sign-up row holds the keyed hash of an e-mail (with a running server's
pepper it confirms that a known address signed up) and the contact sealed to
the organisers' key: neither is needed once the day is over and the
reminders are sent. The slots keep how many places were taken (the report
after the day and the open data read those); every sign-up row is deleted.
Then the database files are scrubbed (core.erase), as a plain DELETE leaves
the bytes behind. An action still to come (a slot that has not ended) is
refused: its sign-ups are needed for the reminder and the confirmations.
"""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from actions.apps import ActionsConfig
from actions.models import Action, Signup
from core.erase import EraseError, scrub


class Command(BaseCommand):
    help = "Delete the sign-ups of actions that are over (the slots keep their counts); erase them."

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--action", metavar="SLUG", help="one action, over")
        which.add_argument(
            "--ended-days", type=int, metavar="DAYS", help="every action whose last slot ended DAYS days ago or more"
        )
        parser.add_argument("--yes", action="store_true", help="confirm: this cannot be undone")

    def handle(self, *args, **options):
        now = timezone.now()
        ended = Action.objects.annotate(last=Max("places__slots__ends"))
        if options["action"] is not None:
            action = ended.filter(slug=options["action"]).first()
            if action is None:
                raise CommandError(f"no action {options['action']}")
            if action.last is not None and action.last > now:
                raise CommandError(
                    f"{action.slug} is not over (its last slot ends {action.last:%Y-%m-%d %H:%M} UTC): its sign-ups "
                    "are needed for the reminder and the confirmations"
                )
            actions = [action]
        else:
            days = options["ended_days"]
            if days < 0:
                raise CommandError("--ended-days is a number of days, 0 or more")
            actions = list(ended.filter(last__lte=now - timedelta(days=days)))
        if not options["yes"]:
            raise CommandError("this deletes every sign-up of these actions for good: add --yes")
        with transaction.atomic():
            deleted, _kinds = Signup.objects.filter(slot__place__action__in=actions).delete()
        self.stdout.write(f"{len(actions)} action(s) over: {deleted:,} sign-ups deleted; the slots keep their counts.")
        if not deleted:
            return
        try:
            steps = scrub(ActionsConfig.personal_tables)
        except EraseError as exc:
            raise CommandError(f"deleted, but not yet erased from the database files: {exc}") from None
        self.stdout.write(f"Erased from the database files ({'; '.join(steps)}).")
