"""The demo that `make run` serves, from the shared data: each step a no-op when done.

    python manage.py demo [--data ../shared/data]

Imports St Petersburg 2021 with what its forecast needs (the 2016 federal results, the 2019 governor election per
precinct, the candidate facts, the national polls), the map of violations and the published record (detention
counts, a case timeline), forecasts, and last the 2021 federal results of the whole country (the forensics'
latest election, nationwide); and it makes what
only a demo has: the invented pledge campaign, staff logins with a published password (the README's and the
/demo/ page's), the lists published and signed with the demo key the server holds (every list page marks it as
the demo's), a saved backtest. Demo mode only (VECHE_DEMO=1): a real server has none of these; its organisers
sign offline and choose their own passwords.
"""

import signal
import sys
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext_noop

from elections.models import Election
from forensics.figures import is_current
from forensics.models import Analysis
from smartvote.models import Backtest, ListVersion
from smartvote.publish import PublishError, publish_demo
from veche import demoload

# The demo's staff: who they are, their roles (groups made by the apps' migrations).
USERS = {
    "organiser": ["organisers", "editors", "moderators"],
    "moderator": ["moderators"],
}
PASSWORD = "veche-demo"  # noqa: S105 — published: demo mode only
ELECTIONS = ["duma-2021", "spb-zaks-2021"]
# Every backtest the data allows (docs/smartvote.md), scored together, each from the party lists before it.
BACKTESTS = ["duma-2016", *ELECTIONS]
HISTORY = ["duma-2007", "duma-2011", "duma-2016"]
NATIONWIDE = 50_000  # stations: more than any one region has, fewer than the country's ~96k


class Command(BaseCommand):
    help = "Demo mode only: the demo's staff logins, its lists signed with the demo key, a saved backtest."

    def add_arguments(self, parser):
        parser.add_argument("--data", type=Path, default=settings.SHARED_DATA_DIR, help="the shared data folder")
        parser.add_argument(
            "--progress",
            action="store_true",
            help="record each step for the site's banner (make run serves the site while the demo loads)",
        )

    def handle(self, *args, **options):
        if not settings.DEMO:
            raise CommandError("demo logins have a published password: demo mode only (VECHE_DEMO=1)")
        data = options["data"]
        fixtures = settings.BASE_DIR / "smartvote" / "fixtures"
        federal = data / "russia-federal"
        # What the first pages need comes first: St Petersburg 2021 is the lookup's, the elections' and the home
        # page's; the rest fills the forecast, the forensics and the tools. Each step's name is shown translated in
        # the demo's banner while it loads (veche/demoload.py).
        steps: list[tuple[str, tuple[str, ...]]] = [
            (gettext_noop("St Petersburg 2021"), ("import_spb2021", str(data / "spb-2021"))),
            *(
                (gettext_noop("earlier federal results"), ("import_cec", str(federal / f"{year}.csv.zip")))
                for year in (2016, 2011, 2007)
            ),
            (
                gettext_noop("earlier district results"),
                ("import_district_results", str(data / "backtests" / "state_duma_2016_moscow_smd_results.csv")),
            ),
            (
                gettext_noop("earlier district results"),
                ("import_district_results", str(data / "spb-prior" / "duma2016_smd217_results.csv")),
            ),
            (
                gettext_noop("the governor election 2019"),
                ("import_uik_table", str(data / "spb-prior" / "governor2019_uik_results.csv")),
            ),
            # The forensics index compares the federal elections year by year from their stored analyses
            # (stored once: the step is skipped where one is).
            *(
                (gettext_noop("forensics"), ("forensics", slug, "--save"))
                for slug in HISTORY
                if not Analysis.objects.filter(election__slug=slug).exists()
            ),
            (
                gettext_noop("candidates' facts"),
                ("import_smartvote_facts", "--replace", str(fixtures / "spb2021_facts.csv")),
            ),
            (
                gettext_noop("candidates' facts"),
                ("import_smartvote_facts", "--replace", str(fixtures / "moscow2016_facts.csv")),
            ),
            (gettext_noop("polls"), ("import_polls", str(data / "spb-prior" / "polls_duma2021_national.csv"))),
            (gettext_noop("the demo's pledges, votes and actions"), ("pledges_demo",)),
            (gettext_noop("the demo's pledges, votes and actions"), ("vote_demo",)),
            (gettext_noop("the demo's pledges, votes and actions"), ("prisoners_demo",)),
            (gettext_noop("the demo's pledges, votes and actions"), ("actions_demo",)),
            (gettext_noop("the demo's pledges, votes and actions"), ("initiatives_demo",)),
            (gettext_noop("violations"), ("import_violations", str(data / "spb-2021" / "violations.jsonl.gz"))),
            (gettext_noop("the published record"), ("import_public_record", str(data / "public-record"))),
        ]
        # The backtest first: saved, it sets the uncertainty scale the forecast (and so the published lists) use.
        if not Backtest.objects.exists():
            steps.append(
                (
                    gettext_noop("the backtest"),
                    ("smartvote_backtest", "--target", *BACKTESTS, "--history", *HISTORY, "--save"),
                )
            )
        steps.append((gettext_noop("the forecast"), ("smartvote_forecast", *ELECTIONS, "--if-missing")))
        steps.append((gettext_noop("the signed lists"), ()))
        # Last, once St Petersburg's forecast, backtest and lists are made from what they were made from: the 2021
        # results of the whole country, so that the forensics show the latest federal election nationwide (an
        # import is a no-op when done). Its analysis is stored unless the latest already covers the country (~96k
        # stations): a visit while the demo loaded may have stored one of St Petersburg's 2k alone.
        steps.append((gettext_noop("federal results 2021"), ("import_cec", str(federal / "2021.csv.zip"))))
        latest = Analysis.objects.filter(election__slug="duma-2021").first()
        # (The stations are in the figures' totals: read at the summary's top level, as it was until the figures
        # had a type, the count was always 0 and every `make run` analysed the country again.)
        if latest is None or not is_current(latest.summary) or latest.figures().totals.stations < NATIONWIDE:
            steps.append((gettext_noop("forensics"), ("forensics", "duma-2021", "--save")))
        show = options["progress"]
        if show:
            # `make run` stops the loading with the server (SIGTERM): the banner then says where it stopped.
            signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
        users = self.staff()
        for done, (label, command) in enumerate(steps):
            if show:
                demoload.record(demoload.Progress(done, len(steps), label))
            try:
                if command:
                    name, *arguments = command
                    self.stdout.write(f"— {name} {' '.join(arguments)}")
                    call_command(name, *arguments, stdout=self.stdout, verbosity=options["verbosity"])
                else:
                    self.lists(users["organiser"])
            except (Exception, KeyboardInterrupt, SystemExit) as exc:
                if show:
                    failed = demoload.STOPPED if isinstance(exc, KeyboardInterrupt | SystemExit) else str(exc)
                    demoload.record(demoload.Progress(done, len(steps), label, failed=failed or type(exc).__name__))
                raise
        if show:
            demoload.finish()

    def staff(self) -> dict:
        """The demo's logins first: a visitor can try the staff's pages while the data load."""
        users = {}
        for name, groups in USERS.items():
            user, _new = get_user_model().objects.get_or_create(username=name, defaults={"is_staff": True})
            user.set_password(PASSWORD)
            user.is_staff = True
            user.save()
            user.groups.set(Group.objects.filter(name__in=groups))
            users[name] = user
        self.stdout.write(f"Demo logins: {', '.join(USERS)} (password «{PASSWORD}»), at /admin/.")
        return users

    def lists(self, organiser) -> None:
        """The lists published and signed with the demo key, once."""
        elections = list(Election.objects.filter(slug__in=ELECTIONS))
        for election in elections:
            if ListVersion.objects.filter(election=election).exists():
                continue
            try:
                version = publish_demo(election, organiser)
            except PublishError as exc:
                raise CommandError(f"{election.slug}: {exc}") from exc
            self.stdout.write(f"{election.slug}: list version {version.number} published, signed with the demo key.")
