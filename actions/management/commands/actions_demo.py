"""Create the demo day of action (a no-op when it exists).

    python manage.py actions_demo

Demo mode only (VECHE_DEMO=1, as `make run` sets it): its private key is
written to var/secrets/actions-demo.key so that `actions_remind` can be
shown, and its page says it is invented. A real action's key is made
offline with `keygen`; outside demo mode this command refuses. The day is a
week from now, so that its slots are open whenever the demo is made.
"""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from actions.models import Action, Place, Slot
from core.keys import write_demo_private
from core.sealing import new_keypair

SLUG = "demo-solidarity"
# Public places where such pickets are held: Russian embassies abroad, squares at home (addresses as published).
PLACES = [
    (
        "Посольство России в Германии",
        "embassy",
        "Berlin",
        "Германия",
        "Unter den Linden 63–65",
        52.5169,
        13.3816,
        "Europe/Berlin",
        3,
    ),
    (
        "Посольство России в Великобритании",
        "embassy",
        "London",
        "Великобритания",
        "6/7 Kensington Palace Gardens",
        51.5071,
        -0.1893,
        "Europe/London",
        3,
    ),
    ("Пушкинская площадь", "square", "Москва", "Россия", "у памятника Пушкину", 55.7656, 37.6057, "Europe/Moscow", 1),
    (
        "Гостиный двор",
        "square",
        "Санкт-Петербург",
        "Россия",
        "Невский проспект, 35",
        59.9343,
        30.3351,
        "Europe/Moscow",
        1,
    ),
]
HOURS = [(10, 12), (12, 14), (14, 16), (16, 18)]


class Command(BaseCommand):
    help = "Create the demo day of action."

    def handle(self, *args, **options):
        if not settings.DEMO:
            raise CommandError("the demo action keeps its private key on the server: demo mode only (VECHE_DEMO=1)")
        if Action.objects.filter(slug=SLUG).exists():
            self.stdout.write(f"{SLUG}: exists.")
            return
        public, private = new_keypair()
        path = write_demo_private("actions-demo.key", private)
        action = Action.objects.create(
            slug=SLUG,
            title="День солидарности с политзаключёнными",
            text="Одиночные пикеты у посольств России и на площадях городов. Пикетчик стоит один; рядом, но не "
            "вместе с ним, — наблюдатель, который снимает и при задержании звонит адвокату. Возьмите смену.",
            public_key=public,
        )
        make(action, timezone.localdate() + timedelta(days=7))
        self.stdout.write(f"{SLUG}: created; its demo private key is {path}.")


def make(action: Action, day) -> None:
    """The demo's places, each with two-hour slots for a picketer, a companion and a photographer."""
    for name, kind, city, country, address, lat, lon, zone, picketers in PLACES:
        place = Place.objects.create(
            action=action,
            name=name,
            kind=kind,
            city=city,
            country=country,
            address=address,
            latitude=lat,
            longitude=lon,
            time_zone=zone,
        )
        slots = []
        for start, end in HOURS:
            starts = datetime.combine(day, time(start), ZoneInfo(zone))
            ends = datetime.combine(day, time(end), ZoneInfo(zone))
            slots.append(Slot(place=place, starts=starts, ends=ends, role="picketer", capacity=picketers))
            slots.append(Slot(place=place, starts=starts, ends=ends, role="companion", capacity=1))
        slots.append(Slot(place=place, starts=slots[0].starts, ends=slots[-1].ends, role="photographer", capacity=1))
        Slot.objects.bulk_create(slots)
