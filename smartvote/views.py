"""Smart voting's pages: the forecasts, the lists, the organisers' desk."""

from dataclasses import dataclass
from typing import cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import keys, signing
from core.charts import FORMATS, drawn_format
from core.forms import numbered, whole_number
from core.stored import read
from elections.models import Contest, Election
from smartvote import plots
from smartvote.figures import CandidateForecast, ContestForecast
from smartvote.forecast import FACT_GROUP_LABELS, ForecastError
from smartvote.forecast import save as forecast_save
from smartvote.models import Backtest, ListDraft, ListVersion, Override
from smartvote.publish import (
    ListRow,
    PublishError,
    changes,
    check,
    document,
    folded,
    forecast_regions,
    latest_forecast,
    override,
    picks,
    prepare,
    publish_demo,
    publish_signed,
    scope,
    signing_request,
    trusted_versions,
)


class RegionForm(forms.Form):
    """Which region's districts an election's page shows (all when none is chosen)."""

    region = forms.ChoiceField(label=gettext_lazy("Region"), required=False)

    def __init__(self, *args, regions: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["region"]).choices = [("", _("every region")), *((r, r) for r in regions)]


# -- forecasts, decisions and published lists ----------------------------------
@dataclass(frozen=True)
class ForecastRow:
    """A contest on the election's page: its forecast, the forecast's pick, and the row of the signed list in
    force for it (with the version it comes from)."""

    forecast: ContestForecast
    pick: CandidateForecast | None
    published: ListRow | None
    version: int | None

    @property
    def contest_id(self) -> int:
        return self.forecast.contest_id

    @property
    def name(self) -> str:
        return self.forecast.name

    @property
    def no_ruling(self) -> bool:
        return self.forecast.no_ruling

    @property
    def region(self) -> str:
        return self.forecast.region


@dataclass(frozen=True)
class EditorialRow(ListRow):
    """A row a list published now would have, with the contest's candidates to choose from instead."""

    candidates: list[CandidateForecast]


def smartvote_election(request, slug):
    """An election's recommendations: the published list, the forecast behind it, the versions."""
    election = get_object_or_404(Election, slug=slug)
    forecast = latest_forecast(election)
    versions = [{"version": v, "region": scope(v)} for v in election.list_versions.order_by("-number")]
    known = keys.standing()  # the chain, read once for the page
    trusted = trusted_versions(election, known["chain"])  # every signature checked once for the page
    latest = trusted[0] if trusted else None
    published = folded(trusted)
    contests = []
    for contest in forecast.forecasts() if forecast else []:
        source = published.source.get(contest.contest_id)
        row = published.rows.get(contest.contest_id)
        contests.append(
            ForecastRow(
                forecast=contest,
                pick=contest.candidate(contest.recommended),
                published=read(ListRow, row) if row else None,
                version=source.number if source else None,
            )
        )
    # A national election's 225 districts: a voter or an organiser looks at one region's.
    regions = forecast_regions(forecast) if forecast else []
    choose = RegionForm(request.GET or None, regions=regions) if len(regions) > 1 else None
    if choose is not None and choose.is_valid() and choose.cleaned_data["region"]:
        contests = [c for c in contests if c.region == choose.cleaned_data["region"]]
    return render(
        request,
        "smartvote/election.html",
        {
            "election": election,
            "forecast": forecast,
            "contests": contests,
            "choose": choose,
            "versions": versions,
            "latest": latest,
            "latest_verdict": latest and check(latest, known["chain"]),
            "root": known,
            "backtest": Backtest.objects.filter(targets=election).first(),
            "can_edit": request.user.has_perm("smartvote.add_override"),
        },
    )


def signing_keys(request):
    """The organisers' key chain: the pinned root, every key since and what became of it; keys.json to check."""
    context = keys.standing()
    if request.GET.get("format") == "json":
        if context["chain"] is None:
            raise Http404("no key chain")
        response = JsonResponse(context["chain"].document(), json_dumps_params={"ensure_ascii": False, "indent": 1})
        response["Content-Disposition"] = 'attachment; filename="keys.json"'
        return response
    return render(request, "smartvote/keys.html", context)


def contest_forecast_or_404(pk):
    """(contest, its election's latest forecast, the contest's part of it), or 404."""
    contest = get_object_or_404(Contest.objects.select_related("election"), pk=pk)
    forecast = latest_forecast(contest.election)
    data = forecast and forecast.contest(contest.pk)
    if data is None:
        raise Http404("no forecast for this contest")
    return contest, forecast, data


def smartvote_contest(request, pk):
    """One contest's forecast: every candidate's share distribution and the evidence."""
    contest, forecast, data = contest_forecast_or_404(pk)
    return render(
        request,
        "smartvote/contest.html",
        {
            "contest": contest,
            "forecast": forecast,
            "data": data,
            "overrides": Override.objects.filter(contest=contest).select_related("candidate__person", "author"),
        },
    )


def smartvote_contest_chart(request, pk, fmt):
    if fmt not in FORMATS:
        raise Http404("unknown format")
    _contest, _forecast, data = contest_forecast_or_404(pk)
    drawn = drawn_format(request, fmt)
    return charted(HttpResponse(plots.distributions(data, drawn), content_type=FORMATS[fmt]))


def charted(response):
    """A chart's response: its words are in the visitor's language, so caches keep one per language."""
    patch_vary_headers(response, ["Accept-Language", "Cookie"])
    return response


def list_version(request, slug, number):
    """A published version: what it says, whether its signature holds, and what changed since the last."""
    version = get_object_or_404(ListVersion.objects.select_related("election"), election__slug=slug, number=number)
    if request.GET.get("format") == "json":
        return JsonResponse(
            signing.signature_record(version.public_key, version.signature) | {"payload": version.payload}
        )
    known = keys.standing()
    return render(
        request,
        "smartvote/list_version.html",
        {
            "version": version,
            "document": document(version),
            "region": scope(version),
            "changes": changes(version, known["chain"]),
            "verdict": check(version, known["chain"]),
            "root": known,
        },
    )


def backtest_page(request, pk=None):
    backtest = get_object_or_404(Backtest, pk=pk) if pk else Backtest.objects.first()
    if backtest is None:
        raise Http404("no backtest stored yet: run manage.py smartvote_backtest --save")
    weights = [(FACT_GROUP_LABELS.get(g, g), w) for g, w in backtest.report.get("fact_weights", {}).items()]
    return render(
        request, "smartvote/backtest.html", {"backtest": backtest, "report": backtest.report, "weights": weights}
    )


def backtest_plot(request, pk, fmt):
    backtest = get_object_or_404(Backtest, pk=pk)
    if fmt not in FORMATS:
        raise Http404("unknown format")
    report = backtest.report
    return charted(
        HttpResponse(
            plots.calibration(report["calibration"], report["calibration_unscaled"], drawn_format(request, fmt)),
            content_type=FORMATS[fmt],
        )
    )


@login_required
@permission_required("smartvote.add_override", raise_exception=True)
def editorial(request, slug):
    """Organisers: recompute the forecast, override a pick with a reason, prepare a version, upload its
    offline signature (or, in the demo only, sign it here), update the key chain."""
    election = get_object_or_404(Election, slug=slug)
    error = ""
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "forecast":
                if not request.user.has_perm("smartvote.add_forecast"):
                    raise PermissionDenied
                forecast_save(election)
                messages.success(request, _("The forecast was recomputed."))
            elif action == "override":
                contest = get_object_or_404(Contest, pk=whole_number(request.POST.get("contest")), election=election)
                choice = request.POST.get("candidate", "")
                candidate = None
                if whole_number(choice) is not None:
                    candidate = numbered(contest.candidates.all(), choice)
                    if candidate is None:
                        raise PublishError(_("That candidate does not stand in this contest."))
                override(
                    contest, request.user, request.POST.get("reason", ""), candidate, no_recommendation=choice == "none"
                )
                messages.success(request, _("The decision was recorded."))
            elif action in ("prepare", "signature", "demo", "discard", "keyring"):
                if not request.user.has_perm("smartvote.add_listversion"):
                    raise PermissionDenied
                publishing(request, election, action)
            else:
                raise PublishError(_("Unknown action."))
            return redirect("smartvote:editorial", slug=slug)
        except (PublishError, ForecastError, signing.SigningError) as exc:
            error = str(exc)
    forecast = latest_forecast(election)
    regions = forecast_regions(forecast) if forecast else []
    current = picks(election, forecast) if forecast else []
    by_contest = {c.contest_id: c for c in forecast.forecasts()} if forecast else {}
    rows = [EditorialRow(**vars(row), candidates=by_contest[row.contest_id].candidates) for row in current]
    return render(
        request,
        "smartvote/editorial.html",
        {
            "election": election,
            "forecast": forecast,
            "rows": rows,
            "error": error,
            "draft": ListDraft.objects.filter(election=election).first(),
            # A national election is published a region at a time, or whole.
            "scope": RegionForm(prefix="scope", regions=regions) if len(regions) > 1 else None,
            "root": keys.standing(),
            "latest": election.list_versions.order_by("-number").first(),
            "log": Override.objects.filter(contest__election=election).select_related(
                "contest", "candidate__person", "author"
            )[:200],
        },
        status=400 if error else 200,
    )


MAX_UPLOAD = 1_000_000


def uploaded(request, field: str) -> str:
    """A small file the organisers upload, or the same text pasted."""
    upload = request.FILES.get(field)
    if upload is not None:
        if upload.size > MAX_UPLOAD:
            raise PublishError(_("The file is too large for a signature or a key chain."))
        return str(upload.read().decode("utf-8", "replace"))
    text = request.POST.get(f"{field}_text", "").strip()
    if not text:
        raise PublishError(_("Choose the file, or paste its content."))
    return str(text)


def chosen_region(request, election) -> str | None:
    """The region a version will cover, from the desk's form (None: the whole election)."""
    forecast = latest_forecast(election)
    form = RegionForm(request.POST, prefix="scope", regions=forecast_regions(forecast) if forecast else [])
    if not form.is_valid():
        raise PublishError(_("Choose a region from the list, or every region."))
    return form.cleaned_data["region"] or None


def publishing(request, election, action):
    if action == "prepare":
        draft = prepare(election, request.user, chosen_region(request, election))
        messages.success(
            request, _("Version %(n)s is ready for signing: download the request below.") % {"n": draft.number}
        )
    elif action == "signature":
        version = publish_signed(election, uploaded(request, "signature"), request.user)
        messages.success(request, _("The signature holds: version %(n)s is published.") % {"n": version.number})
    elif action == "demo":
        version = publish_demo(election, request.user, chosen_region(request, election))
        messages.success(
            request, _("Version %(n)s was signed with the demo key and published.") % {"n": version.number}
        )
    elif action == "discard":
        ListDraft.objects.filter(election=election).delete()
        messages.success(request, _("The draft was discarded."))
    else:
        _chain, added = keys.load_keyring(uploaded(request, "keyring"))
        messages.success(request, _("The key chain was checked; %(n)s new statement(s) stored.") % {"n": added})


@login_required
@permission_required("smartvote.add_listversion", raise_exception=True)
def editorial_request(request, slug):
    """The draft as a signing request, to carry to the offline machine."""
    draft = get_object_or_404(ListDraft.objects.select_related("election"), election__slug=slug)
    response = HttpResponse(signing_request(draft), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{slug}-v{draft.number}.request.json"'
    return response
