"""Hourly limits per client and per network, kept as expiring keyed hashes.

No address is stored: the cache holds keyed hashes (veche.sealing) of the
client's address and of its /24 (IPv4) or /48 (IPv6) network, per hour and
per purpose, and they expire with the hour.
"""

from django.core.cache import cache
from django.utils import timezone

from veche.sealing import keyed_hash

WINDOW = 3600


def allow(purpose: str, client_ip: str, per_client: int, per_network: int) -> bool:
    """Count one more action of this client; False once it or its network is past its limit."""
    if not client_ip:
        return True
    network = ".".join(client_ip.split(".")[:3]) if "." in client_ip else ":".join(client_ip.split(":")[:3])
    hour = timezone.now().strftime("%Y%m%d%H")
    allowed = True
    for label, value, limit in (("client", client_ip, per_client), ("network", network, per_network)):
        key = "rate:" + keyed_hash(f"rate-{purpose}-{label}:{hour}", value)
        cache.add(key, 0, WINDOW)
        if cache.incr(key) > limit:
            allowed = False
    return allowed
