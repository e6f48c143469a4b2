"""What happens to a proposal: drafted, published or refused, supported, sent to a vote, decided.

Every change goes through ``change`` (one transaction, the state checked
under a row lock, a line in ProposalLog). The supporters are a pledges
campaign opened when the proposal is published (pledges.signup's doors);
the vote is the vote tool's, named by its slug (vote.store's door).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from core.links import LinkError, mint, open_link
from core.ratelimit import allow
from initiatives.models import Argument, Proposal, ProposalLog
from pledges.signup import Supporters, open_supporters, progress, supporters
from vote.store import VoteOutcome, vote_outcome

FOLLOW = "initiative-follow"  # the salt of the proposer's link
LIMIT_CLIENT = int(os.environ.get("VECHE_PROPOSAL_LIMIT_CLIENT", "5"))  # drafts and arguments an hour
LIMIT_NETWORK = int(os.environ.get("VECHE_PROPOSAL_LIMIT_NETWORK", "200"))
S = Proposal.State


class ProposalError(ValueError):
    """The change cannot be made; the message says why."""


class TooMany(ProposalError):
    """Past the client's or the network's hourly limit."""


@dataclass(frozen=True)
class Shown:
    """A proposal as its page shows it: its supporters' counts and its vote, read through their tools' doors."""

    proposal: Proposal
    supporters: Supporters | None
    vote: VoteOutcome | None
    arguments_for: list[Argument]
    arguments_against: list[Argument]

    @property
    def progress(self) -> float:
        return progress(self.supporters.total, self.supporters.threshold) if self.supporters else 0


def check_rate(client_ip: str | None) -> None:
    if not allow("proposal", client_ip, LIMIT_CLIENT, LIMIT_NETWORK):
        raise TooMany(_("Too many drafts or arguments from your network; try again in an hour."))


def submit(title: str, text: str, question: str, signed_as: str) -> tuple[Proposal, str]:
    """A new draft, waiting for moderation; with the link its proposer follows it by (shown once, kept nowhere:
    the row holds its keyed hash)."""
    link = mint(FOLLOW, timed=False)
    with transaction.atomic():
        proposal = Proposal.objects.create(
            title=title, text=text, question=question, signed_as=signed_as, follow=link.key
        )
        ProposalLog.objects.create(proposal=proposal, action="submit", before="", after=S.SUBMITTED)
    return proposal, link.token


def followed(token: str) -> Proposal | None:
    """The proposal a proposer's link names, or None for a damaged or unknown link."""
    try:
        opened = open_link(FOLLOW, token)
    except LinkError:
        return None
    return Proposal.objects.filter(follow=opened.key).first() if opened.key else None


def change(proposal: Proposal, action: str, before: set[str], after: str, user, why: str = "", **fields: str) -> None:
    """Move the proposal from one of ``before`` to ``after`` (with ``fields`` set), logged with ``why``;
    ProposalError when it is no longer in such a state (another moderator was quicker)."""
    with transaction.atomic():
        current = Proposal.objects.select_for_update().filter(pk=proposal.pk).values_list("state", flat=True).first()
        if current not in before:
            raise ProposalError(_("This proposal is no longer in a state that allows this; reload the page."))
        Proposal.objects.filter(pk=proposal.pk).update(state=after, **fields)
        ProposalLog.objects.create(proposal=proposal, user=user, action=action, before=current, after=after, reason=why)
    proposal.refresh_from_db()


def publish(
    proposal: Proposal,
    user,
    slug: str,
    threshold: int,
    ends: datetime | None,
    public_key: str,
    cities: list[str],
) -> None:
    """Publish a draft under ``slug`` and open its supporters' campaign (sealed to ``public_key``, the organisers'
    key for supporters' contacts, whose private half stays offline)."""
    if Proposal.objects.filter(slug=slug).exclude(pk=proposal.pk).exists():
        raise ProposalError(_("Another proposal has this address; choose another."))
    with transaction.atomic():
        try:
            open_supporters(
                f"initiative-{slug}",
                proposal.title,
                _("Support the proposal: %(q)s") % {"q": proposal.question},
                threshold,
                ends,
                public_key,
                cities,
            )
        except ValueError as exc:
            raise ProposalError(str(exc)) from None
        change(proposal, "publish", {S.SUBMITTED}, S.PUBLISHED, user, slug=slug, supporters=f"initiative-{slug}")


def refuse(proposal: Proposal, user, reason: str) -> None:
    if not reason.strip():
        raise ProposalError(_("Say why: the proposer reads the reason on their draft's page."))
    change(proposal, "refuse", {S.SUBMITTED}, S.REFUSED, user, why=reason.strip(), reason=reason.strip())


def send_to_vote(proposal: Proposal, user, vote_slug: str, reason: str) -> None:
    """The proposal goes to the vote ``vote_slug`` (made with vote_create from its question): when its supporters
    crossed the threshold, or by the organisers' decision, whose reason is logged and shown."""
    outcome = vote_outcome(vote_slug)
    if outcome is None:
        raise ProposalError(_("There is no vote %(v)s: create it first (vote_create).") % {"v": vote_slug})
    counted = supporters(proposal.supporters) if proposal.supporters else None
    if not (counted and counted.reached) and not reason.strip():
        raise ProposalError(_("The threshold is not reached: say why the organisers send it to a vote anyway."))
    change(proposal, "vote", {S.PUBLISHED}, S.VOTING, user, why=reason.strip(), vote=vote_slug)


def decide(proposal: Proposal, user, response: str) -> None:
    """The organisers' response, once the vote's result is on its board."""
    outcome = vote_outcome(proposal.vote) if proposal.vote else None
    if outcome is None or outcome.result is None:
        raise ProposalError(_("The vote has no result yet."))
    if not response.strip():
        raise ProposalError(_("Write the organisers' response to the result."))
    change(proposal, "decide", {S.VOTING}, S.DECIDED, user, response=response.strip())


def argue(proposal: Proposal, side: str, text: str) -> Argument:
    """A short argument for or against, waiting for moderation."""
    if proposal.state not in (S.PUBLISHED, S.VOTING):
        raise ProposalError(_("Arguments are taken while a proposal gathers supporters or is voted on."))
    with transaction.atomic():
        argument = Argument.objects.create(proposal=proposal, side=side, text=text)
        ProposalLog.objects.create(
            proposal=proposal, argument=argument, action="argue", before="", after=Argument.State.SUBMITTED
        )
    return argument


def judge_argument(argument: Argument, user, publish_it: bool, reason: str = "") -> None:
    after = Argument.State.PUBLISHED if publish_it else Argument.State.REFUSED
    with transaction.atomic():
        moved = Argument.objects.filter(pk=argument.pk, state=Argument.State.SUBMITTED).update(state=after)
        if not moved:
            raise ProposalError(_("This argument is no longer waiting for moderation; reload the page."))
        ProposalLog.objects.create(
            proposal_id=argument.proposal_id,
            argument=argument,
            user=user,
            action="publish-argument" if publish_it else "refuse-argument",
            before=Argument.State.SUBMITTED,
            after=after,
            reason=reason,
        )


def shown(proposal: Proposal, arguments: bool = True) -> Shown:
    """The proposal with its supporters' counts, its vote and (unless a list leaves them out) its arguments."""
    published = list(proposal.arguments.filter(state=Argument.State.PUBLISHED)) if arguments else []
    return Shown(
        proposal=proposal,
        supporters=supporters(proposal.supporters) if proposal.supporters else None,
        vote=vote_outcome(proposal.vote) if proposal.vote else None,
        arguments_for=[a for a in published if a.side == Argument.Side.FOR],
        arguments_against=[a for a in published if a.side == Argument.Side.AGAINST],
    )


def public() -> QuerySet[Proposal]:
    """Every proposal the public may see (published, at a vote, decided), the newest first: listed a page at a
    time, each page's supporters and votes read for its proposals alone."""
    return Proposal.objects.filter(state__in=[S.PUBLISHED, S.VOTING, S.DECIDED]).order_by("-submitted", "-id")
