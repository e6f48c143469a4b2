"""Forecast past contests from what was known before them, and score the forecast.

    python manage.py smartvote_backtest --target duma-2021@Петербург spb-zaks-2021 --history duma-2016
        [--draws 10000] [--seed 0] [--json] [--plot calibration.svg] [--no-ablation] [--save | --frozen]

Prints a row per contest (the recommendation, its probability, forecast
and actual share, the actual strongest non-ruling finisher), the summary
(hits, Brier score, mean absolute error), the calibration table and the
ablation table, each target election apart where there are several. Each
target is forecast from the history elections before it; ``SLUG@REGION``
scores only the target's districts in the region whose name contains REGION
(a development set apart from the rest of its election). ``--save`` stores
the report for the site and sets the targets' uncertainty scale, facts'
weights and learned priors to the fitted ones: the choices frozen on the
development sets. ``--frozen`` fits nothing: it scores a test set with the
settings its targets' setups hold (docs/smartvote.md, the evaluation protocol).
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from elections.commands import elections_named
from smartvote.backtest import backtest, frozen
from smartvote.forecast import ForecastError, setup_of
from smartvote.models import Backtest
from smartvote.plots import calibration


class Command(BaseCommand):
    help = "Backtest the smart-voting forecast on past single-mandate contests."

    def add_arguments(self, parser):
        parser.add_argument("--target", nargs="+", required=True, help="election slug(s) to forecast")
        parser.add_argument("--history", nargs="+", required=True, help="earlier election slug(s) to carry")
        parser.add_argument("--draws", type=int, default=10_000)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--json", action="store_true", help="the whole report as JSON")
        parser.add_argument("--plot", help="write the calibration plot to this .svg or .png file")
        parser.add_argument("--no-ablation", action="store_true", help="skip the ablation table")
        how = parser.add_mutually_exclusive_group()
        how.add_argument(
            "--save",
            action="store_true",
            help="store the report and set the targets' scale, facts' weights and priors to the fitted ones",
        )
        how.add_argument(
            "--frozen", action="store_true", help="fit nothing: score with the settings the targets' setups hold"
        )

    def handle(self, *args, **options):
        if not 100 <= options["draws"] <= 1_000_000:
            raise CommandError("--draws must be between 100 and 1,000,000")
        plot = Path(options["plot"]) if options["plot"] else None
        if plot and plot.suffix not in (".svg", ".png"):
            raise CommandError("--plot must end in .svg or .png")
        named = [t.partition("@") for t in options["target"]]
        if any(sep and not region.strip() for _slug, sep, region in named):
            raise CommandError("--target SLUG@REGION needs a region's name after @")
        targets, history = elections_named([slug for slug, _s, _r in named]), elections_named(options["history"])
        regions = {t.pk: region.strip() for t, (_slug, _s, region) in zip(targets, named, strict=True) if region}
        try:
            if options["frozen"]:
                report = frozen(targets, history, options["draws"], options["seed"], regions)
            else:
                report = backtest(
                    targets,
                    history,
                    options["draws"],
                    options["seed"],
                    ablation=not options["no_ablation"],
                    progress=lambda label: self.stderr.write(f"… {label}"),
                    regions=regions,
                )
        except ForecastError as exc:
            raise CommandError(str(exc)) from exc
        if not report["contests"]:
            raise CommandError("no contest to score: the targets have no single-mandate result with a ruling candidate")
        if options["frozen"]:
            if options["json"]:
                self.stdout.write(json.dumps(report, ensure_ascii=False, indent=1))
            else:
                self.print_report(report)
            return
        if plot:
            plot.write_bytes(calibration(report["calibration"], report["calibration_unscaled"], plot.suffix[1:]))
        if options["save"]:
            with transaction.atomic():
                stored = Backtest.objects.create(report=report)
                stored.targets.set(targets)
                for target in targets:
                    setup = setup_of(target)
                    setup.sigma_scale = report["scale"]
                    setup.fact_weights = report["fact_weights"]
                    setup.priors = report["priors"]
                    setup.save(update_fields=["sigma_scale", "fact_weights", "priors"])
        if options["json"]:
            self.stdout.write(json.dumps(report, ensure_ascii=False, indent=1))
            return
        self.print_report(report)

    def print_report(self, report):
        out = self.stdout.write
        out(
            f"{'contest':<44} {'recommended':<40} {'P(best)':>7} {'fcst':>6} {'real':>6}  "
            f"{'strongest non-ruling finisher':<40} {'share':>6}"
        )
        for row in report["contests"]:
            rec = row["recommended"] or {"name": "—", "party": "", "p_best": 0, "mean": 0}
            strong = row["strongest"]
            out(
                f"{row['name'][:44]:<44} {(rec['name'] + ' (' + rec['party'] + ')')[:40]:<40} "
                f"{rec['p_best']:>7.2f} {rec['mean']:>6.1f} {row['recommended_actual'] or 0:>6.1f}  "
                f"{(strong['name'] + ' (' + strong['party'] + ')')[:40]:<40} {strong['share']:>6.1f}"
                f"{'  ✓' if row['hit'] else ''}"
            )
        s = report["summary"]
        out("")
        if "frozen" in report:
            out(f"hits: {s['hits']} of {s['contests']}   Brier: {s['brier']}   MAE of shares: {s['mae']} points")
            for slug, kept in report["frozen"].items():
                out(
                    f"  frozen for {slug}: scale {kept['scale']}, facts' weights "
                    f"{', '.join(f'{k} {v}' for k, v in kept['fact_weights'].items())}, priors "
                    f"{', '.join(f'{k} {100 * v:.1f} %' for k, v in kept['priors'].items())}"
                )
        else:
            u = report["summary_unscaled"]
            out(
                f"hits: {s['hits']} of {s['contests']}   Brier: {s['brier']} (scale 1: {u['brier']})   "
                f"MAE of shares: {s['mae']} points (scale 1: {u['mae']})   calibrated scale: {report['scale']}   "
                f"facts' weights: {', '.join(f'{k} {v}' for k, v in report['fact_weights'].items())}   "
                f"learned priors: {', '.join(f'{k} {100 * v:.1f} %' for k, v in report['priors'].items())}"
            )
        if len(report["by_target"]) > 1:
            for slug, t in report["by_target"].items():
                out(f"  {slug}: {t['hits']} of {t['contests']}, Brier {t['brier']}, MAE {t['mae']}")
        for row in report["unscored"]:
            out(f"  not scored: {row['election']}, {row['name']}: {row['why']}")
        out("")
        out(
            "calibration: forecast → observed (n)"
            if "frozen" in report
            else "calibration (leave one contest out): forecast → observed (n)"
        )
        for b in report["calibration"]:
            out(f"  {b['low']:.1f}–{b['high']:.1f}: {b['forecast']:.3f} → {b['observed']:.3f} ({b['n']})")
        if report["ablation"]:
            out("")
            slugs = list(report["by_target"])
            apart = "".join(f" {slug[:24]:>24}" for slug in slugs) if len(slugs) > 1 else ""
            out(f"{'ablation: inputs':<58} {'hits':>6} {'Brier':>7} {'MAE':>6}{apart}")
            for row in report["ablation"]:
                brier = f"{row['brier']:.4f}" if row["brier"] is not None else "—"
                mae = f"{row['mae']:.2f}" if row["mae"] is not None else "—"
                each = (
                    "".join(
                        f" {row['by_target'].get(slug, {}).get('hits', 0):>18}/"
                        f"{row['by_target'].get(slug, {}).get('contests', 0):<5}"
                        for slug in slugs
                    )
                    if apart
                    else ""
                )
                out(f"{row['inputs']:<58} {row['hits']:>3}/{row['contests']:<2} {brier:>7} {mae:>6}{each}")
