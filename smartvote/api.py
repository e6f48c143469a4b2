"""Smart voting's API: forecasts per contest with their evidence, and the signed lists."""

import hashlib
from datetime import datetime

from ninja import Field, Router, Schema
from ninja.errors import HttpError

from core import keys
from elections.models import Contest, Election
from smartvote.models import ListVersion
from smartvote.publish import changes, check, latest_forecast, scope

router = Router(tags=["smart voting"])


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


class CoverageOut(Schema):
    election: str = Field(description="the earlier election whose precinct results were carried")
    cleaned: bool = Field(description="the ruling list's votes less the forensic excess estimate")
    precincts: int
    by_number: int = Field(description="precincts matched by their number")
    by_coordinates: int = Field(description="…by the nearest polling-station building")
    by_commission: int = Field(0, description="…by their TIK")
    missing: int


class ContestForecastOut(Schema):
    contest_id: int
    number: int
    name: str
    recommended: int | None = Field(description="candidate_id of the forecast's pick")
    candidates: list[CandidateForecastOut]
    coverage: list[CoverageOut] = Field(description="how earlier results were carried onto the district")


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
    trusted: bool = Field(
        description="whether the signature holds for a key of the organisers' chain that is not "
        "revoked (checked by this server; check it yourself with keys.json)"
    )
    demo: bool = Field(description="signed with the demo's own key: not a real recommendation")
    region: str | None = Field(
        description="the one region whose districts this version covers (the others keep the picks of the last "
        "version covering them); null: the whole election"
    )


class VersionDetailOut(VersionOut):
    payload: str = Field(description="the signed JSON document, exactly as signed")
    changes: list[dict] = Field(description="what changed against the picks in force before this version")


def election_or_404(slug: str) -> Election:
    election = Election.objects.filter(slug=slug).first()
    if election is None:
        raise HttpError(404, f"no election {slug}")
    return election


def version_out(version: ListVersion, current=None) -> dict:
    """A version with the server's verdict on its signature; ``current``: the key chain, when read already."""
    verdict = check(version, current)
    return {
        "number": version.number,
        "published": version.published,
        "signature": version.signature,
        "public_key": version.public_key,
        "sha256": hashlib.sha256(version.payload.encode()).hexdigest(),
        "trusted": verdict.trusted,
        "demo": verdict.demo,
        "region": scope(version),
    }


class KeysOut(Schema):
    public_key: str | None = Field(description="the root: the first Ed25519 key of the organisers' chain, base64")
    fingerprint: str | None = Field(description="the root's fingerprint, as the organisers publish it")
    algorithm: str = "Ed25519"
    demo: bool = Field(description="the root is the demo's own key")
    keyring: dict | None = Field(
        description="the key chain (veche-keyring/1): rotations and revocations, each signed; follow it from the root"
    )


@router.get(
    "/smartvote/public-key",
    response=KeysOut,
    summary="The organisers' signing keys: the pinned root and the chain from it",
)
def signing_public_key(request):
    known = keys.standing()
    return {
        "public_key": known["root"],
        "fingerprint": known["fingerprint"],
        "demo": known["demo"],
        "keyring": known["chain"] and known["chain"].document(),
    }


@router.get(
    "/smartvote/{slug}/forecast",
    response=ForecastOut,
    summary="The latest forecast of an election, per contest, with the evidence",
)
def election_forecast(request, slug: str):
    election = election_or_404(slug)
    forecast = latest_forecast(election)
    if forecast is None:
        raise HttpError(404, f"no forecast for {slug} yet")
    return {
        "election": slug,
        "created": forecast.created,
        "draws": forecast.draws,
        "inputs": forecast.inputs,
        "contests": forecast.contests,
    }


@router.get(
    "/smartvote/contests/{contest_id}/forecast",
    response=ContestForecastOut,
    summary="The latest forecast of one contest",
)
def contest_forecast(request, contest_id: int):
    contest = Contest.objects.select_related("election").filter(pk=contest_id).first()
    forecast = latest_forecast(contest.election) if contest else None
    data = forecast.contest(contest_id) if forecast else None
    if data is None:
        raise HttpError(404, f"no forecast for contest {contest_id}")
    return data


@router.get(
    "/smartvote/{slug}/lists",
    response=list[VersionOut],
    summary="The published versions of an election's list, newest first",
)
def list_versions(request, slug: str):
    current = keys.standing()["chain"]  # read once, not per version
    return [version_out(v, current) for v in election_or_404(slug).list_versions.order_by("-number")]


@router.get(
    "/smartvote/{slug}/lists/{number}",
    response=VersionDetailOut,
    summary="One published version: the signed payload, its signature, the changes",
)
def list_version(request, slug: str, number: int):
    version = election_or_404(slug).list_versions.filter(number=number).first()
    if version is None:
        raise HttpError(404, f"no version {number} of {slug}")
    return {**version_out(version), "payload": version.payload, "changes": changes(version)}
