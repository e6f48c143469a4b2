"""The vote's API: the vote, its board, and the one write — a ballot built and signed in the voter's browser."""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status

from core.clients import client_ip
from vote.ballots import HASH
from vote.models import Vote
from vote.store import VoteError, cast, lines, previous_of
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


class PreviousQuery(Schema):
    credential: str = Field(..., pattern=HASH.pattern, description="the public credential, 64 lower-case hex digits")


class Previous(Schema):
    previous: str = Field(description="the tracker of the credential's last ballot on the board; 64 zeros if none")


@router.get(
    "/vote/{slug}/previous",
    response={200: Previous},
    summary="What a new ballot of this credential names as its previous: the tracker of its last ballot",
)
def previous_ballot(request, response: HttpResponse, slug: str, q: Query[PreviousQuery]):
    # Nothing the board does not show (every ballot names its public credential); the browser asks before it
    # signs, so that a ballot signed earlier (a coerced one, a superseded one) can never follow this one.
    response["Access-Control-Allow-Origin"] = "*"  # the ballot's page copied to a mirror asks too
    return Previous(previous=previous_of(published(slug), q.credential))


# The ballot is read from the request's bytes by vote.store.cast (once: it is checked as it came); the schema
# documents it for clients and the fuzzer.
BALLOT = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "title": "Ballot",
                "description": "veche-ballot/2, built and signed by the voter's browser (docs/vote.md)",
                "type": "object",
                "required": [
                    "format",
                    "election",
                    "credential",
                    "pass",
                    "previous",
                    "answers",
                    "signature",
                    "pass_signature",
                ],
                "properties": {
                    "format": {"type": "string", "enum": ["veche-ballot/2"]},
                    "election": {"type": "string"},
                    "credential": {"type": "string"},
                    "pass": {"type": "string"},
                    "previous": {"type": "string"},
                    "answers": {"type": "array", "items": {"type": "object"}},
                    "signature": {"type": "string"},
                    "pass_signature": {"type": "string"},
                },
            }
        }
    },
}


@router.post(
    "/vote/{slug}/ballots",
    response={201: dict, 400: Errors, 403: Errors, 409: Errors, 413: Errors, 429: Errors},
    summary="Cast a ballot (veche-ballot/2, built and signed by the voter's browser); the receipt is its board line",
    openapi_extra={"requestBody": BALLOT},
)
def cast_ballot(request, response: HttpResponse, slug: str):
    # Any origin: the ballot's page in an exported copy, on a host the server does not serve, casts here. No cookie
    # is read; the ballot is checked as it came, from any door (it sends text/plain, which needs no preflight).
    response["Access-Control-Allow-Origin"] = "*"
    vote = published(slug)
    try:
        receipt = cast(vote, request.body, client_ip(request))
    except VoteError as exc:
        return Status(exc.status, {"detail": str(exc), "errors": {exc.field: str(exc)}})
    return Status(201, receipt)
