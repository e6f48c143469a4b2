"""The demo's citizens' initiatives (demo mode only): one gathering supporters, one sent to the demo referendum,
one draft waiting for moderation; invented, and their pages say "demo" as every page of the demo does.

The supporters' campaign seals contacts to a key made here, whose private half is written to
var/secrets/initiatives-demo.key: a real campaign's key is made offline with `keygen` and never touches the
server.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.keys import write_demo_private
from core.sealing import new_keypair
from initiatives import proposals
from initiatives.models import Argument, Proposal

SLUG = "demo-park"
CITIES = ["Санкт-Петербург", "Москва", "Екатеринбург"]


class Command(BaseCommand):
    help = "Create the demo's citizens' initiatives."

    def handle(self, *args, **options):
        if not settings.DEMO:
            raise CommandError("the demo's supporters' key stays on the server: demo mode only (VECHE_DEMO=1)")
        if Proposal.objects.filter(slug=SLUG).exists():
            self.stdout.write(f"{SLUG}: exists.")
            return
        public, private = new_keypair()
        path = write_demo_private("initiatives-demo.key", private)
        park, _token = proposals.submit(
            "Сохранить парк у реки",
            "Городские власти собираются вырубить парк у реки под застройку. Предлагаем вынести вопрос на "
            "голосование жителей и, если большинство против, потребовать отмены проекта.",
            "Должен ли город отказаться от вырубки парка у реки?",
            "",
        )
        proposals.publish(park, None, SLUG, 20_000, None, public, CITIES)
        for side, text in (
            (Argument.Side.FOR, "Парк — единственное место отдыха для трёх микрорайонов."),
            (Argument.Side.AGAINST, "Застройка даст городу налоги и новые квартиры."),
        ):
            proposals.judge_argument(proposals.argue(park, side, text), None, publish_it=True)
        vote, _token = proposals.submit(
            "Референдум о бюджете района",
            "Предлагаем, чтобы жители сами решали, на что тратится часть бюджета района.",
            "Должна ли часть бюджета района распределяться голосованием жителей?",
            "Инициативная группа",
        )
        proposals.publish(vote, None, "demo-budget", 5_000, None, public, CITIES)
        proposals.send_to_vote(vote, None, "demo-referendum", "Организаторы решили вынести вопрос на голосование.")
        proposals.submit(
            "Ночные автобусы",
            "Вернуть ночные автобусные маршруты, отменённые в прошлом году.",
            "Должен ли город вернуть ночные автобусы?",
            "",
        )
        self.stdout.write(f"{SLUG}, demo-budget: published; one draft waits; the supporters' key is {path}.")
