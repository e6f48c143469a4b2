"""The report forms: one per kind, made of monitor.fields, for the public form, the API and the imports alike.

A form names every bad field at once (``errors``: the field and its message); its ``cleaned_data`` holds the
values as the write takes them: cities, events, elections, precincts and people as their rows.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.cache import Cached, Freshness
from core.forms import PhotosField
from elections.models import Election, Precinct
from elections.names import closest_name
from monitor.fields import MAX_TEXT, ROLES, Categories, Count, Flag, Links, Listed, PlainText, When
from monitor.models import Case, City, Event, Person, Report

# Reports come by the thousand per minute; the cities and events change a few times a day.
KNOWN = Cached(
    lambda model: {getattr(o, "name" if model is City else "slug").lower(): o for o in model.objects.all()},
    Freshness("monitor-known", ["monitor.City", "monitor.Event"], every=60),
    size=2,
)


def known(model: type[City] | type[Event], key: str) -> Any:
    """A city by name or an event by slug, from this process's copy of the list, read again each minute and
    whenever a key is not in it (one added by another process within the minute)."""
    key = key.lower()
    found = KNOWN.get(model).get(key)
    return found if found is not None else KNOWN.get(model, fresh=True).get(key)


# The city districts the election data name, to put a district's misspelling under its name ("Васильеостровский"
# under "Василеостровский район"): one district, one row in the counts.
DISTRICTS = Cached(
    lambda: sorted(set(Precinct.objects.exclude(city_district="").values_list("city_district", flat=True))),
    Freshness("monitor-districts", ["elections.ImportRun"], every=60),
    size=1,
)


class ReportForm(forms.Form):
    """What every kind of report has."""

    happened = When()
    links = Links()
    text = PlainText(MAX_TEXT)
    reporter_contact = PlainText()
    reporter_role = PlainText(20)
    photos = PhotosField(required=False)

    def clean_reporter_role(self) -> str:
        role: str = self.cleaned_data["reporter_role"]
        if role and role not in ROLES:
            raise forms.ValidationError(_("Unknown role; one of: %(r)s.") % {"r": ", ".join(ROLES)})
        return role


class PersonForm(ReportForm):
    """Who was detained or prosecuted, as the reporter names them (sealed when stored)."""

    name = PlainText(200)
    age = Count(1, 120)
    consent = Flag()
    journalist = Flag()
    minor = Flag()
    person_contact = PlainText()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("age") is not None and cleaned["age"] < 18:
            cleaned["minor"] = True
        if cleaned.get("consent") and not cleaned.get("name") and "name" not in self.errors:
            self.add_error("consent", _("Consent to be named needs the name."))
        return cleaned


class DetentionForm(PersonForm):
    place = PlainText()
    police_station = PlainText()
    charges = PlainText()
    count = Count(1, default=1)
    journalists = Count(0)  # empty: 1 when the person named is a journalist, else 0
    minors = Count(0)
    city = PlainText(100, required=True)
    event = PlainText(100)

    def clean_city(self) -> City:
        name: str = self.cleaned_data["city"]
        city: City | None = known(City, name)
        if city is None:
            raise forms.ValidationError(_("Unknown city “%(c)s”: choose one from the list.") % {"c": name[:100]})
        return city

    def clean_event(self) -> Event | None:
        slug: str = self.cleaned_data["event"]
        event: Event | None = known(Event, slug) if slug else None
        if slug and event is None:
            raise forms.ValidationError(_("Unknown event; choose one from the list or leave it empty."))
        return event

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        count = cleaned.get("count")
        for field, flag in (("journalists", "journalist"), ("minors", "minor")):
            if field in self.errors:
                continue
            if cleaned.get(field) is None:
                cleaned[field] = int(bool(cleaned.get(flag)))
            if count is not None and cleaned[field] > count:
                self.add_error(field, _("More than the number detained."))
        if count and count > 1 and cleaned.get("name") and "count" not in self.errors:
            self.add_error("count", _("A named person is one detention: report a group without names."))
        return cleaned


class ProsecutionForm(PersonForm):
    article = PlainText(100, required=True)
    court = PlainText()
    days = Count(1, 36_500)
    case_kind = forms.ChoiceField(
        choices=Case.Kind.choices,
        error_messages={
            "required": gettext_lazy("Choose administrative or criminal."),
            "invalid_choice": gettext_lazy("Choose administrative or criminal."),
        },
    )
    step = forms.ChoiceField(
        choices=Report.Step.choices,
        error_messages={
            "required": gettext_lazy("Choose the step of the case."),
            "invalid_choice": gettext_lazy("Choose the step of the case."),
        },
    )
    person = PlainText(12)  # the pseudonym of their record, P-…

    def clean_person(self) -> Person | None:
        pseudonym: str = self.cleaned_data["person"]
        person = Person.objects.filter(pseudonym=pseudonym).first() if pseudonym else None
        if pseudonym and person is None:
            raise forms.ValidationError(_("No person has this pseudonym."))
        return person

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        named = cleaned.get("person") or "person" in self.errors or cleaned.get("name") or "name" in self.errors
        if not named:
            self.add_error("name", _("Name the person, or give the pseudonym of their record (P-…)."))
        return cleaned


class ViolationForm(ReportForm):
    text = PlainText(MAX_TEXT, required=True)
    area = PlainText(200)
    categories = Categories()
    # Given as ``elections`` (several) or ``election`` (one): its errors under "election", as the page names it.
    election = forms.Field(required=False, widget=Listed("elections", "election"))
    precinct = Count(1, 99_999)
    region = PlainText(200)

    def clean_area(self) -> str:
        area: str = self.cleaned_data["area"]
        return closest_name(area, DISTRICTS.get()) or area

    def clean_election(self) -> list[Election]:
        slugs = [str(s).strip() for s in self.cleaned_data["election"] or []]
        elections = list(Election.objects.filter(slug__in=slugs))
        unknown = sorted(set(slugs) - {e.slug for e in elections})
        if unknown:
            raise forms.ValidationError(_("Unknown election “%(e)s”.") % {"e": unknown[0][:100]})
        return elections

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        number, region = cleaned.get("precinct"), cleaned.get("region")
        elections = cleaned.get("election") or []
        if number is None or "election" in self.errors:
            cleaned["precinct"] = None
            return cleaned
        precincts = Precinct.objects.filter(number=number)
        if region:
            precincts = precincts.filter(region__name__iexact=region)
        elif elections:
            precincts = precincts.filter(protocols__contest__election__in=elections)
        else:
            self.add_error("precinct", _("Say which election (or region) the precinct belongs to."))
            return cleaned
        cleaned["precinct"] = precincts.distinct().first()
        if cleaned["precinct"] is None:
            self.add_error(
                "precinct", _("There is no precinct (UIK) %(n)s in this election or region.") % {"n": number}
            )
        return cleaned


FORMS: dict[str, type[ReportForm]] = {
    "detention": DetentionForm,
    "prosecution": ProsecutionForm,
    "violation": ViolationForm,
}
