"""Open data: published reports and counts, de-personalised, as CSV or JSON with documented columns.

Rows are streamed, so a million detentions export in constant memory. A
person appears by pseudonym; a name only where they consented to be named.
Free text appears only for violations (reports about commissions, not
people); the texts of detentions and prosecutions stay on the site's pages.
Prisoners' records list only people in custody who consented to be named.
"""

import itertools
import json

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.csvstream import csv_chunks
from monitor.models import DetentionCount, Event, Report
from monitor.prisoners import prisoners

COLUMNS = {
    "detentions": [
        ("id", _("stable report number")),
        ("happened", _("date and time, ISO 8601, Moscow time")),
        ("city", _("city")),
        ("event", _("event (slug), empty if none")),
        ("place", _("place of detention")),
        ("police_station", _("police station taken to")),
        ("count", _("people detained")),
        ("journalists", _("of them journalists")),
        ("minors", _("of them minors")),
        ("charges", _("what they are charged with")),
        ("person", _("pseudonym of the person's record, if one")),
        ("person_name", _("name, only when the person consented to be named")),
    ],
    "prosecutions": [
        ("id", _("stable report number")),
        ("happened", _("date of the step")),
        ("person", _("pseudonym of the person's record")),
        ("person_name", _("name, only when the person consented to be named")),
        ("case_kind", _("administrative or criminal")),
        ("article", _("article of the code")),
        ("step", _("step of the case (code)")),
        ("days", _("days (arrest or sentence), if any")),
    ],
    "violations": [
        ("id", _("stable report number")),
        ("source", _("source and its id, e.g. kartanarusheniy:57727")),
        ("happened", _("date and time, ISO 8601, Moscow time")),
        ("elections", _("elections concerned (slugs, separated by ;)")),
        ("precinct", _("precinct (UIK) number")),
        ("area", _("district")),
        ("categories", _("phase:code categories, separated by ;")),
        ("reported_by", _("role of the reporter")),
        ("text", _("what happened")),
        ("links", _("sources and media, separated by spaces")),
    ],
    "prisoners": [
        ("person", _("pseudonym of the person's record")),
        ("person_name", _("name (only people who consented to be named are listed)")),
        ("status", _("status code: pre-trial detention, house arrest or serving a sentence")),
        ("facility", _("place of detention")),
        ("facility_address", _("its postal address")),
        ("time_zone", _("its time zone (IANA)")),
        ("held_since", _("term counted from (date)")),
        ("sentence_days", _("sentence in days, if sentenced")),
        ("term_end", _("term ends (date), if known")),
        ("articles", _("articles of the cases, separated by ;")),
        ("recognitions", _("organisation: recognition (date), separated by ;")),
        ("hunger_strike_since", _("start of a hunger strike going on (date)")),
        ("hunger_strike_day", _("its day today, in the prison's time zone")),
    ],
    "counts": [
        ("day", _("date")),
        ("city", _("city")),
        ("event", _("event (slug), empty if none")),
        ("detentions", _("people detained")),
        ("journalists", _("of them journalists")),
        ("minors", _("of them minors")),
        ("reports", _("reports counted")),
    ],
}
# What each data set is, for people (its name stays the file's and the API's).
TITLES = {
    "detentions": _("Detentions"),
    "prosecutions": _("Prosecutions"),
    "violations": _("Election violations"),
    "prisoners": _("Political prisoners"),
    "counts": _("Counts per day and city"),
}


def rows(dataset: str):
    """The dataset's rows as dicts, in a stable order (by id or by day)."""
    published = Report.objects.filter(state=Report.State.PUBLISHED).order_by("pk")
    if dataset == "counts":
        events = dict(Event.objects.values_list("pk", "slug"))
        for count in (
            DetentionCount.objects.select_related("city")
            .order_by("day", "city__name", "event_key")
            .iterator(chunk_size=5000)
        ):
            yield {
                "day": count.day.isoformat(),
                "city": count.city.name,
                "event": events.get(count.event_key, ""),
                "detentions": count.detentions,
                "journalists": count.journalists,
                "minors": count.minors,
                "reports": count.reports,
            }
        return
    if dataset == "prisoners":
        for p in prisoners():
            yield {
                "person": p.pseudonym,
                "person_name": p.name,
                "status": p.status,
                "facility": p.facility,
                "facility_address": p.address,
                "time_zone": p.time_zone,
                "held_since": p.held_since.isoformat() if p.held_since else "",
                "sentence_days": p.sentence_days or "",
                "term_end": p.term_end.isoformat() if p.term_end else "",
                "articles": ";".join(p.articles),
                "recognitions": ";".join(f"{r.organisation}: {r.kind} ({r.day:%Y-%m-%d})" for r in p.recognitions),
                "hunger_strike_since": p.strike_started.isoformat() if p.strike_started else "",
                "hunger_strike_day": p.strike_day or "",
            }
        return
    if dataset == "violations":
        for r in (
            published.filter(kind="violation")
            .select_related("precinct")
            .prefetch_related("elections", "categories")
            .iterator(chunk_size=2000)
        ):
            yield {
                "id": r.pk,
                "source": r.source_key or r.source,
                "happened": _iso(r.happened),
                "elections": ";".join(sorted(e.slug for e in r.elections.all())),
                "precinct": r.precinct.code if r.precinct else "",
                "area": r.area,
                "categories": ";".join(sorted(str(c) for c in r.categories.all())),
                "reported_by": r.reporter_role,
                "text": r.text,
                "links": " ".join(r.links),
            }
        return
    kind = {"detentions": "detention", "prosecutions": "prosecution"}[dataset]
    for r in published.filter(kind=kind).select_related("city", "event", "person").iterator(chunk_size=5000):
        person = r.person
        row = {
            "id": r.pk,
            "happened": _iso(r.happened),
            "person": person.pseudonym if person else "",
            "person_name": person.public_name if person and person.consent else "",
        }
        if kind == "detention":
            row.update(
                city=r.city.name if r.city else "",
                event=r.event.slug if r.event else "",
                place=r.place,
                police_station=r.police_station,
                count=r.count,
                journalists=r.journalists,
                minors=r.minors,
                charges=r.charges,
            )
        else:
            row.update(case_kind=r.case_kind, article=r.article, step=r.step, days=r.days or "")
        yield {name: row[name] for name, _label in COLUMNS[dataset]}


def _iso(moment) -> str:
    return timezone.localtime(moment).isoformat(timespec="minutes")


def csv_lines(dataset: str):
    header = [name for name, _label in COLUMNS[dataset]]
    return csv_chunks(itertools.chain([header], (row.values() for row in rows(dataset))))


def json_lines(dataset: str):
    """A JSON array, written as it is read."""
    yield "["
    for i, row in enumerate(rows(dataset)):
        yield ("," if i else "") + "\n" + json.dumps(row, ensure_ascii=False)
    yield "\n]\n"
