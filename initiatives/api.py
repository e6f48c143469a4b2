"""The initiatives' API: published proposals, their supporters' counts, arguments, and their vote's result.

Counts only: no supporter, no proposer (only the name one chose to sign with), nothing waiting for moderation."""

from datetime import datetime

from django.http import Http404
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from core.pagination import Mapped
from initiatives import proposals
from initiatives.models import Proposal

router = Router(tags=["initiatives"])


class CityCount(Schema):
    city: str
    supporters: int


class ResultRow(Schema):
    answer: str
    votes: int


class QuestionResult(Schema):
    question: str
    answers: list[ResultRow]


class ProposalOut(Schema):
    slug: str
    title: str
    question: str = Field(description="the question as it is, or would be, put to the vote")
    text: str
    signed_as: str = Field(description="the name the proposer chose to sign with; empty: anonymous")
    state: str = Field(description="published (gathering supporters), voting or decided")
    supporters: int | None
    threshold: int | None
    supporters_until: datetime | None
    cities: list[CityCount]
    arguments_for: list[str]
    arguments_against: list[str]
    vote: str | None = Field(description="the vote's slug: its board and verifier at /vote/SLUG/")
    result: list[QuestionResult] | None = Field(description="as the vote's board says, once it has a result")
    response: str = Field(description="the organisers' response to the result")


def described(shown: proposals.Shown) -> ProposalOut:
    p, s, v = shown.proposal, shown.supporters, shown.vote
    return ProposalOut(
        slug=p.slug or "",
        title=p.title,
        question=p.question,
        text=p.text,
        signed_as=p.signed_as,
        state=p.state,
        supporters=s.total if s else None,
        threshold=s.threshold if s else None,
        supporters_until=s.ends if s else None,
        cities=[CityCount(city=name, supporters=n) for name, n in s.cities] if s else [],
        arguments_for=[a.text for a in shown.arguments_for],
        arguments_against=[a.text for a in shown.arguments_against],
        vote=v.slug if v else None,
        result=[
            QuestionResult(question=q, answers=[ResultRow(answer=a, votes=n) for a, n in rows]) for q, rows in v.result
        ]
        if v and v.result
        else None,
        response=p.response,
    )


@router.get("/initiatives", response=list[ProposalOut], summary="Published citizens' initiatives, newest first")
@paginate
def initiatives(request):
    return Mapped(proposals.public(), lambda p: described(proposals.shown(p)))


@router.get("/initiatives/{slug}", response=ProposalOut, summary="One citizens' initiative")
def initiative(request, slug: str):
    found = Proposal.objects.filter(
        slug=slug, state__in=[Proposal.State.PUBLISHED, Proposal.State.VOTING, Proposal.State.DECIDED]
    ).first()
    if found is None:
        raise Http404
    return described(proposals.shown(found))
