"""Personal data in a form a seized server cannot read: keyed hashes and sealed boxes.

* ``keyed_hash(purpose, text)``: HMAC-SHA256 under a key derived from the
  pepper for one purpose, so two uses never share hashes. It lets the server
  recognise the same e-mail again without keeping it. The pepper lives in
  memory only (``VECHE_PEPPER``, or ``VECHE_PEPPER_FILE`` on tmpfs): with
  the disk alone the hashes are 256-bit-keyed noise that no dictionary
  opens; a seized *running* server gives the pepper away with its memory
  (docs/threat-model.md).
* ``seal(data, public_key)``: a libsodium sealed box (PyNaCl) to the
  organisers' X25519 public key. Only the holder of the private key, kept
  offline, can open it; the server that sealed it cannot.
"""

import base64
import hashlib
import hmac
from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from nacl.exceptions import CryptoError
from nacl.public import PrivateKey, PublicKey, SealedBox

from core.secrets import memory_secret, secret


class SealingError(ValueError):
    """A key or a sealed value is not what it should be."""


@cache
def pepper() -> bytes:
    """From memory, or in demo mode only from var/secrets/. Read once per process; rotating it needs a restart."""
    value = memory_secret("pepper")
    if value:
        return value.encode()
    if not settings.DEMO:
        raise ImproperlyConfigured(
            "The pepper is not set: give it as VECHE_PEPPER, or as VECHE_PEPPER_FILE on a "
            "memory filesystem (e.g. /run/veche/pepper), never on the disk; "
            "or run the demo with VECHE_DEMO=1"
        )
    return secret("pepper").encode()


def keyed_hash(purpose: str, text: str) -> str:
    key = hmac.new(pepper(), purpose.encode(), hashlib.sha256).digest()
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def new_keypair(seed: bytes | None = None) -> tuple[str, str]:
    """(public, private), base64; random, or the same pair for the same 32-byte seed."""
    private = PrivateKey.from_seed(seed) if seed is not None else PrivateKey.generate()
    return (base64.b64encode(bytes(private.public_key)).decode(), base64.b64encode(bytes(private)).decode())


def public_key(text: str) -> PublicKey:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
        if len(raw) != 32:
            raise ValueError
        return PublicKey(raw)
    except (ValueError, TypeError):
        raise SealingError("not a public key: expected 32 bytes in base64 (keygen prints one)") from None


def seal(data: bytes, key: str) -> bytes:
    return SealedBox(public_key(key)).encrypt(data)


def unseal(box: bytes | memoryview, private: str) -> bytes:
    """Open a sealed box (bytes, or the memoryview PostgreSQL gives a binary column) with a private key."""
    try:
        raw = base64.b64decode(private.strip(), validate=True)
        return SealedBox(PrivateKey(raw)).decrypt(bytes(box))
    except (ValueError, TypeError) as exc:
        raise SealingError("not a private key: expected 32 bytes in base64") from exc
    except CryptoError as exc:
        raise SealingError("this key does not open the sealed data (a different key?)") from exc
