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
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from actions.models import LetterTally
from core import held
from core.ratelimit import allow
from monitor.prisoners import prisoner, prisoners

WINDOW_DAYS = 30
LIMIT_CLIENT = int(os.environ.get("VECHE_LETTER_LIMIT_CLIENT", "20"))
LIMIT_NETWORK = int(os.environ.get("VECHE_LETTER_LIMIT_NETWORK", "500"))
_random = random.SystemRandom()


# How to write, shown beside every address: on the letter page and in the signed mirror (lookup/mirror.py), which
# carries them in its signed data so a hostile mirror cannot change the advice either.
HOW_TO_SEND = [
    gettext_lazy(
        "By post: an ordinary letter in an envelope, handwritten or printed. Add a blank sheet and an envelope with a "
        "stamp for the reply; the full name of the prisoner (and year of birth, if known) goes on the envelope."
    ),
    gettext_lazy(
        "Electronically: the prison service's official e-letter service «ФСИН-письмо» (fsin-pismo.ru) or, for "
        "pre-trial centres, «Зонателеком» (zonatelecom.ru). It is paid; the letter is printed in the prison and the "
        "answer can be scanned back to you."
    ),
    gettext_lazy(
        "From abroad: international post works, but slowly; an e-letter service accepts foreign cards only sometimes."
    ),
]
WHAT_NOT_TO_WRITE = [
    gettext_lazy(
        "Write in Russian: a letter in another language waits for a translator, often for weeks, or never arrives."
    ),
    gettext_lazy(
        "Do not write about the case: the charges, evidence, witnesses, co-defendants or the investigation. The "
        "censor stops such letters, and the letter can be read in court."
    ),
    gettext_lazy(
        "No calls to protest, no slogans, no insults of officials, no prison slang or codes: the letter will not be "
        "passed on."
    ),
    gettext_lazy(
        "Do not name other people without their agreement, and do not write what could harm you or the prisoner."
    ),
    gettext_lazy(
        "Write about your life, books, films, the weather, your town: what reminds a person of the world outside. "
        "Postcards and photos (without people in uniform) are allowed."
    ),
]
# In Russian whatever the page's language: it goes to a Russian prison's censor.
LETTER_TEMPLATE = """Здравствуйте, {name}!

Меня зовут …, я живу в … . Я узнал(а) о вас и хочу, чтобы вы знали:
вы не одни, о вас помнят и вас поддерживают.

[Несколько строк о себе: чем вы заняты, что читаете, что нового вокруг.]

Если захотите ответить, буду рад(а) письму. Мой адрес: … .
Берегите себя!

С уважением, …"""


@dataclass(frozen=True)
class LetterAddress:
    """Where to write to one prisoner, as the letter page shows it: public, consented records only."""

    name: str
    write_to: str  # the name as it goes on the envelope, when it differs
    address: str
    facility: str
    region: str
    time_zone: str
    status: str
    term_end: date | None
    strike_started: date | None  # a hunger strike going on


@dataclass(frozen=True)
class LetterSheet:
    """Everything a writer needs without the site: every address, how to send, what not to write, a template."""

    prisoners: list[LetterAddress]
    how_to_send: list[str]
    what_not_to_write: list[str]
    template: str


def letter_sheet() -> LetterSheet:
    """The consented prisoners who take letters, with the advice, in the active language (the signed mirror's)."""
    return LetterSheet(
        prisoners=[
            LetterAddress(
                name=p.name,
                write_to=p.write_to,
                address=p.address,
                facility=p.facility,
                region=p.region,
                time_zone=p.time_zone,
                status=p.status_label,
                term_end=p.term_end,
                strike_started=p.strike_started,
            )
            for p in writable()
        ],
        how_to_send=[str(text) for text in HOW_TO_SEND],
        what_not_to_write=[str(text) for text in WHAT_NOT_TO_WRITE],
        template=LETTER_TEMPLATE,
    )


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
