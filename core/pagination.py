"""The API's pages of long lists: django-ninja's limit and offset, with the offset bounded.

An offset past any table (2**63) reached the database as it came and
answered 500 (SQLite cannot hold it, PostgreSQL's bigint neither); no list
here is near a billion rows, so a larger offset is refused as invalid (422).
"""

from django.conf import settings
from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination

MAX_OFFSET = 1_000_000_000


class Pagination(LimitOffsetPagination):
    class Input(Schema):
        limit: int = Field(settings.NINJA_PAGINATION_PER_PAGE, ge=1, le=settings.NINJA_PAGINATION_MAX_LIMIT)
        offset: int = Field(0, ge=0, le=MAX_OFFSET)
