"""Prisoners' records: where someone is held, their status and term, recognitions, hunger strikes.

The record follows the published steps of a person's cases (``follow``,
called by moderation in the transaction that publishes a step): an arrest
puts them in pre-trial detention, a sentence starts the term (counted from the
case's arrest, as a Russian court counts it, without the credit for days in
pre-trial detention, which the record does not know), a release ends it; a
hunger strike step starts a strike, an "ended" step or a release ends it.
Editors correct and complete the record (the place of detention, the term as
the court gave it) in the admin.

What other tools may see is ``prisoners()`` and ``prisoner(pseudonym)``:
people in custody who consented to be named, as plain records — the same
rule as every page of the monitor (a pseudonymous person's prison and
articles together could name them). A hunger strike's day is counted in the
prison's own time zone: a strike begun on the 1st is in its second day at
the prison's midnight, hours before Moscow's for a colony in Vladivostok.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from monitor.models import HungerStrike, Person, Report

STEP = Report.Step
STATUS: dict[str, str] = {
    STEP.ARREST: Person.Status.PRE_TRIAL,
    STEP.HOUSE_ARREST: Person.Status.HOUSE_ARREST,
    STEP.SENTENCE: Person.Status.SENTENCED,
    STEP.RELEASE: Person.Status.RELEASED,
    STEP.ACQUITTAL: Person.Status.RELEASED,
    STEP.SUSPENDED: Person.Status.RELEASED,
}


def follow(report: Report, latest: bool) -> None:
    """Keep the person's record after a published step of their case; ``latest``: no later step is published
    (an old sentence published late does not overwrite today's status)."""
    person, day = report.person, timezone.localdate(report.happened)
    if person is None:
        return  # a step of no one's case (the caller follows only those with a person)
    if report.step == STEP.HUNGER_STRIKE:
        HungerStrike.objects.get_or_create(
            person=person,
            started=day,
            defaults={"note": report.text, "source": " ".join(report.links), "report": report},
        )
    elif report.step == STEP.HUNGER_STRIKE_END:
        person.hunger_strikes.filter(ended__isnull=True, end_unknown=False, started__lte=day).update(ended=day)
    if not latest or report.step not in STATUS:
        return
    person.status = STATUS[report.step]
    if report.step == STEP.ARREST:
        person.term_start, person.sentence_days, person.term_end = day, None, None
    elif report.step == STEP.SENTENCE and report.days:
        arrested = (
            Report.objects.filter(case=report.case, step=STEP.ARREST, state=Report.State.PUBLISHED)
            .filter(happened__lte=report.happened)
            .order_by("happened")
            .first()
        )
        start = timezone.localdate(arrested.happened) if arrested else day
        person.term_start, person.sentence_days = start, report.days
        person.term_end = start + timedelta(days=report.days)
    elif person.status == Person.Status.RELEASED:
        # Freed, a strike is over; when exactly, the step does not say.
        person.hunger_strikes.filter(ended__isnull=True).update(end_unknown=True)
    person.save(update_fields=["status", "term_start", "sentence_days", "term_end"])


def zone_of(person: Person) -> ZoneInfo:
    return person.facility.zone if person.facility else ZoneInfo(settings.TIME_ZONE)


def strike_day(strike: HungerStrike, zone: ZoneInfo, now: datetime | None = None) -> int | None:
    """The day of a strike going on (1 on the day it began), by the calendar of the prison's time zone."""
    if not strike.going_on:
        return None
    today = timezone.localtime(now or timezone.now(), zone).date()
    return (today - strike.started).days + 1 if today >= strike.started else None


@dataclass(frozen=True)
class Recognition:
    """An organisation's recognition of a prisoner (political prisoner, prisoner of conscience), as published."""

    organisation: str
    kind: str
    label: str  # the kind, in the reader's language
    day: date
    source: str


@dataclass(frozen=True)
class Prisoner:
    """A consented prisoner's public record, for the solidarity pages, the API and open data."""

    pseudonym: str
    name: str
    url: str
    status: str
    status_label: str
    facility: str = ""
    facility_kind: str = ""
    address: str = ""
    region: str = ""
    time_zone: str = ""
    held_since: date | None = None
    sentence_days: int | None = None
    term_end: date | None = None
    articles: list[str] = field(default_factory=list)
    recognitions: list[Recognition] = field(default_factory=list)
    strike_started: date | None = None
    strike_day: int | None = None
    write_to: str = ""
    letters: bool = False  # consents to letters, and the address is known


def _held():
    """People in custody with a published report (a record no one checked shows nowhere)."""
    return Person.objects.filter(in_custody=True, reports__state=Report.State.PUBLISHED).distinct()


def _named_in_custody():
    return _held().filter(consent=True).exclude(public_name="")


def _record(person: Person, now: datetime | None) -> Prisoner:
    zone = zone_of(person)
    going = [s for s in person.hunger_strikes.all() if s.going_on]
    facility = person.facility
    return Prisoner(
        pseudonym=person.pseudonym,
        name=person.public_name,
        url=person.get_absolute_url(),
        status=person.status,
        status_label=str(person.get_status_display()) if person.status else "",
        facility=facility.name if facility else "",
        facility_kind=str(facility.get_kind_display()) if facility else "",
        address=facility.address if facility else "",
        region=facility.region if facility else "",
        time_zone=str(zone),
        held_since=person.term_start,
        sentence_days=person.sentence_days,
        term_end=person.term_end,
        articles=[c.article for c in person.cases.all()],
        recognitions=[
            Recognition(r.organisation, r.kind, str(r.get_kind_display()), r.day, r.source)
            for r in person.recognitions.all()
        ],
        strike_started=going[-1].started if going else None,
        strike_day=strike_day(going[-1], zone, now) if going else None,
        write_to=person.write_to,
        letters=person.letters and bool(facility and facility.address),
    )


def _query():
    return (
        _named_in_custody()
        .select_related("facility")
        .prefetch_related("cases", "recognitions", "hunger_strikes")  # strikes by their start (Meta.ordering)
        .order_by("public_name")
    )


def prisoners(now: datetime | None = None) -> list[Prisoner]:
    """Everyone in custody who consented to be named, by name."""
    return [_record(p, now) for p in _query()]


def prisoner(pseudonym: str, now: datetime | None = None) -> Prisoner | None:
    person = _query().filter(pseudonym=pseudonym).first()
    return _record(person, now) if person else None


def unnamed_in_custody() -> int:
    """How many more are in custody without consent to be named: a number only."""
    return int(_held().count() - _named_in_custody().count())
