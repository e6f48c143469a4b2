"""Signing up for a slot, confirming, cancelling: the pledges' privacy, with a capacity.

The e-mail lives in memory for one request: normalised and keyed-hashed (to
take a person once per slot), sealed with the name and the cancel link to the
organisers' public key, and the confirmation mail is sent from memory. A
sign-up takes its place only when the mail's link is opened; until then the
slot's public count does not move, so that signing up a suspect's address
cannot tell, from a count that stays still, that they had signed up. Every
sign-up gets the same answer, one statement, and the same mail (links of one
length), new or repeated.

The last place of a slot goes to the first confirmation: one conditional
statement (``taken < capacity``) decides between concurrent ones, on
PostgreSQL by the row's lock, on SQLite by its one writer; the other is told
the slot is full and shown the free ones.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass

from django.core.mail import send_mail
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from actions.models import Action, Signup, Slot
from core.forms import whole_number
from core.hours import this_hour
from core.links import LinkError, Opened, derive, mint, open_link
from core.ratelimit import allow
from core.sealing import keyed_hash, seal
from pledges.signup import normalise

log = logging.getLogger(__name__)
CONFIRM_DAYS = 3
MAX_NAME = 100
LIMIT_CLIENT = int(os.environ.get("VECHE_ACTION_LIMIT_CLIENT", "10"))
LIMIT_NETWORK = int(os.environ.get("VECHE_ACTION_LIMIT_NETWORK", "100"))
SENT = gettext_lazy(
    "Check your inbox: we sent you a mail. The place is yours once you open its link, if it is still free."
)
CONFIRM_SALT, CANCEL_SALT = "action-confirm", "action-cancel"


class SignupError(ValueError):
    """The sign-up, confirmation or cancellation cannot be done; the message says why."""


@dataclass
class Outcome:
    slot: Slot
    message: str
    cancel: str = ""  # the cancel link's token, for the confirmation page


def check_rate(client_ip: str | None) -> None:
    if not allow("action-signup", client_ip, LIMIT_CLIENT, LIMIT_NETWORK):
        raise SignupError(_("Too many sign-ups from your network; try again in an hour."))


INVALID_LINK = gettext_lazy(
    "This link is not valid: copy it whole from the latest mail (a new sign-up replaces the earlier mail's links), "
    "or sign up again."
)


def signup_by_link(salt: str, token: str, max_age: int | None = None) -> tuple[Signup, Opened]:
    """The sign-up a mailed link names (core.links: opaque, replaced at each sign-up); SignupError otherwise."""
    try:
        opened = open_link(salt, token, max_age=max_age)
    except LinkError as exc:
        if exc.expired:
            raise SignupError(_("This link has expired: sign up again to get a new one.")) from None
        raise SignupError(str(INVALID_LINK)) from None
    signups = Signup.objects.select_related("slot__place__action")
    if opened.legacy_pk:
        signup = signups.filter(pk=opened.legacy_pk).first()
    else:
        signup = signups.filter(**{"link" if salt == CONFIRM_SALT else "cancel_link": opened.key}).first()
    if signup is None:
        raise SignupError(str(INVALID_LINK))
    return signup, opened


def cancel_of(opened: Opened) -> str:
    """The cancel link's token that belongs with an opened confirmation link (the confirmation page shows it);
    empty for a link mailed before links were opaque (its mail has the cancel link)."""
    return derive(CANCEL_SALT, opened.secret).token if opened.secret else ""


def open_slot(action: Action, slot_id) -> Slot:
    """A slot of the action one can still sign up for, or SignupError saying why not."""
    slots = Slot.objects.select_related("place__action").filter(place__action=action)
    chosen = whole_number(slot_id)
    slot = slots.filter(pk=chosen).first() if chosen is not None else None
    if slot is None:
        raise SignupError(_("Choose a time slot from the list."))
    if slot.starts <= timezone.now():
        raise SignupError(_("This slot has begun: choose a later one."))
    if slot.taken >= slot.capacity:
        raise SignupError(_("This slot is full: choose another time or place."))
    return slot


# New and repeated sign-ups take the same statement, and a repeated one gets new links (core.links): neither the
# mail nor the time of the answer tells that an address had signed up before.
INSERT = (
    "INSERT INTO actions_signup (slot_id, person, contact, link, cancel_link) VALUES (%s, %s, %s, %s, %s) "
    "ON CONFLICT (slot_id, person) DO UPDATE SET contact = EXCLUDED.contact, link = EXCLUDED.link, "
    "cancel_link = EXCLUDED.cancel_link, "
    # A cancelled sign-up signed up again waits for its link once more (its place was given back).
    "confirmed = CASE WHEN actions_signup.cancelled IS NULL THEN actions_signup.confirmed END, cancelled = NULL"
)


def sign_up(action: Action, slot_id, email: str, name: str, link) -> Outcome:
    """Take a sign-up for one of the action's slots and mail its links; ``link(name, token)`` makes a link
    absolute. A slot of another action is refused as an unknown one."""
    problems = []
    try:
        address = normalise(email)
    except ValueError as exc:  # the pledges' refusal: the same words for an address everywhere
        problems.append(str(exc) if (email or "").strip() else _("Type your e-mail address."))
    try:
        slot = open_slot(action, slot_id)
    except SignupError as exc:
        problems.append(str(exc))
    name = (name or "").strip()
    if len(name) > MAX_NAME:
        problems.append(_("The name is longer than %(n)s characters.") % {"n": MAX_NAME})
    if problems:
        raise SignupError(" ".join(problems))
    person = keyed_hash(f"action-email:{slot.pk}", address)
    confirm_link = mint(CONFIRM_SALT)
    cancel_link = derive(CANCEL_SALT, confirm_link.secret)
    cancel = link("actions:cancel", cancel_link.token)
    contact = {"email": email.strip(), "name": name, "cancel": cancel}
    sealed = seal(json.dumps(contact, ensure_ascii=False).encode(), action.public_key)
    with connection.cursor() as cursor:
        cursor.execute(INSERT, [slot.pk, person, sealed, confirm_link.key, cancel_link.key])
    local = timezone.localtime(slot.starts, slot.place.zone)
    subject = _("Confirm your place at the action")
    body = _(
        "«%(title)s»: %(role)s, %(place)s, %(address)s, %(day)s at %(time)s (local time).\n\n"
        "To take the place, open this link within %(days)s days:\n%(confirm)s\n\n"
        "If you cannot come, cancel here, so that someone else can take the place:\n%(cancel)s\n\n"
        "If you had signed up before, these links replace the earlier ones; you hold one place. "
        "If it was not you, ignore this mail: nothing will be taken."
    ) % {
        "title": action.title,
        "role": slot.get_role_display(),
        "place": slot.place.name,
        "address": slot.place.address or slot.place.city,
        "day": local.strftime("%d.%m.%Y"),
        "time": local.strftime("%H:%M"),
        "days": CONFIRM_DAYS,
        "confirm": link("actions:confirm", confirm_link.token),
        "cancel": cancel,
    }
    try:
        send_mail(subject, body, None, [email.strip()])
    except Exception:  # an SMTP error names the address: it must never reach a log
        log.error("a confirmation mail could not be sent (action %s)", action.slug)
        raise SignupError(_("The mail could not be sent just now; please try again in a few minutes.")) from None
    return Outcome(slot, str(SENT))


def confirm(token: str) -> Outcome:
    signup, opened = signup_by_link(CONFIRM_SALT, token, max_age=CONFIRM_DAYS * 86400)
    slot, cancel_token = signup.slot, cancel_of(opened)
    if signup.cancelled:
        raise SignupError(_("You cancelled this sign-up. Sign up again if you can come after all."))
    if signup.confirmed:
        return Outcome(slot, _("Your place was already confirmed."), cancel_token)
    if slot.starts <= timezone.now():
        raise SignupError(_("This slot has begun: choose a later one."))
    with transaction.atomic():
        marked = Signup.objects.filter(pk=signup.pk, confirmed__isnull=True, cancelled__isnull=True).update(
            confirmed=this_hour()
        )
        if not marked:  # confirmed (or cancelled) by another request just now
            return Outcome(slot, _("Your place was already confirmed."), cancel_token)
        with connection.cursor() as cursor:
            cursor.execute("UPDATE actions_slot SET taken = taken + 1 WHERE id = %s AND taken < capacity", [slot.pk])
            won = cursor.rowcount == 1
        if not won:
            transaction.set_rollback(True)
    if not won:
        raise SignupError(_("Someone took the last place of this slot a moment before you: choose another one."))
    slot.taken += 1
    return Outcome(slot, _("Confirmed: the place is yours. Thank you!"), cancel_token)


def signup_to_cancel(token: str) -> Signup:
    return signup_by_link(CANCEL_SALT, token)[0]


# Cancelling and confirming at once: the cancel marks the row and reads, in the same statement, whether it held a
# place. On PostgreSQL the statement waits for a confirmation's transaction on the row and sees its outcome; on
# SQLite the one writer orders them. Reading ``confirmed`` before the transaction once left a place taken by no one.
CANCEL = "UPDATE actions_signup SET cancelled = %s WHERE id = %s AND cancelled IS NULL RETURNING confirmed"


def cancel(token: str) -> Outcome:
    """Give the place back (a confirmed one frees the slot's place in the same transaction)."""
    signup = signup_to_cancel(token)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(CANCEL, [this_hour(), signup.pk])
            row = cursor.fetchone()
            if row is not None and row[0] is not None:
                cursor.execute(
                    "UPDATE actions_slot SET taken = taken - 1 WHERE id = %s AND taken > 0", [signup.slot_id]
                )
    if row is None:
        return Outcome(signup.slot, _("This sign-up was already cancelled."))
    return Outcome(signup.slot, _("Cancelled: the place is free for someone else. Thank you for saying so."))


def link_maker(request):
    return lambda name, token: request.build_absolute_uri(reverse(name, args=[token]))
