"""Create the demo campaign (a no-op when it exists).

    python manage.py pledges_demo

For trying Veche out only, in demo mode (VECHE_DEMO=1, as `make run` sets
it): its private key is written to var/secrets/pledges-demo.key so that
`pledges_export` can be shown, and every page says the site is a demo. A
real campaign's private key is made offline with `keygen` and never touches
the server; outside demo mode this command refuses.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.keys import write_demo_private
from core.sealing import new_keypair
from pledges.models import Campaign, City

SLUG = "demo-rally"
CITIES = ["Москва", "Санкт-Петербург", "Екатеринбург", "Новосибирск", "Казань"]


class Command(BaseCommand):
    help = "Create the demo pledge campaign."

    def handle(self, *args, **options):
        if not settings.DEMO:
            raise CommandError("the demo campaign keeps its private key on the server: demo mode only (VECHE_DEMO=1)")
        if Campaign.objects.filter(slug=SLUG).exists():
            self.stdout.write(f"{SLUG}: exists.")
            return
        public, private = new_keypair()
        path = write_demo_private("pledges-demo.key", private)
        campaign = Campaign.objects.create(
            slug=SLUG,
            title="Митинг будет объявлен, когда зарегистрируются 500 000 человек",
            text="Дата и место митинга будут объявлены, когда наберётся порог. Подтвердите регистрацию по ссылке "
            "из письма: считаются только подтверждённые.",
            threshold=500_000,
            public_key=public,
        )
        City.objects.bulk_create([City(campaign=campaign, name=name) for name in CITIES])
        self.stdout.write(f"{SLUG}: created; its demo private key is {path}.")
