"""The lookup in a messenger, remembering nothing (issue 35).

Smart Voting's bot was cut on the eve of the vote; a site blocked, a messenger often still works. A person sends an
address, a UIK number or a location; the bot answers what the lookup's API answers (``lookup.questions.reply``, the
one door every lookup question comes in by) and where the mirrors are. ``answer`` is the whole of it and knows no
messenger: a transport (``lookup.telegram``) turns its update into a ``Message`` and the ``Answer`` into its reply.

Nothing is kept: no conversation state (each message stands alone), no log of who asked what, no database row. The
rate limit counts the sender by a keyed hash under the hour's salt (core.ratelimit), gone with the hour.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from core.ratelimit import allow
from lookup.questions import LookupQuery, QuestionError, reply

LIMIT = 30  # answers per sender an hour: a person asks a few; a script asking for a whole city is slowed
UIK = re.compile(r"^\s*(?:уик|uik|участок|№|#)?\s*№?\s*(\d{1,5})\s*$", re.IGNORECASE)
LONGEST = 200  # characters of an address, as the site's form


@dataclass(frozen=True)
class Message:
    """One incoming message: its sender as the messenger names them (only ever hashed, for the limit), what they
    sent (text, or a location) and their interface's language."""

    sender: str
    text: str = ""
    latitude: float | None = None
    longitude: float | None = None
    language: str = ""


@dataclass(frozen=True)
class Answer:
    text: str


def language_of(message: Message) -> str:
    code = (message.language or "").split("-")[0].lower()
    return code if code in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def query_of(message: Message) -> LookupQuery | None:
    """The lookup question a message asks, or None when it asks none (a greeting, /start)."""
    if message.latitude is not None and message.longitude is not None:
        return LookupQuery.model_validate({"lat": message.latitude, "lon": message.longitude})
    text = message.text.strip()
    if not text or text.startswith("/"):
        return None
    number = UIK.match(text)
    if number:
        return LookupQuery.model_validate({"uik": int(number.group(1))})
    return LookupQuery.model_validate({"address": text[:LONGEST]})


def answer(message: Message) -> Answer:
    """What the bot says to one message, in the sender's language."""
    with translation.override(language_of(message)):
        if not allow("bot", f"messenger:{message.sender}", LIMIT, LIMIT):
            return Answer(_("Too many questions from you this hour; try again later, or use a mirror.") + mirrors())
        query = query_of(message)
        if query is None:
            return Answer(
                _(
                    "Send your home address (e.g. «Садовая 108»), your precinct's number from your invitation, or "
                    "your location: I answer where you vote and what is on your ballot. I keep nothing of what "
                    "you send."
                )
                + mirrors()
            )
        try:
            found = reply(query)
        except QuestionError as exc:
            return Answer(str(exc) + mirrors())
        text = render_to_string("lookup/bot_answer.txt", {"result": found.answer, "contests": found.contests})
        return Answer(re.sub(r"\n{3,}", "\n\n", text).strip() + mirrors())


def mirrors() -> str:
    """Where the lookup is when this site is blocked (VECHE_MIRRORS)."""
    if not settings.MIRRORS:
        return ""
    return "\n\n" + _("If the site is blocked:") + " " + " ".join(settings.MIRRORS)
