"""Import published record into the monitor: detention counts from the press, a public figure's case timeline.

    python manage.py import_public_record ../shared/data/public-record

``protest_detention_counts.csv`` (date, place, count, kind, note, source): each
count becomes one published group detention, in its city; a nationwide count
goes to «город не указан» less the cities the same file counts that day, so no
one is counted twice (the figure as published is kept beside it, for the monitor's
table of published figures); ``journalists_detained`` is the number of journalists
among that day's detentions with no city.

``udaltsov_timeline.csv`` (date, kind, event, days, source), declared in
``TIMELINE`` (whose timeline, which criminal case each step belongs to, as
published): detentions become detentions, arrests, sentences, hunger strikes
and releases become steps of a case (their publication keeps the prisoner's
record: status, term, hunger strikes — monitor.prisoners), recognitions become
the person's recognitions (the organisation named in the line, as declared in
``TIMELINE``), and what has neither (applications to courts abroad) goes into
the person's public note with its date and source. The person is named: every line is published record about a
public figure.

Every report comes in by the monitor's one intake (``take``) and is published
through moderation with the source as its reason. The files are checked first;
a bad row stops the import with its line and nothing changes. Importing again
adds nothing.
"""

import csv
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from monitor.intake import IntakeError, check, take
from monitor.models import City, Event, Person, Recognition, Report
from monitor.moderation import act
from monitor.stats import NATIONWIDE, PUBLISHED_ELSEWHERE

SOURCE = PUBLISHED_ELSEWHERE
NO_CITY = "Город не указан"


@dataclass(frozen=True)
class Timeline:
    """A published case timeline: whose it is, and from which day each criminal case runs (the charges as
    published); steps before the first case are administrative (the source does not name their articles)."""

    file: str
    name: str
    city: str
    cases: tuple[tuple[date, str], ...]
    administrative: str
    recognitions: dict[str, str]  # an organisation a line names → what it recognises the person as


TIMELINE = Timeline(
    file="udaltsov_timeline.csv",
    name="Удальцов Сергей Станиславович",
    city="Москва",
    cases=(
        (date(2012, 10, 17), "УК РФ, ст. 212 (организация массовых беспорядков)"),
        (date(2024, 1, 15), "УК РФ, ст. 205.2 (оправдание терроризма)"),
    ),
    administrative="КоАП РФ (статья в источнике не названа)",
    recognitions={"Amnesty International": "conscience", "Memorial": "political", "Мемориал": "political"},
)
STEPS = {"arrest": "arrest", "sentence": "sentence", "release": "release", "hunger_strike": "hunger_strike"}
EVENTS = {
    date(2021, 1, 23): ("2021-01-23-navalny", "Акции в поддержку Навального, 23 января 2021"),
    date(2021, 1, 31): ("2021-01-31-navalny", "Акции в поддержку Навального, 31 января 2021"),
    date(2021, 2, 2): ("2021-02-02-navalny", "Акции после приговора Навальному, 2 февраля 2021"),
    date(2012, 1, 17): ("2012-01-osipova", "Одиночные пикеты в поддержку Таисии Осиповой, январь 2012"),
}


class Command(BaseCommand):
    help = "Import published detention counts and a public figure's case timeline into the monitor."
    requires_system_checks: list = []  # as elections.importing.Importer: the data only, no URL loading

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path)

    def handle(self, *args, **options):
        folder = options["folder"]
        counts = self.read(
            folder / "protest_detention_counts.csv", ["date", "place", "count", "kind", "note", "source"]
        )
        lines = self.read(folder / TIMELINE.file, ["date", "kind", "event", "days", "source"])
        recognitions = self.recognitions(lines)
        known = set(Report.objects.filter(source=SOURCE).values_list("source_key", flat=True))
        # One transaction from here: the city and events a count needs are made first, and a bad row then
        # takes them back with everything else.
        with transaction.atomic():
            todo = [r for r in self.detentions(counts) + self.timeline(lines) if r[0] not in known]
            errors = []
            for key, data, _link in todo:
                try:
                    check(data)
                except IntakeError as exc:
                    errors.append(f"{key}: {exc}")
            if errors:
                raise CommandError(f"{len(errors)} bad rows, nothing imported:\n" + "\n".join(errors[:20]))
            person = Person.objects.filter(public_name=TIMELINE.name, consent=True).first()
            for key, data, link in todo:
                if link and person and data["kind"] == "prosecution":
                    data = {**data, "person": person.pseudonym, "name": "", "consent": ""}
                published = data.pop("published", None)  # the figure as the source gave it (a nationwide total)
                report = take(
                    data, source=SOURCE, source_key=key, extra={"published": published} if published else None
                )
                person = person or report.person
                if link and report.person_id is None:
                    Report.objects.filter(pk=report.pk).update(person=person)
                act(report, "verify", None, reason=SOURCE)
                act(report, "publish", None, reason=SOURCE)
            if person:
                person.about = self.about(lines)
                person.save(update_fields=["about"])
                for row, organisation, kind in recognitions:
                    Recognition.objects.get_or_create(
                        person=person,
                        organisation=organisation,
                        kind=kind,
                        day=row["day"],
                        defaults={"source": row["source"], "note": row["event"]},
                    )
        self.stdout.write(f"{folder}: {len(todo)} reports imported, {len(known)} were there.")

    def read(self, path: Path, columns: list[str]) -> list[tuple[int, dict]]:
        try:
            with path.open(encoding="utf-8", newline="") as fh:
                reader = csv.DictReader(fh)
                if reader.fieldnames != columns:
                    raise CommandError(f"{path}: the columns must be {','.join(columns)}")
                rows = list(enumerate(reader, 2))
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"{path}: cannot read: {exc}") from exc
        for line, row in rows:
            try:
                row["day"] = date.fromisoformat(row["date"])
            except ValueError:
                raise CommandError(f"{path}, line {line}: «{row['date'][:20]}» is not a date YYYY-MM-DD") from None
            if not row["source"].strip():
                raise CommandError(f"{path}, line {line}: no source")
        return rows

    def detentions(self, rows) -> list[tuple[str, dict, bool]]:
        """One group detention per city and day; the nationwide count less the cities counted that day."""
        by_day: dict[date, dict[str, tuple[int, int, dict]]] = defaultdict(dict)
        journalists: dict[date, tuple[int, dict]] = {}
        for line, row in rows:
            if not row["count"].isdigit():
                raise CommandError(f"protest_detention_counts.csv, line {line}: the count is not a number")
            if row["kind"] == "journalists_detained":
                journalists[row["day"]] = (int(row["count"]), row)
            elif row["kind"] == "detained":
                by_day[row["day"]][row["place"]] = (line, int(row["count"]), row)
            else:
                raise CommandError(f"protest_detention_counts.csv, line {line}: unknown kind «{row['kind'][:30]}»")
        out = []
        for day, places in sorted(by_day.items()):
            cities = {p: v for p, v in places.items() if p not in NATIONWIDE}
            for place, (line, number, row) in sorted(places.items()):
                if place in NATIONWIDE:
                    number -= sum(n for _l, n, _r in cities.values())
                    place = NO_CITY
                    City.objects.get_or_create(name=NO_CITY)
                if number < 1:
                    continue
                press = journalists.get(day, (0, None))[0] if place == NO_CITY else 0
                slug, name = EVENTS.get(day, (None, None))
                if slug and name:
                    Event.objects.get_or_create(slug=slug, defaults={"name": name, "date": day})
                note = "; ".join(x for x in (row["note"], journalists[day][1]["note"] if press else "") if x)
                data = {
                    "kind": "detention",
                    "happened": f"{day.isoformat()}T12:00",
                    "city": place,
                    "event": slug or "",
                    "count": number,
                    "journalists": min(press, number),
                    "text": f"{note} ({row['source']})" if note else row["source"],
                    "published": {"place": row["place"], "count": int(row["count"])},
                }
                out.append((f"{SOURCE}:counts:{line}", data, False))
        return out

    def timeline(self, rows) -> list[tuple[str, dict, bool]]:
        """The reports of the timeline, each marked to be linked to the person's record."""
        out = []
        stem = TIMELINE.file.removesuffix(".csv")
        for line, row in rows:
            key = f"{SOURCE}:{stem}:{line}"
            text = f"{row['event']} ({row['source']})"
            if row["kind"] == "detention":
                data = {"kind": "detention", "happened": row["date"], "city": TIMELINE.city, "text": text}
                out.append((key, data, True))
                continue
            step = STEPS.get(row["kind"]) or ("admin_arrest" if row["kind"] == "detentions" else None)
            if step is None:
                continue  # recognitions (records of their own) and the like (the note)
            cases = [article for start, article in TIMELINE.cases if start <= row["day"]]
            criminal = bool(cases) and row["kind"] != "detentions"
            data = {
                "kind": "prosecution",
                "happened": row["date"],
                "case_kind": "criminal" if criminal else "administrative",
                "article": cases[-1] if criminal else TIMELINE.administrative,
                "step": step,
                "days": row["days"],
                "text": text,
                "name": TIMELINE.name,
                "consent": "1",
            }
            out.append((key, data, True))
        # The person's record is made by their first case step; their detentions are then linked to it.
        out.sort(key=lambda r: (r[1]["kind"] != "prosecution", r[1]["happened"]))
        return out

    def recognitions(self, rows) -> list[tuple[dict, str, str]]:
        """(row, organisation, kind) of each recognition line; a line naming no declared organisation stops the
        import (a recognition without its organisation says nothing)."""
        out = []
        for line, row in rows:
            if row["kind"] != "recognition":
                continue
            named = [(org, kind) for org, kind in TIMELINE.recognitions.items() if org in row["event"]]
            if not named:
                raise CommandError(f"{TIMELINE.file}, line {line}: the recognition names no known organisation")
            out.append((row, *named[0]))
        return out

    def about(self, rows) -> str:
        """What the timeline holds that no record can say yet: applications to courts abroad."""
        return "\n".join(
            f"{row['date']}: {row['event']} ({row['source']})"
            for _line, row in rows
            if row["kind"] not in STEPS and row["kind"] not in ("detention", "detentions", "recognition")
        )
