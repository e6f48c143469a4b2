"""Credentials and ballots: how a voter's browser builds a ballot, and how everyone checks one.

A *credential* (Belenios's idea) is a random string the credential authority gives each voter, offline; the
server and the board see only its public key. It is an Ed25519 key: the seed is SHA-256 of the vote's id and the
string, so the browser derives it from the string alone, and a ballot is signed with it by ordinary Ed25519 (PyNaCl
checks it, @noble/curves makes it). 24 characters of a 58-letter alphabet are 140 bits: no dictionary reaches one.

A *ballot* holds, per question, one ElGamal ciphertext per answer under the election key, for each a proof that
it encrypts 0 or 1, and a proof that their sum (the number of answers chosen) is within the question's bounds.
Both proofs hash the election's fingerprint and the credential, so they cannot be moved to another ballot: the
server cannot take a voter's ciphertexts and cast them under a credential of its own choosing. With two answers
of which exactly one is chosen (a referendum's yes or no), the second answer's range follows from the first's and
the sum (m2 = 1 - m1 with m1 in {0, 1}); it carries no proof of its own, which saves a third of the cost of
checking such a ballot.

The signature covers the canonical JSON of the ballot without its signatures; the *tracker* is the SHA-256 of the
whole ballot, what the voter looks for on the board.

Two things from two parties cast a ballot (issue 32): the credential, from the credential authority, and a *voting
pass*, from the registrar, a second party that never sees the credentials (as Belenios needs the server's voter
login beside the credential). The pass is an Ed25519 key derived like the credential; the ballot names its public
half and is signed by both. The board binds a pass to the first credential it votes with, and a credential to its
pass: the credential authority alone holds no pass and cannot vote for anyone, nor overwrite a cast vote; the
registrar alone holds no credential.

A ballot names the tracker of its credential's last ballot on the board (``previous``; ``FIRST`` for the first),
and the board takes it only if that is still the credential's last. A ballot signed before a re-vote — the
coerced one a voter handed over, or the superseded one a server replays — can never be cast after it.
"""

from __future__ import annotations

import hashlib
import re
import secrets as _secrets

from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey

from core.signing import _, canonical  # the one byte form that is hashed and signed
from vote.documents import Question
from vote.group import ProtocolError, encoded, hexof, point, random_scalar, scalar, scalar_hex, sha256, total
from vote.proofs import encrypt, in_range, prove_range

FORMAT = "veche-ballot/2"
FIRST = "0" * 64  # the ``previous`` of a credential's first ballot: no SHA-256 of a ballot is this
ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"  # base58: no 0/O, no I/l
CREDENTIAL_LENGTH = 24
SIGNATURE = re.compile(r"[0-9a-f]{128}")
HASH = re.compile(r"[0-9a-f]{64}")


# -- credentials -----------------------------------------------------------------------
def new_credential() -> str:
    return "".join(_secrets.choice(ALPHABET) for _ in range(CREDENTIAL_LENGTH))


def normal_credential(text: str) -> str:
    """What a voter typed, without the spaces and dashes the mail groups it with."""
    cleaned = "".join(ch for ch in str(text) if ch not in " -\t\n")
    if len(cleaned) != CREDENTIAL_LENGTH or any(ch not in ALPHABET for ch in cleaned):
        raise ProtocolError(_("a credential is 24 letters and digits, as in the mail"))
    return cleaned


def credential_key(vote_id: str, credential: str, kind: str = "credential") -> SigningKey:
    """The Ed25519 key of a credential, or (``kind="pass"``) of a voting pass: the same alphabet and length, a
    seed under its own tag, so that one typed where the other belongs is a key no list holds."""
    seed = hashlib.sha256(f"veche-vote/1|{kind}|{vote_id}|{normal_credential(credential)}".encode()).digest()
    return SigningKey(seed)


def pass_key(vote_id: str, voting_pass: str) -> SigningKey:
    return credential_key(vote_id, voting_pass, "pass")


def public_credential(vote_id: str, credential: str, kind: str = "credential") -> str:
    return bytes(credential_key(vote_id, credential, kind).verify_key).hex()


# -- ballots ---------------------------------------------------------------------------
def implied(question: Question) -> bool:
    """Whether the last answer's range follows from the first's and the sum: two answers, exactly one chosen
    (with exactly two or none, m2 = k - m1 could be 2 or -1: those keep every proof)."""
    return len(question["answers"]) == 2 and question["min"] == question["max"] == 1


def build(
    election: str,
    key: bytes,
    questions: list[Question],
    picks: list[list[int]],
    credential: SigningKey,
    voting_pass: SigningKey,
    previous: str = FIRST,
) -> tuple[dict, list[list[str]]]:
    """(the signed ballot, the randomness of each ciphertext): the randomness is what a Benaloh audit reveals.
    ``previous``: the tracker of the credential's last ballot on the board (``FIRST`` if it has none)."""
    public = bytes(credential.verify_key).hex()
    context = f"{election}|{public}"
    answers, randomness = [], []
    if len(picks) != len(questions):
        raise ProtocolError(_("one list of choices per question"))
    for question, chosen in zip(questions, picks, strict=True):
        n = len(question["answers"])
        if not set(chosen) <= set(range(n)) or len(set(chosen)) != len(chosen):
            raise ProtocolError(_("a choice that is not an answer of the question"))
        if not question["min"] <= len(chosen) <= question["max"]:
            raise ProtocolError(_("too few or too many answers chosen"))
        rs = [random_scalar() for _ in range(n)]
        cts = [encrypt(key, int(i in chosen), r) for i, r in zip(range(n), rs, strict=True)]
        proofs = [
            prove_range(context, key, a, b, int(i in chosen), r, 0, 1)
            for i, ((a, b), r) in enumerate(zip(cts, rs, strict=True))
        ]
        if implied(question):
            proofs = proofs[:1]
        alpha, beta = total([a for a, _b in cts]), total([b for _a, b in cts])
        overall = prove_range(context, key, alpha, beta, len(chosen), sum(rs), question["min"], question["max"])
        answers.append({"choices": [[hexof(a), hexof(b)] for a, b in cts], "proofs": proofs, "overall": overall})
        randomness.append([scalar_hex(r) for r in rs])
    body = {
        "format": FORMAT,
        "election": election,
        "credential": public,
        "pass": bytes(voting_pass.verify_key).hex(),
        "previous": previous,
        "answers": answers,
    }
    return sign(body, credential, voting_pass), randomness


def sign(body: dict, credential: SigningKey, voting_pass: SigningKey) -> dict:
    """The ballot: its body signed by the credential and by the voting pass, each over the same canonical bytes."""
    raw = canonical(body)
    return {
        **body,
        "signature": credential.sign(raw).signature.hex(),
        "pass_signature": voting_pass.sign(raw).signature.hex(),
    }


def unsigned(ballot: dict) -> dict:
    """The ballot without its signatures: what an audit record holds (a signed ballot could still be cast)."""
    return {k: v for k, v in ballot.items() if k in BODY}


def tracker(ballot: dict) -> str:
    return sha256(canonical(ballot))


BODY = {"format", "election", "credential", "pass", "previous", "answers"}
SIGNATURES = {"signature", "pass_signature"}


def verify_signature(ballot: dict, public: bytes, voting_pass: bytes) -> None:
    """The credential's and the pass's signatures of the ballot's body."""
    raw = canonical({k: v for k, v in ballot.items() if k in BODY})
    # One spelling: the signatures are the part of a ballot they do not sign, and its tracker hashes the spelling;
    # an upper-case copy of a superseded ballot was a new ballot that undid the re-vote (issue 32).
    for name, signer in (("signature", public), ("pass_signature", voting_pass)):
        signature = ballot[name]
        if not isinstance(signature, str) or not SIGNATURE.fullmatch(signature):
            if name == "signature":
                raise ProtocolError(_("the ballot's signature: 128 lower-case hex digits expected"))
            raise ProtocolError(_("the ballot's pass signature: 128 lower-case hex digits expected"))
        try:
            VerifyKey(signer).verify(raw, bytes.fromhex(signature))
        except (BadSignatureError, ValueError, TypeError):
            if name == "signature":
                raise ProtocolError(_("the ballot's signature by its credential does not hold")) from None
            raise ProtocolError(_("the ballot's signature by its voting pass does not hold")) from None


def check(
    ballot: object, election: str, key: bytes, questions: list[Question], signed: bool = True
) -> tuple[str, list[list[tuple]]]:
    """(credential, ciphertexts per question) of a ballot whose every proof and signature hold; ProtocolError
    naming the first part that does not, otherwise. ``signed=False``: an audited ballot, which carries no
    signature (a signed one could still be cast)."""
    if not isinstance(ballot, dict) or set(ballot) != (BODY | SIGNATURES if signed else BODY):
        if signed:
            raise ProtocolError(
                _("not a ballot: format, election, credential, pass, previous, answers and both signatures expected")
            )
        raise ProtocolError(
            _(
                "an audited ballot holds format, election, credential, pass, previous and answers, and no "
                "signature: a signed one could still be cast"
            )
        )
    if ballot["format"] != FORMAT:
        raise ProtocolError(_("not a ballot of this version (%(format)s)") % {"format": FORMAT})
    if ballot["election"] != election:
        raise ProtocolError(_("the ballot is for another election (or another key of this one)"))
    credential = str(ballot["credential"])
    public = encoded(credential)  # a listed credential: each was checked as a point when its batch came
    voting_pass = encoded(ballot["pass"])  # the same: a listed pass
    if not isinstance(ballot["previous"], str) or not HASH.fullmatch(ballot["previous"]):
        raise ProtocolError(_("the ballot's previous: 64 lower-case hex digits expected"))
    if signed:
        verify_signature(ballot, public, voting_pass)
    answers = ballot["answers"]
    if not isinstance(answers, list) or len(answers) != len(questions):
        raise ProtocolError(_("one answer per question expected"))
    context = f"{election}|{credential}"
    return credential, [
        check_answer(q, question, answer, context, key)
        for q, (question, answer) in enumerate(zip(questions, answers, strict=True), 1)
    ]


def check_answer(q: int, question: Question, answer: object, context: str, key: bytes) -> list[tuple]:
    """The ciphertexts of the answer to question ``q``, each proved to encrypt 0 or 1 and their sum a number of
    choices the question allows; ProtocolError naming the first part that does not hold."""
    n = len(question["answers"])
    if not isinstance(answer, dict) or set(answer) != {"choices", "proofs", "overall"}:
        raise ProtocolError(_("question %(q)s: choices, proofs and overall expected") % {"q": q})
    choices, proofs = answer["choices"], answer["proofs"]
    if not isinstance(choices, list) or len(choices) != n:
        raise ProtocolError(_("question %(q)s: one ciphertext per answer expected") % {"q": q})
    if not isinstance(proofs, list) or len(proofs) != (n - 1 if implied(question) else n):
        raise ProtocolError(_("question %(q)s: the number of proofs is wrong") % {"q": q})
    cts = []
    for i, pair in enumerate(choices, 1):
        if not isinstance(pair, list) or len(pair) != 2:
            raise ProtocolError(_("question %(q)s, answer %(i)s: a ciphertext is [alpha, beta]") % {"q": q, "i": i})
        # An answer with its own proof has both points multiplied there (alpha, and beta at the branch 0),
        # which checks them; an implied answer's points are checked here.
        check_point = point if i > len(proofs) else encoded
        try:
            cts.append((check_point(pair[0]), check_point(pair[1])))
        except ProtocolError as exc:
            raise ProtocolError(_("question %(q)s, answer %(i)s: %(exc)s") % {"q": q, "i": i, "exc": exc}) from None
    for i, ((a, b), proof) in enumerate(zip(cts, proofs, strict=False), 1):
        try:
            holds = in_range(context, key, a, b, 0, 1, proof)
        except ProtocolError as exc:
            raise ProtocolError(_("question %(q)s, answer %(i)s: %(exc)s") % {"q": q, "i": i, "exc": exc}) from None
        if not holds:
            raise ProtocolError(
                _("question %(q)s, answer %(i)s: the proof that it encrypts 0 or 1 does not hold") % {"q": q, "i": i}
            )
    alpha, beta = total([a for a, _b in cts]), total([b for _a, b in cts])
    try:
        holds = in_range(context, key, alpha, beta, question["min"], question["max"], answer["overall"])
    except ProtocolError as exc:
        raise ProtocolError(_("question %(q)s: %(exc)s") % {"q": q, "exc": exc}) from None
    if not holds:
        raise ProtocolError(_("question %(q)s: the proof of the number of answers chosen does not hold") % {"q": q})
    return cts


def audit(record: object, election: str, key: bytes, questions: list[Question]) -> list[list[int]]:
    """A Benaloh audit: the choices a ballot encrypts, checked against the randomness its browser revealed.
    The ballot itself must hold too: a device that shows one ballot and encrypts another is what this catches.
    The audited ballot carries no signature: a signed one, handed to whoever checks the audit, could be cast."""
    if not isinstance(record, dict) or set(record) != {"ballot", "randomness", "choices"}:
        raise ProtocolError(_("an audit record holds ballot, randomness and choices"))
    _credential, cts = check(record["ballot"], election, key, questions, signed=False)
    randomness, choices = record["randomness"], record["choices"]
    if not isinstance(randomness, list) or len(randomness) != len(cts) or not isinstance(choices, list):
        raise ProtocolError(_("the audit record's randomness or choices do not match its ballot"))
    picks = []
    for q, (question_cts, rs, chosen) in enumerate(zip(cts, randomness, choices, strict=False), 1):
        if not isinstance(rs, list) or len(rs) != len(question_cts) or not isinstance(chosen, list):
            raise ProtocolError(_("question %(q)s: the randomness does not match the ciphertexts") % {"q": q})
        for i, ((a, b), r) in enumerate(zip(question_cts, rs, strict=True)):
            if (a, b) != encrypt(key, int(i in chosen), scalar(r)):
                raise ProtocolError(
                    _("question %(q)s, answer %(i)s: the ballot does not encrypt what it says") % {"q": q, "i": i + 1}
                )
        picks.append(sorted(chosen))
    return picks
