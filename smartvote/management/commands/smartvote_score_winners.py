"""Score a stored forecast where only the winners are known: the districts a non-ruling candidate won.

    python manage.py smartvote_score_winners duma-2021 ../shared/data/backtests/state_duma_2021_smd_candidates.csv

For most of the 2021 districts no votes are in the data, only the winner. Where the winner is not the ruling
side's, the winner *is* the strongest non-ruling finisher, so the forecast's pick can be scored there (a hit or a
miss; no Brier score without the others' order). The file is read with its candidates' declaration (district
and name columns) and ``--winner`` names the outcome column (``1`` marks the winner). The same districts are
scored for the naive baselines: the КПРФ candidate everywhere, and the best earlier list share among the eligible
(both from the stored forecast's own evidence). Nothing is written: the forecast was made before, and the
outcome is read only here.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from elections import declared
from elections.commands import elections_named
from elections.names import fold, party_short_name
from elections.uiktable import TableError, csv_records
from smartvote.figures import ContestForecast
from smartvote.publish import latest_forecast


class Command(BaseCommand):
    help = "Score an election's stored forecast against a file of winners, where a non-ruling candidate won."

    def add_arguments(self, parser):
        parser.add_argument("election")
        parser.add_argument("path", type=Path)
        parser.add_argument("--declaration", type=Path, help="the candidates' declaration (default: FILE's)")
        parser.add_argument("--winner", default="winner", help="the column marking the winner with 1")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        [election] = elections_named([options["election"]])
        forecast = latest_forecast(election)
        if forecast is None:
            raise CommandError(f"{election.slug}: no stored forecast; run smartvote_forecast first")
        path = options["path"]
        try:
            declaration = declared.load(declared.find(path, "candidates", options["declaration"]))
            header, records = csv_records(path)
        except (declared.DeclarationError, TableError) as exc:
            raise CommandError(str(exc)) from None
        columns = declaration.columns
        missing = [c for c in (columns.get("district"), columns.get("candidate"), options["winner"]) if c not in header]
        if missing:
            raise CommandError(f"{path}: no column {', '.join(str(m) for m in missing)}")
        winners = {}
        for line, row in records:
            if (row.get(options["winner"]) or "").strip() == "1":
                district = int((row[columns["district"]] or "0").strip() or 0)
                if district in winners:
                    raise CommandError(f"{path}, line {line}: a second winner in district {district}")
                winners[district] = fold(" ".join(row[columns["candidate"]].split()))
        report = score_winners(forecast.forecasts(), winners)
        if options["json"]:
            self.stdout.write(json.dumps(report, ensure_ascii=False, indent=1))
            return
        out = self.stdout.write
        for row in report["contests"]:
            out(
                f"{row['number']:>4} {row['name'][:40]:<40} won by {row['winner'][:36]:<36} "
                f"pick: {(row['pick'] or '—')[:36]:<36}{'  ✓' if row['hit'] else ''}"
            )
        out("")
        out(
            f"districts won by a non-ruling candidate: {report['contests_scored']} of {report['districts']} "
            f"(ruling won {report['ruling_won']}, no ruling candidate on record {len(report['no_ruling'])}, "
            f"winner not found {len(report['not_found'])})"
        )
        for label, hits in report["hits"].items():
            out(f"  {label}: {hits} of {report['contests_scored']}")


def score_winners(contests: list[ContestForecast], winners: dict[int, str]) -> dict:
    """Hits of the forecast's pick and of the naive baselines in the districts a non-ruling candidate won."""
    rows, ruling_won, not_found, no_ruling = [], 0, [], []
    hits = {"forecast": 0, "naive: the КПРФ candidate": 0, "naive: best earlier list share (aligned left out)": 0}
    for contest in contests:
        winner = winners.get(contest.number)
        by_name = {fold(c.name): c for c in contest.candidates}
        if winner is None or winner not in by_name:
            not_found.append(contest.number)
            continue
        won = by_name[winner]
        if contest.no_ruling:
            no_ruling.append(contest.number)  # nobody to beat on record: no pick to score
            continue
        if won.role == "ruling":
            ruling_won += 1
            continue
        eligible = [c for c in contest.candidates if c.role == "eligible"]
        pick = contest.candidate(contest.recommended)
        kprf = next((c for c in eligible if "КПРФ" in (c.party, party_short_name(c.party))), None)
        listed = [c for c in eligible if any(x.input == "history" for x in c.evidence)]
        best = max(listed, key=lambda c: c.base or 0, default=None)
        hit = pick is not None and pick.candidate_id == won.candidate_id
        hits["forecast"] += hit
        hits["naive: the КПРФ candidate"] += kprf is not None and kprf.candidate_id == won.candidate_id
        hits["naive: best earlier list share (aligned left out)"] += (
            best is not None and best.candidate_id == won.candidate_id
        )
        rows.append(
            {
                "number": contest.number,
                "name": contest.name,
                "winner": f"{won.name} ({won.party})",
                "pick": pick and f"{pick.name} ({pick.party})",
                "p_best": pick and pick.p_best,
                "hit": hit,
            }
        )
    return {
        "districts": len(contests),
        "contests_scored": len(rows),
        "ruling_won": ruling_won,
        "not_found": not_found,
        "no_ruling": no_ruling,
        "hits": hits,
        "contests": rows,
    }
