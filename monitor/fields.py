"""A report's fields as Django form fields: the checks every kind shares, each refusal its field's message.

The report forms (monitor.forms) are made of these, for the public form, the API and the imports alike: a field
takes what a page posts (text) or what JSON carries (numbers, lists), and a form names every bad field at once.
"""

import re
from datetime import date, datetime, time, timedelta
from typing import Any, Self

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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


class Shared:
    """A field no form changes for itself: every form shares the one instance. Django deep-copies each field (and
    its widget) for every form it makes, so that a form may change its own; these are never changed, and the copies
    were most of a report's check (20 fields a report, a report every few milliseconds under load)."""

    def __deepcopy__(self, memo: dict[int, Any]) -> Self:
        return self


class PlainText(Shared, forms.CharField):
    """Text of at most ``limit`` characters, without markup (pages escape everything; a report is plain text)."""

    def __init__(self, limit: int = MAX_FIELD, required: bool = False) -> None:
        super().__init__(required=required)
        self.limit = limit

    def to_python(self, value: Any) -> str:
        return "" if value is None else str(value).strip()

    def validate(self, value: Any) -> None:
        super().validate(value)
        if len(value) > self.limit:
            raise ValidationError(
                _("At most %(n)s characters (this has %(m)s).") % {"n": grouped(self.limit), "m": grouped(len(value))}
            )
        if MARKUP.search(value):
            raise ValidationError(_("Plain text only: HTML tags and scripts are not accepted."))


class Flag(Shared, forms.Field):
    """A yes: "1", "true", "on" or "yes" (a checkbox, or JSON's true); anything else is no."""

    def __init__(self) -> None:
        super().__init__(required=False)

    def to_python(self, value: Any) -> bool:
        return str("" if value is None else value).strip().lower() in ("1", "true", "on", "yes")


class Count(Shared, forms.Field):
    """A whole number from ``low`` to ``high``; empty is ``default``."""

    def __init__(self, low: int = 0, high: int = MAX_COUNT, default: int | None = None) -> None:
        super().__init__(required=False)
        self.low, self.high, self.default = low, high, default

    def to_python(self, value: Any) -> int | None:
        if value is None or value == "":
            return self.default
        try:
            number = int(str(value).strip())
        except ValueError:
            raise ValidationError(_("A whole number is expected.")) from None
        if not self.low <= number <= self.high:
            raise ValidationError(
                _("Expected a number from %(a)s to %(b)s.") % {"a": self.low, "b": grouped(self.high)}
            )
        return number


class When(Shared, forms.Field):
    """When it happened: a date (taken as noon) or a date and time, in the site's time zone unless it says its own;
    not in the future, not before 2000."""

    def __init__(self) -> None:
        super().__init__(error_messages={"required": gettext_lazy("Say when it happened.")})

    def to_python(self, value: Any) -> datetime | None:
        raw = str(value or "").strip()
        if not raw:
            return None
        try:
            if len(raw) == 10:
                moment = datetime.combine(date.fromisoformat(raw), time(12, 0))
            else:
                moment = datetime.fromisoformat(raw[:40])
        except ValueError:
            raise ValidationError(
                _("Give the date as YYYY-MM-DD, with the time as YYYY-MM-DDTHH:MM if known.")
            ) from None
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        if moment > timezone.now() + timedelta(minutes=10):
            raise ValidationError(_("This date is in the future."))
        if moment.date() < EARLIEST:
            raise ValidationError(_("Reports from before 2000 are not taken."))
        return moment


def items_of(value: Any) -> list[str]:
    """A list field's items: a page's lines or words, or JSON's list."""
    if not value:
        return []
    items = value.split() if isinstance(value, str) else [str(x).strip() for x in value]
    return [x for x in items if x]


class Links(Shared, forms.Field):
    def __init__(self) -> None:
        super().__init__(required=False)

    def to_python(self, value: Any) -> list[str]:
        items = items_of(value)
        if len(items) > MAX_LINKS:
            raise ValidationError(_("At most %(n)s links.") % {"n": MAX_LINKS})
        if any(not LINK.match(x) for x in items):
            raise ValidationError(_("Each link must start with http:// or https:// and contain no spaces."))
        return items


class Categories(Shared, forms.Field):
    """Violation categories as phase:code (monitor.models.CATEGORIES), each once, sorted."""

    def __init__(self) -> None:
        super().__init__(required=False)

    def to_python(self, value: Any) -> list[tuple[str, str]]:
        found = []
        for item in items_of(value):
            phase, _sep, code = item.partition(":")
            if code not in CATEGORIES.get(phase, {}):
                raise ValidationError(
                    _("Unknown category “%(c)s”: use phase:code, e.g. during:carousel_or_stuffing.") % {"c": item[:60]}
                )
            found.append((phase, code))
        return sorted(set(found))


class Listed(forms.Widget):
    """A field given as a list (several checkboxes, JSON's list) or a single value, under one of ``names``."""

    def __init__(self, *names: str) -> None:
        super().__init__()
        self.names = names

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        for key in self.names or (name,):
            value = data.get(key)
            if value:
                return [value] if isinstance(value, str) else value
        return []
