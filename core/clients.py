"""Who is asking: the client's address as the rate limits must count it, and never as anyone logs it.

Behind a web server (nginx, deploy/) Django sees the web server's address
(loopback), or none at all over a unix socket; counted by that, every
visitor would share one limit, or (no address) none would have any. The
real address is in X-Forwarded-For, which any client can also write: it is
believed only from a proxy the operator names (``VECHE_TRUSTED_PROXIES``:
addresses or networks, and ``unix`` for a unix socket), and read from its
right end, passing over the named proxies, so that what a client writes at
its left end is never taken. When no address can be known, the answer is
None, and the rate-limited doors refuse rather than count nobody.
"""

import ipaddress
import logging
from functools import cache

from django.conf import settings
from django.http import HttpRequest

log = logging.getLogger(__name__)
UNIX = "unix"


@cache
def _proxies(named: tuple[str, ...]) -> tuple[bool, tuple]:
    networks = tuple(ipaddress.ip_network(p, strict=False) for p in named if p != UNIX)
    return UNIX in named, networks


def parse_address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """An address as one way of writing it (an IPv4-mapped IPv6 address is the IPv4 one), or None."""
    try:
        address = ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def is_trusted_proxy(remote: str) -> bool:
    unix, networks = _proxies(tuple(settings.TRUSTED_PROXIES))
    if remote == "":
        return unix
    address = parse_address(remote)
    return address is not None and any(address in network for network in networks)


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or, from a trusted proxy, the right-most address in X-Forwarded-For
    that is not a trusted proxy; None when it cannot be known (no address, or a malformed one)."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    if not is_trusted_proxy(remote):
        address = parse_address(remote)
        if address is None:
            log.warning("a request without a client address: set VECHE_TRUSTED_PROXIES to the web server in front")
        return str(address) if address is not None else None
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    for part in reversed(forwarded):
        if not is_trusted_proxy(part):
            address = parse_address(part)
            return str(address) if address is not None else None
    return None


def hashed_client_of(request: HttpRequest) -> str:
    """What the login throttle (django-axes, AXES_CLIENT_IP_CALLABLE) counts a client by: a keyed hash of the
    hour (core.ratelimit), so that neither its cache nor its log holds an address."""
    from core.ratelimit import hashed_client

    return hashed_client(client_ip(request))
