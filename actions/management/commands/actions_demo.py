"""Create the demo day of action and the demo declaration of support (a no-op when they exist).

    python manage.py actions_demo

Demo mode only (VECHE_DEMO=1, as `make run` sets it): its private key is
written to var/secrets/actions-demo.key so that `actions_remind` can be
shown, and its page says it is invented. A real action's key is made
offline with `keygen`; outside demo mode this command refuses. The day is a
week from now, so that its slots are open whenever the demo is made. The
declaration is for an invented prisoner (monitor's ``prisoners_demo``, run
before), signed by invented signers.
"""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from actions.declarations import decide, sign
from actions.models import Action, Declaration, Place, Slot
from core import held
from core.keys import write_demo_private
from core.sealing import new_keypair
from monitor.prisoners import prisoners

SLUG = "demo-solidarity"
# Public places where such pickets are held: Russian embassies abroad, squares at home (addresses as published).
PLACES = [
    (
        "Посольство России в Германии",
        "embassy",
        "Берлин",
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
        "Лондон",
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
DECLARATION = "demo-declaration"
DECLARED_FOR = "Демо Образцов Пётр"
# Invented signers (kind, name, country/city/assembly, checked by staff).
SIGNATURES = [
    ("organisation", "Демо-правозащитный центр", "Примерск", True),
    ("organisation", "Демо-союз журналистов", "Берлин", True),
    ("deputy", "Демо Депутатов Сергей", "Примерская областная дума", True),
    ("public", "Демо Писателева Мария", "", False),
]


class Command(BaseCommand):
    help = "Create the demo day of action."

    def handle(self, *args, **options):
        if not settings.DEMO:
            raise CommandError("the demo action keeps its private key on the server: demo mode only (VECHE_DEMO=1)")
        declare()
        if Action.objects.filter(slug=SLUG).exists():
            self.stdout.write(f"{SLUG}: exists.")
            return
        public, private = demo_key()
        path = write_demo_private("actions-demo.key", private) if private else "var/secrets/actions-demo.key"
        action = Action.objects.create(
            slug=SLUG,
            title="День солидарности с политзаключёнными",
            text="Одиночные пикеты у посольств России и на площадях городов. Пикетчик стоит один; рядом, но не "
            "вместе с ним, — наблюдатель, который снимает и при задержании звонит адвокату. Возьмите смену.",
            public_key=public,
        )
        make(action, timezone.localdate() + timedelta(days=7))
        self.stdout.write(f"{SLUG}: created; its demo private key is {path}.")


def demo_key() -> tuple[str, str]:
    """The demo's key pair for the action and the declaration: made once, its private half in var/secrets."""
    existing = Action.objects.filter(slug=SLUG).values_list("public_key", flat=True).first()
    if existing is None:
        existing = Declaration.objects.filter(slug=DECLARATION).values_list("public_key", flat=True).first()
    if existing:
        return existing, ""
    return new_keypair()


def declare() -> None:
    """The demo's declaration for an invented prisoner (monitor's prisoners_demo), with invented signatures,
    checked as staff would: one left waiting for the review page."""
    if Declaration.objects.filter(slug=DECLARATION).exists():
        return
    for_whom = next((p for p in prisoners() if p.name == DECLARED_FOR), None)
    if for_whom is None:
        return  # the invented prisoners are not there (prisoners_demo makes them)
    public, private = demo_key()
    if private:
        write_demo_private("actions-demo.key", private)
    declaration = Declaration.objects.create(
        slug=DECLARATION,
        prisoner=for_whom.pseudonym,
        title=f"Заявление в поддержку: {DECLARED_FOR.removeprefix('Демо ')}",
        text="Мы, нижеподписавшиеся организации и депутаты, считаем уголовное преследование за высказывания "
        "преследованием по политическим мотивам и требуем немедленного освобождения. (Придуманный текст для "
        "демонстрации.)",
        public_key=public,
    )
    for kind, name, where, _verified in SIGNATURES:
        sign(declaration, {"kind": kind, "name": name, "affiliation": where, "contact": "demo@example.org"})
    held.flush(everything=True)  # the demo's invented signatures need not wait for the hour (core.held)
    for _kind, name, _where, verified in SIGNATURES:
        if verified:
            decide(declaration.signatures.get(name=name), "verify")


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
