"""Exponential ElGamal and the zero-knowledge proofs of the vote, each with its prover and its verifier.

All proofs are non-interactive (Fiat–Shamir) and travel in the compact form [challenge, response] per branch: the
verifier recomputes the commitments from them and checks that the challenges add up to the hash of the statement
and those commitments. Every challenge hashes a *context* — the election's fingerprint, and for a ballot the
voter's credential — so that a proof copied from one election or one ballot into another does not verify.

* ``prove_knowledge`` / ``knows``: Schnorr's proof that the maker knows log_g(X) (a trustee's first coefficient,
  so that no trustee can choose a key that cancels the others');
* ``prove_range`` / ``in_range``: the disjunctive Chaum–Pedersen proof (Cramer–Damgård–Schoenmakers) that an
  ElGamal ciphertext encrypts one of the values lo..hi (0 or 1 for an answer; the number of choices for a
  question), without saying which;
* ``prove_equal`` / ``equal``: Chaum–Pedersen's proof that log_g(Y) = log_a(D), a trustee's correct partial
  decryption D = a^x of a ciphertext's first part under their verification key Y = g^x.

Same file format and the same hashes in the browser: vote/static/vote/vote.js; the known-answer tests pin both.
"""

from __future__ import annotations

from core.signing import _
from vote.group import L, ProtocolError, add, base, challenge, mul, random_scalar, scalar, scalar_hex, small, sub

Proof = list[list[str]]  # [[challenge, response], …], hex scalars


def encrypt(key: bytes, m: int, r: int) -> tuple[bytes, bytes]:
    """Exponential ElGamal: (g^r, g^m · y^r)."""
    return base(r), add(small(m), mul(r, key))


def _pairs(proof: object, branches: int) -> list[tuple[int, int]]:
    if not isinstance(proof, list) or len(proof) != branches:
        raise ProtocolError(_("a proof of %(branches)s branch(es) expected") % {"branches": branches})
    pairs = []
    for pair in proof:
        if not isinstance(pair, list) or len(pair) != 2:
            raise ProtocolError(_("each branch of a proof is [challenge, response]"))
        pairs.append((scalar(pair[0]), scalar(pair[1])))
    return pairs


# -- Schnorr: knowledge of a discrete logarithm ----------------------------------------------
def prove_knowledge(context: str, x: int, w: int | None = None) -> Proof:
    w = w or random_scalar()
    commitment = base(w)
    c = challenge("pok", context, base(x), commitment)
    return [[scalar_hex(c), scalar_hex(w - c * x)]]


def knows(context: str, public: bytes, proof: object) -> bool:
    ((c, s),) = _pairs(proof, 1)
    commitment = add(base(s), mul(c, public))
    return challenge("pok", context, public, commitment) == c


# -- disjunctive Chaum–Pedersen: the ciphertext encrypts one of lo..hi -----------------------
def prove_range(context: str, key: bytes, alpha: bytes, beta: bytes, m: int, r: int, lo: int, hi: int) -> Proof:
    """(alpha, beta) = encrypt(key, m, r) with lo <= m <= hi: for each other value a simulated branch, for m the
    real one, whose challenge is what is left of the hash."""
    if not lo <= m <= hi:
        raise ProtocolError(_("the value is outside the range it is proved to be in"))
    commitments: list[bytes] = []
    pairs: list[tuple[int, int] | None] = []
    w = random_scalar()
    for value in range(lo, hi + 1):
        if value == m:
            commitments += [base(w), mul(w, key)]
            pairs.append(None)
        else:
            c, s = random_scalar(), random_scalar()
            shifted = sub(beta, small(value))
            commitments += [add(base(s), mul(c, alpha)), add(mul(s, key), mul(c, shifted))]
            pairs.append((c, s))
    total = challenge("range", context, key, alpha, beta, lo, hi, *commitments)
    own = (total - sum(p[0] for p in pairs if p)) % L
    return [
        [scalar_hex(own), scalar_hex(w - own * r)] if p is None else [scalar_hex(p[0]), scalar_hex(p[1])] for p in pairs
    ]


def in_range(context: str, key: bytes, alpha: bytes, beta: bytes, lo: int, hi: int, proof: object) -> bool:
    pairs = _pairs(proof, hi - lo + 1)
    commitments = []
    for value, (c, s) in zip(range(lo, hi + 1), pairs, strict=True):
        # beta itself at 0 (not beta - g^0, which libsodium would re-encode): its own bytes are checked by mul
        shifted = beta if value == 0 else sub(beta, small(value))
        commitments += [add(base(s), mul(c, alpha)), add(mul(s, key), mul(c, shifted))]
    return challenge("range", context, key, alpha, beta, lo, hi, *commitments) == sum(c for c, _s in pairs) % L


# -- Chaum–Pedersen: a correct partial decryption ----------------------------------------------
def prove_equal(context: str, x: int, alpha: bytes, w: int | None = None) -> tuple[bytes, Proof]:
    """D = alpha^x with the proof that it uses the same x as the verification key g^x."""
    w = w or random_scalar()
    factor = mul(x, alpha)
    c = challenge("decrypt", context, base(x), alpha, factor, base(w), mul(w, alpha))
    return factor, [[scalar_hex(c), scalar_hex(w - c * x)]]


def equal(context: str, key: bytes, alpha: bytes, factor: bytes, proof: object) -> bool:
    ((c, s),) = _pairs(proof, 1)
    a = add(base(s), mul(c, key))
    b = add(mul(s, alpha), mul(c, factor))
    return challenge("decrypt", context, key, alpha, factor, a, b) == c
