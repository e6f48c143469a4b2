"""Organisers' decisions and the signed, versioned lists they publish.

A list version is a canonical JSON document (core.signing.canonical)
holding, per contest, the recommended candidate, where the pick came from
(the forecast or an organiser's override, with the reason) and its
probabilities, plus the SHA-256 of the previous version: versions form a
chain, and a mirror can check that none was dropped.

The server never holds the organisers' signing key. Publishing is three steps:

1. ``prepare`` freezes what a list published now would say as a draft
   (``ListDraft``) with its number and the hash of the version before;
2. the organisers download it as a signing request and sign it on their
   offline machine with core/signing.py, which shows them the list and what
   changed since the last version;
3. ``publish_signed`` takes the signature back (editorial desk, or
   ``manage.py smartvote_publish``), checks it against the organisers' key
   chain and the draft, and only then stores the version.

A version covers the whole election or, with ``"region"``, one region's
districts (a national election's 225 are argued over a region at a time);
numbers and the chain run per election whatever a version covers, and a
district's pick in force is the newest trusted version covering it
(core.signing.in_force, which the mirror's script repeats).

In demo mode without an organisers' root, ``publish_demo`` runs the three
steps with the demo key, and the document itself says ``"demo": true``.
Every reader checks again (``check``, ``latest_trusted``): a version someone
wrote into the database without the organisers' key is never shown as
signed nor used.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from core import keys, signing
from core.signing import SigningError, canonical
from core.stored import read, stored
from elections.models import Candidate, Contest, Election
from smartvote.models import Forecast, ListDraft, ListVersion, Override

# The reason a signed list gives for a district without a pick where nobody of the ruling side is on record (in the
# organisers' language, as their own reasons are).
NO_RULING = "кандидат правящей партии в округе не указан: решение за организаторами"


class PublishError(Exception):
    """Publishing is not possible now; the message says why."""


@dataclass
class Verdict:
    """What a reader may conclude from a version's signature."""

    trusted: bool
    message: str
    fingerprint: str = ""
    status: str = ""  # the signer's standing in the chain: current, retired (or revoked, when not trusted)
    demo: bool = False


def latest_forecast(election: Election) -> Forecast | None:
    return election.forecasts.order_by("-created", "-id").first()


def overrides_in_force(election: Election) -> dict[int, Override]:
    """contest_id → the latest override, where it does more than return to the forecast."""
    latest = {}
    for override in (
        Override.objects.filter(contest__election=election)
        .select_related("candidate__person", "candidate__party", "author")
        .order_by("created", "id")
    ):
        latest[override.contest_id] = override
    return {k: v for k, v in latest.items() if v.candidate_id or v.no_recommendation}


def override(
    contest: Contest, user, reason: str, candidate: Candidate | None = None, no_recommendation: bool = False
) -> Override:
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
    return Override.objects.create(
        contest=contest, candidate=candidate, no_recommendation=no_recommendation, reason=reason, author=user
    )


@dataclass(frozen=True)
class ListCandidate:
    """The candidate a list recommends, with the forecast's figures as they were when it was signed."""

    id: int
    name: str
    party: str
    p_best: float | None = None
    p_beat: float | None = None
    p_win: float | None = None
    mean: float | None = None


@dataclass(frozen=True)
class ListRow:
    """A contest's row of a signed list (``recommendations`` of the document; core.signing folds the rows)."""

    contest_id: int
    number: int
    contest: str
    region: str | None  # each row names its region: a later version for one region knows which rows it replaces
    source: str  # forecast or override
    reason: str
    candidate: ListCandidate | None  # None: no recommendation in this contest


def picks(election: Election, forecast: Forecast, region: str | None = None) -> list[ListRow]:
    """Per contest (of one region, when given), what a list published now would say."""
    forced = overrides_in_force(election)
    out = []
    for contest in forecast.forecasts():
        if region is not None and contest.region != region:
            continue
        decision = forced.get(contest.contest_id)
        if decision and decision.no_recommendation:
            source, reason, cand = "override", decision.reason, None
        else:
            source = "override" if decision else "forecast"
            # Said in the list itself: a district with nobody to beat on record has no pick until the organisers
            # mark whom the ruling party backs or decide.
            reason = decision.reason if decision else NO_RULING if contest.no_ruling else ""
            cand = contest.candidate(decision.candidate_id if decision else contest.recommended)
        out.append(
            ListRow(
                contest_id=contest.contest_id,
                number=contest.number,
                contest=contest.name,
                region=contest.region or None,
                source=source,
                reason=reason,
                candidate=None
                if cand is None
                else ListCandidate(
                    cand.candidate_id, cand.name, cand.party, cand.p_best, cand.p_beat, cand.p_win, cand.mean
                ),
            )
        )
    return out


def forecast_regions(forecast: Forecast) -> list[str]:
    """The regions a forecast's districts lie in, by name (a list may be published for one of them)."""
    return sorted({c.region for c in forecast.forecasts()} - {""})


def region_named(forecast: Forecast, election: Election, text: str) -> str:
    """The forecast's region a name given on the command line means: itself, or the one region whose name
    contains it ("Москва" for "город Москва"); PublishError when none or several do."""
    regions = forecast_regions(forecast)
    if text in regions:
        return text
    found = [r for r in regions if text.strip().casefold() in r.casefold()] if text.strip() else []
    if len(found) == 1:
        return found[0]
    if not found:
        raise PublishError(
            _("%(slug)s: no district of the forecast lies in the region %(region)s.")
            % {"slug": election.slug, "region": text}
        )
    raise PublishError(
        _("%(region)s names several regions: %(found)s; give the whole name.")
        % {"region": text, "found": ", ".join(found)}
    )


def document_for(
    election: Election, number: int, previous: ListVersion | None, demo: bool, region: str | None = None
) -> dict:
    """The list version a signature will cover: what is published now (for one region's districts, when given),
    chained to the version before."""
    forecast = latest_forecast(election)
    if forecast is None:
        raise PublishError(_("%(slug)s: no forecast yet; compute one first.") % {"slug": election.slug})
    if region is not None:
        region = region_named(forecast, election, region)
    document = {
        "format": signing.LIST_FORMAT,
        "election": {"slug": election.slug, "name": election.name, "date": election.date.isoformat()},
        "version": number,
        "published": timezone.now().replace(microsecond=0).isoformat(),
        "previous_sha256": hashlib.sha256(previous.payload.encode()).hexdigest() if previous else None,
        "forecast": {"created": forecast.created.isoformat(), "draws": forecast.draws},
        "recommendations": [stored(row) for row in picks(election, forecast, region)],
    }
    if region is not None:
        document["region"] = region
    if demo:
        document["demo"] = True
    return document


def prepare(election: Election, user, region: str | None = None) -> ListDraft:
    """Freeze the list as it stands (one region's districts, when given) as the next version's draft, for the
    organisers to sign offline. One draft per election: the chain is one line, so only one can come next."""
    if keys.signing_root() is None:
        raise PublishError(
            _(
                "No signing key is configured: the organisers make their key chain offline "
                "(core/signing.py new-root) and the server is given its root as VECHE_SIGNING_ROOT."
            )
        )
    previous = election.list_versions.order_by("-number").first()
    number = previous.number + 1 if previous else 1
    payload = canonical(
        document_for(election, number, previous, demo=keys.demo_signing_key() is not None, region=region)
    )
    draft, _created = ListDraft.objects.update_or_create(
        election=election, defaults={"number": number, "payload": payload.decode(), "author": user}
    )
    return draft


def signing_request(draft: ListDraft) -> bytes:
    """The file the organisers carry to the offline machine: the draft, the signed version it follows, and the
    signed versions in force for what it covers (the tool shows the changes against them)."""
    previous = draft.election.list_versions.filter(number=draft.number - 1).first()
    now = in_force(draft.election)
    earlier = sorted(
        {now.source[k] for k, row in now.rows.items() if draft.region is None or row.get("region") == draft.region},
        key=lambda v: v.number,
    )
    return json.dumps(
        {
            "format": signing.REQUEST_FORMAT,
            "payload": draft.payload,
            "previous": previous
            and {
                "payload": previous.payload,
                "signature": signing.signature_record(previous.public_key, previous.signature),
            },
            "earlier": [
                {"payload": v.payload, "signature": signing.signature_record(v.public_key, v.signature)}
                for v in earlier
            ],
        },
        ensure_ascii=False,
        indent=1,
    ).encode()


def publish_signed(election: Election, signature_file, user) -> ListVersion:
    """Publish the election's draft with the organisers' signature of it; PublishError (nothing stored) if the
    signature is not theirs, not of this draft, or the draft no longer follows the latest version."""
    try:
        signature = signing.parse_signature(signature_file)
    except SigningError as exc:
        raise PublishError(str(exc)) from None
    with transaction.atomic():
        draft = ListDraft.objects.select_for_update().filter(election=election).first()
        if draft is None:
            raise PublishError(_("There is no list awaiting a signature: prepare one first."))
        latest = election.list_versions.order_by("-number").first()
        if draft.number != (latest.number + 1 if latest else 1) or json.loads(draft.payload)["previous_sha256"] != (
            latest and hashlib.sha256(latest.payload.encode()).hexdigest()
        ):
            raise PublishError(
                _(
                    "Another version was published after this draft was prepared: prepare the "
                    "list again and sign the new draft."
                )
            )
        try:
            current = keys.chain()
            if current is None:
                raise SigningError(_("No signing key is configured on this server."))
            signer = current.check(draft.payload.encode(), signature)
        except SigningError as exc:
            raise PublishError(_("The signature was refused: %(why)s") % {"why": exc}) from None
        document = json.loads(draft.payload)
        try:
            with transaction.atomic():
                version = ListVersion.objects.create(
                    election=election,
                    number=draft.number,
                    author=user,
                    payload=draft.payload,
                    published=datetime.fromisoformat(document["published"]),
                    signature=signature["signature"],
                    public_key=signer,
                )
        except IntegrityError:
            raise PublishError(_("This version was published a moment ago by someone else.")) from None
        draft.delete()
    return version


def publish_demo(election: Election, user, region: str | None = None) -> ListVersion:
    """Demo mode only: the three steps at once, signed with the demo key the server holds."""
    key = keys.demo_signing_key()
    if key is None:
        raise PublishError(_("Only the demo signs on the server; these lists are signed offline by the organisers."))
    draft = prepare(election, user, region)
    return publish_signed(election, signing.sign(draft.payload.encode(), key), user)


def check(version: ListVersion, current: signing.Chain | None = None) -> Verdict:
    """Is this stored version the organisers' signed document for this election and number?"""
    fingerprint = ""
    try:
        fingerprint = signing.fingerprint(version.public_key)
        current = current or keys.chain()
        if current is None:
            raise SigningError(_("No signing key is configured on this server: no list can be trusted."))
        signer = current.check(version.payload.encode(), {"key": version.public_key, "signature": version.signature})
        data = json.loads(version.payload)
        if data.get("version") != version.number or data.get("election", {}).get("slug") != version.election.slug:
            raise SigningError(_("The signed document is for another election or version than the one shown."))
    except SigningError as exc:
        return Verdict(False, str(exc), fingerprint)
    return Verdict(True, "", fingerprint, current.status[signer], bool(data.get("demo")))


def trusted_versions(
    election: Election, current: signing.Chain | None = None, before: int | None = None
) -> list[ListVersion]:
    """The election's versions whose signature holds, newest first (before a number, when given); an untrusted
    row someone added is passed over. ``current`` is the key chain when the caller has read it already."""
    try:
        current = current or keys.chain()
    except SigningError:
        return []
    if current is None:
        return []
    versions = election.list_versions.order_by("-number").select_related("election")
    if before is not None:
        versions = versions.filter(number__lt=before)
    return [v for v in versions if check(v, current).trusted]


def latest_trusted(election: Election, current: signing.Chain | None = None) -> ListVersion | None:
    """The newest version whose signature holds, whatever it covers."""
    found = trusted_versions(election, current)
    return found[0] if found else None


@dataclass
class InForce:
    """What voters are shown: per contest, the row of the newest trusted version covering it."""

    rows: dict[int, dict]  # contest id → its row of the signed document
    source: dict[int, ListVersion]  # contest id → the version that row comes from

    @property
    def versions(self) -> list[ListVersion]:
        """Every version still giving a pick, oldest first: what a mirror must carry."""
        return sorted(set(self.source.values()), key=lambda v: v.number)


def in_force(election: Election, current: signing.Chain | None = None, before: int | None = None) -> InForce:
    """The picks in force (just before version ``before``, when given): the trusted versions folded in their
    numbered order (core.signing.in_force: a region's version replaces that region's rows alone)."""
    return folded(trusted_versions(election, current, before))


def folded(trusted: list[ListVersion]) -> InForce:
    """The picks in force after these trusted versions (for a caller that has checked them already)."""
    versions = {}
    documents = []
    for version in trusted:
        data = document(version)
        versions[data["version"]] = version
        documents.append(data)
    rows = signing.in_force(documents)
    return InForce(
        rows={k: row for k, (row, _source) in rows.items()},
        source={k: versions[source["version"]] for k, (_row, source) in rows.items()},
    )


def last_published_day() -> date | None:
    """The date of the latest election with a published list, or None."""
    day: date | None = ListVersion.objects.aggregate(d=Max("election__date"))["d"]
    return day


@dataclass(frozen=True)
class PublishedPick:
    """A contest's row in force, as the lookup shows it."""

    version: int
    candidate: ListCandidate | None
    source: str  # forecast or override
    reason: str


def published_picks(election_id: int) -> dict[int, PublishedPick]:
    """{contest id: its pick in force} from the election's versions whose organisers' signature holds, each
    from the newest version covering the contest (a row written without the organisers' key never reaches
    voters); empty when nothing is published."""
    found = in_force(Election.objects.get(pk=election_id))
    return {
        k: PublishedPick(
            found.source[k].number,
            read(ListCandidate, row["candidate"]) if row["candidate"] else None,
            row["source"],
            row["reason"],
        )
        for k, row in found.rows.items()
    }


def document(version: ListVersion) -> dict:
    found: dict[str, Any] = json.loads(version.payload)
    return found


def changes(version: ListVersion, current: signing.Chain | None = None) -> list[dict]:
    """What changed per contest against the picks in force before this version (within its region, for a
    region's version); the signing tool shows the organisers the same."""
    earlier = trusted_versions(version.election, current, before=version.number)
    return signing.list_changes(signing.before_version([document(v) for v in earlier]), document(version))


def scope(version: ListVersion) -> str | None:
    """The region a version covers, or None for the whole election."""
    return document(version).get("region")
