"""What every importer shares: the command frame and the results store.

An importer is a management command subclassing ``Importer``. It names its
``source``, says how to fingerprint its input and implements ``load``, which
reads the input and calls ``store_results`` once per contest. The base class
gives it, for free:

- idempotency: a finished import is recorded with the input's SHA-256; the
  same input again is reported and skipped (``--force`` re-reads it, and the
  results it stores replace that source's earlier ones);
- one transaction: a failure anywhere leaves the database as it was;
- progress bars on standard error, and a report of control-relation breaks
  (counted and listed, never fatal);
- merging with other sources: a contest's protocol for a precinct that
  another source already supplied with a result is kept, and compared.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import polars as pl
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.timezone import localtime

from core.bulk import bulk_insert
from core.commands import progress
from elections import declared
from elections.models import (
    LINE_NAMES,
    Candidate,
    Choice,
    Commission,
    Contest,
    Election,
    ImportRun,
    Party,
    Person,
    Precinct,
    Protocol,
    Region,
    Vote,
)
from elections.names import party_key
from elections.stats import SUMMED, Written, refresh_totals
from elections.uiktable import TableError


def key_frame(queryset, *fields, schema=None) -> pl.DataFrame:
    return pl.DataFrame(list(queryset.values_list(*fields)), schema=schema or list(fields), orient="row")


class Importer(BaseCommand):
    """Base class of the importers; see the module docstring."""

    source = ""
    # Django's system checks load the whole URL configuration (every view, matplotlib, scipy): ~1.5 s before each
    # import, most of a one-region import (issue 38). An import writes the data core's tables only; the server's
    # checks run when the server starts (and `manage.py check`).
    requires_system_checks: list = []

    def add_arguments(self, parser):
        parser.add_argument("path", help="file or folder to import")
        parser.add_argument("--force", action="store_true", help="import again even if this input was imported")
        parser.add_argument(
            "--show-breaks",
            type=int,
            default=20,
            metavar="N",
            help="list at most N control-relation breaks (default 20; the count is always shown)",
        )

    # -- subclasses -------------------------------------------------------
    def fingerprint(self, path: Path) -> str:
        digest = hashlib.sha256()
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()

    def load(self, path: Path, options) -> dict:
        """Read ``path`` and store it; return the report (counts, breaks)."""
        raise NotImplementedError

    # -- the frame --------------------------------------------------------
    def handle(self, *args, **options):
        path = Path(options["path"])
        if not path.exists():
            raise CommandError(f"{path}: no such file or folder")
        digest = self.fingerprint(path)
        done = ImportRun.objects.filter(source=self.source, sha256=digest).first()
        if done and not options["force"]:
            self.stdout.write(
                f"{path}: already imported on {localtime(done.finished_at):%Y-%m-%d %H:%M} "
                f"(same content); nothing changed. Use --force to import again."
            )
            return
        self.breaks: list[str] = []
        self.kept_from_other = 0  # protocols another source gave, kept (their result, or ours had none)
        self.differing: list[str] = []  # those kept whose registered voters differ from this source's
        self.touched: set[int] = set()
        self.written: dict[int, Written] = {}
        with transaction.atomic():
            report = self.load(path, options)
            # A contest whose protocols are all this import's is summed from what it wrote; one shared with another
            # source (kept protocols, other precincts) is summed by the database.
            shared = set(
                Protocol.objects.filter(contest_id__in=self.touched)
                .exclude(source=self.source)
                .values_list("contest_id", flat=True)
                .distinct()
            )
            for contest in progress(
                Contest.objects.filter(pk__in=self.touched), desc="totals", unit="contest", total=len(self.touched)
            ):
                refresh_totals(contest, None if contest.pk in shared else self.written.get(contest.pk))
            report["control_breaks"] = len(self.breaks)
            report["control_break_list"] = self.breaks
            report["kept_from_other_source"] = self.kept_from_other
            report["differing_from_other_source"] = self.differing
            ImportRun.objects.create(source=self.source, path=str(path), sha256=digest, report=report)
        self.print_report(path, report, options["show_breaks"])

    def print_report(self, path, report, show):
        for key, value in report.items():
            if not isinstance(value, list):
                self.stdout.write(
                    f"  {key.replace('_', ' ')}: {value:,}"
                    if isinstance(value, int)
                    else f"  {key.replace('_', ' ')}: {value}"
                )
        if self.breaks:
            self.stdout.write(
                self.style.WARNING(f"{len(self.breaks):,} protocols break a control relation (imported as published):")
            )
            for line in self.breaks[:show]:
                self.stdout.write(f"  {line}")
            if len(self.breaks) > show:
                self.stdout.write(f"  … and {len(self.breaks) - show:,} more (--show-breaks N lists more)")
        for line in self.differing[:show]:
            self.stdout.write(self.style.WARNING(f"  differs from the other source: {line}"))
        self.stdout.write(self.style.SUCCESS(f"{path}: imported."))

    # -- storing ----------------------------------------------------------
    def precinct_ids(self, stations: pl.DataFrame) -> pl.DataFrame:
        """Create missing regions, TIKs and precincts; return ids per station.

        ``stations`` has region_key, region, code, number, is_remote and tik
        (name or null). Returns it with region_id, precinct_id, tik_id.
        """
        regions = stations.select("region_key", "region").unique("region_key", keep="first")
        known = set(Region.objects.values_list("key", flat=True))
        Region.objects.bulk_create(
            [Region(key=k, name=n) for k, n in regions.iter_rows() if k not in known], batch_size=1000
        )
        region_ids = key_frame(Region.objects, "key", "id", schema=[("region_key", pl.String), ("region_id", pl.Int64)])
        stations = stations.join(region_ids, on="region_key", how="left")

        tiks = stations.filter(pl.col("tik").is_not_null()).select("region_id", "tik").unique()
        Commission.objects.bulk_create(
            [Commission(region_id=r, name=n) for r, n in tiks.iter_rows()], batch_size=5000, ignore_conflicts=True
        )
        tik_ids = key_frame(
            Commission.objects,
            "region_id",
            "name",
            "id",
            schema=[("region_id", pl.Int64), ("tik", pl.String), ("tik_id", pl.Int64)],
        )
        stations = stations.join(tik_ids, on=["region_id", "tik"], how="left")

        def known_precincts():
            return key_frame(
                Precinct.objects.filter(region_id__in=stations["region_id"].unique().to_list()),
                "region_id",
                "code",
                "id",
                schema=[("region_id", pl.Int64), ("code", pl.String), ("precinct_id", pl.Int64)],
            )

        new = (
            stations.select("region_id", "code", "number", "is_remote")
            .unique(["region_id", "code"])
            .join(known_precincts(), on=["region_id", "code"], how="anti")
            .with_columns(venue_id=pl.lit(None, dtype=pl.Int64), city_district=pl.lit(""))
        )
        bulk_insert(Precinct, ["region_id", "code", "number", "is_remote", "venue_id", "city_district"], new)
        return stations.join(known_precincts(), on=["region_id", "code"], how="left")

    def store_results(self, protocols: pl.DataFrame, votes: pl.DataFrame | None = None) -> int:
        """Store protocols and votes from this source, for one or many contests.

        ``protocols``: one row per (contest, precinct) with ``contest_id``,
        the station columns (see ``precinct_ids``; or their ids, when the
        caller resolved them), ``line`` (where it stands in the input, for
        messages; unique per row that has votes), ``has_result``, the
        protocol lines and ``extra`` (JSON text or null). ``votes``: ``line``,
        ``choice`` (a name on that contest's ballot) and ``votes``. Returns
        the number of protocols written.
        """
        contest_ids = protocols["contest_id"].unique().to_list()
        self.touched.update(contest_ids)
        if "precinct_id" not in protocols.columns:
            protocols = self.precinct_ids(protocols)
        existing = key_frame(
            Protocol.objects.filter(contest_id__in=contest_ids),
            "contest_id",
            "precinct_id",
            "id",
            "source",
            "has_result",
            "registered",
            schema=[
                ("contest_id", pl.Int64),
                ("precinct_id", pl.Int64),
                ("old_id", pl.Int64),
                ("old_source", pl.String),
                ("old_result", pl.Boolean),
                ("old_registered", pl.Int64),
            ],
        )
        merged = protocols.join(existing, on=["contest_id", "precinct_id"], how="left")
        other = pl.col("old_source").is_not_null() & (pl.col("old_source") != self.source)
        keep_old = other & (pl.col("old_result") | ~pl.col("has_result"))
        kept = merged.filter(keep_old)
        self.kept_from_other += kept.height
        differing = kept.filter(pl.col("has_result") & (pl.col("registered") != pl.col("old_registered")))
        for row in differing.iter_rows(named=True):
            self.differing.append(
                f"contest {row['contest_id']}, {row['region']} {row['code']}: registered {row['registered']} "
                f"here, {row['old_registered']} from {row['old_source']}"
            )
        # Replaced: everything this source stored before for these contests,
        # and result-less protocols of other sources that now get a result.
        replaced = set(existing.filter(pl.col("old_source") == self.source)["old_id"].to_list())
        replaced |= set(merged.filter(other & ~keep_old)["old_id"].to_list())
        self._delete_protocols(sorted(replaced))

        fresh = merged.filter(~keep_old).with_columns(source=pl.lit(self.source), extra=pl.col("extra").fill_null("{}"))
        columns = ["contest_id", "precinct_id", "tik_id", "source", "has_result", *LINE_NAMES, "extra"]
        bulk_insert(Protocol, columns, fresh, label="protocols")
        if votes is None or votes.height == 0:
            self._remember(contest_ids, fresh, None)
            return fresh.height

        ids = key_frame(
            Protocol.objects.filter(contest_id__in=contest_ids, source=self.source),
            "contest_id",
            "precinct_id",
            "id",
            schema=[("contest_id", pl.Int64), ("precinct_id", pl.Int64), ("protocol_id", pl.Int64)],
        )
        choices = key_frame(
            Choice.objects.filter(contest_id__in=contest_ids),
            "contest_id",
            "name",
            "id",
            schema=[("contest_id", pl.Int64), ("choice", pl.String), ("choice_id", pl.Int64)],
        )
        rows = (
            votes.join(fresh.select("line", "contest_id", "precinct_id"), on="line")
            .join(ids, on=["contest_id", "precinct_id"])
            .join(choices, on=["contest_id", "choice"], how="left")
        )
        unknown = rows.filter(pl.col("choice_id").is_null())
        if unknown.height:
            contest = Contest.objects.get(pk=unknown["contest_id"][0])
            raise CommandError(f"line {unknown['line'][0]}: «{unknown['choice'][0]}» is not on the ballot of {contest}")
        bulk_insert(Vote, ["protocol_id", "choice_id", "votes"], rows, label="votes")
        self._remember(contest_ids, fresh, rows)
        return fresh.height

    def _remember(self, contest_ids: list[int], fresh: pl.DataFrame, votes: pl.DataFrame | None) -> None:
        """What this call wrote per contest, for its totals (``handle``); a later call for the same contest replaced
        this source's rows there, and replaces these."""
        lines = fresh.select("contest_id", "has_result", *SUMMED).partition_by("contest_id", as_dict=True)
        cast = {"contest_id": pl.Int64, "choice_id": pl.Int64, "votes": pl.Int64}
        if votes is None:
            votes = pl.DataFrame(schema=cast)
        by_contest = votes.select(pl.col(name).cast(kind) for name, kind in cast.items()).partition_by(
            "contest_id", as_dict=True
        )
        empty = pl.DataFrame(schema=cast)
        for contest_id in contest_ids:
            protocols = lines.get((contest_id,))
            if protocols is None:
                protocols = fresh.clear().select("contest_id", "has_result", *SUMMED)
            self.written[contest_id] = Written(protocols, by_contest.get((contest_id,), empty))

    def _delete_protocols(self, ids: list[int]):
        for start in range(0, len(ids), 10_000):
            chunk = ids[start : start + 10_000]
            Vote.objects.filter(protocol_id__in=chunk).delete()
            Protocol.objects.filter(id__in=chunk).delete()

    def add_breaks(self, messages):
        self.breaks.extend(messages)


# The columns of store_results' ``protocols`` when the importer names its stations (precinct_ids resolves them).
PROTOCOL_SCHEMA = {
    "line": pl.Int64,
    "contest_id": pl.Int64,
    "region_key": pl.String,
    "region": pl.String,
    "code": pl.String,
    "number": pl.Int64,
    "is_remote": pl.Boolean,
    "tik": pl.String,
    "has_result": pl.Boolean,
    **{name: pl.Int64 for name in LINE_NAMES},
    "extra": pl.String,
}


def protocol_frame(rows: list[dict]) -> pl.DataFrame:
    """store_results' ``protocols`` from one dict per protocol (PROTOCOL_SCHEMA's keys; lines left out are
    null)."""
    return pl.DataFrame([{name: row.get(name) for name in PROTOCOL_SCHEMA} for row in rows], schema=PROTOCOL_SCHEMA)


def ensure_choices(contest: Contest, choices) -> None:
    """Create the ballot lines of a contest that do not exist yet.

    ``choices``: (position, name, party or None, candidate or None).
    """
    have = set(contest.choices.values_list("name", flat=True))
    Choice.objects.bulk_create(
        [
            Choice(contest=contest, position=pos, name=name, party=party, candidate=cand)
            for pos, name, party, cand in choices
            if name not in have
        ]
    )


def candidate_line(contest: Contest, person_key: str, position: int, name: str, nominated: str | None) -> tuple:
    """A candidate's ballot line for ensure_choices: their person (``person_key``: the source's key, e.g. the
    election and the name as printed), their party by the nominating body's name (None: self-nominated), the
    candidacy."""
    last, first, *middle = name.split()
    person, _ = Person.objects.get_or_create(
        source_key=person_key, defaults={"last_name": last, "first_name": first, "middle_name": " ".join(middle)}
    )
    party = None
    if nominated:
        party, _ = Party.objects.get_or_create(key=party_key(nominated), defaults={"name": nominated})
    candidate, _ = Candidate.objects.update_or_create(
        person=person, contest=contest, defaults={"party": party, "self_nominated": party is None}
    )
    return (position, name, party, candidate)


def declared_election(spec) -> tuple[Election, bool]:
    """The election a declaration (elections.declared.ElectionSpec) names: found by its slug, or created when the
    declaration gives its name, date, level and kind; CommandError otherwise. (election, created)."""
    found = Election.objects.filter(slug=spec.slug).first()
    if found is not None:
        return found, False
    if not spec.complete:
        raise CommandError(
            f"the election {spec.slug} is not imported; import it first, or give its name, date, level and kind "
            "in the declaration's [election] to create it"
        )
    made = Election.objects.create(slug=spec.slug, name=spec.name, date=spec.date, level=spec.level, kind=spec.kind)
    return made, True


def district_contests(election: Election, kind: str, districts: dict[int, str]) -> tuple[dict[int, Contest], int]:
    """The election's contests of ``kind`` by number, those of ``districts`` (number → name, "" when unknown)
    created when missing; ({number: contest}, how many were created)."""
    have = {c.number: c for c in election.contests.filter(kind=kind, area="")}
    created = 0
    for number, name in sorted(districts.items()):
        if number not in have:
            have[number] = Contest.objects.create(
                election=election,
                kind=kind,
                number=number,
                area="",
                name=name or f"Одномандатный избирательный округ №{number}",
            )
            created += 1
    return have, created


class DeclaredImporter(Importer):
    """An importer whose input a declaration describes (elections.declared): ``FILE.KIND.toml`` beside the file or
    in elections/sources/, ``--declaration``, or the command line alone (``--election``, ``--region``, ``--source``,
    ``--map NAME=COLUMN``, which win over the file). The same table read with another declaration is another
    import. ``kind``: the declaration's kind; ``needs_declaration``: the command line alone is not enough."""

    kind = ""
    needs_declaration = False
    OVERRIDES: tuple[str, ...] = ("election", "region", "source")

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--declaration", type=Path, help=f"the declaration (default: FILE.{self.kind}.toml)")
        if self.needs_declaration:
            return
        parser.add_argument("--election", help="the election's slug (overrides the declaration)")
        if "region" in self.OVERRIDES:
            parser.add_argument("--region", help="the region of every row (overrides the declaration)")
        parser.add_argument("--source", help="where the file comes from (overrides the declaration)")
        parser.add_argument(
            "--map", action="append", metavar="NAME=COLUMN", help="which column holds a field (repeatable)"
        )

    def handle(self, *args, **options):
        self.options = options
        try:
            return super().handle(*args, **options)
        except TableError as exc:  # every table reader's: a bad file, named with its line; nothing was written
            raise CommandError(str(exc)) from None

    def declaration(self, path: Path) -> declared.Declaration:
        options = self.options
        found = declared.find(path, self.kind, options.get("declaration"))
        overrides: dict = {k: options[k] for k in self.OVERRIDES if options.get(k)}
        if found is None and (self.needs_declaration or not overrides):
            how = "" if self.needs_declaration else ", or give --election, --source and --map"
            raise CommandError(
                f"{path}: no declaration for this file: write {path.name}.{self.kind}.toml beside it "
                f"(elections/declared.py){how}"
            )
        try:
            overrides["columns"] = declared.mapping(options.get("map"))
            return declared.load(found, overrides)
        except declared.DeclarationError as exc:
            raise CommandError(str(exc)) from None

    def fingerprint(self, path: Path) -> str:
        digest = hashlib.sha256(super().fingerprint(path).encode())
        digest.update(repr(self.declaration(path)).encode())
        return digest.hexdigest()
