"""The campaign page (sign-up form, live counters, announcement) and the confirmation link."""

from datetime import datetime

from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables

from core.charts import with_bars
from core.clients import client_ip
from pledges.management.commands.pledges_demo import SLUG as DEMO_SLUG
from pledges.models import Campaign
from pledges.signup import (
    SENT,
    SignupError,
    campaign_by_slug,
    check_rate,
    confirm,
    confirm_link,
    progress,
    sign_up,
    totals,
)


def context(campaign: Campaign) -> dict:
    counts = totals(campaign)
    return {
        "campaign": campaign,
        # The demo's campaign is invented (pledges_demo): its page says so.
        "invented": settings.DEMO and campaign.slug == DEMO_SLUG,
        "counts": counts,
        "cities": with_bars(counts["cities"], key="count"),
        # The hours as times (the counts keep ISO text for the API and the cache), shown in the site's zone.
        "hours": with_bars(
            [{**h, "hour": datetime.fromisoformat(h["hour"])} for h in counts["hours"][-48:]], key="count"
        ),
        "progress": progress(counts["total"], campaign.threshold),
    }


@sensitive_post_parameters("email", "name")
@sensitive_variables("email", "name")
def campaign_page(request, slug):
    campaign = campaign_by_slug(slug)
    if campaign is None:
        raise Http404
    message = error = ""
    status = 200
    if request.method == "POST":
        email, name = request.POST.get("email", ""), request.POST.get("name", "")
        if request.POST.get("website"):  # the honeypot: people do not see it, bots fill it
            message = str(SENT)  # the same answer as a real sign-up; nothing is stored or sent
        else:
            try:
                check_rate(client_ip(request))
                message = sign_up(
                    campaign, request.POST.get("city", ""), email, name, confirm_link(request, campaign)
                ).message
            except SignupError as exc:
                error, status = str(exc), 400
    if request.method == "POST" and request.headers.get("HX-Request"):
        # htmx swaps in just the answer (no counters to build for every sign-up);
        # 200 even for a refusal, since htmx swaps nothing on an error status.
        return render(request, "pledges/_answer.html", {"message": message, "error": error})
    return render(
        request, "pledges/campaign.html", {**context(campaign), "message": message, "error": error}, status=status
    )


def counters(request, slug):
    campaign = get_object_or_404(Campaign, slug=slug)
    return render(request, "pledges/_counters.html", context(campaign))


def confirmation(request, token, slug=None):
    if len(token) > 500:
        raise Http404
    try:
        outcome = confirm(token, campaign_by_slug(slug) if slug else None)
    except SignupError as exc:
        return render(request, "pledges/confirm.html", {"error": str(exc)}, status=400)
    shown = context(outcome.campaign) if outcome.campaign is not None else {}
    return render(request, "pledges/confirm.html", {**shown, "message": outcome.message})


def index(request):
    return render(request, "pledges/index.html", {"campaigns": Campaign.objects.filter(purged__isnull=True)})
