"""Pages of the data core: elections, contests, precincts."""

import itertools
from dataclasses import asdict
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Count
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from core.charts import with_bars
from core.csvstream import csv_chunks
from core.forms import whole_number
from elections.models import LINE_NAMES, Candidate, Contest, Election, Precinct, Protocol, Region, Vote
from elections.stats import contest_totals, election_summary, main_contest, scope

PAGE = 50


def election_list(request):
    elections = [(e, election_summary(e)) for e in Election.objects.all()]
    return render(request, "elections/election_list.html", {"elections": elections})


def election_detail(request, slug):
    election = get_object_or_404(Election, slug=slug)
    contest = main_contest(election)
    contests = election.contests.annotate(
        n_candidates=Count("candidates", distinct=True),
        n_precincts=Count("protocols", distinct=True),
    ).order_by("kind", "area", "number")
    candidates = (
        Candidate.objects.filter(contest__election=election)
        .select_related("person", "party", "contest")
        .order_by("contest__kind", "contest__area", "contest__number", "person__last_name")
    )
    return render(
        request,
        "elections/election_detail.html",
        {
            "election": election,
            "summary": election_summary(election),
            "scope": scope(election),
            "main": contest,
            "results": with_bars([asdict(r) for r in contest_totals(contest).results]) if contest else [],
            "contests": contests,
            "candidates": candidates,
        },
    )


def contest_detail(request, pk):
    contest = get_object_or_404(Contest.objects.select_related("election"), pk=pk)
    protocols = contest.protocols.select_related("precinct__region", "tik").order_by(
        "precinct__region__name", "precinct__number", "precinct__code"
    )
    query = request.GET.get("uik", "").strip()[:20]
    if query:
        protocols = protocols.filter(precinct__code__startswith=query) if query.isdigit() else protocols.none()
    page = Paginator(protocols, PAGE).get_page(request.GET.get("page"))
    stored = contest_totals(contest)
    context = {
        "contest": contest,
        "totals": stored.totals,
        "results": with_bars([asdict(r) for r in stored.results]),
        "candidates": contest.candidates.select_related("person", "party"),
        "page": page,
        "uik": query,
    }
    template = "elections/_protocol_rows.html" if request.headers.get("HX-Request") else "elections/contest_detail.html"
    return render(request, template, context)


def contest_csv(request, pk):
    """Every precinct's protocol of a contest, one row each: its lines, then the votes of every ballot line
    (numbers as machines read them). Streamed, a chunk of precincts at a time: a national contest is 100,000 rows."""
    contest = get_object_or_404(Contest.objects.select_related("election"), pk=pk)
    choices = list(contest.choices.order_by("position", "pk").values_list("pk", "name"))
    header = ["uik", "region", "tik", *LINE_NAMES, *[name for _pk, name in choices]]

    def rows():
        yield header
        protocols = (
            contest.protocols.order_by("precinct__region__name", "precinct__number", "precinct__code")
            .values_list("pk", "precinct__code", "precinct__region__name", "tik__name", *LINE_NAMES)
            .iterator(chunk_size=2000)
        )
        while chunk := list(itertools.islice(protocols, 2000)):
            votes: dict[int, dict[int, int]] = {}
            for protocol, choice, n in Vote.objects.filter(protocol_id__in=[r[0] for r in chunk]).values_list(
                "protocol_id", "choice_id", "votes"
            ):
                votes.setdefault(protocol, {})[choice] = n
            for pk, *fields in chunk:
                mine = votes.get(pk, {})
                yield [*("" if v is None else v for v in fields), *(mine.get(c, "") for c, _n in choices)]

    response = StreamingHttpResponse(csv_chunks(rows()), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{contest.election.slug}-contest-{contest.pk}.csv"'
    return response


def precinct_list(request):
    """Find a precinct by its number, optionally within a region."""
    number = request.GET.get("uik", "").strip()[:20]
    region = request.GET.get("region", "").strip()[:20]
    precincts = Precinct.objects.none()
    error = ""
    if number:
        uik, region_id = whole_number(number, maximum=2**31 - 1), whole_number(region)
        if uik is not None:
            precincts = Precinct.objects.filter(number=uik).select_related("region", "venue")
            if region_id is not None:
                precincts = precincts.filter(region_id=region_id)
        else:
            error = _("A precinct number is digits only, e.g. 1545.")
    regions = Region.objects.filter(precincts__isnull=False).distinct()
    return render(
        request,
        "elections/precinct_list.html",
        {
            "precincts": precincts[:100],
            "regions": regions,
            "uik": number,
            "region": region,
            "error": error,
        },
    )


def precinct_detail(request, pk):
    precinct = get_object_or_404(Precinct.objects.select_related("region", "venue"), pk=pk)
    protocols = (
        Protocol.objects.filter(precinct=precinct)
        .select_related("contest__election", "tik")
        .prefetch_related("votes__choice")
        .order_by("-contest__election__date", "contest__election__level", "contest__kind")
    )
    ballots = []
    for protocol in protocols:
        cast = protocol.ballots_in_boxes or 0
        results: list[dict[str, Any]] = [
            {"name": v.choice.name, "votes": v.votes, "share": round(100 * v.votes / cast, 2) if cast else None}
            for v in sorted(protocol.votes.all(), key=lambda v: -v.votes)
        ]
        ballots.append((protocol, with_bars(results)))
    snapshots = precinct.turnout_snapshots.select_related("election").order_by("election", "taken_at")
    return render(
        request,
        "elections/precinct_detail.html",
        {
            "precinct": precinct,
            "ballots": ballots,
            "snapshots": snapshots,
            "elections_on_ballot": {p.contest.election for p, _ in ballots},
        },
    )
