"""Hourly limits per client and per network, counted under a salt that dies with the hour.

No address is stored: a counter is named by an HMAC of the client's address
(and of its /24 or /48 network) under a random salt made for the current
hour. The salt lives in memory only — this process's, or Redis's when the
cache is Redis (VECHE_REDIS_URL: one salt and one count for every worker and
host, made by whichever asks first) — and it expires with the hour, as do
the counters. Nothing on disk ever keys them, so a copy of the disk, or of
Redis after the hour, cannot be searched for an address (with the pepper,
all of IPv4 took ~11 core-hours); a running Redis seized within the hour
still holds that hour's salt (docs/threat-model.md).
"""

import hashlib
import hmac
import ipaddress
import secrets
import threading
from datetime import timedelta
from functools import cache as once
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from core.clients import parse_address
from core.hours import this_hour

if TYPE_CHECKING:
    import redis

REDIS = "django.core.cache.backends.redis.RedisCache"
SLACK = 60  # seconds past the hour before a salt and its counters expire (clocks differ a little)
_salts: dict[str, bytes] = {}
_lock = threading.Lock()


@once
def redis_client(url: str) -> "redis.Redis":
    import redis

    return redis.Redis.from_url(url)


def shared() -> bool:
    return settings.CACHES["default"]["BACKEND"] == REDIS


def hour_now() -> tuple[str, int]:
    """The current hour's label and the Unix time a minute after it ends."""
    start = this_hour()
    return start.strftime("%Y%m%d%H"), int((start + timedelta(hours=1)).timestamp()) + SLACK


def salt(hour: str, expires: int) -> bytes:
    """This hour's salt: kept in this process once read; made in Redis by the first worker that asks."""
    with _lock:
        value = _salts.get(hour)
    if value is None:
        fresh = secrets.token_bytes(32)
        if shared():
            key = cache.make_key(f"rate-salt:{hour}")
            pipe = redis_client(settings.CACHES["default"]["LOCATION"]).pipeline(transaction=False)
            pipe.set(key, fresh, nx=True, exat=expires)
            pipe.get(key)
            value = pipe.execute()[1]
        else:
            value = fresh
        with _lock:
            _salts.clear()  # an hour's salt is never needed again once the next hour has begun
            _salts[hour] = value
    return value


def count(keys: list[str], expires: int) -> list[int]:
    """Add one to each counter (gone a minute after the hour ends); their new values."""
    if shared():
        # Django's RedisCache takes three round trips per counter (add, then incr's exists and incr).
        pipe = redis_client(settings.CACHES["default"]["LOCATION"]).pipeline(transaction=False)
        for key in map(cache.make_key, keys):  # the cache's own prefix and version
            pipe.incr(key)
            pipe.expireat(key, expires)
        return pipe.execute()[::2]
    values = []
    timeout = max(1, expires - int(timezone.now().timestamp()))
    for key in keys:
        cache.add(key, 0, timeout)
        values.append(cache.incr(key))
    return values


# The made-up addresses Tor gives an onion service's circuits (HiddenServiceExportCircuitID, deploy/torrc): every
# Tor user's falls in this one /64, which the /48 rule made one network — a hundred onion sign-ups an hour and every
# Tor user was refused (issue 35). A circuit is its own network; what holds a flood of circuits back is Tor's proof of
# work in front of the onion (deploy/torrc), not this count.
TOR_CIRCUITS = ipaddress.ip_network("fc00:dead:beef:4dad::/64")


def network_of(client_ip: str) -> str:
    """The client's /24 (IPv4) or /48 (IPv6) network, written one way however the address was (``2001:db8:1::``
    and ``2001:0db8:0001:0000::2`` are one network); a Tor circuit's address is its own; a string that is no
    address stands for itself."""
    address = parse_address(client_ip)
    if address is None:
        return client_ip
    if address in TOR_CIRCUITS:
        return str(ipaddress.ip_network(address))
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def allow(purpose: str, client_ip: str | None, per_client: int, per_network: int) -> bool:
    """Count one more action of this client; False once it or its network is past its limit, and False when
    the client's address is not known (core.clients): a limit that counts nobody protects nothing."""
    if not client_ip:
        return False
    network = network_of(client_ip)
    hour, expires = hour_now()
    key = salt(hour, expires)
    names = [
        "rate:" + hmac.new(key, f"{purpose}:{label}:{value}".encode(), hashlib.sha256).hexdigest()
        for label, value in (("client", client_ip), ("network", network))
    ]
    on_client, on_network = count(names, expires)
    return on_client <= per_client and on_network <= per_network


def hashed_client(client_ip: str | None) -> str:
    """The client as a keyed hash under this hour's salt: the same within the hour, unlinkable across hours,
    and no address at all (for what counts logins, django-axes)."""
    if not client_ip:
        return "unknown"
    hour, expires = hour_now()
    return hmac.new(salt(hour, expires), f"client:{client_ip}".encode(), hashlib.sha256).hexdigest()[:32]
