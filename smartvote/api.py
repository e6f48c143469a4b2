"""Smart voting's API: the lookup (precinct and ballot by address, UIK or point), forecasts, signed lists."""

import hashlib
import json
from datetime import date, datetime

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.utils import translation
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from elections.models import Contest, Election
from smartvote.addresses import Address, parse
from smartvote.lookup import Answer, Cached, ballot, by_parsed_address, by_point, by_uik, data_stamp
from smartvote.models import ListVersion
from smartvote.publish import check, diff, latest_forecast, previous_version
from veche import keys

router = Router(tags=["lookup"])


class LookupQuery(Schema):
    address: str | None = Field(None, max_length=200, description="a home address as people write it")
    uik: int | None = Field(None, ge=1, le=99_999, description="precinct (UIK) number")
    region: int | None = Field(None, ge=1, description="region id, when the UIK number is ambiguous")
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)


class Choice(Schema):
    precinct_id: int
    uik: str
    region: str
    region_id: int
    venue_id: int | None
    venue: str
    address: str
    distance_km: float | None = None


class CandidateOut(Schema):
    name: str
    party: str | None
    self_nominated: bool


class ContestOut(Schema):
    contest_id: int
    election: str
    election_slug: str
    date: date
    kind: str
    name: str
    area: str
    number: int
    candidates: list[CandidateOut]
    recommendation: dict | None = Field(None, description="the smart-voting pick, once lists are published")


class VenueOut(Schema):
    name: str
    address: str
    latitude: float | None
    longitude: float | None


class Message(Schema):
    detail: str


class LookupOut(Schema):
    status: str = Field(description="found, or choose (see choices)")
    message: str
    matched_by: str
    precinct_id: int | None = None
    uik: str | None = None
    region: str | None = None
    venue: VenueOut | None = None
    distance_km: float | None = None
    contests: list[ContestOut] = []
    choices: list[Choice] = []


def question(q: LookupQuery) -> tuple:
    """The query reduced to what decides the answer: ("address", parsed), ("uik", n, region) or ("point", lat, lon).

    Addresses typed differently that parse alike ("Садовая 108", "садовая ул. 108") are one question; a
    point is taken to about a metre.
    """
    given = [q.address is not None and q.address.strip() != "", q.uik is not None,
             q.lat is not None or q.lon is not None]
    if sum(given) != 1:
        raise HttpError(400, "Give one of: address, uik (with region if needed), or lat and lon.")
    if given[0]:
        a = parse(q.address)
        return ("address", tuple(a.street), a.kind, a.house, a.house_to, a.korpus, a.litera)
    if given[1]:
        return ("uik", q.uik, q.region)
    if q.lat is None or q.lon is None:
        raise HttpError(400, "Give both lat and lon.")
    return ("point", round(q.lat, 5), round(q.lon, 5))


def respond(language: str, kind: str, *args) -> tuple[int, bytes]:
    """(status, JSON body) of one question, kept until the data change: voters of one precinct ask the same.

    The body is LookupOut exactly (every field, in order; the tests check each kind of answer against the
    schema), written without validating it again on every cold answer, where it cost a third of the time.
    """
    with translation.override(language):
        if kind == "address":
            street, *rest = args
            result = by_parsed_address(Address(list(street), *rest))
        elif kind == "uik":
            result = by_uik(*args)
        else:
            result = by_point(*args)
        if result.status == "not_found":
            return 404, json.dumps({"detail": result.message}, ensure_ascii=False).encode()
        return 200, json.dumps(as_json(result), cls=DjangoJSONEncoder, ensure_ascii=False).encode()


RESPONSES = Cached(respond, size=20_000)


def as_json(result: Answer) -> dict:
    p = result.precinct
    venue = p and p.venue
    return {"status": result.status, "message": result.message, "matched_by": result.matched_by,
            "precinct_id": p and p.pk, "uik": p and p.code, "region": p and p.region.name,
            "venue": {"name": venue.name, "address": venue.address, "latitude": venue.latitude,
                      "longitude": venue.longitude} if venue else None,
            "distance_km": result.distance_km, "contests": ballot(p) if p else [], "choices": result.choices}


@router.get("/lookup", response={200: LookupOut, 404: Message},
            summary="Where do I vote, and what is on my ballot?")
def lookup(request, q: Query[LookupQuery]):
    status, body = RESPONSES.get(data_stamp(), translation.get_language(), *question(q))
    return HttpResponse(body, status=status, content_type="application/json")


# -- forecasts and published lists ---------------------------------------------
lists_router = Router(tags=["smart voting"])


class EvidenceOut(Schema):
    input: str = Field(description="history, base, or a candidate fact's kind")
    label: str
    value: str | float | int | None = None
    election: str | None = None
    weight: float | None = None
    share: float | None = None
    note: str | None = None
    source: str | None = None
    effect: float | None = Field(None, description="added to the candidate's log strength")


class CandidateForecastOut(Schema):
    candidate_id: int
    name: str
    party: str
    role: str = Field(description="ruling, aligned, eligible or withdrawn")
    base: float | None = Field(None, description="starting share, % (from earlier results or a fixed prior)")
    mean: float | None = Field(None, description="forecast share of the candidates' vote, %")
    low: float | None = Field(None, description="10th percentile of the simulated share, %")
    high: float | None = Field(None, description="90th percentile, %")
    p_best: float | None = Field(None, description="probability of being the strongest non-ruling finisher")
    p_beat: float | None = Field(None, description="probability of finishing ahead of every ruling candidate")
    p_win: float | None = Field(None, description="probability of winning the seat")
    evidence: list[EvidenceOut]


class ContestForecastOut(Schema):
    contest_id: int
    number: int
    name: str
    recommended: int | None = Field(description="candidate_id of the forecast's pick")
    candidates: list[CandidateForecastOut]
    coverage: list[dict] = Field(description="how earlier results were carried onto the district")


class ForecastOut(Schema):
    election: str
    created: datetime
    draws: int
    inputs: dict
    contests: list[ContestForecastOut]


class VersionOut(Schema):
    number: int
    published: datetime
    sha256: str = Field(description="SHA-256 of the payload")
    signature: str = Field(description="Ed25519 signature of the payload's UTF-8 bytes, base64")
    public_key: str = Field(description="the signer's Ed25519 public key, base64: a key of the organisers' chain")
    trusted: bool = Field(description="whether the signature holds for a key of the organisers' chain that is not "
                                      "revoked (checked by this server; check it yourself with keys.json)")
    demo: bool = Field(description="signed with the demo's own key: not a real recommendation")


class VersionDetailOut(VersionOut):
    payload: str = Field(description="the signed JSON document, exactly as signed")
    changes: list[dict] = Field(description="what changed since the previous version")


def election_or_404(slug: str) -> Election:
    election = Election.objects.filter(slug=slug).first()
    if election is None:
        raise HttpError(404, f"no election {slug}")
    return election


def version_out(version: ListVersion, current=None) -> dict:
    """A version with the server's verdict on its signature; ``current``: the key chain, when read already."""
    verdict = check(version, current)
    return {"number": version.number, "published": version.published, "signature": version.signature,
            "public_key": version.public_key, "sha256": hashlib.sha256(version.payload.encode()).hexdigest(),
            "trusted": verdict.trusted, "demo": verdict.demo}


class KeysOut(Schema):
    public_key: str | None = Field(description="the root: the first Ed25519 key of the organisers' chain, base64")
    fingerprint: str | None = Field(description="the root's fingerprint, as the organisers publish it")
    algorithm: str = "Ed25519"
    demo: bool = Field(description="the root is the demo's own key")
    keyring: dict | None = Field(description="the key chain (veche-keyring/1): rotations and revocations, each "
                                             "signed; follow it from the root")


@lists_router.get("/smartvote/public-key", response=KeysOut,
                  summary="The organisers' signing keys: the pinned root and the chain from it")
def signing_public_key(request):
    known = keys.standing()
    return {"public_key": known["root"], "fingerprint": known["fingerprint"], "demo": known["demo"],
            "keyring": known["chain"] and known["chain"].document()}


@lists_router.get("/smartvote/{slug}/forecast", response=ForecastOut,
                  summary="The latest forecast of an election, per contest, with the evidence")
def election_forecast(request, slug: str):
    election = election_or_404(slug)
    forecast = latest_forecast(election)
    if forecast is None:
        raise HttpError(404, f"no forecast for {slug} yet")
    return {"election": slug, "created": forecast.created, "draws": forecast.draws, "inputs": forecast.inputs,
            "contests": forecast.contests}


@lists_router.get("/smartvote/contests/{contest_id}/forecast", response=ContestForecastOut,
                  summary="The latest forecast of one contest")
def contest_forecast(request, contest_id: int):
    contest = Contest.objects.select_related("election").filter(pk=contest_id).first()
    forecast = latest_forecast(contest.election) if contest else None
    data = forecast.contest(contest_id) if forecast else None
    if data is None:
        raise HttpError(404, f"no forecast for contest {contest_id}")
    return data


@lists_router.get("/smartvote/{slug}/lists", response=list[VersionOut],
                  summary="The published versions of an election's list, newest first")
def list_versions(request, slug: str):
    current = keys.standing()["chain"]  # read once, not per version
    return [version_out(v, current) for v in election_or_404(slug).list_versions.order_by("-number")]


@lists_router.get("/smartvote/{slug}/lists/{number}", response=VersionDetailOut,
                  summary="One published version: the signed payload, its signature, the changes")
def list_version(request, slug: str, number: int):
    version = election_or_404(slug).list_versions.filter(number=number).first()
    if version is None:
        raise HttpError(404, f"no version {number} of {slug}")
    return {**version_out(version), "payload": version.payload, "changes": diff(previous_version(version), version)}
