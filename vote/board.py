"""The public bulletin board: append-only, hash-chained, each entry signed by the board's key; and its verifier.

An entry is ``{"seq", "kind", "payload", "prev"}``; its hash is SHA-256 of its canonical JSON, and its line on the
board (and in the exported board.jsonl) is ``{"entry", "hash", "signature"}``, the signature the board key's
Ed25519 signature of the entry's canonical bytes. The board key is the server's own, named in the manifest the
organisers signed offline: a signed entry is the server's receipt, so a server that shows two different boards
(to two observers, or before and after a seizure) can be proved to have done so from the receipts and copies
they kept. A seizure gets the board key: what it cannot get is a ballot without a credential, a count without
the trustees, or a rewritten history that agrees with the copies and receipts already outside.

``verify`` replays the whole board as anyone can: the chain, every signature (organisers, trustees, credential
authority, voters, board), every proof, each counted ballot's credential, the tally, the decryption and the
result; it names each fault it finds by the entry where it lies. The browser's verifier
(vote/static/vote/verify.js) does the same walk.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from nacl.signing import SigningKey

from core import signing
from core.signing import _
from vote import ballots as ballot_rules
from vote import ceremony
from vote.ballots import canonical
from vote.documents import Entry, Line, Manifest, OpenPayload, Question, ResultPayload, TallyPayload, Trustee
from vote.group import ProtocolError, base, hexof, scalar, sha256, whole

GENESIS = "0" * 64
KINDS = (
    "manifest",
    "deal",
    "complaint",
    "answer",
    "accept",
    "open",
    "credentials",
    "passes",
    "ballot",
    "close",
    "tally",
    "partial",
    "result",
)


def entry_line(seq: int, kind: str, payload: Mapping[str, Any], prev: str, key: SigningKey) -> Line:
    entry: Entry = {"seq": seq, "kind": kind, "payload": payload, "prev": prev}
    raw = canonical(entry)
    return {"entry": entry, "hash": sha256(raw), "signature": base64.b64encode(key.sign(raw).signature).decode()}


@dataclass
class State:
    """What the board says so far: each step's outcome, for the verifier and for the server's next append."""

    manifest: Manifest | None = None
    board_key: str = ""
    signer: str = ""  # the organisers' key that signed the manifest
    deals: list[dict] = field(default_factory=list)
    commitments: list[list[bytes]] = field(default_factory=list)
    last_deal: str = ""
    accepted: set[int] = field(default_factory=set)
    # (complainer, dealer) → the share the dealer revealed answering it, or None while it waits for an answer
    complaints: dict[tuple[int, int], int | None] = field(default_factory=dict)
    key: bytes | None = None  # the election key, once open
    fingerprint: str = ""
    verification_keys: list[bytes] = field(default_factory=list)
    credentials: set[str] = field(default_factory=set)
    checks: dict[str, int] = field(default_factory=dict)
    batches: int = 0
    passes: set[str] = field(default_factory=set)  # the registrar's public voting passes
    pass_batches: int = 0
    pass_of: dict[str, str] = field(default_factory=dict)  # credential → the pass it voted with (bound for good)
    holder: dict[str, str] = field(default_factory=dict)  # pass → the credential it voted with
    last: dict[str, tuple[int, list]] = field(default_factory=dict)  # credential → (seq, ciphertexts) of its last
    latest: dict[str, str] = field(default_factory=dict)  # credential → the tracker of its last ballot
    trackers: dict[str, int] = field(default_factory=dict)
    # Ballots checked ahead in parallel (verify's workers): tracker → (credential, ciphertexts) or the refusal.
    checked: dict[str, tuple[str, list] | str] = field(default_factory=dict)
    ballots: int = 0
    closed: bool = False
    tally: list | None = None
    counted: int = 0
    partials: dict[int, list] = field(default_factory=dict)
    result: list | None = None
    head: str = GENESIS
    length: int = 0

    @property
    def vote(self) -> Manifest:
        """The vote's manifest, once the board has one (every step after the first entry's)."""
        if self.manifest is None:
            raise ProtocolError(_("the board must begin with the vote's manifest"))
        return self.manifest

    @property
    def trustees(self) -> list[Trustee]:
        return self.manifest["trustees"] if self.manifest else []

    @property
    def questions(self) -> list[Question]:
        return self.manifest["questions"] if self.manifest else []

    def open_payload(self) -> OpenPayload:
        key = ceremony.election_key(self.commitments)
        return {
            "public_key": hexof(key),
            "election": ceremony.fingerprint(self.vote, key),
            "verification_keys": [hexof(ceremony.verification_key(self.commitments, j)) for j in self.indices],
        }

    @property
    def indices(self) -> list[int]:
        return list(range(1, len(self.trustees) + 1))

    def tally_payload(self) -> TallyPayload:
        counted = [cts for _seq, cts in sorted(self.last.values(), key=lambda x: x[0])]
        return {"ballots": len(counted), "tally": ceremony.tally(counted, self.questions)}

    def result_payload(self) -> ResultPayload:
        chosen = sorted(self.partials)[: self.vote["threshold"]]
        if self.counted == 0:
            counts = [[0] * len(q["answers"]) for q in self.questions]
            chosen = []
        else:
            counts = ceremony.combine(self.tally or [], {j: self.partials[j] for j in chosen}, self.counted)
        return {"trustees": chosen, "counts": counts}

    @property
    def phase(self) -> str:
        if self.result is not None:
            return "result"
        if self.tally is not None:
            return "tally"
        if self.closed:
            return "closed"
        if self.key is not None:
            return "open"
        return "setup" if self.manifest else "empty"


def apply(state: State, entry: dict, chain: signing.Chain | None = None) -> None:
    """Take one entry onto the state, or ProtocolError saying why it does not belong there: each kind's step in
    STEPS, with what it needs from the state and the rule it keeps."""
    kind = entry["kind"]
    if state.manifest is None and kind != "manifest":
        raise ProtocolError(_("the board must begin with the vote's manifest"))
    step = STEPS.get(kind) if isinstance(kind, str) else None
    if step is None:
        raise ProtocolError(_("an entry of unknown kind %(kind)s") % {"kind": repr(str(kind)[:40])})
    step(state, entry, chain)


def trustee_of(state: State, payload: object) -> object:
    """The trustee a signed document says it is from (not yet checked: a whole number in range, or not)."""
    document = payload.get("document") if isinstance(payload, dict) else None
    return document.get("trustee") if isinstance(document, dict) else None


def manifest_step(state: State, entry: dict, chain: signing.Chain | None) -> None:
    payload = entry["payload"]
    if state.manifest is not None:
        raise ProtocolError(_("a second manifest"))
    if not isinstance(payload, dict) or set(payload) != {"manifest", "signature"}:
        raise ProtocolError(_("the manifest entry holds the manifest and the organisers' signature"))
    manifest = ceremony.check_manifest(payload["manifest"])
    try:
        record = signing.parse_signature(payload["signature"])
        if record != payload["signature"]:  # one spelling: the record as the signing tool writes it
            raise signing.SigningError(_("This is not a signature file made by the signing tool (veche-signature/1)."))
        if chain is not None:
            chain.check(canonical(manifest), record)
        elif not signing.signature_valid(canonical(manifest), record["key"], record["signature"]):
            raise signing.SigningError(
                _("The signature does not match this document: it was altered, or signed for another one.")
            )
    except signing.SigningError as exc:
        raise ProtocolError(_("the manifest's signature: %(exc)s") % {"exc": exc}) from None
    state.manifest, state.board_key, state.signer = manifest, manifest["board_key"], record["key"]


def deal_step(state: State, entry: dict, chain: signing.Chain | None) -> None:
    if state.key is not None or state.accepted:
        raise ProtocolError(_("a deal after the trustees began accepting"))
    index = len(state.deals) + 1
    if index > len(state.trustees):
        raise ProtocolError(_("more deals than trustees"))
    document = ceremony.signer_of(
        entry["payload"], state.trustees[index - 1]["key"], _("trustee %(i)s's deal") % {"i": index}
    )
    state.commitments.append(ceremony.check_deal(state.vote, document, index))
    state.deals.append(document)


def accept_step(state: State, entry: dict, chain: signing.Chain | None) -> None:
    payload = entry["payload"]
    if len(state.deals) != len(state.trustees) or state.key is not None:
        raise ProtocolError(_("an acceptance before every trustee dealt, or after the vote opened"))
    index = trustee_of(state, payload)
    if not whole(index) or not 1 <= index <= len(state.trustees) or index in state.accepted:
        raise ProtocolError(_("an acceptance by no trustee, or a second one by the same"))
    document = ceremony.signer_of(
        payload, state.trustees[index - 1]["key"], _("trustee %(i)s's acceptance") % {"i": index}
    )
    waiting = sorted(i for (j, i), share in state.complaints.items() if j == index and share is None)
    if waiting:
        raise ProtocolError(
            _("trustee %(index)s's complaint against trustee %(i)s is not answered yet")
            % {"index": index, "i": waiting[0]}
        )
    expected = hexof(ceremony.verification_key(state.commitments, index))
    if document.get("format") != ceremony.ACCEPT or document.get("election") != ceremony.manifest_hash(state.vote):
        raise ProtocolError(_("trustee %(index)s's acceptance is not for this election") % {"index": index})
    if document.get("board") != state.last_deal:
        raise ProtocolError(_("trustee %(index)s accepted other deals than those on the board") % {"index": index})
    if document.get("verification_key") != expected:
        raise ProtocolError(_("trustee %(index)s's verification key does not follow from the deals") % {"index": index})
    state.accepted.add(index)


def open_step(state: State, entry: dict, chain: signing.Chain | None) -> None:
    payload = entry["payload"]
    if state.accepted != set(state.indices) or state.key is not None:
        raise ProtocolError(_("the vote opened before every trustee accepted the key"))
    if canonical(payload) != canonical(state.open_payload()):
        raise ProtocolError(_("the election key or the verification keys are not those the deals give"))
    state.key = bytes.fromhex(payload["public_key"])
    state.fingerprint = payload["election"]
    state.verification_keys = [bytes.fromhex(k) for k in payload["verification_keys"]]


def credentials_step(state: State, entry: dict, chain: signing.Chain | None) -> None:
    if state.closed:
        raise ProtocolError(_("credentials added after the vote closed"))
    document = ceremony.signer_of(entry["payload"], state.vote["credential_authority"], _("the credentials"))
    added = ceremony.check_batch(state.vote, document, state.batches + 1, state.credentials)
    state.batches += 1
    state.credentials.update(added)
    for check, n in document["checks"].items():
        state.checks[check] = state.checks.get(check, 0) + n


def passes_step(state: State, entry: dict, chain: signing.Chain | None) -> None:
    if state.closed:
        raise ProtocolError(_("voting passes added after the vote closed"))
    document = ceremony.signer_of(entry["payload"], state.vote["registrar"], _("the voting passes"))
    added = ceremony.check_pass_batch(state.vote, document, state.pass_batches + 1, state.passes)
    state.pass_batches += 1
    state.passes.update(added)


def ballot_step(state: State, entry: dict, chain: signing.Chain | None) -> None:
    payload = entry["payload"]
    if state.key is None or state.closed:
        raise ProtocolError(_("a ballot while the vote is not open"))
    tracked = ballot_rules.tracker(payload) if state.checked else ""
    ahead = state.checked.pop(tracked, None) if tracked else None
    if isinstance(ahead, str):
        raise ProtocolError(ahead)
    credential, cts = ahead or ballot_rules.check(payload, state.fingerprint, state.key, state.questions)
    voting_pass, tracked = payload["pass"], tracked or ballot_rules.tracker(payload)
    admit(state, credential, voting_pass, payload["previous"], tracked)
    state.last[credential] = (entry["seq"], cts)
    state.latest[credential] = tracked
    state.pass_of[credential], state.holder[voting_pass] = voting_pass, credential
    state.trackers[tracked] = entry["seq"]
    state.ballots += 1


def close_step(state: State, entry: dict, chain: signing.Chain | None) -> None:
    if state.key is None or state.closed:
        raise ProtocolError(_("the vote closed twice, or before it opened"))
    state.closed = True


def tally_step(state: State, entry: dict, chain: signing.Chain | None) -> None:
    payload = entry["payload"]
    if not state.closed or state.tally is not None:
        raise ProtocolError(_("a tally before the vote closed, or a second one"))
    if canonical(payload) != canonical(state.tally_payload()):
        raise ProtocolError(_("the tally is not the product of the last ballot of each credential"))
    state.tally, state.counted = payload["tally"], payload["ballots"]


def partial_step(state: State, entry: dict, chain: signing.Chain | None) -> None:
    payload = entry["payload"]
    if state.tally is None or state.result is not None:
        raise ProtocolError(_("a partial decryption before the tally, or after the result"))
    if state.counted < state.vote["min_ballots"]:
        # A tally of a few ballots tells them apart (of one, it is that ballot): no trustee decrypts it.
        raise ProtocolError(
            _("a partial decryption of %(n)s ballots, fewer than the manifest's %(min)s: no trustee decrypts it")
            % {"n": state.counted, "min": state.vote["min_ballots"]}
        )
    index = trustee_of(state, payload)
    if not whole(index) or not 1 <= index <= len(state.trustees) or index in state.partials:
        raise ProtocolError(_("a partial decryption by no trustee, or a second one by the same"))
    document = ceremony.signer_of(
        payload, state.trustees[index - 1]["key"], _("trustee %(i)s's decryption") % {"i": index}
    )
    state.partials[index] = ceremony.check_partial(
        state.fingerprint, document, index, state.verification_keys[index - 1], state.tally
    )


def result_step(state: State, entry: dict, chain: signing.Chain | None) -> None:
    payload = entry["payload"]
    if state.tally is None or state.result is not None:
        raise ProtocolError(_("a result before the tally, or a second one"))
    if state.counted and len(state.partials) < state.vote["threshold"]:
        raise ProtocolError(_("a result before enough trustees decrypted"))
    if canonical(payload) != canonical(state.result_payload()):
        raise ProtocolError(_("the result is not what the tally and the trustees' decryptions give"))
    state.result = payload["counts"]


def complaint_step(state: State, entry: dict, chain: signing.Chain | None) -> None:
    complain(state, entry["payload"])


def answer_step(state: State, entry: dict, chain: signing.Chain | None) -> None:
    answer(state, entry["payload"])


# Each kind of entry and its step, in the order a vote goes through them (KINDS).
STEPS: dict[str, Callable[[State, dict, signing.Chain | None], None]] = {
    "manifest": manifest_step,
    "deal": deal_step,
    "complaint": complaint_step,
    "answer": answer_step,
    "accept": accept_step,
    "open": open_step,
    "credentials": credentials_step,
    "passes": passes_step,
    "ballot": ballot_step,
    "close": close_step,
    "tally": tally_step,
    "partial": partial_step,
    "result": result_step,
}
assert tuple(STEPS) == KINDS


def admit(state: State, credential: str, voting_pass: str, previous: str, tracked: str) -> None:
    """Whether a ballot whose proofs and signatures hold may be cast: its credential and pass listed and bound to
    each other (or both still unused), the ballot new, and ``previous`` its credential's last ballot. The
    verifier's rule, and the server's before it appends (vote/store.py reads the same facts from its tables)."""
    if credential not in state.credentials:
        raise ProtocolError(_("the ballot's credential is not on the credential authority's list"))
    if voting_pass not in state.passes:
        raise ProtocolError(_("the ballot's voting pass is not on the registrar's list"))
    bound = state.pass_of.get(credential)
    if bound is None and voting_pass in state.holder:
        raise ProtocolError(_("this voting pass has voted with another credential"))
    if bound is not None and bound != voting_pass:
        # The credential authority holds every credential: with a pass of its own it would overwrite a cast vote.
        raise ProtocolError(_("this credential votes with another voting pass (the one of its first ballot)"))
    if tracked in state.trackers:
        # A ballot cast again, later (a coercer replaying the ballot a voter has since replaced): it would
        # become the credential's last and undo the re-vote. Each ballot is on the board once.
        raise ProtocolError(
            _("this ballot is already on the board (entry %(seq)s): cast again, it would undo a re-vote")
            % {"seq": state.trackers[tracked]}
        )
    expected = state.latest.get(credential, ballot_rules.FIRST)
    if previous != expected:
        # A ballot signed before the credential's last one (handed to a coercer and never cast, or superseded):
        # cast after a re-vote, it would undo it.
        raise ProtocolError(
            _(
                "the ballot does not follow its credential's last ballot on the board (%(previous)s): "
                "one signed before a re-vote cannot be cast after it"
            )
            % {"previous": expected[:16] if expected != ballot_rules.FIRST else _("none")}
        )


SAFE = 2**53 - 1  # JavaScript's numbers hold integers exactly up to here


def parse_line(text: str) -> object:
    """A line of board.jsonl: JSON in its canonical form only (a float or another spelling of a number reads the
    same in the browser and hashes differently: both verifiers refuse it)."""
    try:
        line = json.loads(text)
    except ValueError:
        raise ProtocolError(_("a board line that is not JSON")) from None
    if canonical(line).decode() != text:
        raise ProtocolError(_("a board line not in its canonical form (sorted keys, no spaces)"))
    return line


def plain(value: object) -> None:
    """JSON both verifiers read alike: integers within JavaScript's exact range, no other number (a float, or an
    integer past 2^53, has another canonical form in the browser, so the two would hash different bytes)."""
    if isinstance(value, dict):
        for item in value.values():
            plain(item)
    elif isinstance(value, list):
        for item in value:
            plain(item)
    elif isinstance(value, float) or (whole(value) and not -SAFE <= value <= SAFE):
        raise ProtocolError(_("a number that is not a whole number the browser reads exactly"))


def complain(state: State, payload: object) -> None:
    """A trustee's complaint that a dealer sealed them a wrong share: between the last deal and the open, by a
    trustee who has not accepted, once per dealer."""
    if len(state.deals) != len(state.trustees) or state.key is not None:
        raise ProtocolError(_("a complaint before every trustee dealt, or after the vote opened"))
    index = trustee_of(state, payload)
    if not whole(index) or not 1 <= index <= len(state.trustees) or index in state.accepted:
        raise ProtocolError(_("a complaint by no trustee, or by one who accepted"))
    document = ceremony.signer_of(
        payload, state.trustees[index - 1]["key"], _("trustee %(i)s's complaint") % {"i": index}
    )
    if document.get("format") != ceremony.COMPLAINT or document.get("election") != ceremony.manifest_hash(state.vote):
        raise ProtocolError(_("trustee %(index)s's complaint is not for this election") % {"index": index})
    against = document.get("against")
    if not whole(against) or not 1 <= against <= len(state.trustees) or against == index:
        raise ProtocolError(_("a complaint against no other trustee"))
    if (index, against) in state.complaints:
        raise ProtocolError(_("a second complaint by the same trustee against the same"))
    if document.get("board") != state.last_deal:
        raise ProtocolError(_("trustee %(index)s complained of other deals than those on the board") % {"index": index})
    state.complaints[(index, against)] = None


def answer(state: State, payload: object) -> None:
    """A dealer's answer to a complaint: the share revealed, which must match the dealer's commitments."""
    if state.key is not None:
        raise ProtocolError(_("an answer to a complaint after the vote opened"))
    index = trustee_of(state, payload)
    if not whole(index) or not 1 <= index <= len(state.trustees):
        raise ProtocolError(_("an answer by no trustee"))
    document = ceremony.signer_of(payload, state.trustees[index - 1]["key"], _("trustee %(i)s's answer") % {"i": index})
    if document.get("format") != ceremony.ANSWER or document.get("election") != ceremony.manifest_hash(state.vote):
        raise ProtocolError(_("trustee %(index)s's answer is not for this election") % {"index": index})
    to = document.get("to")
    if not whole(to) or state.complaints.get((to, index), 0) is not None:
        raise ProtocolError(_("an answer to no complaint waiting for one"))
    value = scalar(document.get("share"))
    if base(value) != ceremony.share_commitment(state.commitments[index - 1], to):
        raise ProtocolError(
            _("the share trustee %(index)s revealed for trustee %(to)s does not match their commitments")
            % {"index": index, "to": to}
        )
    state.complaints[(to, index)] = value


def check_line(state: State, line: object) -> dict:
    """The entry of a board line whose place in the chain, hash and board signature hold."""
    if not isinstance(line, dict) or set(line) != {"entry", "hash", "signature"}:
        raise ProtocolError(_("not a board line: entry, hash and signature expected"))
    entry = line["entry"]
    if not isinstance(entry, dict) or set(entry) != {"seq", "kind", "payload", "prev"}:
        raise ProtocolError(_("not a board entry: seq, kind, payload and prev expected"))
    plain(entry)
    if not whole(entry["seq"]) or entry["seq"] != state.length:
        raise ProtocolError(
            _("entry number %(seq)s where %(n)s should be: entries were removed or added")
            % {"seq": entry["seq"], "n": state.length}
        )
    if entry["prev"] != state.head:
        raise ProtocolError(_("it does not follow the entry before it (the chain's hash is broken)"))
    raw = canonical(entry)
    if line["hash"] != sha256(raw):
        raise ProtocolError(_("its hash is not the hash of its content: it was altered"))
    payload = entry["payload"]
    manifest = payload.get("manifest") if isinstance(payload, dict) and entry["seq"] == 0 else None
    key = state.board_key or (manifest.get("board_key", "") if isinstance(manifest, dict) else "")
    signature = line["signature"]
    if (
        not ceremony.exact_b64(signature, 64)
        or not isinstance(key, str)
        or not signing.signature_valid(raw, key, signature)
    ):
        raise ProtocolError(_("the board's signature of it does not hold"))
    return entry


def take(state: State, line: dict, chain: signing.Chain | None = None) -> dict:
    """Check a line and take its entry onto the state: the one step of the verifier and of the server's append."""
    entry = check_line(state, line)
    apply(state, entry, chain)
    advance(state, line)
    return entry


def advance(state: State, line: dict) -> None:
    """The chain's head after a line taken onto the state (and the last deal's, which acceptances name)."""
    state.head, state.length = line["hash"], state.length + 1
    if line["entry"]["kind"] == "deal":
        state.last_deal = line["hash"]


@dataclass
class Report:
    state: State
    faults: list[str]

    @property
    def ok(self) -> bool:
        return not self.faults


def authentic(state: State, receipt: object) -> bool:
    """A receipt the board's key signed, whose hash is the hash of its entry (issue 32: a fabricated receipt made
    the verifier blame an honest board)."""
    if not isinstance(receipt, dict) or set(receipt) != {"entry", "hash", "signature"}:
        return False
    try:
        raw = canonical(receipt["entry"])
    except (TypeError, ValueError):
        return False
    return (
        bool(state.board_key)
        and receipt["hash"] == sha256(raw)
        and signing.signature_valid(raw, state.board_key, str(receipt["signature"]))
    )


def walk(state: State, lines: list, chain: signing.Chain | None = None, offset: int = 0) -> list[str]:
    """Lines onto a state, the first numbered ``offset``: the faults, each named by its entry (one at most: what
    follows a broken entry cannot be checked against it). verify.js's walk is the same."""
    for number, line in enumerate(lines, offset):
        entry = line.get("entry") if isinstance(line, dict) else None
        kind = entry.get("kind") if isinstance(entry, dict) else None
        kind = kind if isinstance(kind, str) and kind else "?"
        try:
            if isinstance(line, str):
                line = parse_line(line)
                entry = line.get("entry") if isinstance(line, dict) else None
                kind = entry.get("kind") if isinstance(entry, dict) else None
                kind = kind if isinstance(kind, str) and kind else "?"
            take(state, line, chain)
        except Exception as exc:  # whatever breaks on an entry is a fault of that entry, as in verify.js
            why = exc if isinstance(exc, ProtocolError) else _("malformed (%(error)s)") % {"error": type(exc).__name__}
            return [_("entry %(n)s (%(kind)s): %(why)s") % {"n": number, "kind": kind, "why": why}]
    return []


def _object(line: object) -> object:
    if isinstance(line, str):
        try:
            return json.loads(line)
        except ValueError:
            return line
    return line


def _check_ballots(task: tuple) -> dict:
    """A worker's share of the ballots: each one's check (signatures, proofs), by its tracker."""
    fingerprint, key, questions, payloads = task
    out: dict[str, tuple[str, list] | str] = {}
    for payload in payloads:
        try:
            tracked = ballot_rules.tracker(payload)
        except (TypeError, ValueError):
            continue  # the walk will say what is wrong with it
        try:
            out[tracked] = ballot_rules.check(payload, fingerprint, key, questions)
        except ProtocolError as exc:
            out[tracked] = str(exc)
        except Exception:  # noqa: S112 — the walk checks it again, in order, and names the fault
            continue
    return out


def check_ahead(state: State, lines: list, workers: int) -> None:
    """Check the board's ballots in ``workers`` processes before the walk takes them in order: a ballot's check
    needs only the election's key, fingerprint and questions, the same for every ballot; what depends on the order
    (listed, bound, following its credential's last, not repeated) stays with the walk. Each check is used only for
    the payload it was made of (by its tracker)."""
    import multiprocessing

    prefix = State()
    for i, line in enumerate(lines):  # the entries up to the open: the key the ballots are checked under
        if walk(prefix, [line], None, i) or prefix.key is not None:
            break
    if prefix.key is None:
        return
    payloads = []
    for line in lines:
        line = _object(line)
        entry = line.get("entry") if isinstance(line, dict) else None
        if isinstance(entry, dict) and entry.get("kind") == "ballot" and isinstance(entry.get("payload"), dict):
            payloads.append(entry["payload"])
    size = max(1, -(-len(payloads) // (workers * 8)))
    tasks = [
        (prefix.fingerprint, prefix.key, prefix.questions, payloads[i : i + size])
        for i in range(0, len(payloads), size)
    ]
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        for done in pool.imap_unordered(_check_ballots, tasks):
            state.checked.update(done)
        # Closed and joined before the block ends: leaving it calls terminate(), which kills workers mid-read of the
        # task queue; one killed holding the queue's lock left the other waiting on it, and terminate() joining it
        # for ever (a CI run hung so in vote_verify). Closed, the workers take their end-of-work mark and exit.
        pool.close()
        pool.join()


def verify(
    lines: list,
    chain: signing.Chain | None = None,
    receipts: list | None = None,
    earlier: list | None = None,
    workers: int = 1,
) -> Report:
    """Replay the board; every fault named with its entry. ``receipts`` (board lines voters kept) and ``earlier``
    (an observer's older copy) must be part of it: a dropped or rewritten entry shows there even when the
    server re-signed the whole board with its key. ``workers`` > 1: the ballots' checks in that many processes
    first (the verdict is the same: vote/tests/test_election.py checks it)."""
    state = State()
    if workers > 1:
        check_ahead(state, lines, workers)
    faults = walk(state, lines, chain)
    lines = [_object(line) for line in lines]
    by_hash = {line.get("hash"): i for i, line in enumerate(lines) if isinstance(line, dict)}
    for receipt in receipts or []:
        seq = receipt.get("entry", {}).get("seq") if isinstance(receipt, dict) else None
        if not authentic(state, receipt):
            # A receipt anyone could have typed blames no board: only one the board's key signed does.
            faults.append(
                _(
                    "receipt for entry %(n)s: not a receipt of this board "
                    "(its hash or the board's signature does not hold)"
                )
                % {"n": seq}
            )
        elif by_hash.get(receipt.get("hash")) != seq:
            faults.append(
                _("receipt for entry %(n)s: that entry is not on the board (dropped or rewritten)") % {"n": seq}
            )
    for i, line in enumerate(earlier or []):
        if i >= len(lines) or lines[i] != _object(line):
            faults.append(
                _("entry %(n)s: the board does not extend the earlier copy (it was changed or dropped)") % {"n": i}
            )
            break
    return Report(state, faults)
