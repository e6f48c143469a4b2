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

Each kind's form (``monitor.forms``, made of ``monitor.fields``; photos
cleaned by ``core.photos``) checks the report; here the sealing and the
write.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _

from core.held import hold
from core.hours import this_hour
from core.keys import monitor_public_key
from core.ratelimit import allow
from core.sealing import seal
from monitor.forms import FORMS
from monitor.models import Attachment, City, Event, Person, Report, ViolationCategory
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


def check(data: dict[str, Any], files: Sequence[Any] = ()) -> dict[str, Any]:
    """Every field checked by the kind's form (monitor.forms); the cleaned values, or IntakeError naming each bad
    field with its first message."""
    kind = str(data.get("kind") or "")
    if kind not in Report.Kind.values:
        raise IntakeError({"kind": _("Choose the kind of report: detention, prosecution or violation.")})
    form = FORMS[kind](data, MultiValueDict({"photos": list(files)}))
    if not form.is_valid():
        raise IntakeError({field: str(messages[0]) for field, messages in form.errors.items()})
    clean = {"kind": kind, **form.cleaned_data}
    if kind == "violation":
        clean["elections"] = clean.pop("election")
    return clean


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
