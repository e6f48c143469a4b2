"""Site-wide response headers."""

from collections.abc import Callable
from functools import cache
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse

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


def content_security_policy(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable:
    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        response.headers.setdefault("Content-Security-Policy", policy(settings.TILE_URL))
        return response

    return middleware
