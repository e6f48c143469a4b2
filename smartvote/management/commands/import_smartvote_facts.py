"""Import what organisers know about an election and its candidates.

    python manage.py import_smartvote_facts FILE.csv

One CSV, header ``election,district,candidate,fact,value,share,note,source``.
Rows about a candidate name the election (slug), the single-mandate district
number and the candidate's full name as on the ballot, with a fact:

    incumbent           value same_seat | other_seat
    earlier_candidacy   value elected | lost | registered | refused; share = % of the vote when known
    earlier_votes       value = an earlier imported election's slug whose ballot has the candidate's
                        name (a citywide race): their own votes, carried onto their district
    recognition         value 0–3
    endorsement         value = who endorses
    withdrawn           value = date (YYYY-MM-DD)
    ruling / aligned    the ruling party's candidate (any nomination) / sides with it

Rows about the election leave district and candidate empty:

    ruling_party / aligned_party   value = a party (short or full name)
    history                        value = an earlier election's slug
    predecessor                    value = "earlier party → party" (a rename or merger)

Every row needs a source. The whole file is checked first: any bad row stops
the import with its line, and nothing changes. Importing the same file again
changes nothing. With ``--replace`` the file is the whole truth about its
elections' candidates: their facts not in it (an earlier version's, or ones
recorded in the admin) are deleted in the same transaction, and counted.
"""

import re
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Max

from core.commands import parse_rows, read_csv
from elections.models import Candidate, Choice, Contest, Election, Party
from elections.names import fold, party_key
from smartvote.models import CandidateFact, ElectionSetup, PartyLineage

COLUMNS = ["election", "district", "candidate", "fact", "value", "share", "note", "source"]
ELECTION_FACTS = {"ruling_party", "aligned_party", "history", "predecessor"}


class Command(BaseCommand):
    help = "Import candidate facts and election settings for the smart-voting forecast from a CSV file."
    requires_system_checks: list = []  # as elections.importing.Importer: the data only, no URL loading

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument(
            "--replace", action="store_true", help="delete the file's elections' candidate facts that it does not hold"
        )

    def handle(self, *args, **options):
        path = Path(options["path"])
        rows = read_csv(path, COLUMNS)
        self.elections = {e.slug: e for e in Election.objects.all()}
        self.parties = list(Party.objects.all())
        self.candidates: dict[tuple, list[Candidate]] = {}
        actions = parse_rows(path, rows, self.parse_row)
        with transaction.atomic():
            kept = set()
            created = 0
            for action in actions:
                result = action()
                if isinstance(result, tuple):  # a fact, and whether it is new
                    kept.add(result[0].pk)
                    created += result[1]
                else:
                    created += result
            replaced = 0
            if options["replace"]:
                named = {row["election"] for _line, row in rows}
                stale = CandidateFact.objects.filter(candidate__contest__election__slug__in=named).exclude(pk__in=kept)
                replaced, _ = stale.delete()
        self.stdout.write(
            f"{path}: {len(rows):,} rows, {created:,} new"
            + (f", {replaced:,} replaced." if options["replace"] else ".")
        )

    # -- checking a row; each returns the change to make once all rows are good --
    def parse_row(self, row):
        fact, source = row["fact"], row["source"]
        if not source:
            raise ValueError("no source: every fact needs one")
        election = self.elections.get(row["election"])
        if election is None:
            raise ValueError(f"«{row['election'][:60]}» is not an imported election's slug")
        if fact in ELECTION_FACTS:
            if row["district"] or row["candidate"]:
                raise ValueError(f"«{fact}» is about the election: leave district and candidate empty")
            return self.election_fact(election, fact, row["value"], source)
        if fact not in CandidateFact.Kind.values:
            known = sorted(CandidateFact.Kind.values) + sorted(ELECTION_FACTS)
            raise ValueError(f"unknown fact «{fact[:40]}»; known: {', '.join(known)}")
        candidate = self.candidate(election, row["district"], row["candidate"])
        value = row["value"]
        allowed = CandidateFact.VALUES.get(fact)
        if allowed and value not in allowed:
            raise ValueError(f"«{value[:40]}» is not a value of {fact}: one of {', '.join(sorted(allowed))}")
        if fact == CandidateFact.Kind.WITHDRAWN:
            try:
                date.fromisoformat(value)
            except ValueError:
                raise ValueError(f"withdrawn needs a date YYYY-MM-DD, not «{value[:40]}»") from None
        share = None
        if row["share"]:
            try:
                share = float(row["share"].rstrip("%").replace(",", "."))
            except ValueError:
                raise ValueError(f"share «{row['share'][:20]}» is not a number") from None
            if not 0 <= share <= 100:
                raise ValueError(f"share {share} is not between 0 and 100")

        earlier_choice = self.own_line(election, value, row["candidate"]) if fact == "earlier_votes" else None

        def create():
            fact_row, new = CandidateFact.objects.get_or_create(
                candidate=candidate,
                kind=fact,
                value=value,
                note=row["note"][:500],
                defaults={"share": share, "source": source[:500], "earlier_choice": earlier_choice},
            )
            return fact_row, new

        return create

    def own_line(self, election, slug, name) -> Choice:
        """The candidate's own line on an earlier election's ballot (by their full name, as printed)."""
        earlier = self.elections.get(slug)
        if earlier is None:
            raise ValueError(f"earlier_votes «{slug[:60]}» is not an imported election's slug")
        if earlier.date >= election.date:
            raise ValueError(f"earlier_votes {slug} is not earlier than {election.slug}")
        found = [
            c
            for c in Choice.objects.filter(contest__election=earlier, candidate__isnull=False)
            if fold(c.name) == fold(name)
        ]
        if len(found) != 1:
            raise ValueError(
                f"«{name[:80]}» is {'not' if not found else 'more than once'} on a ballot of {slug}: "
                "earlier_votes needs the candidate's own line"
            )
        return found[0]

    def candidate(self, election, district, name) -> Candidate:
        if not district.isdigit():
            raise ValueError(f"district «{district[:20]}» is not a number")
        key = (election.pk, int(district))
        if key not in self.candidates:
            contest = Contest.objects.filter(
                election=election, kind=Contest.Kind.SINGLE_MANDATE, number=int(district)
            ).first()
            if contest is None:
                raise ValueError(f"{election.slug} has no single-mandate district {district}")
            self.candidates[key] = list(contest.candidates.select_related("person"))
        found = [c for c in self.candidates[key] if fold(c.person.full_name) == fold(name)]
        if not found:
            raise ValueError(f"no candidate «{name[:80]}» in district {district} of {election.slug}")
        if len(found) > 1:
            raise ValueError(
                f"{len(found)} candidates named «{name[:80]}» in district {district}: record this one in the admin"
            )
        return found[0]

    def party(self, name, election) -> Party:
        """The party of that name that stood most recently up to the election (names recur across years)."""
        folded = fold(name)
        found = [p for p in self.parties if fold(p.short_name) == folded or p.key == party_key(name)]
        if len(found) > 1:
            stood = dict(
                Choice.objects.filter(party__in=found, contest__election__date__lte=election.date)
                .values_list("party_id")
                .annotate(last=Max("contest__election__date"))
            )
            latest = max(stood.values(), default=None)
            found = [p for p in found if latest and stood.get(p.pk) == latest]
        if len(found) != 1:
            raise ValueError(
                f"«{name[:80]}» {'names no' if not found else 'is ambiguous among the'} imported "
                "parties (use the short name as on the election page, or the full ballot name)"
            )
        return found[0]

    def election_fact(self, election, fact, value, source):
        if fact == "history":
            earlier = self.elections.get(value)
            if earlier is None:
                raise ValueError(f"history «{value[:60]}» is not an imported election's slug")
            if earlier.date >= election.date:
                raise ValueError(f"history {earlier.slug} is not earlier than {election.slug}")
            return lambda: self.add_to_setup(election, "history", earlier)
        if fact == "predecessor":
            parts = re.split(r"\s*(?:→|->)\s*", value)
            if len(parts) != 2:
                raise ValueError(f"predecessor needs «earlier party → party», not «{value[:80]}»")
            before, after = self.party(parts[0], election), self.party(parts[1], election)
            if before == after:
                raise ValueError("a party cannot be its own predecessor")

            def link():
                _link, new = PartyLineage.objects.get_or_create(
                    party=after, predecessor=before, defaults={"source": source[:500]}
                )
                return new

            return link
        party = self.party(value, election)
        return lambda: self.add_to_setup(
            election, "ruling_parties" if fact == "ruling_party" else "aligned_parties", party
        )

    @staticmethod
    def add_to_setup(election, relation, item) -> bool:
        setup, _ = ElectionSetup.objects.get_or_create(election=election)
        manager = getattr(setup, relation)
        if manager.filter(pk=item.pk).exists():
            return False
        manager.add(item)
        return True
