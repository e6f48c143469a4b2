"""Taking a report in, from the public form, the API or an import: one check, one write.

``take(data, files)`` checks every field first and raises ``IntakeError``
with a message per field, writing nothing; otherwise it stores the report as
*new* in one transaction, with what identifies anyone sealed to the
organisers' public key (``VECHE_MONITOR_PUBLIC_KEY``; veche.keys refuses to
go on without it outside demo mode) and flags a likely duplicate for the
moderators where the server can tell without names: a violation at the same
precinct, a step of the same person's case. Names are compared offline
(``manage.py monitor_duplicates``), where the private key is: nothing
stored here lets anyone test a name.
"""

from __future__ import annotations

import io
import json
import os
import re
from contextlib import nullcontext
from datetime import date, datetime, time, timedelta
from time import monotonic

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from elections.models import Election, Precinct
from monitor.models import CATEGORIES, Attachment, Case, City, Event, Person, Report, ViolationCategory
from monitor.people import new_pseudonym
from veche.keys import monitor_public_key
from veche.ratelimit import allow
from veche.sealing import seal

MAX_TEXT = 50_000
MAX_FIELD = 300
MAX_LINKS = 20
MAX_PHOTO = 10 * 1024 * 1024
MAX_PHOTOS = 5
MAX_COUNT = 100_000
EARLIEST = date(2000, 1, 1)
ROLES = ["voter", "observer", "member", "candidate", "mass_media", "witness", "relative", "lawyer", "detained"]
# A tag, a comment or a doctype: pages escape everything, but a report carries plain text only.
MARKUP = re.compile(r"<\s*[a-zA-Z/!?]")
LINK = re.compile(r"^https?://[^\s<>\"']{3,2000}$")
PHOTO_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


# Reports per client and per network per hour, for the form and the API alike;
# raised for load tests from one machine (bench/monitor.py).
LIMIT_CLIENT = int(os.environ.get("VECHE_MONITOR_LIMIT_CLIENT", "30"))
LIMIT_NETWORK = int(os.environ.get("VECHE_MONITOR_LIMIT_NETWORK", "300"))


class IntakeError(ValueError):
    """Why a report cannot be taken: ``errors`` maps each field to its message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class TooMany(IntakeError):
    """The client or its network is past its hourly limit (answered with 429)."""


def check_rate(client_ip: str) -> None:
    """Count one more report from this client (veche.ratelimit keeps only expiring keyed hashes)."""
    if not allow("monitor-report", client_ip, LIMIT_CLIENT, LIMIT_NETWORK):
        raise TooMany({"__all__": _("Too many reports from your network; try again in an hour.")})


_KNOWN: dict = {}


def known(model, key: str):
    """A city by name or an event by slug, from this process's copy of the list, read again each minute and
    whenever a key is not in it (reports come by the thousand per minute; the lists change a few times a day)."""
    field = "name" if model is City else "slug"
    now, key = monotonic(), key.lower()
    entry = _KNOWN.get(model)
    if entry is None or now - entry[0] > 60 or key not in entry[1]:
        entry = _KNOWN[model] = (now, {getattr(o, field).lower(): o for o in model.objects.all()})
    return entry[1].get(key)


def _text(data, field, errors, limit=MAX_FIELD, required=False) -> str:
    value = data.get(field)
    value = "" if value is None else str(value).strip()
    if required and not value:
        errors[field] = _("This field is required.")
    elif len(value) > limit:
        errors[field] = _("At most %(n)s characters (this has %(m)s).") % {"n": f"{limit:,}", "m": f"{len(value):,}"}
    elif MARKUP.search(value):
        errors[field] = _("Plain text only: HTML tags and scripts are not accepted.")
    return value


def _flag(data, field) -> bool:
    return str(data.get(field, "")).strip().lower() in ("1", "true", "on", "yes")


def _number(data, field, errors, low=0, high=MAX_COUNT, default=None):
    value = data.get(field)
    if value in (None, ""):
        return default
    try:
        number = int(str(value).strip())
    except ValueError:
        errors[field] = _("A whole number is expected.")
        return default
    if not low <= number <= high:
        errors[field] = _("Expected a number from %(a)s to %(b)s.") % {"a": low, "b": f"{high:,}"}
        return default
    return number


def _when(data, errors):
    raw = str(data.get("happened") or "").strip()
    if not raw:
        errors["happened"] = _("Say when it happened.")
        return None
    try:
        if len(raw) == 10:
            moment = datetime.combine(date.fromisoformat(raw), time(12, 0))
        else:
            moment = datetime.fromisoformat(raw[:40])
    except ValueError:
        errors["happened"] = _("Give the date as YYYY-MM-DD, with the time as YYYY-MM-DDTHH:MM if known.")
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    if moment > timezone.now() + timedelta(minutes=10):
        errors["happened"] = _("This date is in the future.")
    elif moment.date() < EARLIEST:
        errors["happened"] = _("Reports from before 2000 are not taken.")
    return moment


def _links(data, errors) -> list[str]:
    raw = data.get("links") or []
    items = raw.split() if isinstance(raw, str) else [str(x).strip() for x in raw]
    items = [x for x in items if x]
    if len(items) > MAX_LINKS:
        errors["links"] = _("At most %(n)s links.") % {"n": MAX_LINKS}
    elif any(not LINK.match(x) for x in items):
        errors["links"] = _("Each link must start with http:// or https:// and contain no spaces.")
    return items


def _categories(data, errors) -> list[tuple[str, str]]:
    raw = data.get("categories") or []
    items = raw.split() if isinstance(raw, str) else [str(x).strip() for x in raw]
    found = []
    for item in items:
        phase, _sep, code = item.partition(":")
        if code not in CATEGORIES.get(phase, {}):
            errors["categories"] = _("Unknown category “%(c)s”: use phase:code, e.g. during:carousel_or_stuffing.") % {
                "c": item[:60]}
            return []
        found.append((phase, code))
    return sorted(set(found))


def _photos(files, errors) -> list[tuple[str, bytes]]:
    """Each upload re-encoded from its pixels alone: EXIF (GPS, camera, time) and other metadata are dropped."""
    from PIL import Image, UnidentifiedImageError

    files = list(files or [])
    if len(files) > MAX_PHOTOS:
        errors["photos"] = _("At most %(n)s photos.") % {"n": MAX_PHOTOS}
        return []
    out = []
    for upload in files:
        if upload.size > MAX_PHOTO:
            errors["photos"] = _("A photo may be at most 10 MB; send video as a link.")
            return []
        try:
            with Image.open(upload) as image:
                fmt = image.format
                if fmt not in PHOTO_TYPES:
                    raise UnidentifiedImageError
                image.load()
                clean = Image.frombytes(image.mode, image.size, image.tobytes())
                if image.mode == "P":
                    clean.putpalette(image.getpalette())
                buffer = io.BytesIO()
                clean.save(buffer, format=fmt)
        except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
            errors["photos"] = _("Photos must be JPEG, PNG or WebP images; send video as a link.")
            return []
        out.append((PHOTO_TYPES[fmt], buffer.getvalue()))
    return out


def check(data: dict, files=()) -> dict:
    """Every field checked; the cleaned values, or IntakeError naming each bad field."""
    errors: dict[str, str] = {}
    kind = str(data.get("kind") or "")
    if kind not in Report.Kind.values:
        raise IntakeError({"kind": _("Choose the kind of report: detention, prosecution or violation.")})
    clean = {"kind": kind, "happened": _when(data, errors), "links": _links(data, errors),
             "text": _text(data, "text", errors, MAX_TEXT, required=kind == "violation"),
             "reporter_contact": _text(data, "reporter_contact", errors),
             "reporter_role": _text(data, "reporter_role", errors, 20),
             "photos": _photos(files, errors)}
    if clean["reporter_role"] and clean["reporter_role"] not in ROLES:
        errors["reporter_role"] = _("Unknown role; one of: %(r)s.") % {"r": ", ".join(ROLES)}
    if kind in ("detention", "prosecution"):
        clean.update(name=_text(data, "name", errors, 200), age=_number(data, "age", errors, 1, 120),
                     consent=_flag(data, "consent"), journalist=_flag(data, "journalist"),
                     minor=_flag(data, "minor"), person_contact=_text(data, "person_contact", errors))
        if clean["age"] is not None and clean["age"] < 18:
            clean["minor"] = True
        if clean["consent"] and not clean["name"]:
            errors["consent"] = _("Consent to be named needs the name.")
    if kind == "detention":
        clean.update(place=_text(data, "place", errors), police_station=_text(data, "police_station", errors),
                     charges=_text(data, "charges", errors), count=_number(data, "count", errors, 1, default=1))
        clean["journalists"] = _number(data, "journalists", errors, 0, default=int(clean["journalist"]))
        clean["minors"] = _number(data, "minors", errors, 0, default=int(clean["minor"]))
        for field in ("journalists", "minors"):
            if clean[field] is not None and clean["count"] is not None and clean[field] > clean["count"]:
                errors[field] = _("More than the number detained.")
        if clean["count"] and clean["count"] > 1 and clean["name"]:
            errors["count"] = _("A named person is one detention: report a group without names.")
        city = _text(data, "city", errors, 100, required=True)
        clean["city"] = known(City, city) if city else None
        if city and clean["city"] is None and "city" not in errors:
            errors["city"] = _("Unknown city “%(c)s”: choose one from the list.") % {"c": city[:100]}
        event = _text(data, "event", errors, 100)
        clean["event"] = known(Event, event) if event else None
        if event and clean["event"] is None and "event" not in errors:
            errors["event"] = _("Unknown event; choose one from the list or leave it empty.")
    elif kind == "prosecution":
        clean.update(article=_text(data, "article", errors, 100, required=True), court=_text(data, "court", errors),
                     days=_number(data, "days", errors, 1, 36_500),
                     case_kind=str(data.get("case_kind") or ""), step=str(data.get("step") or ""))
        if clean["case_kind"] not in Case.Kind.values:
            errors["case_kind"] = _("Choose administrative or criminal.")
        if clean["step"] not in Report.Step.values:
            errors["step"] = _("Choose the step of the case.")
        pseudonym = _text(data, "person", errors, 12)
        clean["person"] = Person.objects.filter(pseudonym=pseudonym).first() if pseudonym else None
        if pseudonym and clean["person"] is None and "person" not in errors:
            errors["person"] = _("No person has this pseudonym.")
        if not pseudonym and not clean["name"] and "name" not in errors:
            errors["name"] = _("Name the person, or give the pseudonym of their record (P-…).")
    else:
        clean["categories"] = _categories(data, errors)
        clean["area"] = _text(data, "area", errors, 200)
        slugs = data.get("elections") or ([data["election"]] if data.get("election") else [])
        slugs = [slugs] if isinstance(slugs, str) else [str(s).strip() for s in slugs]
        clean["elections"] = list(Election.objects.filter(slug__in=slugs))
        unknown = sorted(set(slugs) - {e.slug for e in clean["elections"]})
        if unknown:
            errors["election"] = _("Unknown election “%(e)s”.") % {"e": unknown[0][:100]}
        number = _number(data, "precinct", errors, 1, 99_999)
        region = _text(data, "region", errors, 200)
        clean["precinct"] = None
        if number is not None and "election" not in errors:
            found = Precinct.objects.filter(number=number)
            if region:
                found = found.filter(region__name__iexact=region)
            elif clean["elections"]:
                found = found.filter(protocols__contest__election__in=clean["elections"])
            else:
                errors["precinct"] = _("Say which election (or region) the precinct belongs to.")
            clean["precinct"] = found.distinct().first() if "precinct" not in errors else None
            if clean["precinct"] is None and "precinct" not in errors:
                errors["precinct"] = _("There is no precinct (UIK) %(n)s in this election or region.") % {"n": number}
    if errors:
        raise IntakeError(errors)
    return clean


def take(data: dict, files=(), source: str = "form", source_key: str | None = None,
         extra: dict | None = None) -> Report:
    """Check, then store the report (and its person) as new, in one transaction; IntakeError changes nothing.
    ``extra``: what an import's source says beyond the form's fields, kept as it came."""
    clean = check(data, files)
    key = monitor_public_key()
    fields = {k: clean[k] for k in ("kind", "happened", "text", "links", "reporter_role")}
    for name in ("place", "police_station", "charges", "count", "journalists", "minors", "city", "event",
                 "article", "court", "days", "case_kind", "step", "area", "precinct"):
        if name in clean:
            fields[name] = clean[name]
    # Most reports are one row (a detention counted without names): the insert is its own transaction then,
    # without the round trips of an explicit one. Anything with more rows is written all or nothing.
    lone = not (clean.get("person") or clean.get("name") or clean.get("elections") or clean.get("categories")
                or clean["photos"] or clean.get("precinct"))
    with nullcontext() if lone else transaction.atomic():
        person = clean.get("person")
        if person is None and clean.get("name"):
            person = Person.objects.create(
                pseudonym=_free_pseudonym(), consent=clean["consent"],
                public_name=clean["name"] if clean["consent"] else "",
                city=clean.get("city"), journalist=clean["journalist"], minor=clean["minor"],
                sealed=seal(json.dumps({"name": clean["name"], "age": clean["age"],
                                        "contact": clean["person_contact"]}, ensure_ascii=False).encode(), key))
        report = Report.objects.create(
            **fields, source=source, source_key=source_key, person=person, extra=extra or {},
            reporter=seal(clean["reporter_contact"].encode(), key) if clean["reporter_contact"] else None)
        if clean.get("elections"):
            report.elections.set(clean["elections"])
        if clean.get("categories"):
            ViolationCategory.objects.bulk_create(
                ViolationCategory(report=report, phase=p, code=c) for p, c in clean["categories"])
        report.similar_to = likely_duplicate(report)
        if report.similar_to:
            report.save(update_fields=["similar_to"])
        if clean["photos"]:
            Attachment.objects.bulk_create(
                Attachment(report=report, content_type=t, size=len(b), sealed=seal(b, key)) for t, b in clean["photos"])
    return report


def _free_pseudonym() -> str:
    while True:
        pseudonym = new_pseudonym()
        if not Person.objects.filter(pseudonym=pseudonym).exists():
            return pseudonym


def likely_duplicate(report: Report) -> Report | None:
    """The earliest live report that is probably the same, where the server can tell without names: a violation
    of the same category at the same precinct within three days, or the same step of the same person's case
    (named by their pseudonym). Named people are compared offline, with the private key (monitor_duplicates)."""
    if report.kind == "violation":
        comparable = report.precinct_id is not None
    else:
        comparable = report.kind == "prosecution" and report.person_id is not None
    if not comparable:
        return None  # nothing to compare by (most detentions are counts without names): no query
    live = Report.objects.filter(kind=report.kind).exclude(pk=report.pk).exclude(
        state__in=[Report.State.REJECTED, Report.State.MERGED]).order_by("pk")
    if report.kind == "violation":
        # Voting lasts up to three days (2021): the same violation may be reported on any of them.
        codes = set(report.categories.values_list("phase", "code")) or None
        near = (report.happened - timedelta(days=3), report.happened + timedelta(days=3))
        for other in live.filter(precinct=report.precinct, happened__range=near).prefetch_related("categories"):
            if codes is None or codes & {(c.phase, c.code) for c in other.categories.all()}:
                return other
        return None
    return live.filter(person=report.person, article__iexact=report.article, step=report.step).first()
