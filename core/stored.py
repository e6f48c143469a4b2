"""Typed values kept as JSON (a JSONField, a file), read back as the same types.

A contest's totals, an election's forensic figures and a forecast are computed once and stored as JSON; the pages,
the API, the commands and the downloads read them later. Written by ``stored`` from a dataclass and read by ``read``
into that dataclass (pydantic checks every field and builds the nested ones), a reader keeps the type the writer
had instead of a dict of dicts whose keys nothing checks (issue 36).
"""

from collections.abc import Hashable
from dataclasses import asdict
from functools import cache
from typing import Any, TypeVar, cast

from pydantic import TypeAdapter

T = TypeVar("T")


def stored(value: Any) -> dict[str, Any]:
    """A dataclass as JSON-ready data (nested dataclasses as objects, tuples as lists once dumped)."""
    return asdict(value)


@cache
def _adapter(kind: Any) -> TypeAdapter[Any]:
    return TypeAdapter(kind)  # built once per type: building one costs milliseconds


def read(kind: type[T], data: Any) -> T:
    """``data`` as ``stored`` wrote it, as a ``kind``; a field missing or of the wrong type raises pydantic's
    ValidationError (stored data this code did not write is an error to see, not a value to guess)."""
    found: T = _adapter(cast(Hashable, kind)).validate_python(data)
    return found
