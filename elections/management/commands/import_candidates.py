"""Import an election's nominated candidates from a table whose columns a declaration maps (no code per file).

    python manage.py import_candidates ../shared/data/backtests/state_duma_2021_smd_candidates.csv
    python manage.py import_candidates list.csv --election duma-2026 --source "ЦИК, 12.08.2026" \\
        --map district=Округ --map candidate=ФИО --map nominated_by="Кем выдвинут"

This is how an upcoming election gets its candidates a month before the vote: the commission's list as the
organisers keep it (elections.candidatetable says which fields a declaration maps; elections.declared where the
declaration is found). The election is found by its slug, or created from the declaration's [election]; its
districts are the election's contests of that number (``import_cec`` makes them from a federal file's district
column, ``import_district_precincts`` from a precinct → district table), created when missing.

Each row becomes a candidacy on its district's ballot: registered, or withdrawn after registration (kept off
every forecast and list); rows refused or lapsed before registration are counted and never put on a ballot. A
candidate already on the ballot (from another source, e.g. St Petersburg's own list) is matched by full name and
keeps their record; only their status and birth date are filled in. The nominating body is matched to the
party of the same ballot name (quotes, case and dashes folded) or through the declaration's ``[parties]``, and
each nomination that matches no party already known is reported: such a party has no list history, and the
organisers should name its predecessor (``import_smartvote_facts``, ``predecessor``) where it has one.

A newer version of the list updates the statuses; nobody is ever deleted (a candidate missing from the newer
file is reported). One transaction; the same file and declaration again change nothing.
"""

from __future__ import annotations

from pathlib import Path

from elections import candidatetable
from elections.importing import DeclaredImporter, declared_election, district_contests, ensure_choices
from elections.models import Candidate, Contest, Party, Person
from elections.names import fold, party_key


class Command(DeclaredImporter):
    help = "Import an election's nominated candidates from a table mapped by a declaration (elections/declared.py)."
    source = "candidates"
    kind = "candidates"
    OVERRIDES = ("election", "source")  # the districts are numbered election-wide: no region

    def load(self, path: Path, options) -> dict:
        declaration = self.declaration(path)
        rows = candidatetable.read(path, declaration)
        election, created = declared_election(declaration.election)
        names = {row.district: row.district_name for row in rows}
        contests, new_contests = district_contests(election, declaration.contest_kind, names)
        parties, new_parties = self.parties(rows, declaration)
        counts = {"on_ballot": 0, "withdrawn": 0, "off_ballot": 0, "matched_existing": 0, "new": 0}
        seen: set[int] = set()
        by_district: dict[int, list] = {}
        for row in rows:
            by_district.setdefault(row.district, []).append(row)
        for number, listed in sorted(by_district.items()):
            contest = contests[number]
            standing = {fold(c.person.full_name): c for c in contest.candidates.select_related("person")}
            lines = []
            for row in listed:
                found = standing.get(fold(row.name).replace(" - ", "-"), standing.get(fold(row.name)))
                if row.status == candidatetable.OFF and found is None:
                    counts["off_ballot"] += 1
                    continue
                standing_now = row.status == candidatetable.REGISTERED
                status = Candidate.Status.REGISTERED if standing_now else Candidate.Status.WITHDRAWN
                counts["on_ballot" if standing_now else "withdrawn"] += 1
                if found is not None:
                    counts["matched_existing"] += 1
                    self.update(found, status, row, parties.get(row.nominated_by or ""), election.slug)
                    seen.add(found.pk)
                    continue
                candidate = self.create(election.slug, contest, row, parties.get(row.nominated_by or ""), status)
                counts["new"] += 1
                seen.add(candidate.pk)
                lines.append((None, row.name, candidate.party, candidate))
            ensure_choices(contest, self.positioned(contest, lines))
        missing = Candidate.objects.filter(contest__in=[contests[n] for n in names]).exclude(pk__in=seen)
        return {
            "election": election.slug,
            "election_created": "yes" if created else "no",
            "source": declaration.source,
            "rows": len(rows),
            "districts": len(names),
            "districts_created": new_contests,
            "districts_without_precincts": Contest.objects.filter(
                pk__in=[c.pk for c in contests.values()], protocols__isnull=True
            ).count(),
            **counts,
            "on_record_but_not_in_this_file": missing.count(),
            "nominations_without_a_known_party": "; ".join(new_parties) or "none",
        }

    def parties(self, rows, declaration) -> tuple[dict[str, Party], list[str]]:
        """Each nominating body → its party (by the ballot name, or the declaration's [parties]); the parties
        made here, which no earlier list knows."""
        aliases = {party_key(k): v for k, v in declaration.parties.items()}
        out, made = {}, []
        for nominated in sorted({r.nominated_by for r in rows if r.nominated_by}):
            name = aliases.get(party_key(nominated), nominated)
            party, new = Party.objects.get_or_create(key=party_key(name), defaults={"name": name})
            out[nominated] = party
            if new:
                made.append(name)
        return out, made

    def create(self, slug: str, contest: Contest, row, party: Party | None, status: str) -> Candidate:
        # The source's id keeps namesakes apart; without one, a name is one person per district of this election.
        key = f"{slug}:{row.source_id}" if row.source_id else f"{slug}:{contest.number}:{row.name}"
        last, first, *middle = row.name.split()
        person, _ = Person.objects.get_or_create(
            source_key=key,
            defaults={
                "last_name": last,
                "first_name": first,
                "middle_name": " ".join(middle),
                "birth_date": row.birth_date,
            },
        )
        candidate, _ = Candidate.objects.update_or_create(
            person=person,
            contest=contest,
            defaults={"party": party, "self_nominated": party is None, "status": status},
        )
        return candidate

    def update(self, candidate: Candidate, status: str, row, party: Party | None, slug: str) -> None:
        """A candidate on record: the newer list's status and birth date; its nomination too when the candidate
        came from a list of this election (a corrected declaration), never over another source's record."""
        changed: dict[str, object] = {"status": status}
        if candidate.person.source_key.startswith(f"{slug}:") and (row.nominated_by is None or party is not None):
            changed |= {"party": party, "self_nominated": party is None}
        changed = {k: v for k, v in changed.items() if getattr(candidate, k) != v}
        if changed:
            for name, value in changed.items():
                setattr(candidate, name, value)
            candidate.save(update_fields=list(changed))
            if "party" in changed and hasattr(candidate, "choice"):
                candidate.choice.party = party
                candidate.choice.save(update_fields=["party"])
        if row.birth_date and candidate.person.birth_date is None:
            candidate.person.birth_date = row.birth_date
            candidate.person.save(update_fields=["birth_date"])

    def positioned(self, contest: Contest, lines: list) -> list:
        """Ballot lines after the contest's existing ones, in the file's order."""
        start = max((p or 0 for p in contest.choices.values_list("position", flat=True)), default=0)
        return [(start + i, name, party, cand) for i, (_p, name, party, cand) in enumerate(lines, 1)]
