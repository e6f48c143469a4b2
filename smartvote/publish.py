"""Organisers' decisions and the signed, versioned lists they publish.

A list version is a canonical JSON document (sorted keys, UTF-8, no
spaces) holding, per contest, the recommended candidate, where the pick
came from (the forecast or an organiser's override, with the reason) and
its probabilities, plus the SHA-256 of the previous version: versions form
a chain, and a mirror can check that none was dropped. The document is
signed with Ed25519 (PyNaCl); the signing key comes from the environment
or a file outside the database (veche.secrets), so a seized database
cannot forge a list.
"""

from __future__ import annotations

import base64
import hashlib
import json

from django.db import IntegrityError, transaction
from django.utils import timezone
from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey

from elections.models import Candidate, Contest, Election
from smartvote.models import Forecast, ListVersion, Override
from veche.secrets import secret


class PublishError(Exception):
    """Publishing is not possible now; the message says why."""


def signing_key() -> SigningKey:
    """The organisers' Ed25519 key: the SHA-256 of the secret `smartvote_signing_key`."""
    return SigningKey(hashlib.sha256(secret("smartvote_signing_key").encode()).digest())


def public_key() -> str:
    return base64.b64encode(bytes(signing_key().verify_key)).decode()


def canonical(document: dict) -> bytes:
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def verify(payload: bytes, signature: str, key: str) -> bool:
    """True when ``signature`` (base64) is the key's signature of exactly these bytes."""
    try:
        VerifyKey(base64.b64decode(key, validate=True)).verify(payload, base64.b64decode(signature, validate=True))
    except (BadSignatureError, ValueError, TypeError):
        return False
    return True


def latest_forecast(election: Election) -> Forecast | None:
    return election.forecasts.order_by("-created", "-id").first()


def overrides_in_force(election: Election) -> dict[int, Override]:
    """contest_id → the latest override, where it does more than return to the forecast."""
    latest = {}
    for override in Override.objects.filter(contest__election=election).select_related(
            "candidate__person", "candidate__party", "author").order_by("created", "id"):
        latest[override.contest_id] = override
    return {k: v for k, v in latest.items() if v.candidate_id or v.no_recommendation}


def override(contest: Contest, user, reason: str, candidate: Candidate | None = None,
             no_recommendation: bool = False) -> Override:
    """Record an organiser's decision; the reason is required, the candidate must stand in the contest."""
    reason = (reason or "").strip()
    if not reason:
        raise PublishError("an override needs a written reason")
    if len(reason) > 2000:
        raise PublishError("the reason is longer than 2,000 characters")
    if candidate is not None and candidate.contest_id != contest.pk:
        raise PublishError(f"{candidate.person} does not stand in {contest.name}")
    if candidate is not None and no_recommendation:
        raise PublishError("choose a candidate or no recommendation, not both")
    return Override.objects.create(contest=contest, candidate=candidate, no_recommendation=no_recommendation,
                                   reason=reason, author=user)


def picks(election: Election, forecast: Forecast) -> list[dict]:
    """Per contest, what a list published now would say."""
    forced = overrides_in_force(election)
    out = []
    for contest in forecast.contests:
        by_id = {c["candidate_id"]: c for c in contest["candidates"]}
        decision = forced.get(contest["contest_id"])
        row = {"contest_id": contest["contest_id"], "number": contest["number"], "contest": contest["name"]}
        if decision and decision.no_recommendation:
            row.update(source="override", reason=decision.reason, candidate=None)
        else:
            chosen = decision.candidate_id if decision else contest["recommended"]
            cand = by_id.get(chosen)
            row.update(source="override" if decision else "forecast", reason=decision.reason if decision else "",
                       candidate=cand and {"id": cand["candidate_id"], "name": cand["name"], "party": cand["party"],
                                           "p_best": cand.get("p_best"), "p_beat": cand.get("p_beat"),
                                           "p_win": cand.get("p_win"), "mean": cand.get("mean")})
        out.append(row)
    return out


def publish(election: Election, user) -> ListVersion:
    """Sign and store the next version of the election's list."""
    forecast = latest_forecast(election)
    if forecast is None:
        raise PublishError(f"{election.slug}: no forecast yet; compute one first")
    key = signing_key()
    for _attempt in range(3):
        try:
            with transaction.atomic():
                previous = election.list_versions.order_by("-number").first()
                number = previous.number + 1 if previous else 1
                now = timezone.now().replace(microsecond=0)
                document = {
                    "format": "veche-smartvote-list/1",
                    "election": {"slug": election.slug, "name": election.name, "date": election.date.isoformat()},
                    "version": number,
                    "published": now.isoformat(),
                    "previous_sha256": hashlib.sha256(previous.payload.encode()).hexdigest() if previous else None,
                    "forecast": {"created": forecast.created.isoformat(), "draws": forecast.draws},
                    "recommendations": picks(election, forecast),
                }
                payload = canonical(document)
                return ListVersion.objects.create(
                    election=election, number=number, published=now, author=user, payload=payload.decode(),
                    signature=base64.b64encode(key.sign(payload).signature).decode(),
                    public_key=base64.b64encode(bytes(key.verify_key)).decode())
        except IntegrityError:  # another organiser published the same number a moment earlier
            continue
    raise PublishError("the list is being published by someone else; try again")


def document(version: ListVersion) -> dict:
    return json.loads(version.payload)


def diff(old: ListVersion | None, new: ListVersion) -> list[dict]:
    """What changed per contest from one version to the next."""
    before = {r["contest_id"]: r for r in document(old)["recommendations"]} if old else {}
    changes = []
    for row in document(new)["recommendations"]:
        was = before.pop(row["contest_id"], None)
        old_name = was and was["candidate"] and was["candidate"]["name"]
        new_name = row["candidate"] and row["candidate"]["name"]
        if was is None:
            changes.append({"contest": row["contest"], "change": "added", "before": None, "after": new_name,
                            "reason": row["reason"]})
        elif old_name != new_name:
            changes.append({"contest": row["contest"], "change": "changed", "before": old_name, "after": new_name,
                            "reason": row["reason"]})
    for was in before.values():
        changes.append({"contest": was["contest"], "change": "removed",
                        "before": was["candidate"] and was["candidate"]["name"], "after": None, "reason": ""})
    return changes


def previous_version(version: ListVersion) -> ListVersion | None:
    return version.election.list_versions.filter(number__lt=version.number).order_by("-number").first()
