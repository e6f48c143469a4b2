"""List the imported elections with their totals.

python manage.py elections          # a table
python manage.py elections --json   # one JSON object per line
"""

import json
from dataclasses import asdict

from django.core.management.base import BaseCommand

from elections.models import Election
from elections.stats import election_summary


class Command(BaseCommand):
    help = "List imported elections: precincts, registered voters, ballots cast, valid ballots, top three."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="one JSON object per line")

    def handle(self, *args, **options):
        for election in Election.objects.all():
            summary = election_summary(election)
            if options["json"]:
                row = asdict(summary)
                row.pop("ballots_in_boxes")
                top = [{"name": t.name, "votes": t.votes, "share": t.share} for t in summary.top]
                self.stdout.write(json.dumps({**row, "date": summary.date.isoformat(), "top": top}, ensure_ascii=False))
                continue
            leaders = ", ".join(f"{t.short_name or t.name} {t.share}%" for t in summary.top)
            self.stdout.write(
                f"{summary.date.isoformat()}  {summary.slug:<20} precincts {summary.precincts:>7,}  "
                f"registered {summary.registered:>12,}  cast {summary.ballots_cast:>11,}  "
                f"turnout {summary.turnout or 0:>6}%  {leaders}"
            )
