"""The group every proof of the vote lives in: the prime-order subgroup of Ed25519, through libsodium (PyNaCl).

Points travel as the 64 hex digits of their 32-byte encoding, scalars as the 64 hex digits of their 32 bytes,
little-endian, below the group order L. Every point that comes from outside goes through ``point``, which refuses
anything libsodium does not call a valid point of the main subgroup (not canonical, not on the curve, of small
order, or outside the subgroup of order L): a point of small order mixed into a ciphertext or a key would let its
maker learn or change something a proof does not cover. The neutral element never comes from outside; it appears
only in what is computed here (g^0 in a decrypted count), so ``mul`` and ``add`` accept it.

Hashes: SHA-512 reduced modulo L for challenges (``challenge``), each under its own tag so that a proof of one
kind can never be passed off as one of another kind; the text hashed is the tag and the items, joined by "|",
each a hex string or a decimal number, so that the browser (vote/static/vote/vote.js) hashes the same bytes.

This file imports nothing of Django or of the project: it runs on the trustees' offline machines too.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import TypeGuard

from nacl import bindings as sodium
from nacl.exceptions import RuntimeError as SodiumError

from core.signing import _

L = 2**252 + 27742317777372353535851937790883648493  # the order of the group
IDENTITY = bytes([1]) + bytes(31)  # the neutral element's encoding
DOMAIN = "veche-vote/1"


class ProtocolError(ValueError):
    """A point, a scalar, a proof or a document is not what the protocol requires; the message says which."""


def random_scalar() -> int:
    """A uniform scalar in [1, L): 64 random bytes reduced, so that the bias is below 2^-250."""
    while True:
        s = int.from_bytes(secrets.token_bytes(64), "little") % L
        if s:
            return s


def scalar_bytes(s: int) -> bytes:
    return (s % L).to_bytes(32, "little")


def scalar_hex(s: int) -> str:
    return scalar_bytes(s).hex()


def scalar(text: object) -> int:
    """A scalar from its hex form; refused unless it is exactly 32 bytes below L in lower-case hex (one spelling per
    number: the browser's verifier takes no other, and two verifiers must agree on every board)."""
    try:
        raw = bytes.fromhex(text) if isinstance(text, str) else b""
    except ValueError:
        raw = b""
    if len(raw) != 32 or text != raw.hex():
        raise ProtocolError(_("not a scalar: 64 hex digits expected"))
    value = int.from_bytes(raw, "little")
    if value >= L:
        raise ProtocolError(_("not a scalar: it is not below the group order"))
    return value


def whole(value: object) -> TypeGuard[int]:
    """A JSON integer, never a boolean (Python counts True as 1; JavaScript, so the browser's verifier, does not)."""
    return isinstance(value, int) and not isinstance(value, bool)


def encoded(text: object) -> bytes:
    """The 32 bytes of a point from outside, its form only: for a point that is multiplied before it is used,
    whose check libsodium makes then (``mul``: canonical, on the curve, not of small order, in the subgroup) —
    checking it here too would double the cost of a ballot's proofs."""
    try:
        raw = bytes.fromhex(str(text))
    except ValueError:
        raw = b""
    if len(raw) != 32 or not isinstance(text, str) or text != raw.hex():
        raise ProtocolError(_("not a point: 64 lower-case hex digits expected"))
    if raw == IDENTITY:
        # Multiplying the identity needs no libsodium call, so it was never checked: a ciphertext with r = 0 (its
        # alpha the identity) passed here and failed in the browser (issue 32). No point from outside is the identity.
        raise ProtocolError(_("not a point of the group (off the curve, of small order, or outside the subgroup)"))
    return raw


def point(text: object) -> bytes:
    """A point from outside: 64 hex digits that libsodium accepts as a point of the main subgroup."""
    raw = encoded(text)
    if not sodium.crypto_core_ed25519_is_valid_point(raw):
        raise ProtocolError(_("not a point of the group (off the curve, of small order, or outside the subgroup)"))
    return raw


def hexof(p: bytes) -> str:
    return p.hex()


def base(s: int) -> bytes:
    """g^s for the standard base point g."""
    s %= L
    if s == 0:
        return IDENTITY
    return sodium.crypto_scalarmult_ed25519_base_noclamp(scalar_bytes(s))


def mul(s: int, p: bytes) -> bytes:
    """p^s (written multiplicatively, as the papers do; s·p on the curve)."""
    s %= L
    if s == 0 or p == IDENTITY:
        return IDENTITY
    try:
        return sodium.crypto_scalarmult_ed25519_noclamp(scalar_bytes(s), p)
    except SodiumError as exc:  # libsodium checks its input as point() does
        raise ProtocolError(
            _("not a point of the group (off the curve, of small order, or outside the subgroup)")
        ) from exc


_SMALL: dict[int, bytes] = {}


def small(m: int) -> bytes:
    """g^m for a small count (the values a range proof shifts by), computed once."""
    if m not in _SMALL:
        _SMALL[m] = base(m)
    return _SMALL[m]


def add(p: bytes, q: bytes) -> bytes:
    return sodium.crypto_core_ed25519_add(p, q)


def sub(p: bytes, q: bytes) -> bytes:
    return sodium.crypto_core_ed25519_sub(p, q)


def total(points: list[bytes]) -> bytes:
    result = IDENTITY
    for p in points:
        result = add(result, p)
    return result


def challenge(tag: str, *items: object) -> int:
    """The Fiat–Shamir challenge of a proof of kind ``tag`` over its statement and commitments."""
    text = "|".join([DOMAIN, tag, *(x.hex() if isinstance(x, bytes) else str(x) for x in items)])
    return int.from_bytes(hashlib.sha512(text.encode()).digest(), "little") % L


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def discrete_log(target: bytes, limit: int) -> int:
    """The m in [0, limit] with g^m = target: a count of ballots, found by walking up from g^0."""
    current, g = IDENTITY, base(1)
    for m in range(limit + 1):
        if current == target:
            return m
        current = add(current, g)
    raise ProtocolError(_("the decrypted count is not a number of ballots: the decryption is wrong"))


def lagrange_at_zero(index: int, indices: list[int]) -> int:
    """The Lagrange coefficient of trustee ``index`` for the polynomial's value at 0 from ``indices``."""
    num, den = 1, 1
    for k in indices:
        if k != index:
            num = num * k % L
            den = den * (k - index) % L
    return num * pow(den, -1, L) % L
