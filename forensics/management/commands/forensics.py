"""Forensic statistics of an election.

    python manage.py forensics duma-2021                  # a report
    python manage.py forensics duma-2021 --json           # the same as JSON
    python manage.py forensics duma-2021 --region Татарстан
    python manage.py forensics duma-2021 --save           # store it, with cleaned results

The methods are described in forensics/analysis.py and on the page.
"""

import json

from django.core.management.base import BaseCommand, CommandError

from elections.models import Election
from forensics.analysis import AnalysisError
from forensics.figures import Summary
from forensics.runs import save, summarise


class Command(BaseCommand):
    help = "Turnout/share histograms, excess-vote estimate and integer-percentage test for an election."

    def add_arguments(self, parser):
        parser.add_argument("election", help="election slug, e.g. duma-2021 (see `manage.py elections`)")
        parser.add_argument("--json", action="store_true", help="print the figures as JSON")
        parser.add_argument("--region", help="only the stations of regions whose name contains this")
        parser.add_argument("--draws", type=int, default=1000, help="Monte Carlo draws (default 1000)")
        parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
        parser.add_argument(
            "--save", action="store_true", help="store the analysis and the cleaned results (whole election only)"
        )

    def handle(self, *args, **options):
        election = Election.objects.filter(slug=options["election"]).first()
        if election is None:
            known = ", ".join(Election.objects.values_list("slug", flat=True)) or "none imported"
            raise CommandError(f"no election «{options['election']}»; known: {known}")
        if options["draws"] < 1 or options["draws"] > 100_000:
            raise CommandError("--draws must be between 1 and 100000")
        if options["save"] and options["region"]:
            raise CommandError("--save stores the whole election's analysis; leave out --region")
        try:
            if options["save"]:
                summary = save(election, draws=options["draws"], seed=options["seed"]).figures()
            else:
                _frame, summary, _cleaned = summarise(election, options["region"], options["draws"], options["seed"])
        except AnalysisError as exc:
            raise CommandError(f"{election.slug}: {exc}") from exc
        if options["json"]:
            self.stdout.write(json.dumps(summary.stored(), ensure_ascii=False))
            return
        self.report(summary)

    def report(self, s: Summary) -> None:
        t, e, i = s.totals, s.excess, s.integers
        w = self.stdout.write
        w(
            f"{s.election}{' — ' + s.region if s.region else ''}: {t.stations:,} polling stations "
            f"(remote voting left out), leader: {s.leader}"
        )
        w(f"  turnout {t.turnout} %, leader's share {t.leader_share} % of ballots cast")
        if remote := s.remote_voting:
            w(
                f"  remote e-voting (apart): {remote.registered:,} registered, turnout {remote.turnout} %, "
                f"leader {remote.leader_share} %"
            )
        kept = e.grid_size - e.sets_in_tail
        w(
            f"  excess votes for the leader: {e.excess:,} (range {e.low:,}–{e.high:,} over "
            f"{kept} of {e.grid_size} parameter sets)"
        )
        w(
            f"    clean turnout mode {e.mode_turnout} %, clean leader's share {e.clean_share} % "
            f"(range {e.clean_share_range[0]}–{e.clean_share_range[1]} %)"
        )
        for row in e.sets:
            w(
                f"      bin {row.bin_width:<5} smoothing {row.smooth} window {row.window:<4}: clean mode "
                f"{row.mode_turnout:>5} %, share {row.clean_share:>5} %, excess {row.excess:>12,}"
                + (f"  in the tail (above the median turnout {e.median_turnout} %): left out" if row.in_tail else "")
            )
        if issued := s.conventions.get("issued"):
            w(f"  whole percentages follow the published reading: ballots issued = {issued}")
        for key, label in (
            ("turnout", "turnout"),
            ("leader_share", "leader's share"),
            ("either", "either (counted once)"),
            ("both", "both"),
        ):
            x = i.count(key)
            w(
                f"  whole-percentage {label}: {x.observed:,} stations, {x.expected:,} expected by chance, "
                f"excess {x.excess:,} (×{x.ratio}), Monte Carlo p = {x.p_value:.4g} ({i.draws} draws)"
            )
        ranked = sorted((r for r in s.regions if r.anomaly), key=lambda r: -(r.anomaly or 0))[:10]
        if ranked:
            w("  regions with the most whole percentages, against chance:")
            for r in ranked:
                w(
                    f"    {r.region:<45} ×{r.anomaly:<5} ({r.integer_observed} vs {r.integer_expected}), "
                    f"turnout {r.turnout} %, leader {r.leader_share} %, excess {r.excess_votes:,}"
                )
