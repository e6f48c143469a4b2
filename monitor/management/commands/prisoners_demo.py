"""Invented prisoners for the demo's letters (a no-op when they exist).

    python manage.py prisoners_demo

Demo mode only (VECHE_DEMO=1). The published record the demo imports names a
real prisoner, but not where he is held; letters need an address, and a demo
must not send anyone's letter to a real prison for a person who is not
there. So these three are invented, named «Демо …», at invented places with
the index 000000 that no post office has, each in another time zone (one on
hunger strike, counted by the colony's clock). Their records come in as
every record does: case steps through the monitor's intake, published by
moderation (monitor.prisoners follows them).
"""

from datetime import date, timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from monitor.intake import take
from monitor.models import Facility, Person
from monitor.moderation import act

INVENTED = "Придуманный человек для демонстрации: такого заключённого нет, письма ему не отправляйте."
# name, facility (name, kind, address, region, time zone), article, arrested (days ago), sentence days, striking
PEOPLE = [
    (
        "Демо Примерова Анна",
        (
            "Демо: СИЗО-1 г. Примерска",
            "pre_trial",
            "000000, Примерская обл., г. Примерск, ул. Образцовая, д. 1",
            "Примерская область",
            "Europe/Moscow",
        ),
        "УК РФ, ст. 207.3 (публичное распространение заведомо ложной информации)",
        200,
        None,
        None,
    ),
    (
        "Демо Образцов Пётр",
        (
            "Демо: ИК-2 Восточного края",
            "colony",
            "000000, Восточный край, пос. Дальний, ул. Лагерная, д. 2",
            "Восточный край",
            "Asia/Vladivostok",
        ),
        "УК РФ, ст. 280.3 (дискредитация армии)",
        900,
        2190,
        4,
    ),
    (
        "Демо Шаблонов Илья",
        (
            "Демо: ИК-3 Уральской обл.",
            "colony",
            "000000, Уральская обл., г. Заводск, ул. Промышленная, д. 3",
            "Уральская область",
            "Asia/Yekaterinburg",
        ),
        "УК РФ, ст. 212 (массовые беспорядки)",
        1500,
        1826,
        None,
    ),
]


class Command(BaseCommand):
    help = "Demo mode only: three invented prisoners who receive letters."

    def handle(self, *args, **options):
        if not settings.DEMO:
            raise CommandError("invented prisoners are for the demo only (VECHE_DEMO=1)")
        today = timezone.localdate()
        for name, (place, kind, address, region, zone), article, ago, days, striking in PEOPLE:
            if Person.objects.filter(public_name=name).exists():
                continue
            facility, _new = Facility.objects.get_or_create(
                name=place, defaults={"kind": kind, "address": address, "region": region, "time_zone": zone}
            )
            steps: list[tuple[str, date, int | None]] = [("arrest", today - timedelta(days=ago), None)]
            if days:
                steps.append(("sentence", today - timedelta(days=ago // 2), days))
            if striking:
                steps.append(("hunger_strike", today - timedelta(days=striking - 1), None))
            person = None
            for step, day, length in steps:
                data = {
                    "kind": "prosecution",
                    "happened": day.isoformat(),
                    "case_kind": "criminal",
                    "article": article,
                    "step": step,
                    "days": length,
                    "text": INVENTED,
                }
                data.update({"person": person.pseudonym} if person else {"name": name, "consent": "1"})
                report = take(data, source="demo")
                person = person or report.person
                act(report, "verify", None, reason="demo")
                act(report, "publish", None, reason="demo")
            if person is None:
                raise CommandError(f"{name}: the demo's reports made no person")
            Person.objects.filter(pk=person.pk).update(
                facility=facility, letters=True, about=INVENTED, write_to=f"{name.removeprefix('Демо ')}, 1990 г. р."
            )
            self.stdout.write(f"{name}: {person.pseudonym}, {place}")
