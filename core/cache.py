"""Values computed from the database, kept in this process until the data they come from change.

One mechanism for every per-process copy (the lookup's venue index, region books and answers, a pledge
campaign with its cities, the monitor's cities and events), with one rule for when a copy is stale:

* a save or a delete of a watched model **in this process** drops the copies at once (Django's signals);
* writes by **other processes** (the other workers, a management command) show within ``every`` seconds:
  either the copies are simply read again after that long, or, for what is costly to build (``versioned``),
  one cheap query (the highest id and the row count of every watched table) is made at most that often,
  and the copies are kept until its answer changes.

Models are named by label ("app.Model"), so a tool can say that its copies hang on another app's table
without importing that app.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable, Iterable
from typing import Any, Generic, TypeVar

from django.apps import apps
from django.db import connection
from django.db.models.signals import post_delete, post_save

_EVERY_FRESHNESS: list[Freshness] = []


class Freshness:
    """When the copies made from some tables must be made again (see the module's docstring)."""

    def __init__(self, name: str, watch: Iterable[str], every: float, versioned: bool = False) -> None:
        self.name, self.watch, self.every, self.versioned = name, tuple(watch), every, versioned
        self.lock = threading.Lock()
        self.generation, self.checked = 0, -1e18
        self.version: tuple | None = None
        for label in self.watch:  # lazy: the sender is resolved when its app is loaded
            post_save.connect(self.forget, sender=label, weak=False, dispatch_uid=f"fresh-{name}-save-{label}")
            post_delete.connect(self.forget, sender=label, weak=False, dispatch_uid=f"fresh-{name}-delete-{label}")
        _EVERY_FRESHNESS.append(self)

    def token(self) -> int:
        """A number that changes whenever the copies must be made again."""
        now = time.monotonic()
        with self.lock:
            if now - self.checked < self.every:
                return self.generation
            self.checked = now
        if not self.versioned:
            with self.lock:
                self.generation += 1
                return self.generation
        version = table_version(self.watch)
        with self.lock:
            if version != self.version:
                self.version, self.generation = version, self.generation + 1
            return self.generation

    def forget(self, **_signal: Any) -> None:
        with self.lock:
            self.generation, self.checked = self.generation + 1, -1e18


def table_version(labels: Iterable[str]) -> tuple[int | None, ...]:
    """The highest id and the row count of each table, in one query. The names come from the models'
    metadata (never from input), so a renamed table or key cannot leave a stale string behind."""
    quote = connection.ops.quote_name
    parts = []
    for label in labels:
        meta = apps.get_model(label)._meta
        table, key = quote(meta.db_table), quote(meta.pk.column)
        parts.append(f"(SELECT MAX({key}) FROM {table}), (SELECT COUNT(*) FROM {table})")  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts))
        return tuple(cursor.fetchone())


V = TypeVar("V")


class Cached(Generic[V]):
    """Values of ``compute(*key)``, kept while ``freshness`` says the data are unchanged; at most ``size`` of
    them (the oldest go first). Generic in the value's type: ``Cached(compute_contest, …).get(…)`` is what
    ``compute_contest`` returns, so a reader following a call keeps its type through the cache."""

    def __init__(self, compute: Callable[..., V], freshness: Freshness, size: int = 4096) -> None:
        self.compute, self.freshness, self.size = compute, freshness, size
        self.lock = threading.Lock()
        self.token: int | None = None
        self.values: dict[tuple, V] = {}

    def get(self, *key: Hashable, fresh: bool = False) -> V:
        """The value for ``key``; ``fresh``: computed again now (the caller knows its copy lacks something)."""
        token = self.freshness.token()
        with self.lock:
            if token != self.token:
                self.token, self.values = token, {}
            if key in self.values and not fresh:
                return self.values[key]
        value = self.compute(*key)
        with self.lock:
            if token == self.token:  # not a value of data that changed meanwhile
                if len(self.values) >= self.size:
                    self.values.pop(next(iter(self.values)))
                self.values[key] = value
        return value


def forget_everything() -> None:
    """Every copy of this process made again on its next use (the tests start each from the database)."""
    for freshness in _EVERY_FRESHNESS:
        freshness.forget()
