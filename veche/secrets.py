"""Secrets from the environment or from files outside the database.

A secret named NAME is read from the environment variable VECHE_NAME (upper
case) when set; otherwise from the file NAME in VECHE_SECRETS_DIR (default
var/secrets/), which is created with fresh random bytes on first use so that
a demo works out of the box and no secret is ever committed. A seized
database therefore holds none of them.
"""

import os
import secrets
from pathlib import Path


def secrets_dir() -> Path:
    base = Path(__file__).resolve().parent.parent
    return Path(os.environ.get("VECHE_SECRETS_DIR", base / "var" / "secrets"))


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
