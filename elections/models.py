"""The election-data core that every Veche tool reads.

The shape follows how Russian commissions publish results:

    Election ─┬─ Contest (one ballot: party list, single-mandate district, …)
              │     └─ Choice (a line on that ballot: party, candidate, ДА/НЕТ)
    Region ── TIK (Commission) ── Precinct (УИК) ── Venue (the building)

    Protocol = one precinct × one contest: the protocol lines (as columns)
    Vote     = one protocol × one choice: the votes for that line

Protocol lines are columns, not rows. Every analysis (turnout, leader share,
control relations, histograms over ~96k precincts) reads the same dozen
lines together; as columns they are one row per protocol, aggregate in SQL
and load into polars as a frame without a pivot. Lines that only some years
or sources have (absentee certificates, St Petersburg's voter-list details)
go to ``extra`` as JSON. Votes are rows because ballots differ in length.

A Protocol row exists for every precinct on a contest's ballot, also when no
result was published (``has_result`` false): the set of protocols *is* the
list of contests on a precinct's ballot, so there is one way to ask it.

Original Russian names are kept as published.
"""

import datetime

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class Election(models.Model):
    class Level(models.TextChoices):
        FEDERAL = "federal", _("federal")
        REGIONAL = "regional", _("regional")
        MUNICIPAL = "municipal", _("municipal")

    class Kind(models.TextChoices):
        PARLIAMENT = "parliament", _("parliament")
        PRESIDENT = "president", _("president")
        REFERENDUM = "referendum", _("referendum")
        COUNCIL = "council", _("council")
        GOVERNOR = "governor", _("governor")

    slug = models.SlugField(max_length=100, unique=True)
    name = models.CharField(_("name"), max_length=500)
    date = models.DateField(_("date"), db_index=True)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    # The CEC's "vrn" identifier when known: the same election imported from
    # two sources (the national file and the St Petersburg one) is one row.
    cec_vrn = models.BigIntegerField(null=True, blank=True, unique=True)

    class Meta:
        ordering = ["-date", "level", "name"]
        verbose_name = _("election")
        verbose_name_plural = _("elections")

    def __str__(self):
        return f"{self.name} ({self.date:%d.%m.%Y})"

    def get_absolute_url(self):
        return reverse("elections:election", args=[self.slug])

    @property
    def voting_days(self) -> list[datetime.date]:
        """The days polling stations are open, the main day last: since 2020 the CEC has opened them on
        several days for federal votes (its decisions, dated below); other votes take one day."""
        first = MULTI_DAY_VOTES.get(self.date, self.date)
        return [first + datetime.timedelta(days=d) for d in range((self.date - first).days + 1)]


# Votes held over several days, by their main day: the first day (the CEC's decisions calling them).
MULTI_DAY_VOTES = {
    datetime.date(2020, 7, 1): datetime.date(2020, 6, 25),  # the constitutional amendments, 25 June – 1 July
    datetime.date(2021, 9, 19): datetime.date(2021, 9, 17),  # the State Duma and the regional votes, 17–19 Sept.
    datetime.date(2024, 3, 17): datetime.date(2024, 3, 15),  # the presidential election, 15–17 March
}
# Polling stations are open from 8:00 to 20:00 local time (Federal Law 67-FZ, art. 64 p. 1).
VOTING_HOURS = ("08:00", "20:00")


class Contest(models.Model):
    """One ballot of an election, as a voter holds it in the booth."""

    class Kind(models.TextChoices):
        PARTY_LIST = "party_list", _("party list")
        SINGLE_MANDATE = "single_mandate", _("single-mandate district")
        MULTI_MANDATE = "multi_mandate", _("multi-mandate district")
        PERSONAL = "personal", _("candidates (whole territory)")
        REFERENDUM = "referendum", _("referendum question")

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="contests")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    # District number; 0 for a contest over the whole territory.
    number = models.PositiveIntegerField(default=0)
    # Municipal districts are numbered within their municipality.
    area = models.CharField(max_length=200, blank=True, default="")
    name = models.CharField(max_length=500)
    seats = models.PositiveSmallIntegerField(null=True, blank=True)  # null: not published
    # Sums over the protocols and votes, kept by the importers (the only
    # writers of results) via elections.stats.refresh_totals: summing ~1.4M
    # votes per page view would take seconds.
    totals = models.JSONField(default=dict, blank=True, editable=False)

    class Meta:
        ordering = ["election", "kind", "area", "number"]
        constraints = [
            models.UniqueConstraint(fields=["election", "kind", "area", "number"], name="contest_unique"),
        ]
        verbose_name = _("contest")
        verbose_name_plural = _("contests")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("elections:contest", args=[self.pk])


class Party(models.Model):
    # Normalised ballot name (case, ё, quotes and dashes folded): the same
    # party printed slightly differently in two years is one row.
    key = models.CharField(max_length=500, unique=True)
    name = models.CharField(_("name"), max_length=500)
    short_name = models.CharField(_("short name"), max_length=100, blank=True, default="")

    class Meta:
        ordering = ["name"]
        verbose_name = _("party")
        verbose_name_plural = _("parties")

    def __str__(self):
        return self.short_name or self.name


class Person(models.Model):
    last_name = models.CharField(max_length=100)
    first_name = models.CharField(max_length=100, blank=True, default="")
    middle_name = models.CharField(max_length=100, blank=True, default="")
    gender = models.CharField(max_length=8, blank=True, default="")
    # Where the source prints it (the CEC's candidate lists): namesakes in one region are told apart by it.
    birth_date = models.DateField(null=True, blank=True)
    # "<source>:<id in that source>", e.g. "spb2021:37" or "cec:Путин Владимир
    # Владимирович": namesakes (a known trick: doubles on the ballot) stay apart.
    source_key = models.CharField(max_length=300, unique=True)

    class Meta:
        ordering = ["last_name", "first_name", "middle_name"]
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self):
        return self.full_name

    @property
    def full_name(self):
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)


class Candidate(models.Model):
    """A person standing in one contest."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="candidacies")
    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="candidates")
    party = models.ForeignKey(Party, null=True, blank=True, on_delete=models.PROTECT, related_name="candidates")
    self_nominated = models.BooleanField(default=False)

    class Status(models.TextChoices):
        REGISTERED = "registered", _("registered")
        # Left the race after registration (withdrew, registration cancelled): kept, since a ballot printed
        # before may still carry the name, but no page, forecast or list counts them as standing.
        WITHDRAWN = "withdrawn", _("withdrawn")

    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.REGISTERED)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "contest"], name="candidate_unique")]
        ordering = ["contest", "person"]
        verbose_name = _("candidate")
        verbose_name_plural = _("candidates")

    def __str__(self):
        return f"{self.person} — {self.contest}"

    @property
    def nomination(self):
        if self.party_id:
            return str(self.party)
        return _("self-nominated") if self.self_nominated else _("unknown")


class Choice(models.Model):
    """A line on a contest's ballot that votes are counted for."""

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="choices")
    position = models.PositiveSmallIntegerField(null=True, blank=True)
    name = models.CharField(max_length=500)
    party = models.ForeignKey(Party, null=True, blank=True, on_delete=models.PROTECT, related_name="choices")
    candidate = models.OneToOneField(Candidate, null=True, blank=True, on_delete=models.CASCADE, related_name="choice")

    class Meta:
        ordering = ["contest", "position", "name"]
        constraints = [models.UniqueConstraint(fields=["contest", "name"], name="choice_unique")]

    def __str__(self):
        return self.name


class Region(models.Model):
    # Folded name (case, ё, a leading code, known renames): "Город Москва"
    # (2011) and "город Москва" (2021) are one region.
    key = models.CharField(max_length=200, unique=True)
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        ordering = ["name"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self):
        return self.name


class Commission(models.Model):
    """A territorial commission (TIK) within a region."""

    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="commissions")
    name = models.CharField(max_length=300)

    class Meta:
        ordering = ["region", "name"]
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="commission_unique")]
        verbose_name = _("territorial commission (TIK)")
        verbose_name_plural = _("territorial commissions (TIK)")

    def __str__(self):
        return self.name


class Venue(models.Model):
    """A building where one or more precincts vote."""

    source_key = models.CharField(max_length=100, unique=True)
    name = models.CharField(max_length=300, blank=True, default="")
    kind = models.CharField(max_length=50, blank=True, default="")
    postal_code = models.CharField(max_length=10, blank=True, default="")
    city = models.CharField(max_length=100, blank=True, default="")
    district = models.CharField(max_length=100, blank=True, default="")
    municipality = models.CharField(max_length=200, blank=True, default="")
    street = models.CharField(max_length=200, blank=True, default="")
    building = models.CharField(max_length=100, blank=True, default="")
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["street", "building"]
        indexes = [models.Index(fields=["latitude", "longitude"], name="venue_coords")]
        verbose_name = _("venue")
        verbose_name_plural = _("venues")

    def __str__(self):
        return self.address or self.name

    @property
    def address(self):
        parts = (self.postal_code, self.city, self.street, self.building)
        return ", ".join(p for p in parts if p)


class Precinct(models.Model):
    """A polling station (УИК), identified by its number within a region.

    Remote electronic voting is published as pseudo-stations without a number;
    they are kept (the official sums include them) but flagged, so that
    precinct statistics can leave them out.
    """

    # Indexed by the unique (region, code).
    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="precincts", db_index=False)
    # The number as text for real stations ("1545"); a stable label for a
    # pseudo-station ("ДЭГ ОИК №109").
    code = models.CharField(max_length=100)
    number = models.PositiveIntegerField(null=True, blank=True)
    is_remote = models.BooleanField(default=False)
    venue = models.ForeignKey(Venue, null=True, blank=True, on_delete=models.SET_NULL, related_name="precincts")
    city_district = models.CharField(max_length=100, blank=True, default="")

    class Meta:
        ordering = ["region", "number", "code"]
        constraints = [models.UniqueConstraint(fields=["region", "code"], name="precinct_unique")]
        indexes = [models.Index(fields=["number"], name="precinct_number")]
        verbose_name = _("precinct (UIK)")
        verbose_name_plural = _("precincts (UIK)")

    def __str__(self):
        if self.is_remote:
            return self.code
        return f"УИК №{self.code}"

    def get_absolute_url(self):
        return reverse("elections:precinct", args=[self.pk])


# Protocol lines stored as columns, in protocol order, with their labels.
PROTOCOL_LINES = [
    ("registered", _("Voters on the list")),
    ("ballots_received", _("Ballots received by the precinct")),
    ("issued_early", _("Ballots issued to early voters")),
    ("issued_at_station", _("Ballots issued at the polling station")),
    ("issued_outside", _("Ballots issued outside the station (home voting)")),
    ("ballots_issued", _("Ballots issued, total")),
    ("cancelled", _("Cancelled ballots")),
    ("in_portable_boxes", _("Ballots in portable boxes")),
    ("in_stationary_boxes", _("Ballots in stationary boxes")),
    ("ballots_in_boxes", _("Ballots in boxes, total")),
    ("invalid", _("Invalid ballots")),
    ("valid", _("Valid ballots")),
    ("lost", _("Lost ballots")),
    ("unaccounted", _("Ballots not accounted for on receipt")),
]
LINE_NAMES = [name for name, _label in PROTOCOL_LINES]


class Protocol(models.Model):
    """The final protocol of one precinct for one contest."""

    # Indexed by the unique (contest, precinct) and by protocol_precinct.
    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="protocols", db_index=False)
    precinct = models.ForeignKey(Precinct, on_delete=models.CASCADE, related_name="protocols", db_index=False)
    # The TIK the precinct belonged to at this election (it changes over years).
    tik = models.ForeignKey(Commission, null=True, blank=True, on_delete=models.SET_NULL, related_name="protocols")
    source = models.CharField(max_length=20)
    has_result = models.BooleanField(default=True)

    registered = models.PositiveIntegerField(null=True)
    ballots_received = models.PositiveIntegerField(null=True)
    issued_early = models.PositiveIntegerField(null=True)
    issued_at_station = models.PositiveIntegerField(null=True)
    issued_outside = models.PositiveIntegerField(null=True)
    ballots_issued = models.PositiveIntegerField(null=True)
    cancelled = models.PositiveIntegerField(null=True)
    in_portable_boxes = models.PositiveIntegerField(null=True)
    in_stationary_boxes = models.PositiveIntegerField(null=True)
    ballots_in_boxes = models.PositiveIntegerField(null=True)
    invalid = models.PositiveIntegerField(null=True)
    valid = models.PositiveIntegerField(null=True)
    lost = models.PositiveIntegerField(null=True)
    unaccounted = models.PositiveIntegerField(null=True)
    extra = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["contest", "precinct"], name="protocol_unique")]
        indexes = [models.Index(fields=["precinct"], name="protocol_precinct")]
        verbose_name = _("protocol")
        verbose_name_plural = _("protocols")

    def __str__(self):
        return f"{self.precinct} — {self.contest}"

    @property
    def turnout(self):
        if self.registered and self.ballots_issued is not None:
            return 100 * self.ballots_issued / self.registered
        return None

    def lines(self):
        """(label, value) for the lines this protocol has, in protocol order."""
        return [(label, getattr(self, name)) for name, label in PROTOCOL_LINES if getattr(self, name) is not None]


class Vote(models.Model):
    """Votes for one ballot line in one protocol.

    The natural key is the primary key: no surrogate id and no extra index,
    which matters at ~1.4M rows per national election. Per-choice sums go
    through the contest's protocols, so the key's order (protocol first)
    serves every query the pages and analyses make.

    Votes are written only by the importers, which take protocol and choice
    ids from the database inside the same transaction, and deleted by
    Django's cascade from their protocol or choice. Database-level foreign
    keys would add a trigger check per row: ~17 s of a national import on
    PostgreSQL for no protection the import does not already give. A test
    checks that no vote is orphaned.
    """

    pk = models.CompositePrimaryKey("protocol", "choice")
    protocol = models.ForeignKey(
        Protocol, on_delete=models.CASCADE, related_name="votes", db_index=False, db_constraint=False
    )
    choice = models.ForeignKey(
        Choice, on_delete=models.CASCADE, related_name="votes", db_index=False, db_constraint=False
    )
    votes = models.PositiveIntegerField()

    def __str__(self):
        return f"{self.choice}: {self.votes}"


class TurnoutSnapshot(models.Model):
    """Voters counted by a given time (the interim turnout reports)."""

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="turnout_snapshots")
    precinct = models.ForeignKey(Precinct, on_delete=models.CASCADE, related_name="turnout_snapshots")
    taken_at = models.DateTimeField()
    voters = models.PositiveIntegerField()

    class Meta:
        ordering = ["taken_at"]
        constraints = [
            models.UniqueConstraint(fields=["election", "precinct", "taken_at"], name="turnout_unique"),
        ]

    def __str__(self):
        return f"{self.precinct} {self.taken_at:%d.%m %H:%M}: {self.voters}"


class ImportRun(models.Model):
    """A finished import: which file (by content hash) and what it reported.

    Importing a file whose hash already has a run is a no-op, so running an
    importer twice changes nothing. The report (counts, control-relation
    breaks) holds election data only.
    """

    source = models.CharField(max_length=20)
    path = models.CharField(max_length=500)
    sha256 = models.CharField(max_length=64)
    finished_at = models.DateTimeField(auto_now_add=True)
    report = models.JSONField(default=dict)

    class Meta:
        ordering = ["-finished_at"]
        indexes = [models.Index(fields=["source", "sha256"], name="importrun_hash")]
        constraints = [
            models.CheckConstraint(condition=~Q(sha256=""), name="importrun_has_hash"),
        ]

    def __str__(self):
        return f"{self.source} {self.path} ({self.finished_at:%Y-%m-%d %H:%M})"
