"""What management commands share: reading the file they were given, with an error that names it."""

from pathlib import Path

from django.core.management.base import CommandError


def read_file(path, binary: bool = False) -> str | bytes:
    """The file's content, or CommandError naming the file and why it could not be read."""
    try:
        return Path(path).read_bytes() if binary else Path(path).read_text()
    except OSError as exc:
        raise CommandError(f"{path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise CommandError(f"{path}: not a text file") from None
