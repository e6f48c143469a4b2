"""Signing up, confirming and counting, with nothing about a person kept in the clear.

The e-mail lives in memory for one request: it is normalised and keyed-hashed
(to count each person once), sealed with the name to the organisers' public
key, and the confirmation mail is sent from memory. Nothing that leaves the
server tells whether an address had signed up before: every sign-up gets the
same answer on the page, takes the same one statement in the database, and
gets the same mail — same subject, same text, a link of the same length —
whether it is new, waiting or already counted. A state that reads mail at
its own providers and signs up a list of suspects learns nothing from it;
only the page the link opens says where the sign-up stands.
"""

from __future__ import annotations

import json
import logging
import os
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.cache import cache
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import Count, Q
from django.db.models.functions import TruncHour
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import held
from core.cache import Cached, Freshness
from core.forms import whole_number
from core.links import LinkError, mint, open_link
from core.ratelimit import allow
from core.sealing import keyed_hash, seal
from core.sealing import public_key as public_key_of
from pledges.models import Campaign, City, Pledge

log = logging.getLogger(__name__)
CONFIRM_DAYS = 3
MAX_EMAIL = 254
MAX_NAME = 100
# Providers that deliver "a.b+tag@" to "ab@": such spellings are one person.
IGNORE_DOTS = {"gmail.com"}
IGNORE_TAGS = {"gmail.com", "yandex.ru", "outlook.com", "hotmail.com", "protonmail.com", "proton.me", "icloud.com"}
ALIASES = {
    "googlemail.com": "gmail.com",
    "ya.ru": "yandex.ru",
    "yandex.com": "yandex.ru",
    "yandex.by": "yandex.ru",
    "yandex.kz": "yandex.ru",
    "yandex.ua": "yandex.ru",
    "pm.me": "proton.me",
}
EMAIL = re.compile(r"^[^@\s<>()\[\],;:\"]{1,64}@([a-z0-9-]{1,63}\.)+[a-z]{2,63}$")
# Per client (keyed hash of its address, per hour) and per network (/24 or /48);
# raised for load tests from one machine (bench/pledges.py).
LIMIT_CLIENT = int(os.environ.get("VECHE_PLEDGE_LIMIT_CLIENT", "10"))
LIMIT_NETWORK = int(os.environ.get("VECHE_PLEDGE_LIMIT_NETWORK", "100"))


SENT = gettext_lazy("Check your inbox: we sent you a mail. Your sign-up counts once you open its link.")


class SignupError(ValueError):
    """The sign-up cannot be taken; the message says why."""


@dataclass
class Outcome:
    campaign: Campaign | None  # None: a confirmation of a sign-up still held (its campaign is in the box)
    message: str
    confirmed_now: bool = False


def normalise(email: str) -> str:
    email = (email or "").strip().lower()
    # A replacement character is a broken encoding, a control or format character (a zero-width space) no
    # one types: either would make one mailbox two sign-ups.
    if (
        len(email) > MAX_EMAIL
        or not EMAIL.match(email)
        or any(unicodedata.category(c).startswith("C") or c == "\ufffd" for c in email)
    ):
        raise SignupError(_("This is not an e-mail address."))
    local, domain = email.rsplit("@", 1)
    domain = ALIASES.get(domain, domain)
    if domain in IGNORE_TAGS:
        local = local.split("+", 1)[0]
    if domain in IGNORE_DOTS:
        local = local.replace(".", "")
    if domain == "yandex.ru":
        local = local.replace(".", "-")  # Yandex treats them as one
    if not local:
        raise SignupError(_("This is not an e-mail address."))
    return f"{local}@{domain}"


def check_rate(client_ip: str | None) -> None:
    """Refuse a client or network past its hourly limit (core.ratelimit keeps only expiring keyed hashes)."""
    if not allow("pledge", client_ip, LIMIT_CLIENT, LIMIT_NETWORK):
        raise SignupError(_("Too many sign-ups from your network; try again in an hour."))


# A campaign and its cities are read at most this often per process: a sign-up then needs no query to find
# them. Changes saved in this process apply at once; other workers see them within this time (the purge waits).
CAMPAIGN_SECONDS = 2.0
CAMPAIGNS = Freshness("pledges", ["pledges.Campaign", "pledges.City"], every=CAMPAIGN_SECONDS)


def read_campaign(slug: str) -> Campaign | None:
    campaign = Campaign.objects.filter(slug=slug).first()
    if campaign is not None:
        campaign.city_by_id  # noqa: B018  (read now, kept with the campaign)
    return campaign


CAMPAIGN = Cached(read_campaign, CAMPAIGNS, size=1000)


def campaign_by_slug(slug: str) -> Campaign | None:
    """The campaign, its cities (``city_by_id``) read with it."""
    return CAMPAIGN.get(slug)


# A repeated sign-up replaces only the link's key (an earlier pledge keeps its city and contact): new and known
# sign-ups take the same single statement, so the time of the answer does not tell them apart; and the mail's link
# is new either way (core.links), so the mail does not either.
INSERT = (
    "INSERT INTO pledges_pledge (campaign_id, city_id, person, contact, link) VALUES (%s, %s, %s, %s, %s) "
    "ON CONFLICT (campaign_id, person) DO UPDATE SET link = EXCLUDED.link"
)


def store(campaign: Campaign, city: City, person: str, contact: bytes, link: str) -> None:
    """Hold the sign-up until the hour is over (core.held: one INSERT of a box, the same for a new and a known
    address); ``apply_signup`` writes it then, with the hour's others."""
    held.hold(
        "pledge-signup",
        {"campaign": campaign.pk, "city": city.pk, "person": person, "contact": contact, "link": link},
    )


def apply_signup(data: dict, hour) -> bool:
    """The person's pledge, new or earlier, now answers to the link's key: one statement, the constraint
    ``pledge_once`` deciding between sign-ups of one address. A campaign purged meanwhile takes none."""
    if not Campaign.objects.filter(pk=data["campaign"], purged__isnull=True).exists():
        return True
    with connection.cursor() as cursor:
        cursor.execute(INSERT, [data["campaign"], data["city"], data["person"], data["contact"], data["link"]])
    return True


def apply_confirmation(data: dict, hour) -> bool:
    """Count a held confirmation; False (held again) while its sign-up is not written yet, until the link
    expires."""
    done = Pledge.objects.filter(
        link=data["link"], confirmed__isnull=True, contact__isnull=False, campaign__purged__isnull=True
    ).update(confirmed=hour)
    if done:
        campaign = Pledge.objects.select_related("campaign").get(link=data["link"]).campaign
        if campaign.reached is None and totals(campaign, fresh=True)["total"] >= campaign.threshold:
            Campaign.objects.filter(pk=campaign.pk, reached__isnull=True).update(reached=hour)
            CAMPAIGNS.forget()
        return True
    if Pledge.objects.filter(link=data["link"]).exists() or timezone.now() > data["until"]:
        return True  # counted already, purged, or never signed up: nothing to wait for
    return False


LINK_SALT = "pledge-confirm"
INVALID_LINK = gettext_lazy(
    "This link is not valid: copy it whole from the latest mail (a new sign-up replaces the earlier mail's link), "
    "or sign up again."
)


def sign_up(campaign: Campaign, city_id, email: str, name: str, confirm_url) -> Outcome:
    """Take a sign-up and mail its confirmation link. ``confirm_url(token)`` makes the link absolute."""
    if campaign.purged or (campaign.ends and campaign.ends < timezone.now()):
        raise SignupError(_("This campaign is closed."))
    # Every problem of the form at once, in the form's order: one round trip to put them all right.
    problems = []
    try:
        address = normalise(email)
    except SignupError as exc:
        problems.append(str(exc) if email.strip() else _("Type your e-mail address."))
    city = campaign.city_by_id.get(whole_number(city_id))
    if city is None:
        problems.append(_("Choose your city from the list."))
    name = (name or "").strip()
    if len(name) > MAX_NAME:
        problems.append(_("The name is longer than %(n)s characters.") % {"n": MAX_NAME})
    if problems or city is None:  # no city is a problem said above
        raise SignupError(" ".join(problems))
    person = keyed_hash(f"pledge-email:{campaign.pk}", address)
    contact = seal(json.dumps({"email": email.strip(), "name": name}, ensure_ascii=False).encode(), campaign.public_key)
    link = mint(LINK_SALT)
    store(campaign, city, person, contact, link.key)
    # The same mail whether the address is new, waiting or counted: the link's page says which.
    subject, body = (
        _("Confirm your sign-up"),
        _(
            "To be counted for «%(title)s», open this link within %(days)s days:\n\n%(link)s\n\n"
            "If you had signed up before, the link shows where your sign-up stands; you are never counted twice. "
            "If it was not you, ignore this mail: nothing will be counted."
        )
        % {"title": campaign.title, "days": CONFIRM_DAYS, "link": confirm_url(link.token)},
    )
    try:
        send_mail(subject, body, None, [email.strip()])
    except Exception:  # an SMTP error names the address: it must never reach a log
        log.error("a confirmation mail could not be sent (campaign %s)", campaign.slug)
        raise SignupError(_("The mail could not be sent just now; please try again in a few minutes.")) from None
    return Outcome(campaign, str(SENT))


def confirm(token: str, campaign: Campaign | None = None) -> Outcome:
    """Take a confirmation: held until the hour is over like the sign-up (so the link's page says the same for
    a sign-up already written and one still held), counted with the hour's others."""
    try:
        opened = open_link(LINK_SALT, token, max_age=CONFIRM_DAYS * 86400)
    except LinkError as exc:
        if exc.expired:
            raise SignupError(_("This link has expired: sign up again to get a new one.")) from None
        raise SignupError(str(INVALID_LINK)) from None
    pledges = Pledge.objects.select_related("campaign")
    pledge = (pledges.filter(pk=opened.legacy_pk) if opened.legacy_pk else pledges.filter(link=opened.key)).first()
    if pledge is not None and pledge.confirmed is not None:
        return Outcome(pledge.campaign, _("Your sign-up was already confirmed: you are counted."))
    if pledge is not None and (pledge.contact is None or pledge.campaign.purged):
        raise SignupError(_("This campaign is closed."))
    if opened.legacy_pk:  # a link mailed before links were opaque: its pledge is written, its key is the id's
        if pledge is None:
            raise SignupError(str(INVALID_LINK))
        Pledge.objects.filter(pk=pledge.pk, link__isnull=True).update(link=f"legacy:{pledge.pk}")
        key = pledge.link or f"legacy:{pledge.pk}"
    else:
        key = opened.key
    until = timezone.now() + timedelta(days=CONFIRM_DAYS)
    held.hold("pledge-confirm", {"link": key, "until": until})
    return Outcome(
        pledge.campaign if pledge is not None else campaign,
        _("Confirmed: you are counted from the next full hour. Thank you!"),
        confirmed_now=True,
    )


def totals(campaign: Campaign, fresh: bool = False) -> dict:
    """Confirmed pledges overall, per city and per hour; cached for two seconds (the pages poll)."""
    key = f"pledge-totals:{campaign.pk}"
    cached = None if fresh else cache.get(key)
    if cached is not None:
        return dict(cached)
    confirmed = Pledge.objects.filter(campaign=campaign, confirmed__isnull=False)
    per_city = dict(
        City.objects.filter(campaign=campaign)
        .annotate(n=Count("pledges", filter=Q(pledges__confirmed__isnull=False)))
        .values_list("pk", "n")
    )
    cities = [
        {"id": c.pk, "name": c.name, "threshold": c.threshold, "count": per_city.get(c.pk, 0)}
        for c in campaign.cities.all()
    ]
    hours = list(
        confirmed.annotate(hour=TruncHour("confirmed")).values("hour").annotate(n=Count("id")).order_by("hour")
    )
    result = {
        "total": sum(per_city.values()),
        "threshold": campaign.threshold,
        "cities": cities,
        "hours": [{"hour": h["hour"].isoformat(), "count": h["n"]} for h in hours],
    }
    cache.set(key, result, 2)
    return result


def confirm_link(request, campaign: Campaign):
    """Links name the campaign (as the mail does): the page of a confirmation still held can show its counters."""
    return lambda token: request.build_absolute_uri(reverse("pledges:confirm_in", args=[campaign.slug, token]))


# -- supporters of a citizens' initiative (the initiatives tool's doors) ---------------------------------------
@dataclass(frozen=True)
class Supporters:
    """An initiative's supporters as the public may see them: counts, never anyone in them."""

    slug: str  # the campaign's: its page takes the supports (double opt-in, sealed to the organisers)
    total: int
    threshold: int
    cities: list[tuple[str, int]]  # (city, confirmed supporters there)
    ends: datetime | None
    reached: bool


def open_supporters(
    slug: str, title: str, text: str, threshold: int, ends: datetime | None, public_key: str, cities: list[str]
) -> None:
    """A campaign that gathers an initiative's supporters as any pledge is gathered: each confirms by mail, the
    contact is sealed to ``public_key`` (the organisers', whose private half stays offline), and the server keeps
    counts and keyed hashes only. ValueError when the slug is taken or the key is not one."""
    public_key_of(public_key)  # SealingError (a ValueError) before anything is written
    with transaction.atomic():
        if Campaign.objects.filter(slug=slug).exists():
            raise ValueError(f"a campaign {slug!r} exists already")
        campaign = Campaign.objects.create(
            slug=slug,
            kind=Campaign.Kind.PETITION,
            title=title[:300],
            text=text,
            threshold=threshold,
            ends=ends,
            public_key=public_key,
        )
        City.objects.bulk_create(City(campaign=campaign, name=name[:100]) for name in cities)


def progress(total: int, threshold: int) -> float:
    """The share of the threshold reached, in per cent to one decimal, at most 100 (a progress bar's value)."""
    return min(100, round(100 * total / threshold, 1)) if threshold else 0


def supporters(slug: str) -> Supporters | None:
    """The counts of an initiative's supporters, or None when it has no campaign."""
    campaign = campaign_by_slug(slug)
    if campaign is None:
        return None
    counts = totals(campaign)
    return Supporters(
        slug=campaign.slug,
        total=counts["total"],
        threshold=campaign.threshold,
        cities=[(c["name"], c["count"]) for c in counts["cities"]],
        ends=campaign.ends,
        reached=counts["total"] >= campaign.threshold,
    )
