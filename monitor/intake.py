"""Taking a report in, from the public form, the API or an import: one check, one write.

``receive(data, files)`` (a person's report) and ``take`` (an import of the
published record) check every field first and raise ``IntakeError`` with a
message per field, writing nothing. A person's report is then held until its
hour is over (core.held: the database's log must not date it finer) and
written with the hour's others; an import is written at once. It is stored as
*new* in one transaction, with what identifies anyone sealed to the
organisers' public key (``VECHE_MONITOR_PUBLIC_KEY``; core.keys refuses to
go on without it outside demo mode) and flags a likely duplicate for the
moderators where the server can tell without names: a violation at the same
precinct, a step of the same person's case. Names are compared offline
(``manage.py monitor_duplicates``), where the private key is: nothing
stored here lets anyone test a name.

Each field is read by ``monitor.fields``, photos are cleaned by
``core.photos``; here the kinds' own rules (``CHECKS``) and the write.
"""

from __future__ import annotations

import json
import os
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.cache import Cached, Freshness
from core.held import hold
from core.hours import this_hour
from core.keys import monitor_public_key
from core.ratelimit import allow
from core.sealing import seal
from elections.models import Election, Precinct
from elections.names import closest_name
from monitor import fields
from monitor.models import Attachment, Case, City, Event, Person, Report, ViolationCategory
from monitor.people import free_pseudonym

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


def check_rate(client_ip: str | None) -> None:
    """Count one more report from this client (core.ratelimit keeps only expiring keyed hashes)."""
    if not allow("monitor-report", client_ip, LIMIT_CLIENT, LIMIT_NETWORK):
        raise TooMany({"__all__": _("Too many reports from your network; try again in an hour.")})


# Reports come by the thousand per minute; the cities and events change a few times a day.
KNOWN = Cached(
    lambda model: {getattr(o, "name" if model is City else "slug").lower(): o for o in model.objects.all()},
    Freshness("monitor-known", ["monitor.City", "monitor.Event"], every=60),
    size=2,
)


def known(model, key: str):
    """A city by name or an event by slug, from this process's copy of the list, read again each minute and
    whenever a key is not in it (one added by another process within the minute)."""
    key = key.lower()
    found = KNOWN.get(model).get(key)
    return found if found is not None else KNOWN.get(model, fresh=True).get(key)


def check(data: dict, files=()) -> dict:
    """Every field checked; the cleaned values, or IntakeError naming each bad field."""
    errors: dict[str, str] = {}
    kind = str(data.get("kind") or "")
    if kind not in Report.Kind.values:
        raise IntakeError({"kind": _("Choose the kind of report: detention, prosecution or violation.")})
    clean = {
        "kind": kind,
        "happened": fields.when(data, errors),
        "links": fields.links(data, errors),
        "text": fields.text(data, "text", errors, fields.MAX_TEXT, required=kind == "violation"),
        "reporter_contact": fields.text(data, "reporter_contact", errors),
        "reporter_role": fields.text(data, "reporter_role", errors, 20),
        "photos": fields.photos(files, errors),
    }
    if clean["reporter_role"] and clean["reporter_role"] not in fields.ROLES:
        errors["reporter_role"] = _("Unknown role; one of: %(r)s.") % {"r": ", ".join(fields.ROLES)}
    if kind in ("detention", "prosecution"):
        clean.update(check_person(data, errors))
    clean.update(CHECKS[kind](data, clean, errors))
    if errors:
        raise IntakeError(errors)
    return clean


def check_person(data: dict, errors: dict) -> dict:
    """Who was detained or prosecuted, as the reporter names them (sealed when stored)."""
    person = {
        "name": fields.text(data, "name", errors, 200),
        "age": fields.number(data, "age", errors, 1, 120),
        "consent": fields.flag(data, "consent"),
        "journalist": fields.flag(data, "journalist"),
        "minor": fields.flag(data, "minor"),
        "person_contact": fields.text(data, "person_contact", errors),
    }
    if person["age"] is not None and person["age"] < 18:
        person["minor"] = True
    if person["consent"] and not person["name"]:
        errors["consent"] = _("Consent to be named needs the name.")
    return person


def check_detention(data: dict, clean: dict, errors: dict) -> dict:
    found = {
        "place": fields.text(data, "place", errors),
        "police_station": fields.text(data, "police_station", errors),
        "charges": fields.text(data, "charges", errors),
        "count": fields.number(data, "count", errors, 1, default=1),
    }
    found["journalists"] = fields.number(data, "journalists", errors, 0, default=int(clean["journalist"]))
    found["minors"] = fields.number(data, "minors", errors, 0, default=int(clean["minor"]))
    for field in ("journalists", "minors"):
        if found[field] is not None and found["count"] is not None and found[field] > found["count"]:
            errors[field] = _("More than the number detained.")
    if found["count"] and found["count"] > 1 and clean["name"]:
        errors["count"] = _("A named person is one detention: report a group without names.")
    city = fields.text(data, "city", errors, 100, required=True)
    found["city"] = known(City, city) if city else None
    if city and found["city"] is None and "city" not in errors:
        errors["city"] = _("Unknown city “%(c)s”: choose one from the list.") % {"c": city[:100]}
    event = fields.text(data, "event", errors, 100)
    found["event"] = known(Event, event) if event else None
    if event and found["event"] is None and "event" not in errors:
        errors["event"] = _("Unknown event; choose one from the list or leave it empty.")
    return found


def check_prosecution(data: dict, clean: dict, errors: dict) -> dict:
    found = {
        "article": fields.text(data, "article", errors, 100, required=True),
        "court": fields.text(data, "court", errors),
        "days": fields.number(data, "days", errors, 1, 36_500),
        "case_kind": str(data.get("case_kind") or ""),
        "step": str(data.get("step") or ""),
    }
    if found["case_kind"] not in Case.Kind.values:
        errors["case_kind"] = _("Choose administrative or criminal.")
    if found["step"] not in Report.Step.values:
        errors["step"] = _("Choose the step of the case.")
    pseudonym = fields.text(data, "person", errors, 12)
    found["person"] = Person.objects.filter(pseudonym=pseudonym).first() if pseudonym else None
    if pseudonym and found["person"] is None and "person" not in errors:
        errors["person"] = _("No person has this pseudonym.")
    if not pseudonym and not clean["name"] and "name" not in errors:
        errors["name"] = _("Name the person, or give the pseudonym of their record (P-…).")
    return found


# The city districts the election data name, to put a district's misspelling under its name ("Васильеостровский"
# under "Василеостровский район"): one district, one row in the counts.
DISTRICTS = Cached(
    lambda: sorted(set(Precinct.objects.exclude(city_district="").values_list("city_district", flat=True))),
    Freshness("monitor-districts", ["elections.ImportRun"], every=60),
    size=1,
)


def check_violation(data: dict, clean: dict, errors: dict) -> dict:
    area = fields.text(data, "area", errors, 200)
    found: dict[str, Any] = {
        "categories": fields.categories(data, errors),
        "area": closest_name(area, DISTRICTS.get()) or area,
    }
    given = data.get("elections") or ([data["election"]] if data.get("election") else [])
    slugs = [given] if isinstance(given, str) else [str(s).strip() for s in given]
    elections = list(Election.objects.filter(slug__in=slugs))
    found["elections"] = elections
    unknown = sorted(set(slugs) - {e.slug for e in elections})
    if unknown:
        errors["election"] = _("Unknown election “%(e)s”.") % {"e": unknown[0][:100]}
    number = fields.number(data, "precinct", errors, 1, 99_999)
    region = fields.text(data, "region", errors, 200)
    found["precinct"] = None
    if number is not None and "election" not in errors:
        precincts = Precinct.objects.filter(number=number)
        if region:
            precincts = precincts.filter(region__name__iexact=region)
        elif elections:
            precincts = precincts.filter(protocols__contest__election__in=elections)
        else:
            errors["precinct"] = _("Say which election (or region) the precinct belongs to.")
        found["precinct"] = precincts.distinct().first() if "precinct" not in errors else None
        if found["precinct"] is None and "precinct" not in errors:
            errors["precinct"] = _("There is no precinct (UIK) %(n)s in this election or region.") % {"n": number}
    return found


CHECKS = {"detention": check_detention, "prosecution": check_prosecution, "violation": check_violation}


FIELDS = (
    "place",
    "police_station",
    "charges",
    "count",
    "journalists",
    "minors",
    "article",
    "court",
    "days",
    "case_kind",
    "step",
    "area",
)


def sealed_report(clean: dict) -> dict:
    """The checked report as it will be stored: what identifies anyone sealed now, to the organisers' key, and
    the rest as plain values and ids (so that it can be held, core.held, and written later)."""
    key = monitor_public_key()
    report = {k: clean[k] for k in ("kind", "happened", "text", "links", "reporter_role")}
    report.update({name: clean[name] for name in FIELDS if name in clean})
    for name in ("city", "event", "precinct"):
        if clean.get(name) is not None:
            report[f"{name}_id"] = clean[name].pk
    new_person = None
    if clean.get("person") is None and clean.get("name"):
        new_person = {
            "consent": clean["consent"],
            "public_name": clean["name"] if clean["consent"] else "",
            "journalist": clean["journalist"],
            "minor": clean["minor"],
            "sealed": seal(
                json.dumps(
                    {"name": clean["name"], "age": clean["age"], "contact": clean["person_contact"]},
                    ensure_ascii=False,
                ).encode(),
                key,
            ),
        }
    return {
        "report": report,
        "person_id": clean["person"].pk if clean.get("person") is not None else None,
        "new_person": new_person,
        "reporter": seal(clean["reporter_contact"].encode(), key) if clean["reporter_contact"] else None,
        "elections": [e.pk for e in clean.get("elections") or []],
        "categories": [list(c) for c in clean.get("categories") or []],
        "photos": [[t, len(b), seal(b, key)] for t, b in clean["photos"]],
    }


def store(sealed: dict, received, source: str, source_key: str | None = None, extra: dict | None = None) -> Report:
    """Write a sealed report (``sealed_report``) as new, timed to the hour ``received``."""
    # Most reports are one row (a detention counted without names): the insert is its own transaction then,
    # without the round trips of an explicit one. Anything with more rows is written all or nothing.
    lone = not (
        sealed["person_id"]
        or sealed["new_person"]
        or sealed["elections"]
        or sealed["categories"]
        or sealed["photos"]
        or sealed["report"].get("precinct_id")
    )
    with nullcontext() if lone else transaction.atomic():
        person_id = sealed["person_id"]
        if person_id is None and sealed["new_person"]:
            person_id = Person.objects.create(
                pseudonym=free_pseudonym(), city_id=sealed["report"].get("city_id"), **sealed["new_person"]
            ).pk
        report = Report.objects.create(
            **sealed["report"],
            received=received,
            source=source,
            source_key=source_key,
            person_id=person_id,
            extra=extra or {},
            reporter=sealed["reporter"],
        )
        if sealed["elections"]:
            report.elections.set(sealed["elections"])
        if sealed["categories"]:
            ViolationCategory.objects.bulk_create(
                ViolationCategory(report=report, phase=p, code=c) for p, c in sealed["categories"]
            )
        report.similar_to = likely_duplicate(report)
        if report.similar_to:
            report.save(update_fields=["similar_to"])
        if sealed["photos"]:
            Attachment.objects.bulk_create(
                Attachment(report=report, content_type=t, size=n, sealed=box) for t, n, box in sealed["photos"]
            )
    return report


def take(
    data: dict, files=(), source: str = "import", source_key: str | None = None, extra: dict | None = None
) -> Report:
    """Check, then store the report (and its person) as new at once; IntakeError changes nothing. For imports of
    the published record, whose times are public: a person's report goes through ``receive``.
    ``extra``: what an import's source says beyond the form's fields, kept as it came."""
    return store(sealed_report(check(data, files)), this_hour(), source, source_key, extra)


def receive(data: dict, files=(), source: str = "form") -> None:
    """A person's report: checked now (IntakeError names each bad field, nothing held), sealed, and held until the
    hour is over (core.held), so that no log of the database dates it finer than its ``received`` hour."""
    sealed = sealed_report(check(data, files))
    hold("monitor-report", {"sealed": sealed, "source": source})


def apply_held(data: dict, hour) -> bool:
    store(data["sealed"], hour, data["source"])
    return True


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
    live = (
        Report.objects.filter(kind=report.kind)
        .exclude(pk=report.pk)
        .exclude(state__in=[Report.State.REJECTED, Report.State.MERGED])
        .order_by("pk")
    )
    if report.kind == "violation":
        # Voting lasts up to three days (2021): the same violation may be reported on any of them.
        codes = set(report.categories.values_list("phase", "code")) or None
        near = (report.happened - timedelta(days=3), report.happened + timedelta(days=3))
        for other in live.filter(precinct=report.precinct, happened__range=near).prefetch_related("categories"):
            if codes is None or codes & {(c.phase, c.code) for c in other.categories.all()}:
                return other
        return None
    return live.filter(person=report.person, article__iexact=report.article, step=report.step).first()


@dataclass(frozen=True)
class ActionSpot:
    """Where an organised action's detention happened, as its organisers named it (never the reporter)."""

    event_slug: str
    event_name: str
    day: date  # the action's day, in the place's own time
    city: str
    latitude: float | None
    longitude: float | None
    place: str  # the spot itself: its name and address


def take_detention_at(spot: ActionSpot, text: str, source: str) -> None:
    """A detention at an organised action, reported from the action's page with one tap: the action's event and
    city are made if new, then the report is taken as any other, new, for the usual moderation."""
    Event.objects.get_or_create(slug=spot.event_slug, defaults={"name": spot.event_name[:300], "date": spot.day})
    City.objects.get_or_create(name=spot.city, defaults={"latitude": spot.latitude, "longitude": spot.longitude})
    data = {
        "kind": "detention",
        "happened": this_hour_local(),
        "city": spot.city,
        "event": spot.event_slug,
        "place": spot.place[:300],
        "text": text,
    }
    receive(data, source=source)


def this_hour_local() -> str:
    """Now, to the hour (a report's time is kept coarse), as the form would give it."""
    return timezone.localtime().replace(minute=0, second=0, microsecond=0).isoformat()
