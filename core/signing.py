#!/usr/bin/env python3
"""The organisers' signatures, made offline: keys, the key chain, signing and checking.

This one file works in two places.

* On the organisers' offline (air-gapped) machine it is a command that
  needs nothing but Python 3.11+ and PyNaCl: it makes keys, rotates and
  revokes them, and signs a smart-voting list or a mirror's manifest after
  showing what it says and what changed. ``python3 signing.py --help``.
* On the server it is imported: the server holds public keys only and
  checks every signature with this same code before it publishes or shows
  anything. So it must import nothing of Django or of the project.

The key chain: the first key (the *root*) is pinned: its fingerprint is
published on the organisers' channels and written into every mirror page.
Each later statement of the chain is signed: ``endorse`` (the current key
names its successor: rotation) or ``revoke`` (a key, or a later one, says
that key is no longer to be trusted). Statements are numbered and each
carries the SHA-512 of the one before, so a chain cannot be reordered or
cut without the break showing. A document is trusted when its signer is a
key of the chain that is not revoked. Everything is SHA-512 and Ed25519,
which a browser checks with the vendored tweetnacl alone.
"""

from __future__ import annotations

import argparse
import base64
import datetime
import gettext
import hashlib
import json
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO, TypedDict

from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey

KEY_FORMAT = "veche-signing-key/1"
SIGNATURE_FORMAT = "veche-signature/1"
KEYRING_FORMAT = "veche-keyring/1"
STATEMENT_FORMAT = "veche-key-statement/1"
REQUEST_FORMAT = "veche-signing-request/1"
LIST_FORMAT = "veche-smartvote-list/1"
MANIFEST_FORMAT = "veche-lookup-export/1"
VOTE_FORMAT = "veche-vote/2"


def _catalogue() -> gettext.NullTranslations:
    """Russian where the locale or VECHE_LANG says so, from the project's catalogue when it is beside this file."""
    language = os.environ.get("VECHE_LANG") or os.environ.get("LC_ALL") or os.environ.get("LANG") or ""
    here = Path(__file__).resolve().parent
    for folder in (here.parent / "locale", here / "locale"):
        if language.startswith("ru") and folder.exists():
            return gettext.translation("django", localedir=folder, languages=["ru"], fallback=True)
    return gettext.NullTranslations()


_CATALOGUE = _catalogue()


def _(text: str) -> str:
    """In the server's language of the request when Django runs this file; by the locale on the offline machine."""
    django = sys.modules.get("django.conf")
    if django is not None and django.settings.configured:
        from django.utils.translation import gettext

        return gettext(text)
    return _CATALOGUE.gettext(text)


class SigningError(ValueError):
    """A key, a signature, a chain or a document is not what it should be; the message says what."""


# -- encodings -----------------------------------------------------------------
def canonical(document: Any) -> bytes:
    """The one byte form of a JSON document that is signed: sorted keys, no spaces, UTF-8."""
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def load_canonical(payload: bytes) -> dict:
    """The document in these bytes, refused unless they are its canonical form: what is shown is what is signed
    (a repeated key or another spelling could show one thing to people and another to a checker)."""
    try:
        document = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SigningError(_("The document is not JSON: %(e)s") % {"e": exc}) from None
    if not isinstance(document, dict) or canonical(document) != payload:
        raise SigningError(
            _(
                "The document is not in canonical form (sorted keys, no spaces, UTF-8); "
                "it was changed after it was made."
            )
        )
    return document


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def _raw(text: Any, size: int, what: str) -> bytes:
    try:
        raw = base64.b64decode(str(text).strip(), validate=True)
    except (ValueError, TypeError):
        raw = b""
    if len(raw) != size:
        raise SigningError(_("Not %(what)s: expected %(n)s bytes in base64.") % {"what": what, "n": size})
    return raw


def verify_key(text: str) -> VerifyKey:
    return VerifyKey(_raw(text, 32, _("an Ed25519 public key")))


def public_key_text(text: str) -> str:
    """The public key in its one spelling, or SigningError."""
    return _b64(bytes(verify_key(text)))


def fingerprint(key: str) -> str:
    """A short, readable form of a public key for people to compare: five groups of four hex digits."""
    digest = hashlib.sha256(_raw(key, 32, _("an Ed25519 public key"))).hexdigest()[:20].upper()
    return " ".join(digest[i : i + 4] for i in range(0, 20, 4))


def sha512(data: bytes) -> str:
    return hashlib.sha512(data).hexdigest()


def today() -> str:
    """Statements carry the day only: the hour or minute of a signing says nothing a verifier needs."""
    return datetime.date.today().isoformat()


# -- private keys (the offline machine only) -------------------------------------
def new_key() -> SigningKey:
    return SigningKey.generate()


def public_of(key: SigningKey) -> str:
    return _b64(bytes(key.verify_key))


def write_key(path: Path, key: SigningKey) -> None:
    """Write a private key readable by its owner only; never over an existing file (an old key must not be lost)."""
    body = json.dumps({"format": KEY_FORMAT, "seed": _b64(bytes(key)), "public": public_of(key)}) + "\n"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise SigningError(
            _("%(p)s exists: choose a new file (an old key must not be overwritten).") % {"p": path}
        ) from None
    with os.fdopen(fd, "w") as fh:
        fh.write(body)


def read_key(path: Path) -> SigningKey:
    try:
        data = json.loads(Path(path).read_text())
        if data.get("format") != KEY_FORMAT:
            raise ValueError
        key = SigningKey(_raw(data["seed"], 32, "seed"))
    except OSError as exc:
        raise SigningError(f"{path}: {exc.strerror}") from None
    except (ValueError, KeyError, TypeError, AttributeError, SigningError):
        raise SigningError(_("%(p)s is not a signing key made by this tool.") % {"p": path}) from None
    if public_of(key) != data.get("public"):
        raise SigningError(_("%(p)s is damaged: its public key does not match its private key.") % {"p": path})
    return key


# -- signatures ------------------------------------------------------------------
class SignatureRecord(TypedDict):
    """A signature file (veche-signature/1): who signed, by their public key, and the signature, both base64."""

    format: str
    key: str
    signature: str


class Statement(TypedDict):
    """A statement of the key chain: its canonical JSON (endorse or revoke a key) and its signer's signature."""

    payload: str
    signature: str


class Revocation(TypedDict):
    date: str
    reason: str


class Keyring(TypedDict):
    """A key-chain file (veche-keyring/1): the pinned root and every statement since, in order."""

    format: str
    root: str
    statements: list[Statement]


def signature_record(key: str, signature: str) -> SignatureRecord:
    """A signature file's content: who signed (the public key) and the signature, both base64."""
    return {"format": SIGNATURE_FORMAT, "key": key, "signature": signature}


def sign(payload: bytes, key: SigningKey) -> SignatureRecord:
    return signature_record(public_of(key), _b64(key.sign(payload).signature))


def parse_signature(text: str | bytes | Mapping[str, Any]) -> SignatureRecord:
    """A signature file's content, checked for shape (not yet for validity)."""
    try:
        data = json.loads(text) if isinstance(text, (str, bytes)) else text
        if not isinstance(data, dict) or data.get("format") != SIGNATURE_FORMAT:
            raise ValueError
        sig: SignatureRecord = {
            "format": SIGNATURE_FORMAT,
            "key": public_key_text(data["key"]),
            "signature": _b64(_raw(data["signature"], 64, "signature")),
        }
    except (ValueError, KeyError, TypeError, SigningError):
        raise SigningError(_("This is not a signature file made by the signing tool (veche-signature/1).")) from None
    return sig


def signature_valid(payload: bytes, key: str, signature: str) -> bool:
    """Only the mathematics: is ``signature`` (base64) this key's Ed25519 signature of exactly these bytes?"""
    try:
        verify_key(key).verify(payload, _raw(signature, 64, "signature"))
    except (BadSignatureError, SigningError, ValueError, TypeError):
        return False
    return True


# -- the key chain -------------------------------------------------------------------
CURRENT, RETIRED, REVOKED = "current", "retired", "revoked"


@dataclass
class Chain:
    """A verified key chain: every key from the root in order, and what became of each."""

    root: str
    keys: list[str] = field(default_factory=list)
    status: dict[str, str] = field(default_factory=dict)
    since: dict[str, str] = field(default_factory=dict)
    revoked: dict[str, Revocation] = field(default_factory=dict)
    statements: list[Statement] = field(default_factory=list)

    @property
    def current(self) -> str | None:
        return next((k for k in self.keys if self.status[k] == CURRENT), None)

    @property
    def head(self) -> str:
        """What the next statement must name as its previous: the SHA-512 of the last statement (or the root)."""
        if self.statements:
            return sha512(self.statements[-1]["payload"].encode())
        return sha512(_raw(self.root, 32, "root"))

    def check(self, payload: bytes, signature: Mapping[str, Any]) -> str:
        """The signer when ``signature`` is a valid signature of these bytes by a key of this chain that is not
        revoked; SigningError saying why otherwise."""
        key = signature.get("key", "")
        if key not in self.status:
            raise SigningError(
                _("The signature is by a key that is not in the organisers' key chain (%(f)s).")
                % {"f": _fingerprint_or(key)}
            )
        if self.status[key] == REVOKED:
            raise SigningError(
                _("The signature is by a revoked key (%(f)s): %(why)s")
                % {"f": fingerprint(key), "why": self.revoked[key]["reason"]}
            )
        if not signature_valid(payload, key, signature.get("signature", "")):
            raise SigningError(
                _("The signature does not match this document: it was altered, or signed for another one.")
            )
        return str(key)

    def document(self) -> Keyring:
        return {"format": KEYRING_FORMAT, "root": self.root, "statements": self.statements}


def _fingerprint_or(key: str) -> str:
    try:
        return fingerprint(key)
    except SigningError:
        return "?"


def chain(root: str, statements: list[Statement]) -> Chain:
    """Follow the statements from the pinned root; SigningError at the first that does not hold."""
    root = public_key_text(root)
    result = Chain(root=root, keys=[root], status={root: CURRENT}, since={root: ""})
    for seq, statement in enumerate(statements, 1):
        try:
            payload, signature = statement["payload"], statement["signature"]
            data = load_canonical(payload.encode())
            kind, key, signer = data["type"], public_key_text(data["key"]), public_key_text(data["signer"])
            if data["format"] != STATEMENT_FORMAT or kind not in ("endorse", "revoke"):
                raise ValueError
        except (KeyError, TypeError, ValueError, AttributeError, SigningError):
            raise SigningError(_("Statement %(n)s of the key chain is malformed.") % {"n": seq}) from None
        if data.get("seq") != seq or data.get("previous") != result.head:
            raise SigningError(
                _("Statement %(n)s of the key chain is out of order: the chain was cut, reordered or forked.")
                % {"n": seq}
            )
        if result.status.get(signer) in (None, REVOKED):
            raise SigningError(_("Statement %(n)s is signed by a key the chain does not trust.") % {"n": seq})
        if not signature_valid(payload.encode(), signer, signature):
            raise SigningError(_("Statement %(n)s of the key chain has a bad signature.") % {"n": seq})
        if kind == "endorse":
            if signer != result.current:
                raise SigningError(_("Statement %(n)s: only the current key may name its successor.") % {"n": seq})
            if key in result.status:
                raise SigningError(_("Statement %(n)s endorses a key already in the chain.") % {"n": seq})
            result.status[signer] = RETIRED
            result.keys.append(key)
            result.status[key], result.since[key] = CURRENT, str(data.get("date", ""))
        else:
            if key not in result.status or result.status[key] == REVOKED:
                raise SigningError(
                    _("Statement %(n)s revokes a key that is not in the chain or already revoked.") % {"n": seq}
                )
            if result.keys.index(signer) < result.keys.index(key):
                raise SigningError(
                    _("Statement %(n)s: a key may be revoked only by itself or a later key.") % {"n": seq}
                )
            result.status[key] = REVOKED
            result.revoked[key] = {"date": str(data.get("date", "")), "reason": str(data.get("reason", ""))}
        result.statements.append({"payload": payload, "signature": signature})
    return result


def read_keyring(text: str | bytes | Mapping[str, Any]) -> tuple[str, list[Statement]]:
    """(root, statements) of a keyring file's content, checked for shape; chain() checks the rest."""
    try:
        data = json.loads(text) if isinstance(text, (str, bytes)) else text
        if not isinstance(data, dict) or data.get("format") != KEYRING_FORMAT:
            raise ValueError
        statements: list[Statement] = [
            {"payload": str(s["payload"]), "signature": str(s["signature"])} for s in data["statements"]
        ]
        return public_key_text(data["root"]), statements
    except (ValueError, KeyError, TypeError, SigningError):
        raise SigningError(_("This is not a key-chain file made by the signing tool (veche-keyring/1).")) from None


def extends(old: list[Statement], new: list[Statement]) -> bool:
    """Whether ``new`` is ``old`` with statements added at the end (a chain may grow, never change)."""
    return len(new) >= len(old) and new[: len(old)] == old


def statement(current: Chain, signer: SigningKey, kind: str, key: str, reason: str = "") -> Statement:
    data = {
        "format": STATEMENT_FORMAT,
        "seq": len(current.statements) + 1,
        "previous": current.head,
        "type": kind,
        "key": public_key_text(key),
        "signer": public_of(signer),
        "date": today(),
    }
    if kind == "revoke":
        data["reason"] = reason
    payload = canonical(data)
    result: Statement = {"payload": payload.decode(), "signature": _b64(signer.sign(payload).signature)}
    chain(current.root, [*current.statements, result])  # the tool never writes a statement the chain refuses
    return result


# -- lists published a region at a time ---------------------------------------------
def in_force(documents: list[dict]) -> dict[int, tuple[dict, dict]]:
    """contest id → (its row, the list version it comes from) once the given versions of one election are
    published in their numbered order.

    A version without a ``region`` covers the whole election: it replaces every row. A version with one
    covers that region's districts alone: it replaces their rows and leaves every other region's as the last
    version covering it said. So organisers can publish Moscow's picks while the rest are still being argued
    over, and a region's correction does not re-sign the other 84. Each row names its region; versions are
    numbered and chained per election whatever they cover, so dropping one still breaks the chain. The
    browser's mirror (lookup/static/lookup/lists.js) folds the same way."""
    rows: dict[int, tuple[dict, dict]] = {}
    for document in sorted(documents, key=lambda d: d["version"]):
        scope = document.get("region")
        rows = {} if scope is None else {k: v for k, v in rows.items() if v[0].get("region") != scope}
        for row in document["recommendations"]:
            rows[row["contest_id"]] = (row, document)
    return rows


def before_version(earlier: list[dict]) -> dict | None:
    """What was in force just before ``document``, as a list document: the earlier versions folded (None when
    there are none), so a region's version is compared with what voters saw, not with another region's."""
    if not earlier:
        return None
    rows = in_force(earlier)
    return {
        "version": max(d["version"] for d in earlier),
        "recommendations": [row for row, _source in rows.values()],
    }


# -- what a document says, for people ----------------------------------------------
def list_changes(old: dict | None, new: dict) -> list[dict]:
    """What changed per contest from what was in force (``old``, see before_version) to a new list version
    (the server's pages show the same); a region's version is compared within its region."""
    before = {r["contest_id"]: r for r in old["recommendations"]} if old else {}
    if new.get("region") is not None:
        before = {k: r for k, r in before.items() if r.get("region") == new["region"]}
    changes = []
    for row in new["recommendations"]:
        was = before.pop(row["contest_id"], None)
        old_name = was and was["candidate"] and was["candidate"]["name"]
        new_name = row["candidate"] and row["candidate"]["name"]
        if was is None:
            changes.append(
                {
                    "contest": row["contest"],
                    "change": "added",
                    "before": None,
                    "after": new_name,
                    "reason": row["reason"],
                }
            )
        elif old_name != new_name:
            changes.append(
                {
                    "contest": row["contest"],
                    "change": "changed",
                    "before": old_name,
                    "after": new_name,
                    "reason": row["reason"],
                }
            )
    for was in before.values():
        changes.append(
            {
                "contest": was["contest"],
                "change": "removed",
                "before": was["candidate"] and was["candidate"]["name"],
                "after": None,
                "reason": "",
            }
        )
    return changes


def describe(document: dict, previous: dict | None = None) -> list[str]:
    """A list, a manifest or a key statement in lines a person reads before signing it."""
    kind = document.get("format")
    lines = []
    if document.get("demo"):
        lines.append(_("DEMO: this document says it is signed with the demo key, not the organisers' key."))
    if kind == LIST_FORMAT:
        election = document["election"]
        lines += [
            _("Smart-voting list: %(name)s (%(slug)s, %(date)s)") % election,
            _("Version %(n)s, published %(when)s") % {"n": document["version"], "when": document["published"]},
        ]
        if document.get("region") is not None:
            lines.append(
                _("For one region only: %(r)s. Every other region's picks stay as published before.")
                % {"r": document["region"]}
            )
        if document.get("previous_sha256"):
            lines.append(_("It follows the version with SHA-256 %(h)s.") % {"h": document["previous_sha256"]})
        else:
            lines.append(_("It is the first version."))
        lines.append(_("Recommendations (%(n)s):") % {"n": len(document["recommendations"])})
        for row in document["recommendations"]:
            who = (
                f"{row['candidate']['name']} ({row['candidate'].get('party') or _('self-nominated')})"
                if row["candidate"]
                else _("no recommendation")
            )
            why = (
                _("override: %(r)s") % {"r": row["reason"]}
                if row["source"] == "override"
                else _("forecast, P(strongest) = %(p)s") % {"p": row["candidate"].get("p_best")}
                if row["candidate"]
                else _("forecast")
            )
            lines.append(f"  {row['contest']}: {who} — {why}")
        changes = list_changes(previous, document)
        if previous is not None:
            lines.append(_("Changes against the lists in force after version %(n)s:") % {"n": previous["version"]})
            lines += [
                f"  {c['contest']}: {c['before'] or '—'} → {c['after'] or '—'}"
                + (f" ({c['reason']})" if c["reason"] else "")
                for c in changes
            ] or ["  " + _("none")]
        elif document.get("previous_sha256"):
            lines.append(_("The previous version was not given: the changes cannot be shown."))
    elif kind == MANIFEST_FORMAT:
        lines += [
            _("Mirror of the voter lookup, exported %(when)s") % {"when": document["created"]},
            _("Elections: %(e)s") % {"e": ", ".join(f"{e['name']} ({e['slug']})" for e in document["elections"])},
            _("Regions: %(r)s; data files: %(f)s; published lists: %(l)s")
            % {"r": len(document["regions"]), "f": len(document["files"]), "l": ", ".join(document["lists"]) or "—"},
        ]
    elif kind == VOTE_FORMAT:
        lines += [
            _("Vote: %(t)s (%(s)s), from %(o)s to %(c)s")
            % {"t": document["title"], "s": document["slug"], "o": document["opens"], "c": document["closes"]},
            _("Trustees (%(t)s of %(n)s decrypt the result):")
            % {"t": document["threshold"], "n": len(document["trustees"])},
            *(f"  {t['name']}: {fingerprint(t['key'])}" for t in document["trustees"]),
            _("Credential authority: %(f)s") % {"f": fingerprint(document["credential_authority"])},
            _("Registrar (voting passes): %(f)s") % {"f": fingerprint(document["registrar"])},
            _("The board's key: %(f)s") % {"f": fingerprint(document["board_key"])},
        ]
        for q in document["questions"]:
            lines.append(
                _("Question: %(q)s (choose %(lo)s to %(hi)s)") % {"q": q["question"], "lo": q["min"], "hi": q["max"]}
            )
            lines += [f"  — {a}" for a in q["answers"]]
    elif kind == STATEMENT_FORMAT:
        verb = _("endorses the new key") if document["type"] == "endorse" else _("revokes the key")
        lines.append(
            _("Key statement %(n)s: %(signer)s %(verb)s %(key)s")
            % {
                "n": document["seq"],
                "signer": fingerprint(document["signer"]),
                "verb": verb,
                "key": fingerprint(document["key"]),
            }
        )
    else:
        raise SigningError(_("Unknown kind of document: %(k)s") % {"k": str(kind)[:60]})
    return lines


def describe_chain(current: Chain) -> list[str]:
    lines = [_("Key chain from the root %(f)s:") % {"f": fingerprint(current.root)}]
    labels = {CURRENT: _("current"), RETIRED: _("retired"), REVOKED: _("revoked")}
    for key in current.keys:
        note = labels[current.status[key]]
        if key in current.revoked:
            note += f" {current.revoked[key]['date']}: {current.revoked[key]['reason']}"
        lines.append(f"  {fingerprint(key)}  {note}")
    return lines


def check_folder(folder: Path, manifest: dict) -> list[str]:
    """The files of an exported mirror that are missing or differ from their hash in the manifest."""
    problems = []
    for name, digest in sorted(manifest["files"].items()):
        path = (folder / name).resolve()
        if folder.resolve() not in path.parents:
            problems.append(_("%(f)s: outside the folder") % {"f": name})
        elif not path.is_file():
            problems.append(_("%(f)s: missing") % {"f": name})
        elif sha512(path.read_bytes()) != digest:
            problems.append(_("%(f)s: differs from the manifest") % {"f": name})
    return problems


# -- the command ----------------------------------------------------------------------
def _keyring(path: Path) -> Chain:
    try:
        return chain(*read_keyring(Path(path).read_bytes()))
    except OSError as exc:
        raise SigningError(f"{path}: {exc.strerror}") from None


def _write_new(path: Path, data: bytes) -> None:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        raise SigningError(_("%(p)s exists: move it away first.") % {"p": path}) from None
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def _save_keyring(path: Path, current: Chain) -> None:
    tmp = Path(f"{path}.new")
    tmp.write_text(json.dumps(current.document(), ensure_ascii=False, indent=1) + "\n")
    tmp.replace(path)


def _confirm(args: argparse.Namespace, out: TextIO) -> None:
    if args.yes:
        return
    out.write(_('Type "yes" to sign: '))
    out.flush()
    if sys.stdin.readline().strip().lower() not in ("yes", "да"):
        raise SigningError(_("Not signed."))


def cmd_new_root(args: argparse.Namespace, out: TextIO) -> None:
    key = new_key()
    if Path(args.keyring).exists():
        raise SigningError(_("%(p)s exists: a new root starts a new chain; choose a new file.") % {"p": args.keyring})
    write_key(Path(args.key_out), key)
    _save_keyring(Path(args.keyring), Chain(root=public_of(key)))
    out.write(
        _(
            "New root key written to %(k)s (keep it offline, with a second copy elsewhere).\n"
            "Key chain written to %(r)s: give it to the server and to every mirror.\n"
            "Public key, for the server: VECHE_SIGNING_ROOT=%(pub)s\n"
            "Fingerprint, for your channels: %(f)s\n"
        )
        % {"k": args.key_out, "r": args.keyring, "pub": public_of(key), "f": fingerprint(public_of(key))}
    )


def cmd_rotate(args: argparse.Namespace, out: TextIO) -> None:
    current = _keyring(args.keyring)
    signer = read_key(args.key)
    new = new_key()
    added = statement(current, signer, "endorse", public_of(new))
    write_key(Path(args.key_out), new)
    _save_keyring(Path(args.keyring), chain(current.root, [*current.statements, added]))
    out.write(
        _("New key %(f)s written to %(k)s, endorsed by %(old)s. Upload %(r)s to the server.\n")
        % {
            "f": fingerprint(public_of(new)),
            "k": args.key_out,
            "old": fingerprint(public_of(signer)),
            "r": args.keyring,
        }
    )


def cmd_revoke(args: argparse.Namespace, out: TextIO) -> None:
    current = _keyring(args.keyring)
    signer = read_key(args.key)
    target = args.revoke
    if Path(target).is_file():
        target = public_of(read_key(Path(target)))
    target = next(
        (k for k in current.keys if k == target or fingerprint(k).replace(" ", "") == target.replace(" ", "").upper()),
        target,
    )
    if not args.reason.strip():
        raise SigningError(_("Say why the key is revoked (--reason)."))
    added = statement(current, signer, "revoke", target, args.reason.strip())
    _save_keyring(Path(args.keyring), chain(current.root, [*current.statements, added]))
    out.write(_("Key %(f)s revoked. Upload %(r)s to the server.\n") % {"f": fingerprint(target), "r": args.keyring})


def _request(path: Path, current: Chain | None, out: TextIO) -> tuple[bytes, dict, dict | None]:
    """(payload, document, previous document) of a file to sign: a signing request or a document itself.
    A previous version the chain does not trust is said loudly, not refused: the next version replaces it."""
    raw = Path(path).read_bytes()
    try:
        outer = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        outer = None
    if isinstance(outer, dict) and outer.get("format") == REQUEST_FORMAT:
        payload = str(outer.get("payload", "")).encode()
        document = load_canonical(payload)
        previous = outer.get("previous")
        if previous:
            before = str(previous.get("payload", "")).encode()
            if hashlib.sha256(before).hexdigest() != document.get("previous_sha256"):
                raise SigningError(_("The previous version in the request is not the one this version follows."))
            if current is not None:
                try:
                    current.check(before, parse_signature(previous.get("signature")))
                except SigningError as exc:
                    out.write(
                        _(
                            "WARNING: the version this one follows is not trusted (%(why)s); the changes "
                            "below are against it.\n"
                        )
                        % {"why": exc}
                    )
            if "earlier" in outer:
                return payload, document, before_version(_earlier(outer["earlier"], document, current))
            return payload, document, load_canonical(before)
        return payload, document, None
    return raw, load_canonical(raw), None


def _earlier(records: Any, document: dict, current: Chain | None) -> list[dict]:
    """The signed versions a request says are in force before the new one (published a region at a time,
    several can be): each must be a signed, earlier version of the same election, or the request is refused."""
    if not isinstance(records, list):
        raise SigningError(_("The request's earlier versions are not a list."))
    documents = []
    for record in records:
        if not isinstance(record, dict):
            raise SigningError(_("The request's earlier versions are not a list."))
        body = str(record.get("payload", "")).encode()
        earlier = load_canonical(body)
        if (
            earlier.get("format") != LIST_FORMAT
            or earlier.get("election") != document.get("election")
            or not isinstance(earlier.get("version"), int)
            or earlier["version"] >= document.get("version", 0)
        ):
            raise SigningError(_("An earlier version in the request is not an earlier list of this election."))
        if current is not None:
            current.check(body, parse_signature(record.get("signature") or ""))
        documents.append(earlier)
    return documents


def cmd_sign(args: argparse.Namespace, out: TextIO) -> None:
    current = _keyring(args.keyring)
    key = read_key(args.key)
    if current.status.get(public_of(key)) != CURRENT:
        raise SigningError(
            _("This key is not the current key of the chain in %(r)s: sign with the current one.") % {"r": args.keyring}
        )
    path = Path(args.file)
    payload, document, previous = _request(path, current, out)
    if document.get("format") not in (LIST_FORMAT, MANIFEST_FORMAT, VOTE_FORMAT):
        raise SigningError(_("Only smart-voting lists, mirror manifests and votes are signed with this command."))
    out.write("\n".join(describe(document, previous)) + "\n")
    if document.get("format") == MANIFEST_FORMAT:
        problems = check_folder(path.parent, document)
        if problems:
            raise SigningError(
                _("The folder does not match its manifest; not signed:\n%(p)s") % {"p": "\n".join(problems)}
            )
        out.write(_("All %(n)s files of the folder match the manifest.\n") % {"n": len(document["files"])})
    out.write(_("Signing key: %(f)s\n") % {"f": fingerprint(public_of(key))})
    _confirm(args, out)
    target = Path(args.out) if args.out else (path.with_suffix(".sig"))
    _write_new(target, json.dumps(sign(payload, key)).encode() + b"\n")
    out.write(_("Signature written to %(p)s.\n") % {"p": target})


def cmd_show(args: argparse.Namespace, out: TextIO) -> None:
    current = _keyring(args.keyring) if args.keyring else None
    if current:
        out.write("\n".join(describe_chain(current)) + "\n")
    if args.file:
        payload, document, previous = _request(Path(args.file), current, out)
        out.write("\n".join(describe(document, previous)) + "\n")
        sig = Path(args.signature) if args.signature else Path(args.file).with_suffix(".sig")
        if current and sig.exists():
            signer = current.check(payload, parse_signature(sig.read_bytes()))
            out.write(
                _("The signature in %(p)s is valid: key %(f)s (%(s)s).\n")
                % {"p": sig, "f": fingerprint(signer), "s": current.status[signer]}
            )


def main(argv: list[str] | None = None, out: TextIO = sys.stdout) -> int:
    parser = argparse.ArgumentParser(
        prog="signing.py",
        description=_("Sign Veche's smart-voting lists and mirrors on an offline machine; keep the key chain."),
    )
    commands = parser.add_subparsers(dest="command", required=True)
    new_root = commands.add_parser("new-root", help=_("make the first key and a new key chain"))
    new_root.add_argument("--key-out", required=True, help=_("file for the new private key (must not exist)"))
    new_root.add_argument("--keyring", required=True, help=_("file for the key chain (must not exist)"))
    rotate = commands.add_parser("rotate", help=_("make a new key, endorsed by the current one"))
    rotate.add_argument("--keyring", required=True)
    rotate.add_argument("--key", required=True, help=_("the current private key"))
    rotate.add_argument("--key-out", required=True, help=_("file for the new private key (must not exist)"))
    revoke = commands.add_parser("revoke", help=_("revoke a key of the chain"))
    revoke.add_argument("--keyring", required=True)
    revoke.add_argument("--key", required=True, help=_("the private key that signs the revocation"))
    revoke.add_argument("--revoke", required=True, help=_("the key to revoke: its public key, fingerprint or file"))
    revoke.add_argument("--reason", required=True)
    signer = commands.add_parser("sign", help=_("show a list or a manifest, then sign it"))
    signer.add_argument("file", help=_("a signing request from the editorial desk, or a mirror's manifest.json"))
    signer.add_argument("--key", required=True)
    signer.add_argument("--keyring", required=True)
    signer.add_argument("--out", help=_("where to write the signature (default: beside the file, .sig)"))
    signer.add_argument("--yes", action="store_true", help=_("do not ask before signing"))
    show = commands.add_parser("show", help=_("show a key chain, a document and whether its signature holds"))
    show.add_argument("file", nargs="?")
    show.add_argument("--keyring")
    show.add_argument("--signature")
    args = parser.parse_args(argv)
    try:
        {"new-root": cmd_new_root, "rotate": cmd_rotate, "revoke": cmd_revoke, "sign": cmd_sign, "show": cmd_show}[
            args.command
        ](args, out)
    except SigningError as exc:
        sys.stderr.write(f"{exc}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
