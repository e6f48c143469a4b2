"""The server's side of the board: one door for every entry, and the ballot's fast path.

Everything that reaches the board comes through ``append``: the manifest with the organisers' signature, the
trustees' deals, acceptances and partial decryptions, the credential authority's batches, the ballots, and the
entries the board computes itself (the election key once every trustee accepted, the close, the tally, the
result). Each is checked by the same rules a verifier replays (vote/board.py) before it is signed and stored, so
the server cannot put on the board what the verifier would refuse — and a seized one that does is caught.

A ballot is checked outside the lock (its proofs are the cost) against a per-process copy of what the vote needs
(key, fingerprint, questions, credentials); then, in one short transaction, the chain's head is taken, the line
signed and stored. The first statement of that transaction is an UPDATE of the vote's row, so that SQLite and
PostgreSQL alike give the append to one writer at a time and the chain never forks.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import secrets
import typing
import uuid
from collections.abc import Callable, Mapping
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.text import slugify
from django.utils.translation import gettext as _
from nacl.signing import SigningKey

from core import keys, signing
from core.cache import Cached, Freshness
from core.hours import known_zone, wall_clock
from core.ratelimit import allow
from vote import ballots, board, ceremony
from vote.ballots import canonical
from vote.documents import Line, Manifest, Question
from vote.group import ProtocolError
from vote.models import Entry, Vote

MIN_BALLOTS = 5  # a vote's default fewest counted ballots that its trustees decrypt (the definition sets its own)
MAX_BALLOT = 64 * 1024  # a ballot of ten questions of ten answers is ~40 KB


class VoteError(ValueError):
    """Refused, with the reason in the visitor's language; nothing was stored."""

    def __init__(self, message: str, status: int = 400, field: str = "__all__"):
        super().__init__(message)
        self.status, self.field = status, field


_BOARD_KEYS: dict[bytes, SigningKey] = {}


def board_key(vote: Vote) -> SigningKey:
    """The board's key, made once per process from its seed. Kept by the seed, not the vote's id: SQLite gives a
    deleted row's id to the next row, and a key kept by id then signed a new vote's board with the old one's key
    (seen in a test run whose rolled-back vote had the same id as the next test's)."""
    seed = bytes(vote.board_seed)
    if seed not in _BOARD_KEYS:
        _BOARD_KEYS[seed] = SigningKey(seed)
    return _BOARD_KEYS[seed]


def lines(vote: Vote, after: int = -1, limit: int | None = None, ballots: bool = True) -> list[dict]:
    rows = Entry.objects.filter(vote=vote, seq__gt=after).order_by("seq")
    if not ballots:
        rows = rows.exclude(kind="ballot")
    texts = rows.values_list("line", flat=True)
    return [json.loads(line) for line in (texts[:limit] if limit else texts)]


def replay(vote: Vote, check: bool = False, ballots: bool = True) -> board.State:
    """The board's state from its stored lines; ``check``: every signature and proof again (the verifier's work;
    without it the ballots are taken as checked on arrival and only their ciphertexts read); ``ballots=False``:
    the entries other than ballots only (what an open vote is: its key, questions and credentials)."""
    state = board.State()
    chain = keys.chain() if check else None
    for line in lines(vote, ballots=ballots):
        if check:
            board.take(state, line, chain)
        else:
            _trusting_take(state, line)
    return state


def _trusting_take(state: board.State, line: dict) -> None:
    entry = line["entry"]
    if entry["kind"] == "ballot":
        ballot = entry["payload"]
        cts = [[(bytes.fromhex(a), bytes.fromhex(b)) for a, b in answer["choices"]] for answer in ballot["answers"]]
        credential, tracked = ballot["credential"], ballots.tracker(ballot)
        state.last[credential] = (entry["seq"], cts)
        state.latest[credential], state.trackers[tracked] = tracked, entry["seq"]
        state.pass_of[credential], state.holder[ballot["pass"]] = ballot["pass"], credential
        state.ballots += 1
    else:
        board.apply(state, entry)
    board.advance(state, line)


def _write(vote: Vote, kind: str, payload: Mapping[str, Any], check: Callable[[Vote], None]) -> Line:
    """Append one line under the vote's lock; ``check(current)`` runs inside it, before the line is made."""
    with transaction.atomic():
        Vote.objects.filter(pk=vote.pk).update(length=F("length"))  # the write lock first: one appender at a time
        current = Vote.objects.get(pk=vote.pk)
        check(current)
        line = board.entry_line(current.length, kind, payload, current.head, board_key(current))
        Entry.objects.create(
            vote=current, seq=current.length, kind=kind, line=canonical(line).decode(), hash=line["hash"]
        )
        Vote.objects.filter(pk=vote.pk).update(head=line["hash"], length=current.length + 1)
    vote.head, vote.length = line["hash"], current.length + 1
    return line


# The ballot's append, the one write that comes by the hundred a second: four plain statements in one transaction.
# The names come from the models' metadata, never from input.
VOTES, ENTRIES = Vote._meta.db_table, Entry._meta.db_table
LOCK = f"UPDATE {VOTES} SET length = length WHERE id = %s"  # noqa: S608
HEAD = f"SELECT phase, head, length, ballots FROM {VOTES} WHERE id = %s"  # noqa: S608
INSERT = (
    f"INSERT INTO {ENTRIES} (vote_id, seq, kind, line, hash, tracker, credential, voting_pass) "  # noqa: S608
    "VALUES (%s, %s, 'ballot', %s, %s, %s, %s, %s)"
)
ADVANCE = f"UPDATE {VOTES} SET head = %s, length = %s, ballots = %s WHERE id = %s"  # noqa: S608
# The credential's last ballot (its tracker and pass), and the credential a pass voted with: what vote.board.admit
# needs of the board, read from two indexes under the lock.
LAST = (
    f"SELECT tracker, voting_pass, seq FROM {ENTRIES} WHERE vote_id = %s AND credential = %s "  # noqa: S608
    "ORDER BY seq DESC LIMIT 1"
)
HOLDER = f"SELECT credential FROM {ENTRIES} WHERE vote_id = %s AND voting_pass = %s LIMIT 1"  # noqa: S608


def _append_ballot(vote: Vote, ballot: dict[str, Any], tracker: str, context: CastContext) -> Line:
    credential, voting_pass = ballot["credential"], ballot["pass"]
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(LOCK, [vote.pk])
            cursor.execute(HEAD, [vote.pk])
            phase, head, length, count = cursor.fetchone()
            if phase != Vote.Phase.OPEN:
                raise VoteError(_("This vote is not open for ballots."), 409)
            # The board's rule (vote.board.admit) on the facts it needs, from the tables: one small state.
            # The lists as the cache keeps them (frozen, never copied per ballot): admit only reads them.
            state = board.State(
                credentials=typing.cast(set[str], context.credentials),
                passes=typing.cast(set[str], context.passes),
            )
            cursor.execute(LAST, [vote.pk, credential])
            last = cursor.fetchone()
            if last:  # (a ballot older than the last names an older previous: refused for that)
                state.latest[credential], state.pass_of[credential], state.trackers[last[0]] = last
            cursor.execute(HOLDER, [vote.pk, voting_pass])
            holder = cursor.fetchone()
            if holder:
                state.holder[voting_pass] = holder[0]
            try:
                board.admit(state, credential, voting_pass, ballot["previous"], tracker)
            except ProtocolError as exc:
                # "previous": another ballot of the credential came first; the browser builds anew after it.
                overtaken = ballot["previous"] != state.latest.get(credential, ballots.FIRST)
                raise VoteError(
                    _("The ballot is refused: %(why)s.") % {"why": str(exc)},
                    409,
                    "previous" if overtaken else "__all__",
                ) from None
            line = board.entry_line(length, "ballot", ballot, head, board_key(vote))
            cursor.execute(
                INSERT, [vote.pk, length, canonical(line).decode(), line["hash"], tracker, credential, voting_pass]
            )
            cursor.execute(ADVANCE, [line["hash"], length + 1, count + 1, vote.pk])
    except IntegrityError:  # the tracker is unique per vote: nothing was written
        raise VoteError(_("This ballot is already on the board."), 409) from None
    return line


def previous_of(vote: Vote, credential: str) -> str:
    """The tracker of a credential's last ballot on the board (``FIRST`` if none): what the voter's browser signs
    into a new ballot as its ``previous``. Nothing the board does not show."""
    last = (
        Entry.objects.filter(vote=vote, kind="ballot", credential=credential)
        .order_by("-seq")
        .values_list("tracker", flat=True)
        .first()
    )
    return last or ballots.FIRST


def append(vote: Vote, kind: str, payload: Mapping[str, Any]) -> Line:
    """Every entry but a ballot: checked by replaying the board with it, then stored; the phase follows."""
    holder = {}

    def check(current: Vote) -> None:
        state = replay(current)
        try:
            board.apply(
                state,
                {"seq": current.length, "kind": kind, "payload": payload, "prev": current.head},
                keys.chain() if kind == "manifest" else None,
            )
        except ProtocolError as exc:
            raise VoteError(str(exc)) from None
        holder["state"] = state

    line = _write(vote, kind, payload, check)
    state = holder["state"]
    fields = {"phase": _phase(state), "batches": state.batches + state.pass_batches}
    if state.key is not None:
        fields.update(public_key=state.key.hex(), fingerprint=state.fingerprint)
    Vote.objects.filter(pk=vote.pk).update(**fields)
    for name, value in fields.items():
        setattr(vote, name, value)
    _follow(vote, state)
    return line


def _phase(state: board.State) -> str:
    return {
        "empty": Vote.Phase.DRAFT,
        "setup": Vote.Phase.SETUP,
        "open": Vote.Phase.OPEN,
        "closed": Vote.Phase.CLOSED,
        "tally": Vote.Phase.TALLY,
        "result": Vote.Phase.RESULT,
    }[state.phase]


def _follow(vote: Vote, state: board.State) -> None:
    """What the board computes itself once it can: the key after the last acceptance, the result after the
    threshold's partial decryptions (or at once for a tally of no ballot)."""
    if state.key is None and state.manifest and state.accepted == set(state.indices):
        append(vote, "open", state.open_payload())
    elif state.tally is not None and state.result is None:
        if state.counted == 0 or len(state.partials) >= state.vote["threshold"]:
            append(vote, "result", state.result_payload())


# -- the ballot's fast path ----------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class CastContext:
    """What a ballot is checked against while the vote is open, as the board says it."""

    fingerprint: str  # the election's: every ballot proof is bound to it
    key: bytes  # the election key
    questions: list[Question]
    credentials: frozenset[str]  # the public credentials listed
    passes: frozenset[str]  # the registrar's voting passes listed


def _context(pk: int, fingerprint: str, batches: int, phase: str) -> CastContext:
    """What a ballot is checked against while the vote is open: no ballot is needed for it (a vote with 100,000
    ballots would otherwise be read whole by every worker at each new batch of credentials)."""
    state = replay(Vote.objects.get(pk=pk), ballots=False)
    if state.key is None:  # the row says open, the board has no key yet: nothing to check a ballot against
        raise VoteError(_("This vote is not open for ballots."), 409)
    return CastContext(
        fingerprint=state.fingerprint,
        key=state.key,
        questions=state.questions,
        credentials=frozenset(state.credentials),
        passes=frozenset(state.passes),
    )


# Keyed by the vote's batch count and phase, which the vote's row gives on every cast: a new batch of credentials
# or passes (each counts in ``batches``) or the close is seen at once, in every process. The election's fingerprint
# too: a new vote that SQLite gave a deleted one's id is never checked against the old one's key.
CONTEXT = Cached(_context, Freshness("vote-context", ["vote.Vote"], every=300), size=16)


def cast(vote: Vote, body: bytes, client_ip: str | None, limited: bool = True) -> Line:
    """Check a ballot as the verifier will and put it on the board: the receipt (its board line), or VoteError.
    ``limited``: counted against the client's hourly limit (every door from the network; the demo's own casts
    are not)."""
    if limited and not allow("vote-ballot", client_ip, *settings.VOTE_RATE_LIMITS):
        raise VoteError(_("Too many ballots from your network; try again in an hour."), 429)
    refuse_unless_open(vote)
    if len(body) > MAX_BALLOT:
        raise VoteError(_("The ballot is too large."), 413)
    try:
        ballot = json.loads(body)
    except (UnicodeDecodeError, ValueError, RecursionError):  # ValueError: a JSON integer past 4,300 digits too
        raise VoteError(_("The ballot is not JSON.")) from None
    try:
        context = CONTEXT.get(vote.pk, vote.fingerprint, vote.batches, vote.phase)
    except ProtocolError:  # a board of an earlier version of the protocol (before issue 32): it takes no ballot
        raise VoteError(
            _("This vote's board is of an earlier version of the protocol: it takes no ballot."), 409
        ) from None
    try:
        credential, _cts = ballots.check(ballot, context.fingerprint, context.key, context.questions)
    except ProtocolError as exc:
        raise VoteError(_("The ballot is refused: %(why)s.") % {"why": str(exc)}) from None
    if credential not in context.credentials:
        raise VoteError(
            _(
                "The ballot is refused: its credential is not on this vote's list (check that the credential "
                "and the voting pass were not swapped)."
            ),
            403,
        )
    if ballot["pass"] not in context.passes:
        raise VoteError(_("The ballot is refused: its voting pass is not on this vote's list."), 403)
    return _append_ballot(vote, ballot, ballots.tracker(ballot), context)


def refuse_unless_open(vote: Vote) -> None:
    now = timezone.now()
    if vote.phase != Vote.Phase.OPEN:
        raise VoteError(_("This vote is not open for ballots."), 409)
    if now < vote.opens:
        raise VoteError(_("Voting has not begun yet."), 409)
    if now >= vote.closes:
        raise VoteError(_("Voting has ended."), 409)


# -- the organisers' steps -------------------------------------------------------------------------
def manifest_of(vote: Vote) -> Manifest:
    """The manifest as the vote was created with it (checked then by ceremony.check_manifest)."""
    manifest: Manifest = json.loads(vote.manifest)
    return manifest


def publish_manifest(vote: Vote, signature: Mapping[str, Any]) -> Line:
    """The organisers' offline signature of the manifest: checked against their key chain, the board's first line."""
    try:
        record = signing.parse_signature(signature)
    except signing.SigningError as exc:
        raise VoteError(str(exc)) from None
    return append(vote, "manifest", {"manifest": manifest_of(vote), "signature": record})


def close(vote: Vote, early: bool = False) -> None:
    """Close the board (at or after the closing time, or ``early`` by the organisers' decision) and tally."""
    if vote.phase != Vote.Phase.OPEN:
        raise VoteError(_("This vote is not open."), 409)
    now = timezone.now()
    if now < vote.closes and not early:
        raise VoteError(_("The vote closes at %(when)s: not before.") % {"when": vote.closes.isoformat()}, 409)
    append(vote, "close", {"closed": now.date().isoformat()})
    state = replay(vote)
    append(vote, "tally", state.tally_payload())


def submit(vote: Vote, document: dict[str, Any]) -> Line:
    """A file brought from offline, by what it is: the manifest's signature, a deal, an acceptance, a batch of
    credentials or a partial decryption."""
    inner = document.get("document", {}) if isinstance(document, dict) else {}
    fmt = document.get("format") if isinstance(document, dict) else None
    kinds = {
        "veche-vote-deal/1": "deal",
        "veche-vote-accept/1": "accept",
        "veche-vote-complaint/1": "complaint",
        "veche-vote-answer/1": "answer",
        "veche-vote-credentials/1": "credentials",
        "veche-vote-passes/1": "passes",
        "veche-vote-partial/1": "partial",
    }
    if fmt == signing.SIGNATURE_FORMAT:
        return publish_manifest(vote, document)
    if isinstance(inner, dict) and inner.get("format") in kinds:
        return append(vote, kinds[inner["format"]], document)
    raise VoteError(
        _(
            "This file is not a document of the vote's ceremony (deal, complaint, answer, acceptance, credentials, "
            "voting passes, partial decryption) nor the manifest's signature."
        )
    )


def demo_sign_manifest(vote: Vote) -> Line:
    """Demo mode only: the manifest signed with the demo key the server holds (the vote's page says so)."""
    key = keys.demo_signing_key()
    if key is None:
        raise VoteError(_("Only the demo signs on the server: sign the manifest offline (docs/vote.md)."))
    return publish_manifest(vote, signing.sign(vote.manifest.encode(), key))


def create(definition: dict) -> Vote:
    """A new vote from the organisers' definition: the manifest (with a fresh id and the board's own key) that
    they then sign offline. Nothing is on the board until that signature comes back."""
    if not isinstance(definition, dict):
        raise VoteError(_("The definition is a JSON object (docs/vote.md)."))
    seed = secrets.token_bytes(32)
    opens, closes = (parse_datetime(str(definition.get(k, ""))) for k in ("opens", "closes"))
    if opens is None or closes is None or opens.tzinfo is None or closes.tzinfo is None or closes <= opens:
        raise VoteError(_("opens and closes are ISO dates with a time zone, closes after opens."))
    zone = str(definition.get("time_zone") or settings.TIME_ZONE)
    if not known_zone(zone):
        raise VoteError(_("Unknown time zone; for example Europe/Berlin."))
    slug = slugify(str(definition.get("slug", "")))[:100]
    if not slug or Vote.objects.filter(slug=slug).exists():
        raise VoteError(_("The vote needs a slug no other vote has."))
    manifest = {
        "format": ceremony.MANIFEST,
        "id": str(uuid.uuid4()),
        "slug": slug,
        "title": str(definition.get("title", ""))[:300],
        "description": str(definition.get("description", ""))[:5000],
        "questions": definition.get("questions"),
        "opens": opens.astimezone(datetime.UTC).isoformat(),
        "closes": closes.astimezone(datetime.UTC).isoformat(),
        "threshold": definition.get("threshold"),
        "trustees": definition.get("trustees"),
        "credential_authority": definition.get("credential_authority"),
        "registrar": definition.get("registrar"),
        "eligibility": str(definition.get("eligibility", ""))[:2000],
        # Below this many counted ballots no trustee decrypts the tally: a tally of a few ballots tells them apart.
        "min_ballots": definition.get("min_ballots", MIN_BALLOTS),
        "board_key": signing.public_of(SigningKey(seed)),
        "demo": bool(settings.DEMO and not settings.SIGNING_ROOT),
    }
    if not manifest["title"]:
        raise VoteError(_("The vote needs a title."))
    try:
        ceremony.check_manifest(manifest)
    except ProtocolError as exc:
        raise VoteError(str(exc)) from None
    return Vote.objects.create(
        slug=slug,
        title=manifest["title"],
        manifest=canonical(manifest).decode(),
        board_seed=seed,
        opens=opens,
        closes=closes,
        time_zone=zone,
        demo=manifest["demo"],
    )


# -- a vote as another tool shows it (the initiatives' door) ------------------------------------------------
@dataclasses.dataclass(frozen=True)
class VoteOutcome:
    """A vote's phase and, once on its board, its result: what a proposal's page says of the vote it went to."""

    slug: str
    title: str
    phase: str  # Vote.Phase: draft, setup, open, closed, tally, result
    phase_label: str  # the phase in the active language
    opens: datetime.datetime  # as the clocks where the vote is held show it
    closes: datetime.datetime
    ballots: int
    # Per question: (the question, [(answer, votes)]) once the result is on the board; None before.
    result: list[tuple[str, list[tuple[str, int]]]] | None


def vote_outcome(slug: str) -> VoteOutcome | None:
    """The vote's phase and result as its board says (the result entry, signed with the rest), or None."""
    vote = Vote.objects.filter(slug=slug).first()
    if vote is None:
        return None
    result = None
    line = Entry.objects.filter(vote=vote, kind="result").values_list("line", flat=True).first()
    if line is not None:
        counts = json.loads(line)["entry"]["payload"]["counts"]
        questions = manifest_of(vote)["questions"]
        result = [
            (q["question"], list(zip(q["answers"], row, strict=True))) for q, row in zip(questions, counts, strict=True)
        ]
    zone = ZoneInfo(vote.time_zone)
    return VoteOutcome(
        vote.slug,
        vote.title,
        vote.phase,
        str(vote.get_phase_display()),
        wall_clock(vote.opens, zone),
        wall_clock(vote.closes, zone),
        vote.ballots,
        result,
    )
