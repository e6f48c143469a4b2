"""Forecast an election's single-mandate contests and store the forecast.

    python manage.py smartvote_forecast duma-2021 spb-zaks-2021 [--draws 10000] [--seed 0] [--if-missing]

Uses everything the election's smart-voting setup names: its history
elections, the candidate facts, the calibrated uncertainty scale. The
stored forecast is what the pages show and what a published list is made of.
"""

from django.core.management.base import BaseCommand, CommandError

from elections.commands import elections_named
from smartvote.forecast import ForecastError, save


class Command(BaseCommand):
    help = "Forecast the single-mandate contests of elections and store the forecasts."

    def add_arguments(self, parser):
        parser.add_argument("slugs", nargs="+")
        parser.add_argument("--draws", type=int, default=10_000)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--if-missing", action="store_true", help="skip elections that have a forecast")

    def handle(self, *args, **options):
        if not 100 <= options["draws"] <= 1_000_000:
            raise CommandError("--draws must be between 100 and 1,000,000")
        for election in elections_named(options["slugs"]):
            if options["if_missing"] and election.forecasts.exists():
                self.stdout.write(f"{election.slug}: has a forecast; skipped.")
                continue
            try:
                forecast = save(election, options["draws"], options["seed"])
            except ForecastError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(
                f"{election.slug}: {len(forecast.contests)} contests forecast ({forecast.draws:,} simulations each)."
            )
