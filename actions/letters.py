"""Letters to political prisoners: whom to write to next, and how many letters went.

"Write a letter" picks one of the prisoners who consented to letters and
whose address is known, at random but weighted towards those who got fewer
letters in the last 30 days (weight 1 / (1 + letters)): a writer is sent
where a letter is most missed, and no one is left out (OVD-Info's
letters service does the same). Letters are what writers marked "sent"
(a count per prisoner and day, no writer, no time of day); a mark is rate-
limited per network, as every form here.
"""

from __future__ import annotations

import os
import random
from collections import Counter
from datetime import date, timedelta

from django.db import connection
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from actions.models import LetterTally
from core import held
from core.ratelimit import allow
from monitor.prisoners import prisoner, prisoners

WINDOW_DAYS = 30
LIMIT_CLIENT = int(os.environ.get("VECHE_LETTER_LIMIT_CLIENT", "20"))
LIMIT_NETWORK = int(os.environ.get("VECHE_LETTER_LIMIT_NETWORK", "500"))
_random = random.SystemRandom()


class LetterError(ValueError):
    """The mark cannot be taken; the message says why."""


class TooManyLetters(LetterError):
    """Past the network's limit: told, with the prisoner's page shown again."""

    def __init__(self, message: str, prisoner):
        super().__init__(message)
        self.prisoner = prisoner


def writable() -> list:
    """The consented prisoners (monitor.prisoners' records) who take letters at a known address."""
    return [p for p in prisoners() if p.letters]


def letters_since(since: date) -> Counter:
    """Letters marked sent per prisoner from ``since`` (inclusive) to today."""
    rows = LetterTally.objects.filter(day__gte=since, day__lte=timezone.localdate())
    return Counter(dict(rows.values("prisoner").annotate(n=Sum("sent")).values_list("prisoner", "n")))


def recent() -> Counter:
    return letters_since(timezone.localdate() - timedelta(days=WINDOW_DAYS - 1))


def this_month() -> Counter:
    return letters_since(timezone.localdate().replace(day=1))


def weights(candidates: list, letters: Counter) -> list[float]:
    return [1.0 / (1 + letters[p.pseudonym]) for p in candidates]


def pick(candidates: list, letters: Counter, rng: random.Random = _random):
    """One prisoner, the less written to the likelier."""
    if not candidates:
        return None
    return rng.choices(candidates, weights=weights(candidates, letters))[0]


def mark_sent(pseudonym: str, client_ip: str | None):
    """Count one letter to the prisoner today: one statement, safe under concurrent marks."""
    who = prisoner(pseudonym)
    if who is None or not who.letters:
        raise LetterError(_("This person is not on the list of those who receive letters."))
    if not allow("letter-sent", client_ip, LIMIT_CLIENT, LIMIT_NETWORK):
        raise TooManyLetters(_("Too many letters marked from your network; try again in an hour."), who)
    # Held until the hour is over (core.held): the database's log must not date a writer's mark to the second.
    held.hold("letter-sent", {"prisoner": pseudonym, "day": timezone.localdate().isoformat()})
    return who


def apply_held(data: dict, hour) -> bool:
    """Count a held mark: one statement, safe under concurrent flushes."""
    table = LetterTally._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (prisoner, day, sent) VALUES (%s, %s, 1) "  # noqa: S608
            f"ON CONFLICT (prisoner, day) DO UPDATE SET sent = {table}.sent + 1",
            [data["prisoner"], data["day"]],
        )
    return True
