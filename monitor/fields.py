"""Reading one field of a report: the checks every kind shares, each writing its message into ``errors``.

Each reader returns the cleaned value (or a default) and never raises, so that
a report's every bad field is named at once.
"""

import re
from datetime import date, datetime, time, timedelta

from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.photos import PhotoError
from core.photos import photos as clean_photos
from monitor.models import CATEGORIES

MAX_TEXT = 50_000
MAX_FIELD = 300
MAX_LINKS = 20
MAX_COUNT = 100_000
EARLIEST = date(2000, 1, 1)
ROLES = ["voter", "observer", "member", "candidate", "mass_media", "witness", "relative", "lawyer", "detained"]
# A tag, a comment or a doctype: pages escape everything, but a report carries plain text only.
MARKUP = re.compile(r"<\s*[a-zA-Z/!?]")
LINK = re.compile(r"^https?://[^\s<>\"']{3,2000}$")


# What the form calls each field, for its list of errors (the same words as the form's labels).
LABELS = {
    "happened": gettext_lazy("When (date, time if known)"),
    "city": gettext_lazy("City"),
    "event": gettext_lazy("Event or action (if any)"),
    "place": gettext_lazy("Place"),
    "police_station": gettext_lazy("Police station taken to"),
    "count": gettext_lazy("How many people (a group without names)"),
    "journalists": gettext_lazy("Of them journalists"),
    "minors": gettext_lazy("Of them minors"),
    "charges": gettext_lazy("Charged with (article)"),
    "person": gettext_lazy("Person's record (P-…), if it exists"),
    "case_kind": gettext_lazy("Case"),
    "article": gettext_lazy("Article of the code"),
    "step": gettext_lazy("Step"),
    "days": gettext_lazy("Days (arrest or sentence)"),
    "court": gettext_lazy("Court"),
    "election": gettext_lazy("Election"),
    "elections": gettext_lazy("Election"),
    "precinct": gettext_lazy("Precinct (UIK) number"),
    "categories": gettext_lazy("Categories"),
    "area": gettext_lazy("City district"),
    "region": gettext_lazy("Region"),
    "name": gettext_lazy("Name"),
    "age": gettext_lazy("Age"),
    "person_contact": gettext_lazy("How to reach them or their lawyer (sealed)"),
    "consent": gettext_lazy("The person agrees to be named publicly"),
    "text": gettext_lazy("What happened"),
    "links": gettext_lazy("Links to photos, video, posts (one per line)"),
    "photos": gettext_lazy("Photos (metadata such as location is removed)"),
    "reporter_contact": gettext_lazy("Your contact, if moderators may ask you (sealed; optional)"),
    "reporter_role": gettext_lazy("Your role"),
}


def grouped(number: int) -> str:
    """A number as the visitor's language writes it: 50 000 in Russian, 50,000 in English."""
    return number_format(number, force_grouping=True)


def text(data, field, errors, limit=MAX_FIELD, required=False) -> str:
    value = data.get(field)
    value = "" if value is None else str(value).strip()
    if required and not value:
        errors[field] = _("This field is required.")
    elif len(value) > limit:
        errors[field] = _("At most %(n)s characters (this has %(m)s).") % {
            "n": grouped(limit),
            "m": grouped(len(value)),
        }
    elif MARKUP.search(value):
        errors[field] = _("Plain text only: HTML tags and scripts are not accepted.")
    return value


def flag(data, field) -> bool:
    return str(data.get(field, "")).strip().lower() in ("1", "true", "on", "yes")


def number(data, field, errors, low=0, high=MAX_COUNT, default=None):
    value = data.get(field)
    if value in (None, ""):
        return default
    try:
        number = int(str(value).strip())
    except ValueError:
        errors[field] = _("A whole number is expected.")
        return default
    if not low <= number <= high:
        errors[field] = _("Expected a number from %(a)s to %(b)s.") % {"a": low, "b": grouped(high)}
        return default
    return number


def when(data, errors):
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


def links(data, errors) -> list[str]:
    raw = data.get("links") or []
    items = raw.split() if isinstance(raw, str) else [str(x).strip() for x in raw]
    items = [x for x in items if x]
    if len(items) > MAX_LINKS:
        errors["links"] = _("At most %(n)s links.") % {"n": MAX_LINKS}
    elif any(not LINK.match(x) for x in items):
        errors["links"] = _("Each link must start with http:// or https:// and contain no spaces.")
    return items


def categories(data, errors) -> list[tuple[str, str]]:
    raw = data.get("categories") or []
    items = raw.split() if isinstance(raw, str) else [str(x).strip() for x in raw]
    found = []
    for item in items:
        phase, _sep, code = item.partition(":")
        if code not in CATEGORIES.get(phase, {}):
            errors["categories"] = _("Unknown category “%(c)s”: use phase:code, e.g. during:carousel_or_stuffing.") % {
                "c": item[:60]
            }
            return []
        found.append((phase, code))
    return sorted(set(found))


def photos(files, errors) -> list[tuple[str, bytes]]:
    """The report's photos, each re-encoded from its pixels (core.photos); a refusal is the field's error."""
    try:
        return clean_photos(files)
    except PhotoError as exc:
        errors["photos"] = str(exc)
        return []
