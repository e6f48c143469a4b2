"""The one door every lookup question comes in by, from the API or from the page.

``LookupQuery`` declares what a question may hold (the API's contract and the
page's check alike); ``question`` reduces it to what decides the answer; and
``reply`` answers it once per language until the data change, for the API
(its JSON, ready to send) and the page (the answer and the ballot to render)
from one per-process cache: voters of one precinct ask the same question.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import Field, Schema

from core.cache import Cached
from lookup.addresses import Address, parse
from lookup.find import DATA, Answer, BallotContest, ballot, by_parsed_address, by_point, by_uik


class LookupQuery(Schema):
    address: str | None = Field(None, max_length=200, description="a home address as people write it")
    uik: int | None = Field(None, ge=1, le=99_999, description="precinct (UIK) number")
    region: int | None = Field(None, ge=1, description="region id, when the UIK number is ambiguous")
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)


class QuestionError(ValueError):
    """The query does not give exactly one way in."""


def question(q: LookupQuery) -> tuple:
    """The query reduced to what decides the answer: ("address", parsed), ("uik", n, region) or ("point", lat, lon).

    Addresses typed differently that parse alike ("Садовая 108", "садовая ул. 108") are one question; a
    point is taken to about a metre.
    """
    given = [
        q.address is not None and q.address.strip() != "",
        q.uik is not None,
        q.lat is not None or q.lon is not None,
    ]
    if sum(given) != 1:
        raise QuestionError(_("Type your address, or your precinct's number, or use your location."))
    if given[0] and q.address is not None:
        a = parse(q.address)
        return ("address", tuple(a.street), a.kind, a.house, a.house_to, a.korpus, a.litera)
    if given[1]:
        return ("uik", q.uik, q.region)
    if q.lat is None or q.lon is None:
        raise QuestionError(_("Give both coordinates of the point."))
    return ("point", round(q.lat, 5), round(q.lon, 5))


@dataclass(frozen=True)
class Reply:
    answer: Answer
    contests: list[BallotContest]  # the ballot of the precinct found
    status: int  # the API's: 200, or 404 when nothing was found
    body: bytes  # the API's JSON: LookupOut, or {"detail": message}


def compute_reply(language: str, kind: str, *args) -> Reply:
    """The answer to one question in one language, with its ballot and its JSON.

    The JSON is LookupOut exactly (every field, in order; the tests check each kind of answer against the
    schema), written without validating it again on every cold answer, where it cost a third of the time.
    """
    with translation.override(language):
        if kind == "address":
            street, *rest = args
            answer = by_parsed_address(Address(list(street), *rest))
        elif kind == "uik":
            answer = by_uik(*args)
        else:
            answer = by_point(*args)
        contests = ballot(answer.precinct) if answer.precinct else []
        if answer.status == "not_found":
            return Reply(answer, contests, 404, json.dumps({"detail": answer.message}, ensure_ascii=False).encode())
        body = json.dumps(as_json(answer, contests), cls=DjangoJSONEncoder, ensure_ascii=False).encode()
        return Reply(answer, contests, 200, body)


REPLIES = Cached(compute_reply, DATA, size=20_000)


def reply(q: LookupQuery) -> Reply:
    """The reply to a valid query in the active language (QuestionError when it gives not one way in)."""
    return REPLIES.get(translation.get_language(), *question(q))


def as_json(result: Answer, contests: list[BallotContest]) -> dict[str, Any]:
    p = result.precinct
    venue = p and p.venue
    return {
        "status": result.status,
        "message": result.message,
        "matched_by": result.matched_by,
        "precinct_id": p and p.pk,
        "uik": p and p.code,
        "region": p and p.region.name,
        "venue": {
            "name": venue.name,
            "address": venue.address,
            "latitude": venue.latitude,
            "longitude": venue.longitude,
        }
        if venue
        else None,
        "distance_km": result.distance_km,
        "contests": [asdict(c) for c in contests],
        "choices": [asdict(c) for c in result.choices],
    }
