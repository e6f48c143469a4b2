"""What management commands share: reading the file or the CSV they were given, with an error that names it,
and progress bars for the long ones."""

import csv
import io
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Literal, TypeVar, overload

from django.core.management.base import CommandError
from tqdm import tqdm

T = TypeVar("T")


@overload
def read_file(path: str | Path, binary: Literal[False] = False) -> str: ...


@overload
def read_file(path: str | Path, binary: Literal[True]) -> bytes: ...


def read_file(path: str | Path, binary: bool = False) -> str | bytes:
    """The file's content, or CommandError naming the file and why it could not be read."""
    try:
        return Path(path).read_bytes() if binary else Path(path).read_text()
    except OSError as exc:
        raise CommandError(f"{path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise CommandError(f"{path}: not a text file") from None


def parse_rows(
    path: str | Path, rows: list[tuple[int, dict[str, str]]], parse: Callable[[dict[str, str]], T]
) -> list[T]:
    """Every row parsed (``parse`` raises ValueError for a bad one), or CommandError listing every bad row with its
    line: the whole file is checked before anything is written."""
    parsed: list[T] = []
    errors = []
    for line, row in rows:
        try:
            parsed.append(parse(row))
        except ValueError as exc:
            errors.append(f"{path}, line {line}: {exc}")
    if errors:
        shown = "\n".join(errors[:20])
        more = f"\n… and {len(errors) - 20} more" if len(errors) > 20 else ""
        raise CommandError(f"{len(errors)} bad row(s); nothing was imported:\n{shown}{more}")
    return parsed


def progress(iterable: Iterable | None = None, **kwargs: Any) -> tqdm:
    """A progress bar on stderr; silent when stderr is not a terminal."""
    return tqdm(iterable, disable=None, unit_scale=True, dynamic_ncols=True, **kwargs)


def read_csv(path: Path, columns: list[str]) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) of a UTF-8 CSV file with a header holding these columns (a short row's missing fields
    are empty)."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"{path}: cannot read: {exc}") from exc
    reader = csv.DictReader(io.StringIO(text), restval="")
    header = list(reader.fieldnames or [])
    missing = [c for c in columns if c not in header]
    if missing:
        raise CommandError(f"{path}: missing column(s) {', '.join(missing)}; expected {', '.join(columns)}")
    rows = []
    for line, row in enumerate(reader, start=2):
        if None in row:
            raise CommandError(f"{path}, line {line}: more fields than the header's {len(header)}")
        rows.append((line, {k: (v or "").strip() for k, v in row.items()}))
    if not rows:
        raise CommandError(f"{path}: no rows")
    return rows
