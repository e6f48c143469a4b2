"""Secrets from the environment, from files outside the database, or from memory only.

* ``secret(name)``: from the environment variable VECHE_NAME (upper case)
  when set; otherwise from the file NAME in VECHE_SECRETS_DIR (default
  secrets/ in VECHE_VAR_DIR, var/), created with fresh random bytes on first use so that a demo
  works out of the box and no secret is ever committed. For what may sit on
  the server's disk (Django's own key) and for demo keys.
* ``memory_secret(name)``: for what a seized disk must not hold (the pepper
  of the keyed hashes): from VECHE_NAME, or from the file named by
  VECHE_NAME_FILE, which must be on a memory filesystem (tmpfs, e.g. /run),
  so that it is gone when the power is. None when neither is set: the
  caller decides whether demo mode may fall back to ``secret``.
"""

import os
import secrets
from pathlib import Path

MEMORY_FILESYSTEMS = {"tmpfs", "ramfs"}


class SecretError(ValueError):
    """A secret is missing or kept where it must not be; the message says how to give it."""


def secrets_dir() -> Path:
    var = Path(os.environ.get("VECHE_VAR_DIR", Path(__file__).resolve().parent.parent / "var"))
    return Path(os.environ.get("VECHE_SECRETS_DIR", var / "secrets"))


def secret(name: str) -> str:
    env = os.environ.get(f"VECHE_{name.upper()}")
    if env:
        return env
    path = secrets_dir() / name
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    value = secrets.token_urlsafe(48)
    # O_EXCL: two processes starting at once must not each write their own.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(value)
    return value


def filesystem_of(path: Path) -> str:
    """The type of the filesystem holding ``path`` (Linux: the longest mount point above it)."""
    path = path.resolve()
    best, kind = "", ""
    try:
        lines = Path("/proc/self/mountinfo").read_text().splitlines()
    except OSError:
        return ""
    for line in lines:
        fields = line.split()
        mount = fields[4].encode().decode("unicode_escape")
        fstype = fields[fields.index("-") + 1]
        if (str(path) == mount or str(path).startswith(mount.rstrip("/") + "/")) and len(mount) >= len(best):
            best, kind = mount, fstype
    return kind


def memory_secret(name: str) -> str | None:
    variable = f"VECHE_{name.upper()}"
    value, file = os.environ.get(variable, "").strip(), os.environ.get(f"{variable}_FILE")
    if value or not file:
        if value and len(value) < 32:
            raise SecretError(f"{variable} holds {len(value)} characters: give at least 32 random ones")
        return value or None
    path = Path(file)
    kind = filesystem_of(path)
    if kind not in MEMORY_FILESYSTEMS:
        raise SecretError(
            f"{variable}_FILE={file} is on a {kind or 'unknown'} filesystem: it must be on a "
            "memory filesystem (tmpfs, e.g. under /run), so that a seized disk does not hold it"
        )
    try:
        value = path.read_text().strip()
    except OSError as exc:
        raise SecretError(f"{variable}_FILE={file}: {exc.strerror}") from None
    if len(value) < 32:
        raise SecretError(f"{variable}_FILE={file} holds {len(value)} characters: give at least 32 random ones")
    return value
