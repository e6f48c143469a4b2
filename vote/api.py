"""The vote's API: the vote, its board, and the one write — a ballot built and signed in the voter's browser."""

from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status

from core.clients import client_ip
from vote.models import Vote
from vote.store import VoteError, cast, lines
from vote.views import summary

router = Router(tags=["vote"])


class Errors(Schema):
    detail: str = ""
    errors: dict[str, str]


class BoardQuery(Schema):
    after: int = Field(-1, ge=-1, le=1_000_000_000, description="entries after this number")
    limit: int = Field(1000, ge=1, le=5000)


def published(slug: str) -> Vote:
    return get_object_or_404(Vote.objects.exclude(phase=Vote.Phase.DRAFT), slug=slug)


@router.get("/vote/{slug}", response={200: dict}, summary="A vote: its manifest, phase, counts and result")
def vote_summary(request, slug: str):
    data = summary(published(slug))
    data["questions"] = [{k: v for k, v in q.items() if k != "rows"} for q in data["questions"]]
    return data


@router.get("/vote/{slug}/board", response={200: list[dict]}, summary="The board's lines, in order")
def board(request, slug: str, q: Query[BoardQuery]):
    return lines(published(slug), after=q.after, limit=q.limit)


# The ballot is read from the request's bytes by vote.store.cast (once: it is checked as it came); the schema
# documents it for clients and the fuzzer.
BALLOT = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "title": "Ballot",
                "description": "veche-ballot/1, built and signed by the voter's browser (docs/vote.md)",
                "type": "object",
                "required": ["format", "election", "credential", "answers", "signature"],
                "properties": {
                    "format": {"type": "string", "enum": ["veche-ballot/1"]},
                    "election": {"type": "string"},
                    "credential": {"type": "string"},
                    "answers": {"type": "array", "items": {"type": "object"}},
                    "signature": {"type": "string"},
                },
            }
        }
    },
}


@router.post(
    "/vote/{slug}/ballots",
    response={201: dict, 400: Errors, 403: Errors, 409: Errors, 413: Errors, 429: Errors},
    summary="Cast a ballot (veche-ballot/1, built and signed by the voter's browser); the receipt is its board line",
    openapi_extra={"requestBody": BALLOT},
)
def cast_ballot(request, slug: str):
    vote = published(slug)
    try:
        receipt = cast(vote, request.body, client_ip(request))
    except VoteError as exc:
        return Status(exc.status, {"detail": str(exc), "errors": {"__all__": str(exc)}})
    return Status(201, receipt)
