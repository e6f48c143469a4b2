"""The JSON API. Its OpenAPI schema (/api/openapi.json) is the contract."""

from ninja import NinjaAPI

from elections.api import router as elections_router
from smartvote.api import lists_router
from smartvote.api import router as lookup_router

api = NinjaAPI(
    title="Veche API",
    version="1",
    description="Election data (elections, contests, candidates, precincts, venues, protocols) "
    "and the Veche tools built on it.",
    urls_namespace="api",
)
api.add_router("/", elections_router)
api.add_router("/", lookup_router)
api.add_router("/", lists_router)
