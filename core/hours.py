"""Time to the hour: the only precision at which Veche keeps when someone did something.

A report's arrival or a pledge's confirmation timed to the second could be
matched against a provider's connection logs; to the hour, among everyone
online in that hour, it cannot.
"""

from datetime import datetime
from zoneinfo import available_timezones

from django.utils import timezone


def this_hour() -> datetime:
    return timezone.now().replace(minute=0, second=0, microsecond=0)


def known_zone(name: str) -> bool:
    """An IANA time zone this machine knows (Europe/Moscow, Asia/Vladivostok): places and prisons keep their own."""
    return name in available_timezones()
