"""Site-wide checks of every request, and the headers of every response."""

import json
import re
from collections.abc import Callable
from functools import cache
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

API_PREFIX = "/api/"

# Nothing is loaded from third-party hosts: every script, style, font and
# image comes from this site (map tiles from the one tile server configured,
# if any). The policy makes the browser enforce that.
CSP = (
    "default-src 'self'; img-src 'self' data:{tiles}; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
    "form-action 'self'"
)


@cache
def policy(tile_url: str) -> str:
    parts = urlsplit(tile_url)
    return CSP.format(tiles=f" {parts.scheme}://{parts.netloc}" if tile_url else "")


def private_pages(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable:
    """``Cache-Control: private`` on a page that carries something of its visitor's: a form's CSRF token (derived
    from their cookie) or a signed-in staff member's view. Every other page is the same for every anonymous visitor,
    and the web server in front keeps it for a second (deploy/nginx.conf: a flood of one page reaches the
    application once a second, issue 35); "Vary: Cookie" alone cannot tell the two apart, since reading the session
    to find nobody signed in adds it to every page."""

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        user = getattr(request, "user", None)
        if request.META.get("CSRF_COOKIE_NEEDS_UPDATE") or (user is not None and user.is_authenticated):
            patch_cache_control(response, private=True)
        return response

    return middleware


def content_security_policy(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable:
    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        response.headers.setdefault("Content-Security-Policy", policy(settings.TILE_URL))
        return response

    return middleware


def refused(request: HttpRequest, status: int, message: str, template: str = "400.html") -> HttpResponse:
    """The answer to a request refused before or outside any view: JSON for the API, the site's page otherwise."""
    if request.path.startswith(API_PREFIX):
        # The shape of the API's other refusals: "detail" (django-ninja's) and "errors" (a form's, by field).
        body = json.dumps({"detail": message, "errors": {"__all__": message}}, ensure_ascii=False)
        return HttpResponse(body, status=status, content_type="application/json")
    return render(request, template, {"message": message}, status=status)


TEXT_BODIES = ("application/json", "application/x-www-form-urlencoded", "text/plain")


def has_nul(request: HttpRequest) -> bool:
    """Whether the path, the query or a text field of the body holds a NUL character.

    No text Veche takes may hold one, and PostgreSQL refuses it in any text
    column or parameter: a search or a report with one answered 500 there.
    Uploaded files are not looked at (a photo's bytes are binary).
    """
    if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", ""):
        return True
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return False
    kind = request.content_type or ""
    if kind.startswith("multipart/"):
        return any("\x00" in value for values in request.POST.lists() for value in values[1])
    if kind not in TEXT_BODIES:
        return False
    try:
        body = request.body
    except RequestDataTooBig:
        return False  # the view answers it (413)
    if b"\x00" in body:
        return True
    if kind == "application/x-www-form-urlencoded":
        return b"%00" in body
    if kind == "application/json" and b"\\u0000" in body:  # perhaps a NUL, perhaps the text \u0000: read it
        try:
            return _holds_nul(json.loads(body))
        except ValueError:
            return False  # not JSON: the view says so
    return False


def _holds_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(v) for v in value)
    return False


def refuse_nul(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable[[HttpRequest], HttpResponse]:
    def middleware(request: HttpRequest) -> HttpResponse:
        if has_nul(request):
            return refused(
                request,
                400,
                _("The request holds a NUL character (\\0), which no text here may hold. Nothing was stored."),
            )
        return get_response(request)

    return middleware


def api_writes_same_site(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable[[HttpRequest], HttpResponse]:
    """The API takes writes as JSON, and from a browser only from this site's own pages.

    A hostile page can make its visitors' browsers post a form or text/plain
    anywhere without asking; it cannot send application/json to another site
    without the site's leave (CORS), and the browser names the page's origin.
    Scripts send no Origin and may write.

    Doors named in ``settings.API_OPEN_DOORS`` take writes from any page, as any type: each takes a document that
    proves itself and carries no ambient authority (a ballot signed by its credential and pass), so a page on a
    mirror the server does not serve can send it, as a simple request without a preflight.
    """
    doors = [re.compile(pattern) for pattern in getattr(settings, "API_OPEN_DOORS", ())]

    def middleware(request: HttpRequest) -> HttpResponse:
        if (
            request.path.startswith(API_PREFIX)
            and request.method not in ("GET", "HEAD", "OPTIONS")
            and not any(door.fullmatch(request.path) for door in doors)
        ):
            origin = request.headers.get("Origin")
            if origin is not None and urlsplit(origin).netloc != request.get_host():
                return refused(
                    request, 403, _("Writes from another site (%(origin)s) are refused.") % {"origin": origin[:100]}
                )
            if request.content_type != "application/json":
                return refused(request, 415, _("The API takes writes as application/json."))
        return get_response(request)

    return middleware


class DatabaseUnavailable:
    """While the database is out of reach, every request gets 503 and a message in the visitor's language
    (JSON for the API), not a bare "Server Error (500)": the outage is said, and a client knows to retry."""

    RETRY_SECONDS = 30

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        message = _("The database is out of reach for a moment. Nothing was lost; try again in a minute.")
        response = refused(request, 503, message, template="503.html")
        response["Retry-After"] = str(self.RETRY_SECONDS)
        return response
