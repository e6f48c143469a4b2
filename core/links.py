"""Links mailed to a person: random, opaque, and new at every mail.

A link that carried its row's id told a mail provider who had signed up
before: sign up a control address, then a suspect, and compare the numbers
(a suspect's earlier row has the smaller one), or see the same link come
back for a repeated sign-up. Here every mail gets a fresh random secret; the
row keeps only its keyed hash (``core.sealing.keyed_hash``, under the pepper
held in memory), which the row's next sign-up replaces. So a link says
nothing about when or in what order anyone signed up, two mails to one
address share nothing, and a seized disk cannot match a mailed link to its
row without the pepper. The secret is signed (with a timestamp where the
link expires), so a damaged or invented link is refused before any query.

A row's links are replaced by its latest sign-up: an earlier mail's link then
answers "not valid — use the latest mail", which is what a person who signed
up twice expects.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.core import signing

from core.sealing import keyed_hash

SECRET_BYTES = 18  # 144 bits: 24 characters of base64url, never guessed


class LinkError(ValueError):
    """The link cannot be used: ``expired`` tells an old link from a damaged or invented one."""

    def __init__(self, expired: bool):
        super().__init__("expired" if expired else "not valid")
        self.expired = expired


@dataclass(frozen=True)
class Link:
    """A new link: ``token`` goes into the mail, ``key`` into the row (and nothing else of it is kept);
    ``secret`` stays in memory, for a link derived from this one."""

    token: str
    key: str
    secret: str


def _signer(salt: str, timed: bool) -> signing.Signer:
    return signing.TimestampSigner(salt=salt) if timed else signing.Signer(salt=salt)


def mint(salt: str, timed: bool = True, secret: str = "") -> Link:
    """A fresh link for one purpose (``salt``: "pledge-confirm", "action-cancel" …); ``secret`` only for a link
    derived from another (``derive``)."""
    secret = secret or secrets.token_urlsafe(SECRET_BYTES)
    return Link(_signer(salt, timed).sign(secret), keyed_hash(f"link:{salt}", secret), secret)


def derive(salt: str, secret: str) -> Link:
    """A second link that belongs with another one, given that one's secret (the cancel link shown on the page a
    confirmation link opens): its secret is a keyed hash of the first's, so it needs no storing and tells nothing
    without the pepper."""
    return mint(salt, timed=False, secret=keyed_hash(f"derive:{salt}", secret)[:24])


@dataclass(frozen=True)
class Opened:
    """What a link names: the key of a row (``key``), or, for a link mailed before links were opaque, the id
    it carried (``legacy_pk``); exactly one is set."""

    key: str = ""
    secret: str = ""
    legacy_pk: int | None = None


def open_link(salt: str, token: str, max_age: int | None = None) -> Opened:
    """The row a link names, or LinkError. ``max_age`` in seconds for links that expire."""
    try:
        if max_age is None:
            value = _signer(salt, timed=False).unsign(token)
        else:
            value = signing.TimestampSigner(salt=salt).unsign(token, max_age=max_age)
    except signing.SignatureExpired:
        raise LinkError(expired=True) from None
    except signing.BadSignature:
        raise LinkError(expired=False) from None
    # Links mailed before this change carried the row's id as twelve digits; they were signed by this server and
    # are already in people's mailboxes (a cancel link never expires), so they keep working. No new mail has one.
    if len(value) == 12 and value.isascii() and value.isdigit():
        return Opened(legacy_pk=int(value))
    if len(value) != 24:
        raise LinkError(expired=False)
    return Opened(key=keyed_hash(f"link:{salt}", value), secret=value)
