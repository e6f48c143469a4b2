"""Hourly limits per client and per network, kept as expiring keyed hashes.

No address is stored: the counters are named by keyed hashes (veche.sealing)
of the client's address and of its /24 (IPv4) or /48 (IPv6) network, per
hour and per purpose, and they expire with the hour. They live in Redis
when the cache is Redis (VECHE_REDIS_URL: one count for every worker and
host, both counters in one round trip), otherwise in this process's cache.
"""

from functools import cache as once

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from veche.sealing import keyed_hash

WINDOW = 3600
REDIS = "django.core.cache.backends.redis.RedisCache"


@once
def redis_client(url: str):
    import redis

    return redis.Redis.from_url(url)


def count(keys: list[str]) -> list[int]:
    """Add one to each counter (made with a one-hour expiry if new); their new values."""
    if settings.CACHES["default"]["BACKEND"] == REDIS:
        # Django's RedisCache takes three round trips per counter (add, then incr's exists and incr).
        pipe = redis_client(settings.CACHES["default"]["LOCATION"]).pipeline(transaction=False)
        for key in map(cache.make_key, keys):  # the cache's own prefix and version
            pipe.incr(key)
            pipe.expire(key, WINDOW)
        return pipe.execute()[::2]
    values = []
    for key in keys:
        cache.add(key, 0, WINDOW)
        values.append(cache.incr(key))
    return values


def allow(purpose: str, client_ip: str, per_client: int, per_network: int) -> bool:
    """Count one more action of this client; False once it or its network is past its limit."""
    if not client_ip:
        return True
    network = ".".join(client_ip.split(".")[:3]) if "." in client_ip else ":".join(client_ip.split(":")[:3])
    hour = timezone.now().strftime("%Y%m%d%H")
    keys = ["rate:" + keyed_hash(f"rate-{purpose}-{label}:{hour}", value)
            for label, value in (("client", client_ip), ("network", network))]
    on_client, on_network = count(keys)
    return on_client <= per_client and on_network <= per_network
