"""Personal writes held, then committed by the hour: the database's own log keeps no finer time than the columns.

Every column that says when someone did something keeps the hour, but
PostgreSQL's WAL records each transaction's commit time to the microsecond
beside the rows it wrote: ``pg_waldump`` dated each report within
milliseconds of its request (issue 31). Matched with a provider's connection
records, that time names the sender. So a person's write — a report, a
pledge and its confirmation, a letter mark, a signature — is not written to
its table when it arrives. It is *held*:

* ``hold(kind, data)`` encrypts the write (its kind too) with this hour's
  key and inserts the box into ``core_held``: one statement, committed before
  the page answers, so nothing acknowledged is lost. The WAL then shows that
  *something* was held at that moment, as an ISP sees that someone sent
  some bytes; not what, nor which row it becomes.
* The hour's key is 32 random bytes in a file on a memory filesystem
  (``VECHE_HOLD_DIR``, by default under /dev/shm), shared by the workers and
  gone with the power; a copy sealed to the organisers' public key is in
  ``core_heldkey`` so that a crash loses nothing: ``manage.py held_recover``
  opens it with their private key, on their machine (as the reminders are).
* ``flush()`` runs after each hour (every worker's timer, and
  ``manage.py held_flush``): in one transaction it deletes the hour's boxes,
  applies every write in a random order through its app's own function
  (``register``), timed to the hour they were held in, and then deletes the
  key. After it, the hour's boxes in the WAL are noise to everyone, the
  writes all carry one commit time, and their order is shuffled.

A running server seized within the hour holds the current key (and the
previous one until its flush): it can date the writes held since the last
flush, as it can watch every request from then on (docs/threat-model.md).
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import random
import secrets
import stat
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.utils import timezone
from nacl.secret import SecretBox

from core.hours import this_hour
from core.keys import monitor_public_key
from core.models import HeldKey
from core.sealing import seal, unseal
from core.secrets import MEMORY_FILESYSTEMS, filesystem_of

log = logging.getLogger(__name__)
# The tests' switch (conftest.py): each write still goes the whole way — boxed, held, then applied — but its flush
# comes at once, so that a test sees what the next hour shows. Nothing else sets it.
AT_ONCE = False
TRIES = 72  # a write its app cannot apply yet (a confirmation before its sign-up) is held again, hour by hour
Apply = Callable[[dict, datetime], bool]
APPLIERS: dict[str, tuple[int, Apply]] = {}


def register(kind: str, apply: Apply, order: int = 50) -> None:
    """An app's way to apply its held writes: ``apply(data, hour)`` writes them (to its own tables) timed to
    ``hour``, and says False when the write must wait for the next flush. Lower ``order`` goes first (sign-ups
    before their confirmations); within an order, the writes are shuffled."""
    APPLIERS[kind] = (order, apply)


def pack(value: object) -> object:
    """JSON with bytes (sealed contacts, photos) as {"$b": base64}."""
    if isinstance(value, bytes | bytearray | memoryview):
        return {"$b": base64.b64encode(bytes(value)).decode()}
    if isinstance(value, dict):
        return {k: pack(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [pack(v) for v in value]
    if isinstance(value, datetime):
        return {"$t": value.isoformat()}
    return value


def unpack(value: object) -> object:
    if isinstance(value, dict):
        if set(value) == {"$b"}:
            return base64.b64decode(value["$b"])
        if set(value) == {"$t"}:
            return datetime.fromisoformat(value["$t"])
        return {k: unpack(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unpack(v) for v in value]
    return value


# Folders checked in this process: path → (device, inode) as checked. A sign-up used to check the folder anew —
# mkdir, lstat, the mount table read and parsed — a fifth of its CPU (issue 38); one lstat now tells that it is still
# the folder that was checked.
_checked_dirs: dict[str, tuple[int, int]] = {}


def key_dir() -> Path:
    """Where the hour keys live: a memory filesystem, never the disk (the demo may fall back to var/)."""
    path = _default_dir(os.environ.get("VECHE_HOLD_DIR", ""), str(settings.VAR_DIR), settings.DEMO)
    checked = _checked_dirs.get(str(path))
    if checked is not None:
        try:
            status = path.lstat()
        except FileNotFoundError:
            status = None
        if status is not None and (status.st_dev, status.st_ino) == checked and _own_private_folder(status):
            return path
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    status = path.lstat()
    if not _own_private_folder(status):
        raise ImproperlyConfigured(f"{path} must be a folder of this user's own, mode 0700, not a link")
    if filesystem_of(path) not in MEMORY_FILESYSTEMS and not settings.DEMO:
        raise ImproperlyConfigured(
            f"VECHE_HOLD_DIR={path} is not on a memory filesystem: the hour keys of held writes must be gone with "
            "the power (tmpfs, e.g. /run/veche/held)"
        )
    _checked_dirs[str(path)] = (status.st_dev, status.st_ino)
    return path


@lru_cache(maxsize=8)
def _default_dir(configured: str, var: str, demo: bool) -> Path:
    if configured:
        return Path(configured)
    instance = hashlib.sha256(str(Path(var).resolve()).encode()).hexdigest()[:12]
    # /dev/shm is every user's: the folder is checked to be this user's own, 0700, and no link (key_dir).
    path = Path("/dev/shm") / f"veche-held-{instance}"  # noqa: S108
    if not path.parent.is_dir() and demo:
        path = Path(var) / "held"
    return path


def _own_private_folder(status: os.stat_result) -> bool:
    return stat.S_ISDIR(status.st_mode) and status.st_uid == os.getuid() and not status.st_mode & 0o077


@dataclass(frozen=True)
class HourKey:
    id: str  # sha256 of the key, 32 hex: names it in core_held without revealing it
    key: bytes
    hour: datetime


def _label(hour: datetime) -> str:
    return hour.astimezone(UTC).strftime("%Y%m%d%H")


def _key_from(raw: bytes, label: str) -> HourKey:
    hour = datetime.strptime(label, "%Y%m%d%H").replace(tzinfo=UTC)
    return HourKey(hashlib.sha256(raw).hexdigest()[:32], raw, hour)


# Hour keys read in this process: (folder, hour) → (the file's inode, the key). A key file is made once (os.link)
# and never rewritten; a file gone or replaced (another inode) is read again.
_read_keys: dict[tuple[str, str], tuple[int, HourKey]] = {}


def hour_key(hour: datetime | None = None) -> HourKey:
    """The key of this hour (made by the first worker that needs it; the others read the same file)."""
    label = _label(hour or this_hour())
    folder = key_dir()
    path = folder / label
    try:
        inode = path.stat().st_ino
        known = _read_keys.get((str(folder), label))
        if known is not None and known[0] == inode:
            return known[1]
        key = _key_from(base64.b64decode(path.read_bytes()), label)
        if len(_read_keys) >= 48:
            _read_keys.clear()  # the hours gone are not needed again
        _read_keys[(str(folder), label)] = (inode, key)
        return key
    except FileNotFoundError:
        pass
    raw = secrets.token_bytes(SecretBox.KEY_SIZE)
    temporary = path.with_name(f".{label}.{secrets.token_hex(8)}")
    temporary.write_bytes(base64.b64encode(raw))
    temporary.chmod(0o600)
    try:
        os.link(temporary, path)  # atomic: two workers making the hour's key at once keep one
    except FileExistsError:
        raw = base64.b64decode(path.read_bytes())
    finally:
        temporary.unlink()
    return _key_from(raw, label)


_sealed: dict[tuple[str, str], bytes] = {}  # (key id, organisers' key) → the sealed copy, made once per process


def _sealed_copy(key: HourKey) -> None:
    """The key's copy for a crash, sealed to the organisers' key: inserted with each hold (a statement that writes
    nothing once the row is there), so that no rolled-back transaction can leave a key without its copy."""
    which = (key.id, monitor_public_key())
    if which not in _sealed:
        _sealed.clear()  # the keys of hours gone are not needed again
        _sealed[which] = seal(key.key, which[1])
    with connection.cursor() as cursor:
        # Raw statements: the ORM's insert cost a sign-up more CPU than the statement itself (issue 38).
        cursor.execute(
            "INSERT INTO core_heldkey (id, hour, sealed) VALUES (%s, %s, %s) ON CONFLICT (id) DO NOTHING",
            [key.id, connection.ops.adapt_datetimefield_value(key.hour), _sealed[which]],
        )


def known_keys() -> list[HourKey]:
    """The hour keys on this host's memory filesystem, oldest first."""
    keys = []
    for path in sorted(key_dir().iterdir()):
        if path.name.isascii() and path.name.isdigit() and len(path.name) == 10:
            keys.append(_key_from(base64.b64decode(path.read_bytes()), path.name))
    return keys


def _insert(key: HourKey, item: dict) -> None:
    _sealed_copy(key)
    box = SecretBox(key.key).encrypt(json.dumps(item, ensure_ascii=False).encode())
    with connection.cursor() as cursor:  # one INSERT, committed by itself
        cursor.execute(
            "INSERT INTO core_held (id, key_id, box) VALUES (%s, %s, %s)",
            [secrets.token_hex(16), key.id, box],
        )


def hold(kind: str, data: dict[str, Any]) -> None:
    """Hold one person's write until the hour is over (``data``: JSON, bytes and datetimes allowed)."""
    if kind not in APPLIERS:
        raise ValueError(f"no app applies held writes of kind {kind!r}")
    _insert(hour_key(), {"kind": kind, "data": pack(data), "tries": 0})
    if AT_ONCE:
        flush(everything=True)


@dataclass
class Flushed:
    hours: int = 0
    applied: int = 0
    again: int = 0
    dropped: int = 0


def flush(everything: bool = False, keys: list[HourKey] | None = None) -> Flushed:
    """Apply the writes held under the keys of hours that are over (``everything``: this hour's too, for the
    tests and a server being stopped), an hour's writes in one transaction, in a random order."""
    done = Flushed()
    now = this_hour()
    for key in keys if keys is not None else known_keys():
        if key.hour >= now and not everything:
            continue
        _flush_one(key, done)
        done.hours += 1
        if keys is None and key.hour < now:  # the current hour's key stays for the writes still to come
            (key_dir() / _label(key.hour)).unlink(missing_ok=True)
    return done


def _flush_one(key: HourKey, done: Flushed) -> None:
    shuffle = random.SystemRandom()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM core_held WHERE key_id = %s RETURNING box", [key.id])
            boxes = [bytes(row[0]) for row in cursor.fetchall()]
        items = [json.loads(SecretBox(key.key).decrypt(box)) for box in boxes]
        items.sort(key=lambda item: (APPLIERS.get(item["kind"], (99, None))[0], shuffle.random()))
        again = []
        for item in items:
            order_apply = APPLIERS.get(item["kind"])
            try:
                with transaction.atomic():
                    data = unpack(item["data"])
                    applied = order_apply is not None and isinstance(data, dict) and order_apply[1](data, key.hour)
            except Exception as exc:  # its message may quote the values: only the kind and the class are logged
                log.error("a held write of kind %s could not be applied (%s); held again", item["kind"], type(exc))
                applied = False
            if applied:
                done.applied += 1
            elif item["tries"] + 1 >= TRIES:
                log.error("a held write of kind %s was dropped after %s hours", item["kind"], TRIES)
                done.dropped += 1
            else:
                again.append({**item, "tries": item["tries"] + 1})
        if again:
            current = hour_key()
            for item in again:
                _insert(current, item)
            done.again += len(again)
        HeldKey.objects.filter(id=key.id, hour__lt=this_hour()).delete()


def recover(private_key: str) -> Flushed:
    """On the organisers' machine, after a crash took the hour keys: open each hour's key sealed to their key and
    apply what was held under it (``manage.py held_recover``)."""
    keys = [_key_from(unseal(bytes(k.sealed), private_key), _label(k.hour)) for k in HeldKey.objects.all()]
    return flush(everything=True, keys=keys)


_timer_started = threading.Lock()
_started = False


def start_timer() -> None:
    """In each web worker: flush a few minutes after every hour (each worker at its own random moment; the first
    one takes the hour's writes, the others find none)."""
    global _started
    with _timer_started:
        if _started:
            return
        _started = True

    def run() -> None:
        while True:
            following = this_hour() + timedelta(hours=1)
            time.sleep(max(1.0, (following - timezone.now()).total_seconds()) + random.SystemRandom().uniform(30, 300))
            try:
                flush()
            except Exception as exc:  # the next hour tries again; nothing is lost meanwhile
                log.error("the hourly flush of held writes failed (%s)", type(exc))
            finally:
                connection.close()

    threading.Thread(target=run, name="veche-held-flush", daemon=True).start()
