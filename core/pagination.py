"""The API's pages of long lists: django-ninja's limit and offset, with the offset bounded.

An offset past any table (2**63) reached the database as it came and
answered 500 (SQLite cannot hold it, PostgreSQL's bigint neither); no list
here is near a billion rows, so a larger offset is refused as invalid (422).
"""

from collections.abc import Callable
from typing import Generic, TypeVar

from django.conf import settings
from django.db.models import Model, QuerySet
from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination

MAX_OFFSET = 1_000_000_000


class Pagination(LimitOffsetPagination):
    class Input(Schema):
        limit: int = Field(settings.NINJA_PAGINATION_PER_PAGE, ge=1, le=settings.NINJA_PAGINATION_MAX_LIMIT)
        offset: int = Field(0, ge=0, le=MAX_OFFSET)


M = TypeVar("M", bound=Model)
T = TypeVar("T")


class Mapped(Generic[M, T]):
    """A queryset's rows as ``make`` shows them, made for the slice a page asks for alone: ninja's ``paginate``
    counts it and slices it, so a list whose items each cost queries (a proposal's supporters, its vote) costs
    one page's worth, never the whole table's."""

    def __init__(self, rows: QuerySet[M], make: Callable[[M], T]) -> None:
        self.rows, self.make = rows, make

    def __len__(self) -> int:
        return self.rows.count()

    def __getitem__(self, part: slice) -> list[T]:
        return [self.make(row) for row in self.rows[part]]
