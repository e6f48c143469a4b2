"""The JSON API. Its OpenAPI schema (/api/openapi.json) is the contract."""

from django.core.exceptions import RequestDataTooBig
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import HttpError, ValidationError

from actions.api import router as actions_router
from elections.api import router as elections_router
from initiatives.api import router as initiatives_router
from lookup.api import router as lookup_router
from monitor.api import router as monitor_router
from smartvote.api import router as smartvote_router
from vote.api import router as vote_router

# Every refusal has this shape (veche.api.refused, core.middleware.refused, django-ninja's 422), and the schema
# says so for every operation: a client learns from the contract what a "no" looks like.
REFUSAL = {
    "title": "Refusal",
    "type": "object",
    "required": ["detail"],
    "properties": {
        "detail": {
            "title": "Detail",
            "description": "what was refused and why; for 422, django-ninja's list of the invalid fields",
            "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "object"}}],
        },
        "errors": {
            "title": "Errors",
            "description": "the message per field, '__all__' for the whole request",
            "type": "object",
            "additionalProperties": {"type": "string"},
        },
    },
}
ALWAYS = {
    "400": "Bad request (e.g. a NUL character)",
    "422": "A parameter is not valid",
    "503": "The database is out of reach for a moment (Retry-After)",
}
WRITES = {"403": "A write from another site", "413": "Too large", "415": "Not application/json"}


class VecheAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        """django-ninja's schema, with the refusals every operation can answer documented."""
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema["components"]["schemas"]["Refusal"] = REFUSAL
        refusal = {"application/json": {"schema": {"$ref": "#/components/schemas/Refusal"}}}
        for path, operations in schema["paths"].items():
            for method, operation in operations.items():
                codes = dict(ALWAYS)
                if "{" in path:
                    codes["404"] = "Not found"
                if method in ("post", "put", "patch", "delete"):
                    codes.update(WRITES)
                responses = operation.setdefault("responses", {})
                documented = {str(code) for code in responses}  # django-ninja's keys are numbers
                for code, description in codes.items():
                    if code not in documented:
                        responses[code] = {"description": description, "content": refusal}
        return schema


api = VecheAPI(
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
api.add_router("/", vote_router)
api.add_router("/", actions_router)
api.add_router("/", initiatives_router)


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


# What each kind of invalid parameter is called in the visitor's language (pydantic writes English).
INVALID = {
    "missing": lambda: _("This field is required."),
    "int_parsing": lambda: _("A whole number is expected."),
    "int_from_float": lambda: _("A whole number is expected."),
    "float_parsing": lambda: _("A number is expected."),
    "greater_than_equal": lambda: _("The number is out of range."),
    "less_than_equal": lambda: _("The number is out of range."),
    "greater_than": lambda: _("The number is out of range."),
    "less_than": lambda: _("The number is out of range."),
    "string_too_long": lambda: _("The text is too long."),
    "json_invalid": lambda: _("The request's body is not valid JSON."),
}


@api.exception_handler(ValidationError)
def invalid(request, exc):
    """422 as django-ninja writes it ("detail": pydantic's list), with "errors": each field's message in the
    visitor's language."""
    errors: dict[str, str] = {}
    for error in exc.errors:
        field = str(error.get("loc", ["", "__all__"])[-1] or "__all__")
        errors.setdefault(field, INVALID.get(error.get("type", ""), lambda: _("The value is not valid."))())
    return api.create_response(request, {"detail": exc.errors, "errors": errors}, status=422)
