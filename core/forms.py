"""The one way page input becomes a number: Django's own form field, never ``str.isdigit()`` and ``int()``.

``"²".isdigit()`` is true and ``int("²")`` raises: the pair answered a
superscript digit in a form with a server error (issue 31). A number past
what the database holds (a 30-digit id) is refused here too, before it
reaches PostgreSQL as an out-of-range error.
"""

from typing import Any, TypeVar

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet

BIGGEST = 2**63 - 1  # PostgreSQL's bigint, the ids' type


def whole_number(raw: object, minimum: int = 0, maximum: int = BIGGEST) -> int | None:
    """A whole number from a form's or a query's text, or None when it is not one: never an exception."""
    try:
        number: int | None = forms.IntegerField(min_value=minimum, max_value=maximum).clean(raw)
        return number
    except ValidationError:
        return None


M = TypeVar("M", bound=Model)


def numbered(rows: QuerySet[M], raw: object) -> M | None:
    """The row of ``rows`` whose id a form's text gives, or None when it names none (or is not a number)."""
    number = whole_number(raw)
    return rows.filter(pk=number).first() if number is not None else None


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos in one field, each re-encoded from its pixels (core.photos): the cleaned value is a list of
    (content type, bytes), nothing of what the phone wrote into the files."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[tuple[str, bytes]]:
        from core.photos import PhotoError, photos

        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if not files:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        try:
            return photos(files)
        except PhotoError as exc:
            raise ValidationError(str(exc), code="invalid") from None


def errors_said(form: forms.Form) -> str:
    """Every error of a bound form as one line, field by field in the form's order, for a page's alert."""
    return " ".join(str(message) for messages in form.errors.values() for message in messages)
