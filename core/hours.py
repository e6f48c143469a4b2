"""Time to the hour: the only precision at which Veche keeps when someone did something.

A report's arrival or a pledge's confirmation timed to the second could be
matched against a provider's connection logs; to the hour, among everyone
online in that hour, it cannot.
"""

from datetime import datetime, tzinfo
from zoneinfo import available_timezones

from django.templatetags.tz import do_timezone
from django.utils import timezone


def this_hour() -> datetime:
    return timezone.now().replace(minute=0, second=0, microsecond=0)


def known_zone(name: str) -> bool:
    """An IANA time zone this machine knows (Europe/Moscow, Asia/Vladivostok): places and prisons keep their own."""
    return name in available_timezones()


def wall_clock(moment: datetime, zone: tzinfo) -> datetime:
    """``moment`` as a clock at the place shows it, and kept so on a page. Django's templates turn every aware
    datetime into the site's time zone (Moscow) before formatting it, which put a London picket's slot three hours
    late on every page but the mail; this is the ``|timezone`` filter's own answer, for views."""
    shown: datetime = do_timezone(moment, zone)
    return shown
