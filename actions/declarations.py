"""Declarations of support: organisations and deputies sign; staff check each signature before it shows.

A signature anyone could type would let the state's friends sign a
declaration in a real deputy's name, or put a real organisation on a list it
never joined: so a signature shows only once staff have checked it with the
signer, through the contact the signer left (sealed to the organisers' key,
opened offline) or the organisation's public channels. A rejected signature
keeps no name. The count and the list of who signed are public.
"""

from __future__ import annotations

import json
import os

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from actions.models import Declaration, Signature
from core import held
from core.hours import this_hour
from core.ratelimit import allow
from core.sealing import seal

LIMIT_CLIENT = int(os.environ.get("VECHE_SIGNATURE_LIMIT_CLIENT", "10"))
LIMIT_NETWORK = int(os.environ.get("VECHE_SIGNATURE_LIMIT_NETWORK", "100"))
MAX_NAME, MAX_AFFILIATION, MAX_CONTACT = 200, 200, 300


class SignatureError(ValueError):
    """The signature cannot be taken or decided; ``errors`` names the fields."""

    def __init__(self, message: str, errors: dict[str, str] | None = None):
        super().__init__(message)
        self.errors = errors or {}


def check_rate(client_ip: str | None) -> None:
    if not allow("declaration-sign", client_ip, LIMIT_CLIENT, LIMIT_NETWORK):
        raise SignatureError(_("Too many signatures from your network; try again in an hour."))


def name_key(name: str) -> str:
    """A name as compared: «AMNESTY  International» and «Amnesty International» are one signer."""
    return " ".join(name.casefold().split())


def sign(declaration: Declaration, data) -> None:
    """Take a signature, waiting for its check. Every field is checked before anything is written."""
    kind = str(data.get("kind", ""))
    name = " ".join(str(data.get("name", "")).split())
    affiliation = " ".join(str(data.get("affiliation", "")).split())
    contact = str(data.get("contact", "")).strip()
    errors = {}
    if kind not in Signature.Kind.values:
        errors["kind"] = _("Choose who signs: an organisation, a deputy or a public figure.")
    if not name:
        errors["name"] = _("Give the name to be published.")
    elif len(name) > MAX_NAME:
        errors["name"] = _("The name is longer than 200 characters.")
    if len(affiliation) > MAX_AFFILIATION:
        errors["affiliation"] = _("This field is longer than 200 characters.")
    if not contact:
        errors["contact"] = _("Give a contact: staff check every signature before it shows.")
    elif len(contact) > MAX_CONTACT:
        errors["contact"] = _("The contact is longer than 300 characters.")
    if errors:
        raise SignatureError(" ".join(errors.values()), errors)
    key = name_key(name)
    # Only a published (verified) name is refused, which anyone can read on the page. A name waiting for its
    # check is taken again like any other: refusing it told a visitor which unpublished names were waiting, and
    # let whoever typed a name first hold it against its real owner (staff check every waiting one).
    if Signature.objects.filter(declaration=declaration, name_key=key, state=Signature.State.VERIFIED).exists():
        raise SignatureError(_("This name has already signed: it is on the list."), {"name": _("Already signed.")})
    sealed = seal(json.dumps({"contact": contact, "name": name}, ensure_ascii=False).encode(), declaration.public_key)
    # Held until the hour is over (core.held): the database's log must not date a signature to the second.
    held.hold(
        "declaration-signature",
        {
            "declaration": declaration.pk,
            "kind": kind,
            "name": name,
            "name_key": key,
            "affiliation": affiliation,
            "contact": sealed,
        },
    )


def apply_held(data: dict, hour) -> bool:
    if not Declaration.objects.filter(pk=data["declaration"]).exists():
        return True  # the declaration was deleted meanwhile: nothing to sign
    Signature.objects.create(
        declaration_id=data["declaration"],
        kind=data["kind"],
        name=data["name"],
        name_key=data["name_key"],
        affiliation=data["affiliation"],
        contact=data["contact"],
        received=hour,
    )
    return True


def decide(signature: Signature, verdict: str) -> Signature:
    """Verify or reject a waiting signature (one conditional statement: two staff clicking decide once)."""
    if verdict not in ("verify", "reject"):
        raise SignatureError(_("Unknown action."))
    values = {"state": Signature.State.VERIFIED, "decided": this_hour()}
    if verdict == "reject":
        # Nothing of a rejected signature stays readable: it may have been someone else's name.
        values = {
            "state": Signature.State.REJECTED,
            "decided": this_hour(),
            "name": "",
            "affiliation": "",
            "contact": None,
        }
    try:
        with transaction.atomic():
            done = Signature.objects.filter(pk=signature.pk, state=Signature.State.PENDING).update(**values)
    except IntegrityError:  # verified_once: this name is on the list already
        raise SignatureError(
            _("A signature with this name is already verified: reject this one as a repeat.")
        ) from None
    if not done:
        raise SignatureError(_("This signature has already been decided; reload the page."))
    signature.refresh_from_db()
    return signature


def shown(declaration: Declaration) -> list[Signature]:
    return list(declaration.signatures.filter(state=Signature.State.VERIFIED))


def for_prisoners(pseudonyms: list[str]) -> dict[str, list[dict]]:
    """Per prisoner, their declarations with the verified signatures counted: in all, and of organisations."""
    declarations = list(Declaration.objects.filter(prisoner__in=pseudonyms))
    signed = counts(declarations)
    out: dict[str, list[dict]] = {}
    for d in declarations:
        n = signed.get(d.pk, {"n": 0, "organisations": 0})
        out.setdefault(d.prisoner, []).append({"declaration": d, "n": n["n"], "organisations": n["organisations"]})
    return out


def counts(declarations) -> dict[int, dict[str, int]]:
    """Verified signatures per declaration, in all and of organisations."""
    rows = (
        Signature.objects.filter(declaration__in=declarations, state=Signature.State.VERIFIED)
        .values("declaration")
        .annotate(n=Count("id"), organisations=Count("id", filter=Q(kind=Signature.Kind.ORGANISATION)))
    )
    return {r["declaration"]: {"n": r["n"], "organisations": r["organisations"]} for r in rows}
