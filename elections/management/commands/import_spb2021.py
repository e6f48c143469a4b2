"""Import the St Petersburg elections of 19 September 2021.

    python manage.py import_spb2021 ../shared/data/spb-2021

Four elections on one day (State Duma, Legislative Assembly, two municipal
councils) from the open spbik-2021 dataset: districts, parties, candidates,
precincts with their venues and coordinates, final protocols and the
interim turnout reports. The State Duma election is the same row as the one
the national CEC table gives (matched by the CEC's election id), so both
sources fill one election; where both have a precinct's protocol, the one
imported first is kept and the other compared with it.

The dataset's format is read by ``elections.spbik`` (no database); this
command stores what it reads. The violation reports in the same folder
belong to the monitor.
"""

import json
from pathlib import Path

import polars as pl
from django.core.management.base import CommandError

from elections import spbik
from elections.importing import Importer, ensure_choices
from elections.models import (
    LINE_NAMES,
    Candidate,
    Contest,
    Election,
    Party,
    Person,
    Precinct,
    TurnoutSnapshot,
    Venue,
)
from elections.names import party_key, region_display_name, region_key
from elections.protocols import control_breaks
from elections.spbik import LINES, REGION, SpbFileError


class Command(Importer):
    help = (
        "Import the St Petersburg 2021 elections (spbik-2021 data: elections, districts, candidates, "
        "precincts, venues, protocols, turnout)."
    )
    source = "spb2021"

    def fingerprint(self, path: Path) -> str:
        try:
            return spbik.fingerprint(path)
        except SpbFileError as exc:
            raise CommandError(str(exc)) from None

    def load(self, folder, options):
        try:
            return self.store(folder, spbik.read_folder(folder))
        except SpbFileError as exc:
            raise CommandError(str(exc)) from None

    def store(self, folder, data):
        self.folder = folder
        elections = self.elections(data["elections.json"])
        contests = self.contests(data["electoral_districts.json"], elections)
        parties = self.parties(data["parties.json"])
        candidates = self.candidates(data["candidates.json"], contests, parties)
        venues = self.venues(data["venues.json"])
        precincts = self.precincts(data["precincts.json"], venues)
        stored = self.protocols(data["precincts.json"], data["protocols.jsonl.gz"], contests, parties, candidates)
        snapshots = self.turnout(data["protocols.jsonl.gz"], precincts, elections)
        return {
            "elections": len(elections),
            "contests": len(contests),
            "parties": len(parties),
            "candidacies": len(candidates),
            "venues": len(venues),
            "venues_with_coordinates": sum(1 for v in venues.values() if v.latitude is not None),
            "precincts": len(precincts),
            "protocols_stored": stored,
            "turnout_snapshots": snapshots,
        }

    # -- reference data ---------------------------------------------------
    def elections(self, records):
        found = {}
        for record in records:
            read = spbik.election(record, self.folder)
            election, _ = Election.objects.get_or_create(
                cec_vrn=read.data_id,
                defaults={
                    "slug": read.slug,
                    "name": read.name,
                    "date": read.date,
                    "level": read.level,
                    "kind": read.kind,
                },
            )
            found[read.data_id] = election
        return found

    def contests(self, records, elections):
        """(election type, district id) -> Contest; id 0 is the party list."""
        found = {}
        for record in records:
            read = spbik.contest(record)
            if read is None:
                continue
            election = elections.get(read.election_data_id)
            if election is None:
                raise CommandError(
                    f"{self.folder / 'electoral_districts.json'}: district {record['id']} refers to "
                    f"election {read.election_data_id}, which elections.json does not have"
                )
            contest, _ = Contest.objects.get_or_create(
                election=election, kind=read.kind, number=read.number, area=read.area, defaults={"name": read.name}
            )
            found[read.key] = contest
        return found

    def parties(self, records):
        found = {}
        for record in records:
            names = record["name"]
            party, _ = Party.objects.get_or_create(
                key=party_key(names["source"]),
                defaults={"name": names["source"], "short_name": names.get("abbreviation") or names.get("full", "")},
            )
            found[record["id"]] = party
        return found

    def candidates(self, records, contests, parties):
        """(contest id, spb candidate id) -> Candidate."""
        found = {}
        for record in records:
            names = record["name"]
            person, _ = Person.objects.update_or_create(
                source_key=f"spb2021:{record['id']}",
                defaults={
                    "last_name": names["last"],
                    "first_name": names.get("first", ""),
                    "middle_name": names.get("middle", ""),
                    "gender": record.get("gender") or "",
                },
            )
            for kind, standing in record["electoral_districts"].items():
                contest = contests.get((kind, str(standing["id"])))
                if contest is None:
                    raise CommandError(
                        f"{self.folder / 'candidates.json'}: candidate {record['id']} stands in "
                        f"{kind} district {standing['id']}, which electoral_districts.json lacks"
                    )
                party = None
                if "supported_by_party_id" in standing:
                    party = parties[standing["supported_by_party_id"]]
                elif "supported_by_party_name" in standing:
                    name = standing["supported_by_party_name"]
                    party, _ = Party.objects.get_or_create(key=party_key(name), defaults={"name": name})
                candidate, _ = Candidate.objects.update_or_create(
                    person=person,
                    contest=contest,
                    defaults={"party": party, "self_nominated": bool(standing.get("supported_by_people"))},
                )
                found[(contest.pk, record["id"])] = candidate
        return found

    def venues(self, records):
        found = {}
        for record in records:
            address = record.get("address") or {}
            location = record.get("location") or {}
            venue, _ = Venue.objects.update_or_create(
                source_key=f"spb2021:{record['id']}",
                defaults={
                    "name": record.get("name") or "",
                    "kind": record.get("type") or "",
                    "postal_code": str(address.get("postal_index") or ""),
                    "city": address.get("city") or "",
                    "district": address.get("district") or "",
                    "municipality": address.get("municipality") or "",
                    "street": address.get("street") or "",
                    "building": address.get("building") or "",
                    "latitude": location.get("latitude"),
                    "longitude": location.get("longitude"),
                },
            )
            found[record["id"]] = venue
        return found

    def precincts(self, records, venues):
        """UIK number -> Precinct, created or given their venue."""
        stations = pl.DataFrame(
            [
                (
                    region_key(REGION),
                    region_display_name(REGION),
                    str(r["id"]),
                    r["id"],
                    False,
                    f"ТИК №{r['parent_commission']['id']}",
                )
                for r in records
            ],
            schema=["region_key", "region", "code", "number", "is_remote", "tik"],
            orient="row",
        )
        self.station_ids = self.precinct_ids(stations).select("number", "precinct_id", "tik_id")
        ids = dict(self.station_ids.select("number", "precinct_id").iter_rows())
        found = Precinct.objects.in_bulk(list(ids.values()))
        changed = []
        for record in records:
            precinct = found[ids[record["id"]]]
            address_id = record.get("address_id")
            if address_id is not None and address_id not in venues:
                raise CommandError(
                    f"{self.folder / 'precincts.json'}: UIK {record['id']} has address_id "
                    f"{address_id}, which venues.json lacks"
                )
            precinct.venue = venues.get(address_id)
            precinct.city_district = record.get("district") or ""
            changed.append(precinct)
        Precinct.objects.bulk_update(changed, ["venue", "city_district"], batch_size=1000)
        return {number: found[pk] for number, pk in ids.items()}

    # -- results ----------------------------------------------------------
    def protocols(self, precinct_records, protocol_rows, contests, parties, candidates):
        published = {}
        for line, row in protocol_rows:
            published[spbik.protocol_key(row)] = (line, row)

        per_contest: dict[int, tuple[list, list]] = {}  # contest id -> (protocol rows, votes)
        self.choices: dict[int, dict] = {}
        name = self.folder / "protocols.jsonl.gz"
        for record in precinct_records:
            for key in spbik.ballots(record):
                contest = contests.get(key)
                if contest is None:
                    raise CommandError(
                        f"{self.folder / 'precincts.json'}: UIK {record['id']} votes in {key[0]} "
                        f"district {key[1]}, which electoral_districts.json lacks"
                    )
                line, row = published.pop((record["id"], *key), (None, None))
                rows, votes = per_contest.setdefault(contest.pk, ([], []))
                has_result, lines, extra = spbik.protocol_lines(row)
                if has_result:
                    for entry in row["entries"]:
                        votes.append((line, self.choice(contest, entry, parties, candidates), entry["votes_count"]))
                rows.append(
                    {
                        "line": line,
                        "number": record["id"],
                        "has_result": has_result,
                        "extra": json.dumps(extra, ensure_ascii=False) if extra else None,
                        **lines,
                    }
                )
        if published:
            (uik, kind, district), (line, _row) = next(iter(published.items()))
            raise CommandError(
                f"{name}, line {line}: a protocol of UIK {uik} for {kind} district {district}, "
                f"which precincts.json does not put on that UIK's ballot"
            )

        contests_by_pk = {c.pk: c for c in contests.values()}
        for pk in per_contest:
            ensure_choices(contests_by_pk[pk], self.choices.get(pk, {}).values())
        frame = self.frame([{**row, "contest_id": pk} for pk, (rows, _votes) in per_contest.items() for row in rows])
        table = pl.DataFrame(
            [vote for _rows, votes in per_contest.values() for vote in votes],
            schema=[("line", pl.Int64), ("choice", pl.String), ("votes", pl.Int64)],
            orient="row",
        )
        sums = table.group_by("line").agg(vote_sum=pl.col("votes").sum())
        self.add_breaks(control_breaks(frame.join(sums, on="line", how="left"), LINES, name))
        return self.store_results(frame, table)

    def choice(self, contest, entry, parties, candidates) -> str:
        """Register the ballot line of a protocol entry; return its name."""
        name = entry["name"]
        if "party_id" in entry:
            party, candidate = parties[entry["party_id"]], None
        else:
            party, candidate = None, candidates.get((contest.pk, entry["candidate_id"]))
            if candidate is None:
                raise CommandError(
                    f"{self.folder / 'protocols.jsonl.gz'}: candidate {entry['candidate_id']} "
                    f"({name}) is not registered in {contest}"
                )
        self.choices.setdefault(contest.pk, {})[name] = (entry.get("position"), name, party, candidate)
        return str(name)

    def frame(self, rows) -> pl.DataFrame:
        frame = pl.DataFrame(
            rows,
            schema={
                "line": pl.Int64,
                "number": pl.Int64,
                "has_result": pl.Boolean,
                "extra": pl.String,
                **{n: pl.Int64 for n in LINES},
                "contest_id": pl.Int64,
            },
        )
        frame = frame.join(self.station_ids, on="number").with_columns(
            region=pl.lit(REGION),
            code=pl.col("number").cast(pl.String),
            ballots_issued=pl.col("issued_early") + pl.col("issued_at_station") + pl.col("issued_outside"),
            ballots_in_boxes=pl.col("in_portable_boxes") + pl.col("in_stationary_boxes"),
        )
        return frame.select(
            "line", "contest_id", "region", "code", "precinct_id", "tik_id", "has_result", *LINE_NAMES, "extra"
        )

    def turnout(self, protocol_rows, precincts, elections):
        """Interim turnout reports, once per precinct and election."""
        by_type = {e.level: e for e in elections.values() if e.level != Election.Level.MUNICIPAL}
        snapshots = {}
        for _line, row in protocol_rows:
            election = by_type[spbik.LEVELS[row["election_type"]]]
            precinct = precincts[row["protocol_scope"]["id"]]
            for at, voters in spbik.turnout(row):
                snapshots[(election.pk, precinct.pk, at)] = voters
        TurnoutSnapshot.objects.filter(election__in=by_type.values(), precinct__in=precincts.values()).delete()
        TurnoutSnapshot.objects.bulk_create(
            [
                TurnoutSnapshot(election_id=e, precinct_id=p, taken_at=at, voters=v)
                for (e, p, at), v in snapshots.items()
            ],
            batch_size=5000,
        )
        return len(snapshots)
