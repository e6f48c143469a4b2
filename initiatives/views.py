"""Proposals' pages: the list, a draft's form, a proposal (supporters, arguments, its vote), a proposer's link, and
the moderators' desk."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from core.clients import client_ip
from core.forms import errors_said, numbered
from initiatives import proposals
from initiatives.forms import ArgumentForm, ProposalForm, PublishForm, ReasonForm, ResponseForm, VoteForm
from initiatives.models import Argument, Proposal
from initiatives.proposals import ProposalError

S = Proposal.State


PAGE = 20  # proposals on a page of the list


def index(request):
    page = Paginator(proposals.public(), PAGE).get_page(request.GET.get("page"))
    shown = [proposals.shown(p, arguments=False) for p in page]
    return render(request, "initiatives/index.html", {"shown": shown, "page": page})


@sensitive_variables("token")
def new(request):
    """Anyone drafts a proposal; the page then gives the one link its proposer follows it by."""
    form = ProposalForm(request.POST if request.method == "POST" else None)
    error = ""
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["website"]:  # a bot: the same page as a real draft, nothing stored
            return render(request, "initiatives/submitted.html", {"token": "", "bot": True})
        try:
            proposals.check_rate(client_ip(request))
            _proposal, token = proposals.submit(
                form.cleaned_data["title"],
                form.cleaned_data["text"],
                form.cleaned_data["question"],
                form.cleaned_data["signed_as"],
            )
        except ProposalError as exc:
            error = str(exc)
        else:
            response = render(request, "initiatives/submitted.html", {"token": token})
            response["Cache-Control"] = "no-store"  # the link is shown once
            return response
    status = 429 if error else 400 if request.method == "POST" else 200
    return render(request, "initiatives/new.html", {"form": form, "error": error}, status=status)


def proposal(request, slug):
    found = get_object_or_404(Proposal, slug=slug, state__in=[S.PUBLISHED, S.VOTING, S.DECIDED])
    form = ArgumentForm(request.POST if request.method == "POST" else None)
    message = error = ""
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                proposals.check_rate(client_ip(request))
                proposals.argue(found, form.cleaned_data["side"], form.cleaned_data["text"])
                message = "sent"
                form = ArgumentForm()
            except ProposalError as exc:  # past the limit (429), or no longer taking arguments (400)
                error, status = str(exc), 429 if isinstance(exc, proposals.TooMany) else 400
        else:
            status = 400
    return render(
        request,
        "initiatives/proposal.html",
        {"shown": proposals.shown(found), "form": form, "message": message, "error": error},
        status=status,
    )


def follow(request, token):
    """The proposer's own view of their draft: its state and, if refused, the moderators' reason."""
    found = proposals.followed(token)
    # A damaged or unknown link: the page says so, with the status a mailed link's page gives it.
    response = render(request, "initiatives/follow.html", {"proposal": found}, status=200 if found else 400)
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"  # the link is the proposer's key: no page it links to learns it
    return response


@login_required
@permission_required("initiatives.moderate_proposal", raise_exception=True)
def moderate(request):
    """The moderators' desk: drafts to publish or refuse, proposals to send to a vote or to answer, arguments."""
    error = ""
    status = 200
    if request.method == "POST":
        try:
            act(request)
            return redirect("initiatives:moderate")
        except ProposalError as exc:
            error, status = str(exc), 400
    context = {
        "drafts": Proposal.objects.filter(state=S.SUBMITTED),
        "gathering": [proposals.shown(p) for p in Proposal.objects.filter(state=S.PUBLISHED)],
        "voting": [proposals.shown(p) for p in Proposal.objects.filter(state=S.VOTING)],
        "arguments": Argument.objects.filter(state=Argument.State.SUBMITTED).select_related("proposal"),
        "error": error,
    }
    return render(request, "initiatives/moderate.html", context, status=status)


def act(request) -> None:
    """One decision from the desk; ProposalError (or a form's first error) when it cannot be taken."""
    action = request.POST.get("action", "")
    if action in ("publish-argument", "refuse-argument"):
        argument = numbered(Argument.objects.all(), request.POST.get("argument"))
        if argument is None:
            raise ProposalError(_no_such())
        proposals.judge_argument(argument, request.user, action == "publish-argument", request.POST.get("reason", ""))
        return
    found = numbered(Proposal.objects.all(), request.POST.get("proposal"))
    if found is None:
        raise ProposalError(_no_such())
    forms = {"publish": PublishForm, "refuse": ReasonForm, "vote": VoteForm, "decide": ResponseForm}
    if action not in forms:
        raise ProposalError(_no_such())
    form = forms[action](request.POST)
    if not form.is_valid():
        raise ProposalError(errors_said(form))
    data = form.cleaned_data
    if action == "publish":
        proposals.publish(
            found, request.user, data["slug"], data["threshold"], data["ends"], data["public_key"], data["cities"]
        )
    elif action == "refuse":
        proposals.refuse(found, request.user, data["reason"])
    elif action == "vote":
        proposals.send_to_vote(found, request.user, data["vote"], data["reason"])
    else:
        proposals.decide(found, request.user, data["response"])


def _no_such() -> str:
    return _("No such proposal or argument waits for this; reload the page.")
