"""Which keys this server holds, trusts, or — in demo mode only — makes.

The server holds public keys only:

* ``VECHE_MONITOR_PUBLIC_KEY``: the organisers' X25519 key that the
  monitor seals people's details to (their private half, from
  ``manage.py keygen``, stays offline);
* ``VECHE_SIGNING_ROOT``: the first Ed25519 key of the organisers' key
  chain (core/signing.py); the chain itself, uploaded by the organisers, is
  stored statement by statement and checked from this root every time a
  signature is checked;
* the pepper of the keyed hashes (core.sealing), not a key of the
  organisers' but not to be on the disk either: ``VECHE_PEPPER`` or
  ``VECHE_PEPPER_FILE`` on a memory filesystem.

Without them a server refuses to start (``startup_problems``), unless demo
mode is on (``VECHE_DEMO=1``, as ``make run`` sets): then what is missing is
made in var/secrets/ — a monitor key pair whose private half is written
beside it, a signing key the server signs with itself, the pepper — and
every page, list and mirror says "demo".
"""

from __future__ import annotations

import hashlib
import os
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils.translation import gettext as _
from nacl.signing import SigningKey

from core import signing
from core.models import SigningStatement
from core.sealing import new_keypair, pepper
from core.secrets import SecretError, secret, secrets_dir

MONITOR_DEMO_PRIVATE = "monitor_private_key.DEMO"
# Files only demo mode writes (or earlier versions wrote on every server): a real server refuses to start
# while one of them is in its secrets folder.
DEMO_ONLY = [
    "smartvote_signing_key",
    "monitor_demo_key",
    MONITOR_DEMO_PRIVATE,
    "pepper",
    "pledges-demo.key",
    "actions-demo.key",
    "initiatives-demo.key",  # the demo proposals' supporters' key
    "vote_demo",  # the seed of the demo votes' trustees' and credential authority's keys
    "vote-demo.json",  # the demo trustees' shares of the demo votes' keys
]


def monitor_public_key() -> str:
    """The key the monitor seals to. Never a quiet fallback: outside demo mode a missing key is an error."""
    if settings.MONITOR_PUBLIC_KEY:
        return settings.MONITOR_PUBLIC_KEY
    if not settings.DEMO:
        raise ImproperlyConfigured(
            "VECHE_MONITOR_PUBLIC_KEY is not set: make the organisers' key pair offline "
            "(manage.py keygen --out FILE) and give the server its public half, "
            "or run the demo with VECHE_DEMO=1"
        )
    return _demo_monitor_key()


def write_demo_private(name: str, private: str) -> Path:
    """Demo only: write a demo key's private half into the secrets folder (0600), for the commands that show what
    the organisers do offline with theirs. ``name`` is one of DEMO_ONLY: a real server refuses to start with it."""
    if name not in DEMO_ONLY:
        raise ValueError(f"{name} is not a demo-only secret (core.keys.DEMO_ONLY)")
    folder = secrets_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / name
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(private + "\n")
    return path


@cache
def _demo_monitor_key() -> str:
    """Demo only: a pair every process derives alike from one secret; the private half is written beside it for
    monitor_export, which is exactly what a real server must never hold."""
    public, private = new_keypair(hashlib.sha256(secret("monitor_demo_key").encode()).digest())
    path = secrets_dir() / MONITOR_DEMO_PRIVATE
    if not path.exists() or path.read_text().strip() != private:
        write_demo_private(MONITOR_DEMO_PRIVATE, private)
    return public


# -- the signing key chain --------------------------------------------------------
def demo_signing_key() -> SigningKey | None:
    """Demo mode without an organisers' root only: a key the server signs with itself (and says so)."""
    if not settings.DEMO or settings.SIGNING_ROOT:
        return None
    return SigningKey(hashlib.sha256(secret("smartvote_signing_key").encode()).digest())


def signing_root() -> str | None:
    """The pinned first key of the chain: the organisers', or the demo's."""
    if settings.SIGNING_ROOT:
        return settings.SIGNING_ROOT
    key = demo_signing_key()
    return signing.public_of(key) if key else None


def chain() -> signing.Chain | None:
    """The organisers' key chain as stored, checked from the root now; None without a root.

    A stored statement that does not check (someone with the database added
    or changed one) raises SigningError: then no signature is trusted."""
    root = signing_root()
    return None if root is None else signing.chain(root, stored(root))


def stored(root: str, lock: bool = False) -> list[signing.Statement]:
    """The statements stored under this root, in order, as the signing tool writes them."""
    rows = SigningStatement.objects.filter(root=root).order_by("seq")
    return [{"payload": s.payload, "signature": s.signature} for s in (rows.select_for_update() if lock else rows)]


def standing() -> dict:
    """The pinned root and the chain as pages and the API show them, or why there is none to show."""
    root = signing_root()
    try:
        current, error = chain(), ""
    except signing.SigningError as exc:
        current, error = None, str(exc)
    return {
        "root": root,
        "fingerprint": root and signing.fingerprint(root),
        "chain": current,
        "error": error,
        "demo": demo_signing_key() is not None,
        "keys": [
            {
                "key": k,
                "fingerprint": signing.fingerprint(k),
                "status": current.status[k],
                "since": current.since[k],
                "revoked": current.revoked.get(k),
            }
            for k in current.keys
        ]
        if current
        else [],
    }


def load_keyring(text: str | bytes) -> tuple[signing.Chain, int]:
    """Store the statements a keyring file adds to the stored chain; (the chain, how many were added).

    The file must start from this server's root and continue the stored
    chain: a chain may grow, never change, so a file that drops or alters a
    statement (a revocation, say) is refused and nothing is stored."""
    root, statements = signing.read_keyring(text)
    if signing_root() is None:
        raise signing.SigningError(
            _(
                "This server has no signing root: set VECHE_SIGNING_ROOT to the first public "
                "key of the organisers' chain."
            )
        )
    if root != signing_root():
        raise signing.SigningError(
            _("This key chain starts from the key %(f)s, not from this server's root %(root)s.")
            % {"f": signing.fingerprint(root), "root": signing.fingerprint(signing_root() or "")}
        )
    verified = signing.chain(root, statements)
    with transaction.atomic():
        known = stored(root, lock=True)
        if not signing.extends(known, statements):
            raise signing.SigningError(
                _(
                    "This key chain does not continue the one stored here: it drops or "
                    "changes a statement. A chain may only grow."
                )
            )
        new = statements[len(known) :]
        SigningStatement.objects.bulk_create(
            SigningStatement(root=root, seq=len(known) + i, payload=s["payload"], signature=s["signature"])
            for i, s in enumerate(new, 1)
        )
    return verified, len(new)


def startup_problems() -> list[str]:
    """What stops a server from starting outside demo mode: a key it must have and has not, or one it must not
    have and has (left by the demo, or by versions that kept keys on the server)."""
    problems = []
    if not settings.DEMO:
        problems += [
            f"{secrets_dir() / name} holds a key a real server must not keep: delete it (a pepper "
            f"still in use goes to VECHE_PEPPER_FILE on a memory filesystem first)"
            for name in DEMO_ONLY
            if (secrets_dir() / name).exists()
        ]
    from core.held import key_dir  # here, not above: core.held seals its hour keys with this module's key

    for check in (monitor_public_key, pepper, key_dir):
        try:
            check()
        except (ImproperlyConfigured, SecretError) as exc:
            problems.append(str(exc))
    return problems


def check_startup() -> None:
    problems = startup_problems()
    if problems:
        raise ImproperlyConfigured("Veche will not start:\n  " + "\n  ".join(problems))
