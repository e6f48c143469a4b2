"""The key ceremony, the credential lists and the tally's decryption: what trustees, the credential authority and
the board compute, as pure functions (no database, no Django: the offline tool runs them too).

Trustees (t of n) generate the election key together, Pedersen's way ("joint Feldman"): trustee i picks a random
polynomial f_i of degree t-1, publishes g^(its coefficients) with a proof of knowing the first, and seals f_i(j) to
each trustee j. Trustee j checks every share against its dealer's commitments, keeps x_j = sum_i f_i(j) offline and
publishes g^(x_j). The election key is y = prod_i g^(f_i(0)); nobody ever holds its private half, and any t
trustees decrypt the tally with Lagrange's coefficients, each proving their part (Chaum–Pedersen). Everything a
trustee publishes is signed by the key the organisers listed in the vote's manifest, which they signed offline.

Shares are sealed (libsodium sealed boxes) to the Curve25519 form of the recipient's listed Ed25519 key: the
server relays them and cannot read them.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from typing import TypeGuard, cast

from nacl.exceptions import CryptoError
from nacl.public import SealedBox
from nacl.signing import SigningKey, VerifyKey

from core import signing
from core.signing import _
from vote.ballots import canonical
from vote.documents import Manifest, Question
from vote.group import (
    IDENTITY,
    L,
    ProtocolError,
    base,
    discrete_log,
    hexof,
    lagrange_at_zero,
    mul,
    point,
    scalar,
    scalar_hex,
    sha256,
    sub,
    total,
    whole,
)
from vote.proofs import equal, knows, prove_equal, prove_knowledge

MANIFEST = "veche-vote/2"  # /2: the registrar, a second party whose voting pass a ballot needs
DEAL = "veche-vote-deal/1"
ACCEPT = "veche-vote-accept/1"
CREDENTIALS = "veche-vote-credentials/1"
PASSES = "veche-vote-passes/1"
PARTIAL = "veche-vote-partial/1"
COMPLAINT = "veche-vote-complaint/1"
ANSWER = "veche-vote-answer/1"
SHARE = "veche-vote-share/1"


def same(value: object, number: int) -> bool:
    """``value`` is this whole number (not True for 1: the browser's verifier tells them apart, so must this)."""
    return whole(value) and value == number


def manifest_hash(manifest: Manifest) -> str:
    return sha256(canonical(manifest))


def fingerprint(manifest: Manifest, key: bytes) -> str:
    """The election's fingerprint: its manifest and its key. Every ballot proof hashes it."""
    return sha256(f"veche-vote/1|election|{manifest_hash(manifest)}|{hexof(key)}".encode())


def signed(document: dict, key: SigningKey) -> dict:
    """A document as its maker brings it to the board: the document and the maker's signature of its bytes."""
    return {"document": document, "signature": signing.sign(canonical(document), key)}


def exact_b64(text: object, size: int) -> TypeGuard[str]:
    """Base64 of ``size`` bytes in its one spelling (padded, no spaces, no stray bits): what verify.js takes too."""
    if not isinstance(text, str):
        return False
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return False
    return len(raw) == size and base64.b64encode(raw).decode() == text


def signer_of(payload: object, expected: str, what: str) -> dict:
    """The document of a signed payload, when its signature is by the expected key and holds."""
    if not isinstance(payload, dict) or set(payload) != {"document", "signature"}:
        raise ProtocolError(_("%(what)s: a signed document expected") % {"what": what})
    document, record = payload["document"], payload["signature"]
    if not isinstance(document, dict) or not isinstance(record, dict):
        raise ProtocolError(_("%(what)s: a signed document expected") % {"what": what})
    if record.get("key") != expected:
        raise ProtocolError(_("%(what)s: signed by a key the manifest does not name for it") % {"what": what})
    if set(record) != {"format", "key", "signature"} or record.get("format") != signing.SIGNATURE_FORMAT:
        raise ProtocolError(_("%(what)s: a signed document expected") % {"what": what})
    signature = record.get("signature")
    if not exact_b64(signature, 64) or not signing.signature_valid(canonical(document), expected, signature):
        raise ProtocolError(_("%(what)s: the signature does not hold") % {"what": what})
    return document


MANIFEST_KEYS = (
    "board_key", "closes", "credential_authority", "demo", "description", "eligibility", "format", "id",
    "min_ballots", "opens", "questions", "registrar", "slug", "threshold", "title", "trustees",
)  # fmt: skip
TEXTS = ("closes", "description", "eligibility", "id", "opens", "slug", "title")
KEYS = ("board_key", "credential_authority", "registrar")


def check_manifest(manifest: object) -> Manifest:
    """The manifest's shape, in one spelling (verify.js checks the same): a manifest that breaks it could not be
    voted on, and one the two verifiers read differently could make them disagree."""
    if not isinstance(manifest, dict) or manifest.get("format") != MANIFEST:
        raise ProtocolError(_("not a vote manifest (%(format)s)") % {"format": MANIFEST})
    wrong = sorted(set(manifest) ^ set(MANIFEST_KEYS))
    wrong += [k for k in TEXTS if k in manifest and not isinstance(manifest[k], str)]
    wrong += [k for k in KEYS if k in manifest and not exact_b64(manifest[k], 32)]
    if "demo" in manifest and not isinstance(manifest["demo"], bool):
        wrong.append("demo")
    if wrong:
        raise ProtocolError(_("the manifest is incomplete or malformed (%(exc)s)") % {"exc": ", ".join(wrong)})
    questions, trustees, t = manifest["questions"], manifest["trustees"], manifest["threshold"]
    if not isinstance(trustees, list) or not trustees or not whole(t) or not 1 <= t <= len(trustees):
        raise ProtocolError(_("the manifest needs trustees and a threshold between 1 and their number"))
    for x in trustees:
        if not isinstance(x, dict) or sorted(x) != ["key", "name"] or not isinstance(x["name"], str):
            raise ProtocolError(_("each trustee is a name and a key"))
        if not exact_b64(x["key"], 32):
            raise ProtocolError(_("a trustee's key in the manifest is not an Ed25519 key"))
    keys = [x["key"] for x in trustees]
    if len(set(keys)) != len(keys):
        raise ProtocolError(_("two trustees share a key"))
    if manifest["registrar"] == manifest["credential_authority"]:
        # The two halves of casting come from two parties, or the one who holds both votes for every abstainer.
        raise ProtocolError(_("the registrar and the credential authority must be two parties with two keys"))
    if not whole(manifest["min_ballots"]) or manifest["min_ballots"] < 1:
        raise ProtocolError(_("the manifest's fewest ballots to decrypt is a whole number from 1"))
    if not isinstance(questions, list) or not questions:
        raise ProtocolError(_("the manifest has no question"))
    for q in questions:
        check_question(q)
    return cast(Manifest, manifest)  # its shape checked above, key by key


def check_question(q: object) -> None:
    """A question of the manifest: its text, at least two answers, and bounds on how many may be chosen."""
    if not isinstance(q, dict) or sorted(q) != ["answers", "max", "min", "question"]:
        raise ProtocolError(_("each question needs its text and at least two answers"))
    answers = q["answers"]
    if (
        not isinstance(answers, list)
        or len(answers) < 2
        or not isinstance(q["question"], str)
        or not all(isinstance(a, str) for a in answers)
    ):
        raise ProtocolError(_("each question needs its text and at least two answers"))
    lo, hi = q["min"], q["max"]
    if not whole(lo) or not whole(hi) or not 0 <= lo <= hi <= len(answers):
        raise ProtocolError(_("each question's bounds: 0 <= min <= max <= the number of answers"))


# -- dealing ---------------------------------------------------------------------------------
def polynomial(manifest: Manifest, index: int, key: SigningKey) -> list[int]:
    """The dealer's polynomial, derived from its own key and the election (SHA-512 of the key's seed, keyed by the
    election and the coefficient's place): never stored, and recomputed offline to answer a complaint."""
    h, seed = manifest_hash(manifest).encode(), bytes(key)
    coefficients = []
    for k in range(manifest["threshold"]):
        digest = hashlib.sha512(b"veche-vote/1|polynomial|" + h + b"|%d|%d|" % (index, k) + seed).digest()
        coefficients.append(int.from_bytes(digest, "little") % L or 1)
    return coefficients


def share_of(coefficients: list[int], j: int) -> int:
    """f(j): trustee j's share of a dealer's polynomial."""
    return int(sum(a * pow(j, k) for k, a in enumerate(coefficients)) % L)


def make_deal(manifest: Manifest, index: int, key: SigningKey) -> dict:
    """Trustee ``index`` (1-based, in the manifest's order): commitments to its polynomial, the proof of its first
    coefficient, and f(j) sealed to each trustee j."""
    trustees = manifest["trustees"]
    coefficients = polynomial(manifest, index, key)
    h = manifest_hash(manifest)
    shares = []
    for j, trustee in enumerate(trustees, 1):
        value = share_of(coefficients, j)
        box = SealedBox(VerifyKey(base64.b64decode(trustee["key"])).to_curve25519_public_key())
        plain = canonical({"format": SHARE, "election": h, "from": index, "to": j, "share": scalar_hex(value)})
        shares.append(base64.b64encode(box.encrypt(plain)).decode())
    document = {
        "format": DEAL,
        "election": h,
        "trustee": index,
        "commitments": [hexof(base(a)) for a in coefficients],
        "proof": prove_knowledge(f"{h}|deal|{index}", coefficients[0]),
        "shares": shares,
    }
    return signed(document, key)


def check_deal(manifest: Manifest, document: dict, index: int) -> list[bytes]:
    """The dealer's commitments, when the deal is this election's and its proof holds."""
    h = manifest_hash(manifest)
    if document.get("format") != DEAL or document.get("election") != h or not same(document.get("trustee"), index):
        raise ProtocolError(_("the deal is not this trustee's for this election"))
    commitments = document.get("commitments")
    if not isinstance(commitments, list) or len(commitments) != manifest["threshold"]:
        raise ProtocolError(_("the deal must commit to exactly threshold coefficients"))
    points = [point(c) for c in commitments]
    if not knows(f"{h}|deal|{index}", points[0], document.get("proof")):
        raise ProtocolError(_("the proof of the deal's first coefficient does not hold"))
    shares = document.get("shares")
    if not isinstance(shares, list) or len(shares) != len(manifest["trustees"]):
        raise ProtocolError(_("the deal must carry one sealed share per trustee"))
    return points


def share_commitment(commitments: list[bytes], j: int) -> bytes:
    """g^(f(j)) from the commitments to f's coefficients: what trustee j's share must match."""
    return total([mul(pow(j, k), c) for k, c in enumerate(commitments)])


def verification_key(all_commitments: list[list[bytes]], j: int) -> bytes:
    """g^(x_j): trustee j's public verification key, computed by anyone from the deals."""
    return total([share_commitment(c, j) for c in all_commitments])


def election_key(all_commitments: list[list[bytes]]) -> bytes:
    return total([c[0] for c in all_commitments])


class BadShare(ProtocolError):
    """The share a dealer sealed to this trustee cannot be opened or does not match the dealer's commitments: the
    trustee complains on the board, and the dealer must reveal the share there (or stand blamed)."""

    def __init__(self, message: str, dealer: int):
        super().__init__(message)
        self.dealer = dealer


def accept(
    manifest: Manifest,
    deals: list[dict],
    index: int,
    key: SigningKey,
    head: str,
    revealed: dict[int, int] | None = None,
) -> tuple[int, dict]:
    """Trustee ``index`` opens the shares sealed to them, checks each against its dealer's commitments, and
    returns (their secret share x_j, the signed acceptance naming the board's head after the last deal).
    ``revealed``: dealer → the share it revealed on the board answering this trustee's complaint (the board checked
    it against the commitments), used instead of the sealed one. BadShare names a dealer to complain of."""
    h = manifest_hash(manifest)
    box = SealedBox(key.to_curve25519_private_key())
    x = 0
    all_commitments = []
    for i, document in enumerate(deals, 1):
        commitments = check_deal(manifest, document, i)
        if revealed and i in revealed:
            x = (x + revealed[i]) % L
            all_commitments.append(commitments)
            continue
        try:
            plain = json.loads(box.decrypt(base64.b64decode(document["shares"][index - 1])))
        except (CryptoError, ValueError, TypeError) as exc:
            raise BadShare(
                _("trustee %(i)s's share for you cannot be opened with your key (%(exc)s)") % {"i": i, "exc": exc}, i
            ) from None
        if (
            not isinstance(plain, dict)
            or plain.get("election") != h
            or plain.get("from") != i
            or plain.get("to") != index
        ):
            raise BadShare(_("trustee %(i)s's share is not for you in this election") % {"i": i}, i)
        try:
            value = scalar(plain.get("share"))
        except ProtocolError:
            value = -1
        if value < 0 or base(value) != share_commitment(commitments, index):
            raise BadShare(_("trustee %(i)s's share does not match their commitments: do not accept") % {"i": i}, i)
        x = (x + value) % L
        all_commitments.append(commitments)
    expected = verification_key(all_commitments, index)
    assert base(x) == expected  # the sum of checked shares: holds by construction
    document = {
        "format": ACCEPT,
        "election": h,
        "trustee": index,
        "board": head,
        "verification_key": hexof(expected),
    }
    return x, signed(document, key)


# -- complaints -------------------------------------------------------------------------------
def complaint(manifest: Manifest, index: int, against: int, key: SigningKey, head: str) -> dict:
    """Trustee ``index`` complains on the board that the share ``against`` sealed to them is wrong."""
    document = {
        "format": COMPLAINT,
        "election": manifest_hash(manifest),
        "trustee": index,
        "against": against,
        "board": head,
    }
    return signed(document, key)


def answer(manifest: Manifest, index: int, to: int, key: SigningKey) -> dict:
    """Dealer ``index`` answers trustee ``to``'s complaint: the share f(to), revealed. Every verifier checks it
    against the dealer's commitments; the complainer then uses it. A dealer who sealed a wrong share and cannot or
    will not reveal the right one stands blamed on the board, and the vote cannot open."""
    value = share_of(polynomial(manifest, index, key), to)
    document = {
        "format": ANSWER,
        "election": manifest_hash(manifest),
        "trustee": index,
        "to": to,
        "share": scalar_hex(value),
    }
    return signed(document, key)


# -- credentials ------------------------------------------------------------------------------
def credential_batch(manifest: Manifest, batch: int, credentials: list[str], checks: dict, key: SigningKey) -> dict:
    """A batch of public credentials, sorted (their order says nothing of the voters'), with how many came from
    each kind of identity check (counts only: a credential carries no kind, so a small group is not singled out)."""
    document = {
        "format": CREDENTIALS,
        "election": manifest_hash(manifest),
        "batch": batch,
        "credentials": sorted(credentials),
        "checks": dict(sorted(checks.items())),
    }
    return signed(document, key)


def check_batch(manifest: Manifest, document: dict, batch: int, known: set[str]) -> list[str]:
    if document.get("format") != CREDENTIALS or document.get("election") != manifest_hash(manifest):
        raise ProtocolError(_("the credentials are not for this election"))
    if not same(document.get("batch"), batch):
        raise ProtocolError(_("credential batches are numbered in order: %(batch)s expected") % {"batch": batch})
    credentials, checks = document.get("credentials"), document.get("checks")
    if not isinstance(credentials, list) or not credentials or credentials != sorted(credentials):
        raise ProtocolError(_("a batch lists its public credentials, sorted"))
    if not isinstance(checks, dict) or any(not whole(n) or n < 0 for n in checks.values()):
        raise ProtocolError(_("a batch counts its credentials by identity check"))
    if sum(checks.values()) != len(credentials):
        raise ProtocolError(_("the counts by identity check do not add up to the credentials listed"))
    for c in credentials:
        point(c)
    if len(set(credentials)) != len(credentials) or known & set(credentials):
        raise ProtocolError(_("a credential is listed twice"))
    return credentials


def pass_batch(manifest: Manifest, batch: int, passes: list[str], key: SigningKey) -> dict:
    """A batch of the registrar's public voting passes, sorted: a ballot is cast with a listed pass and a listed
    credential, the two bound to each other by the first ballot that uses them."""
    document = {"format": PASSES, "election": manifest_hash(manifest), "batch": batch, "passes": sorted(passes)}
    return signed(document, key)


def check_pass_batch(manifest: Manifest, document: dict, batch: int, known: set[str]) -> list[str]:
    if document.get("format") != PASSES or document.get("election") != manifest_hash(manifest):
        raise ProtocolError(_("the voting passes are not for this election"))
    if not same(document.get("batch"), batch):
        raise ProtocolError(_("batches of voting passes are numbered in order: %(batch)s expected") % {"batch": batch})
    passes = document.get("passes")
    if not isinstance(passes, list) or not passes or passes != sorted(passes):
        raise ProtocolError(_("a batch lists its public voting passes, sorted"))
    for c in passes:
        point(c)
    if len(set(passes)) != len(passes) or known & set(passes):
        raise ProtocolError(_("a voting pass is listed twice"))
    return passes


# -- the tally and its decryption ---------------------------------------------------------------
def tally(counted: list[list[list[tuple[bytes, bytes]]]], questions: list[Question]) -> list[list[list[str]]]:
    """The product of every counted ballot's ciphertexts, per question and answer: encrypts the counts."""
    result = []
    for q, question in enumerate(questions):
        row = []
        for a in range(len(question["answers"])):
            row.append(
                [
                    hexof(total([ballot[q][a][0] for ballot in counted])),
                    hexof(total([ballot[q][a][1] for ballot in counted])),
                ]
            )
        result.append(row)
    return result


def tally_points(encrypted: list[list[list[str]]]) -> list[list[tuple[bytes, bytes]]]:
    """The tally's points as computed here (the neutral element allowed: a tally of no ballot is g^0)."""
    return [[(bytes.fromhex(a), bytes.fromhex(b)) for a, b in row] for row in encrypted]


def make_partial(fp: str, index: int, x: int, encrypted: list[list[list[str]]], key: SigningKey) -> dict:
    factors, proofs = [], []
    for row in tally_points(encrypted):
        f_row, p_row = [], []
        for alpha, _beta in row:
            factor, proof = prove_equal(f"{fp}|{index}", x, alpha)
            f_row.append(hexof(factor))
            p_row.append(proof)
        factors.append(f_row)
        proofs.append(p_row)
    document = {"format": PARTIAL, "election": fp, "trustee": index, "factors": factors, "proofs": proofs}
    return signed(document, key)


def check_partial(fp: str, document: dict, index: int, vkey: bytes, encrypted: list) -> list[list[bytes]]:
    if document.get("format") != PARTIAL or document.get("election") != fp or not same(document.get("trustee"), index):
        raise ProtocolError(_("the partial decryption is not this trustee's for this election"))
    factors, proofs = document.get("factors"), document.get("proofs")
    points = tally_points(encrypted)
    if not isinstance(factors, list) or not isinstance(proofs, list) or not len(factors) == len(proofs) == len(points):
        raise ProtocolError(_("one row of factors and proofs per question expected"))
    result = []
    for q, (row, f_row, p_row) in enumerate(zip(points, factors, proofs, strict=False), 1):
        if not isinstance(f_row, list) or not isinstance(p_row, list) or not len(f_row) == len(p_row) == len(row):
            raise ProtocolError(_("question %(q)s: one factor and one proof per answer expected") % {"q": q})
        out = []
        for a, ((alpha, _b), f, p) in enumerate(zip(row, f_row, p_row, strict=True), 1):
            factor = point(f)
            if alpha == IDENTITY or not equal(f"{fp}|{index}", vkey, alpha, factor, p):
                raise ProtocolError(
                    _("question %(q)s, answer %(a)s: the proof of the partial decryption does not hold")
                    % {"q": q, "a": a}
                )
            out.append(factor)
        result.append(out)
    return result


def combine(encrypted: list, partials: dict[int, list[list[bytes]]], ballots: int) -> list[list[int]]:
    """The counts from the tally and t partial decryptions (trustee index → factors)."""
    indices = sorted(partials)
    lam = {j: lagrange_at_zero(j, indices) for j in indices}
    counts = []
    for q, row in enumerate(tally_points(encrypted)):
        counts_row = []
        for a, (_alpha, beta) in enumerate(row):
            shared = total([mul(lam[j], partials[j][q][a]) for j in indices])
            counts_row.append(discrete_log(sub(beta, shared), ballots))
        counts.append(counts_row)
    return counts
