"""Forensics pages: an election's figures, plots, regions, TIKs, CSV."""

from __future__ import annotations

import csv
from dataclasses import asdict, dataclass
from datetime import date

import polars as pl
from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from core.charts import drawn_format, with_bars
from elections.models import Election, Protocol
from elections.stats import Scope, contest_totals, main_contest, scope
from forensics.analysis import INTEGER_COUNTS, AnalysisError, RegionRow, histograms
from forensics.data import precinct_frame
from forensics.figures import is_current
from forensics.models import Analysis, CleanedResult
from forensics.plots import FORMATS, PLOTS, excess_by_year
from forensics.plots import render as render_plot
from forensics.runs import save

# The whole-percentage counts as the page names them (analysis.INTEGER_COUNTS).
INTEGER_LABELS = [
    ("turnout", _("Turnout")),
    ("leader_share", _("Leader's share")),
    ("either", _("Either (each station once)")),
    ("both", _("Both")),
]
SORTS = {
    "region": False,
    "stations": True,
    "turnout": True,
    "leader_share": True,
    "anomaly": True,
    "excess_votes": True,
}


def analysis_for(election: Election) -> Analysis:
    """The latest stored analysis; the first visit runs and stores one, as does a visit to figures an older
    method computed (analysis.METHOD)."""
    found = election.analyses.first()
    if found is None or not is_current(found.summary):
        try:
            found = save(election)
        except AnalysisError as exc:
            raise Http404(str(exc)) from exc
    return found


def index(request):
    elections = all_elections()
    return render(request, "forensics/index.html", {"elections": elections, "years": year_rows(elections)})


def year_rows(listed: list[Listed]) -> list[dict]:
    """One row per whole-country federal election, oldest first: its stored figures, or none yet (its page
    computes them on the first visit). ``elections`` as all_elections gives them, each with its scope."""
    rows = []
    for item in sorted(listed, key=lambda item: item.date):
        e = item.election
        if e.level != Election.Level.FEDERAL or item.scope:
            continue
        found = e.analyses.first()
        s = found.figures() if found and is_current(found.summary) else None
        row = {"slug": e.slug, "name": e.name, "year": e.date.year, "kind": e.get_kind_display(), "excess": None}
        if s:
            either = s.integers.either
            row.update(
                stations=s.totals.stations,
                turnout=s.totals.turnout,
                leader_share=s.totals.leader_share,
                excess=s.excess.excess,
                low=s.excess.low,
                high=s.excess.high,
                whole_observed=either.observed,
                whole_expected=either.expected,
                whole_excess=either.excess,
                whole_p=either.p_value,
            )
        rows.append(row)
    return rows


YEAR_COLUMNS = [
    "year",
    "slug",
    "stations",
    "turnout",
    "leader_share",
    "excess",
    "low",
    "high",
    "whole_observed",
    "whole_expected",
    "whole_excess",
    "whole_p",
]


@dataclass(frozen=True)
class Listed:
    """An election with results, as the index lists it: with how much of the country they cover."""

    election: Election
    scope: Scope | None  # elections.stats.scope: None when the whole country (or not federal)

    @property
    def slug(self) -> str:
        return self.election.slug

    @property
    def name(self) -> str:
        return self.election.name

    @property
    def date(self) -> date:
        return self.election.date


def all_elections() -> list[Listed]:
    return [
        Listed(e, scope(e))
        for e in Election.objects.all()
        if (c := main_contest(e)) and contest_totals(c).totals.precincts
    ]


def years_csv(request):
    """The per-year table of the index, as CSV (elections not analysed yet have empty figures)."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="forensics-by-year.csv"'
    writer = csv.DictWriter(response, fieldnames=YEAR_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(year_rows(all_elections()))
    return response


def years_plot(request, fmt):
    if fmt not in FORMATS:
        raise Http404("no such plot")
    response = HttpResponse(
        excess_by_year(year_rows(all_elections()), drawn_format(request, fmt)), content_type=FORMATS[fmt]
    )
    patch_vary_headers(response, ["Accept-Language", "Cookie"])
    if request.GET.get("download"):
        response["Content-Disposition"] = f'attachment; filename="forensics-by-year.{fmt}"'
    return response


def election(request, slug):
    election = get_object_or_404(Election, slug=slug)
    if not Protocol.objects.filter(contest__election=election, has_result=True).exists():
        # An election before its vote (candidates loaded, no results): said so, not "page not found".
        return render(request, "forensics/no_results.html", {"election": election})
    analysis = analysis_for(election)
    s = analysis.figures()
    sort = request.GET.get("sort", "anomaly")
    if sort not in SORTS:
        sort = "anomaly"
    regions = with_bars([asdict(r) for r in sort_rows(s.regions, sort)], key="anomaly")
    region = request.GET.get("region", "")[:200]
    tiks = tik_table(analysis, region) if region else None
    return render(
        request,
        "forensics/election.html",
        {
            "election": election,
            "scope": scope(election),
            "analysis": analysis,
            "s": s,
            "regions": regions,
            "sort": sort,
            "region": region,
            "tiks": tiks,
            "plots": PLOTS,
            "integer_rows": [(label, s.integers.count(key)) for key, label in INTEGER_LABELS],
        },
    )


def sort_rows(rows: list[RegionRow], key: str) -> list[RegionRow]:
    """Rows by ``key`` (a field of SORTS: numbers largest first, names A–Z); blanks last."""
    present = sorted(
        (r for r in rows if getattr(r, key) is not None), key=lambda r: getattr(r, key), reverse=SORTS[key]
    )
    return present + [r for r in rows if getattr(r, key) is None]


def tik_table(analysis, region):
    rows = CleanedResult.objects.filter(analysis=analysis, protocol__precinct__region__name=region).select_related(
        "protocol__precinct", "protocol__tik"
    )
    frame = pl.DataFrame(
        [
            (
                r.protocol.tik.name if r.protocol.tik else "—",
                r.protocol.precinct_id,
                str(r.protocol.precinct),
                r.protocol.registered,
                r.protocol.ballots_issued,
                r.protocol.ballots_in_boxes,
                r.leader_votes,
                r.excess,
            )
            for r in rows
        ],
        schema=["tik", "precinct_id", "precinct", "registered", "issued", "cast", "leader", "excess"],
        orient="row",
    )
    if frame.height == 0:
        raise Http404("no stations in that region")
    by_tik = (
        frame.group_by("tik")
        .agg(pl.len().alias("stations"), pl.col("registered", "issued", "cast", "leader", "excess").sum())
        .with_columns(
            turnout=(100 * pl.col("issued") / pl.col("registered")).round(2),
            share=(100 * pl.col("leader") / pl.col("cast")).round(2),
        )
        .sort("excess", descending=True)
    )
    stations = (
        frame.with_columns(
            turnout=(100 * pl.col("issued") / pl.col("registered")).round(2),
            share=(100 * pl.col("leader") / pl.col("cast")).round(2),
        )
        .sort("excess", descending=True)
        .head(50)
    )
    return {"tiks": by_tik.to_dicts(), "stations": stations.to_dicts()}


def plot(request, slug, name, fmt):
    if name not in PLOTS or fmt not in FORMATS:
        raise Http404("no such plot")
    election = get_object_or_404(Election, slug=slug)
    analysis = analysis_for(election)
    # Drawn once per analysis and language (the axes are in the visitor's language).
    drawn = drawn_format(request, fmt)
    cache = settings.VAR_DIR / "forensics" / f"{analysis.pk}-{name}-{get_language()}.{drawn}"
    if not cache.exists():
        frame, _meta = precinct_frame(election)
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(".tmp")
        tmp.write_bytes(render_plot(name, histograms(frame), short_title(election), drawn))
        tmp.replace(cache)
    response = HttpResponse(cache.read_bytes(), content_type=FORMATS[fmt])
    patch_vary_headers(response, ["Accept-Language", "Cookie"])
    if request.GET.get("download"):
        response["Content-Disposition"] = f'attachment; filename="{slug}-{name}.{fmt}"'
    return response


def short_title(election):
    name = election.name if len(election.name) <= 60 else election.name[:58].rsplit(" ", 1)[0] + " …"
    return f"{name} ({election.date:%d.%m.%Y})"


def regions_csv(request, slug):
    analysis = analysis_for(get_object_or_404(Election, slug=slug))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{slug}-regions.csv"'
    columns = [
        "region",
        "stations",
        "registered",
        "turnout",
        "leader_share",
        "integer_observed",
        "integer_expected",
        "anomaly",
        "integer_p",
        "excess_votes",
    ]
    writer = csv.DictWriter(response, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(asdict(row) for row in analysis.figures().regions)
    return response


def summary_csv(request, slug):
    """The headline figures: totals, excess estimate, whole-percentage test."""
    election = get_object_or_404(Election, slug=slug)
    s = analysis_for(election).figures()
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{slug}-summary.csv"'
    writer = csv.writer(response)
    writer.writerow(["figure", "value"])
    for key, value in asdict(s.totals).items():
        writer.writerow([f"totals.{key}", value])
    for key in ("excess", "low", "high", "mode_turnout", "clean_share", "clean_stations", "grid_size"):
        writer.writerow([f"excess.{key}", getattr(s.excess, key)])
    for test in INTEGER_COUNTS:
        count = s.integers.count(test)
        for key in ("observed", "expected", "excess", "ratio", "p_value"):
            writer.writerow([f"integers.{test}.{key}", getattr(count, key)])
    writer.writerow(["integers.stations", s.integers.stations])
    writer.writerow(["integers.draws", s.integers.draws])
    return response


def stations_csv(request, slug):
    analysis = analysis_for(get_object_or_404(Election, slug=slug))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{slug}-stations.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [
            "region",
            "tik",
            "uik",
            "registered",
            "ballots_issued",
            "ballots_cast",
            "leader_votes",
            "estimated_excess",
            "leader_votes_cleaned",
        ]
    )
    rows = (
        CleanedResult.objects.filter(analysis=analysis)
        .values_list(
            "protocol__precinct__region__name",
            "protocol__tik__name",
            "protocol__precinct__code",
            "protocol__registered",
            "protocol__ballots_issued",
            "protocol__ballots_in_boxes",
            "leader_votes",
            "excess",
        )
        .order_by("protocol__precinct__region__name", "protocol__precinct__number")
    )
    for row in rows.iterator(chunk_size=5000):
        writer.writerow([*row, row[6] - row[7]])
    return response
