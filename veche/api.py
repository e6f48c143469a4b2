"""The JSON API. Its OpenAPI schema (/api/openapi.json) is the contract."""

from django.core.exceptions import RequestDataTooBig
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import HttpError

from elections.api import router as elections_router
from lookup.api import router as lookup_router
from monitor.api import router as monitor_router
from smartvote.api import router as smartvote_router

api = NinjaAPI(
    title="Veche API",
    version="1",
    description="Election data (elections, contests, candidates, precincts, venues, protocols) "
    "and the Veche tools built on it.",
    urls_namespace="api",
)
api.add_router("/", elections_router)
api.add_router("/", lookup_router)
api.add_router("/", smartvote_router)
api.add_router("/", monitor_router)


@api.exception_handler(RequestDataTooBig)
def too_big(request, exc):
    message = _("The request is too large: at most 2.5 MB of text.")
    return api.create_response(request, {"errors": {"__all__": message}, "detail": message}, status=413)


@api.exception_handler(HttpError)
def refused(request, exc):
    """Every refusal in one shape: "detail" as django-ninja writes it, and "errors" as the forms' are (by field,
    "__all__" for the whole request), so that one client code reads them all."""
    message = str(exc)
    if message.startswith("Cannot parse request body"):
        message = _("The request's body is not valid JSON.")
    return api.create_response(request, {"detail": message, "errors": {"__all__": message}}, status=exc.status_code)
