"""The one per-process cache: a copy is dropped at once by this process's writes, and made again after another
process's within ``every`` seconds, by reading again or, versioned, when the tables' highest id or count moves."""

import itertools

import pytest

from core.cache import Cached, Freshness, table_version
from monitor.models import City

pytestmark = pytest.mark.django_db
COUNTER = itertools.count()


def counting(freshness: Freshness, size: int = 10) -> tuple[Cached, list]:
    made = []

    def compute(*key):
        made.append(key)
        return len(made)

    return Cached(compute, freshness, size=size), made


def write_elsewhere(name: str) -> None:
    """A City written as another process's write looks from here: no signal reaches this process (bulk_create
    sends none)."""
    City.objects.bulk_create([City(name=name)])


def fresh(label: str, **kwargs) -> Freshness:
    return Freshness(f"test-{label}-{next(COUNTER)}", ["monitor.City"], **kwargs)


def test_a_write_in_this_process_drops_the_copies_at_once():
    cached, made = counting(fresh("local", every=3600, versioned=True))
    assert cached.get("a") == cached.get("a") == 1
    City.objects.create(name="Тестоград")
    assert cached.get("a") == 2 and len(made) == 2


def test_a_versioned_copy_follows_another_processs_write_and_nothing_else(monkeypatch):
    freshness = fresh("versioned", every=3600, versioned=True)
    cached, made = counting(freshness)
    cached.get("a")
    cached.get("a")
    assert len(made) == 1
    write_elsewhere("Другоград")
    assert cached.get("a") == 1  # within `every`: the copy stands
    freshness.checked = -1e18  # `every` has passed
    assert cached.get("a") == 2  # the count moved: made again
    freshness.checked = -1e18
    assert cached.get("a") == 2  # nothing moved: kept, however long it stands


def test_an_unversioned_copy_is_read_again_after_every():
    freshness = fresh("timed", every=3600)
    cached, made = counting(freshness)
    cached.get("a")
    cached.get("a")
    freshness.checked = -1e18
    cached.get("a")
    assert len(made) == 2


def test_size_and_a_fresh_read():
    cached, made = counting(fresh("size", every=3600), size=2)
    for key in ("a", "b", "c", "a"):
        cached.get(key)
    assert made == [("a",), ("b",), ("c",), ("a",)]  # "a" was the oldest of three: dropped
    cached.get("a", fresh=True)
    assert len(made) == 5


def test_the_version_query_names_each_table_from_its_model():
    before = table_version(["monitor.City", "core.SigningStatement"])
    assert len(before) == 4
    City.objects.create(name="Новоград")
    after = table_version(["monitor.City", "core.SigningStatement"])
    assert after[1] == before[1] + 1 and after[2:] == before[2:]
