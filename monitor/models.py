"""Reports of detentions, prosecutions and election violations; people, their cases; counts.

One ``Report`` table holds the three kinds: they share intake, moderation,
the audit log and the open-data export, and differ only in a few columns.
A report counts once it is *published*; ``DetentionCount`` keeps the sums
per city, event and day up to date in the same transaction as each
publication, so that the statistics read thousands of rows, not millions.

People are pseudonymous by default. What identifies someone (name, age,
contacts, the reporter's contact, photos) is sealed to the organisers'
offline key (core.sealing) before it is written, and nothing derived from a
name is kept: likely duplicates of named people are found offline, where
the private key is (monitor_duplicates). A name is kept readable only when
the person consented to be named publicly. When a report came in is kept to
the hour: an exact time could be matched with a provider's connection logs.
"""

from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.hours import known_zone, this_hour


class City(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    region = models.CharField(_("region"), max_length=200, blank=True, default="")
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("city")
        verbose_name_plural = _("cities")

    def __str__(self):
        return self.name


class Event(models.Model):
    """A protest action or an election day: what detentions are counted by."""

    slug = models.SlugField(max_length=100, unique=True)
    name = models.CharField(_("name"), max_length=300)
    date = models.DateField(_("date"))

    class Meta:
        ordering = ["-date", "name"]
        verbose_name = _("event")
        verbose_name_plural = _("events")

    def __str__(self):
        return f"{self.name} ({self.date:%d.%m.%Y})"


class Facility(models.Model):
    """A pre-trial centre, colony or prison: where letters go, and whose clock a prisoner's days are counted by
    (a hunger strike's day changes at the prison's midnight, not Moscow's)."""

    class Kind(models.TextChoices):
        PRE_TRIAL = "pre_trial", _("pre-trial detention centre")
        COLONY = "colony", _("penal colony")
        PRISON = "prison", _("prison")
        OTHER = "other", _("other")

    name = models.CharField(_("name"), max_length=300, unique=True)  # as the prison service writes it
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.PRE_TRIAL)
    address = models.TextField(_("postal address"))  # as on an envelope: index, region, town, street
    region = models.CharField(_("region"), max_length=200, blank=True, default="")
    time_zone = models.CharField(_("time zone"), max_length=60, default="Europe/Moscow")

    class Meta:
        ordering = ["name"]
        verbose_name = _("place of detention")
        verbose_name_plural = _("places of detention")

    def __str__(self):
        return self.name

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def clean(self):
        if not known_zone(self.time_zone):
            raise ValidationError({"time_zone": _("Unknown time zone; for example Asia/Yekaterinburg.")})


class Person(models.Model):
    """Someone detained or prosecuted: a pseudonym, unless they consented to be named."""

    class Status(models.TextChoices):
        PRE_TRIAL = "pre_trial", _("in pre-trial detention")
        HOUSE_ARREST = "house_arrest", _("under house arrest")
        SENTENCED = "sentenced", _("serving a sentence")
        RELEASED = "released", _("released")

    pseudonym = models.CharField(_("pseudonym"), max_length=12, unique=True)
    consent = models.BooleanField(_("consents to be named publicly"), default=False)
    # Readable only with consent; everything else about the person is in ``sealed``.
    public_name = models.CharField(_("public name"), max_length=200, blank=True, default="")
    about = models.TextField(_("about (public, with consent)"), blank=True, default="")
    write_to = models.TextField(_("where to write (public, with consent)"), blank=True, default="")
    in_custody = models.BooleanField(_("in custody"), default=False)
    city = models.ForeignKey(City, null=True, blank=True, on_delete=models.SET_NULL, related_name="people")
    journalist = models.BooleanField(_("journalist"), default=False)
    minor = models.BooleanField(_("minor"), default=False)
    # The prisoner's record (public with consent, as the name): kept by the published steps of their cases
    # (monitor.prisoners.follow), corrected by editors in the admin.
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, blank=True, default="")
    facility = models.ForeignKey(
        Facility, null=True, blank=True, on_delete=models.SET_NULL, related_name="people", verbose_name=_("held at")
    )
    term_start = models.DateField(_("term counted from"), null=True, blank=True)
    sentence_days = models.PositiveIntegerField(_("sentence, days"), null=True, blank=True)
    term_end = models.DateField(_("term ends"), null=True, blank=True)
    letters = models.BooleanField(_("consents to letters from strangers"), default=False)
    # Sealed JSON of what was reported about the person (name, age, contacts).
    sealed = models.BinaryField(null=True, editable=False)

    class Meta:
        ordering = ["pseudonym"]
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self):
        return self.display_name

    def get_absolute_url(self):
        return reverse("monitor:person", args=[self.pseudonym])

    @property
    def display_name(self):
        return self.public_name if self.consent and self.public_name else f"{_('Person')} {self.pseudonym}"


class Case(models.Model):
    class Kind(models.TextChoices):
        ADMINISTRATIVE = "administrative", _("administrative")
        CRIMINAL = "criminal", _("criminal")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="cases")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    article = models.CharField(_("article"), max_length=100)
    opened = models.DateField(_("opened"))

    class Meta:
        ordering = ["opened", "id"]
        constraints = [models.UniqueConstraint(fields=["person", "article"], name="case_unique")]
        verbose_name = _("case")
        verbose_name_plural = _("cases")

    def __str__(self):
        return f"{self.article} ({self.get_kind_display()})"


class Recognition(models.Model):
    """A human-rights organisation's recognition: prisoner of conscience (Amnesty), political prisoner
    (Memorial), each with its source and date, as published."""

    class Kind(models.TextChoices):
        CONSCIENCE = "conscience", _("prisoner of conscience")
        POLITICAL = "political", _("political prisoner")
        PERSECUTED = "persecuted", _("politically persecuted")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="recognitions")
    organisation = models.CharField(_("organisation"), max_length=200)
    kind = models.CharField(_("recognised as"), max_length=12, choices=Kind.choices)
    day = models.DateField(_("date"))
    source = models.CharField(_("source"), max_length=300)
    note = models.TextField(_("note"), blank=True, default="")

    class Meta:
        ordering = ["day", "id"]
        constraints = [
            models.UniqueConstraint(fields=["person", "organisation", "kind", "day"], name="recognition_once")
        ]
        verbose_name = _("recognition")
        verbose_name_plural = _("recognitions")

    def __str__(self):
        return f"{self.organisation}: {self.get_kind_display()} ({self.day:%d.%m.%Y})"


class HungerStrike(models.Model):
    """A hunger strike: its start, and its end once known. Made by a published step of a case
    (monitor.prisoners.follow), so a strike comes in by the one intake and moderation like any report."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="hunger_strikes")
    started = models.DateField(_("started"))
    ended = models.DateField(_("ended"), null=True, blank=True)
    # The source gives no end (a strike of years ago): it is not counted as going on.
    end_unknown = models.BooleanField(_("end not known"), default=False)
    source = models.CharField(_("source"), max_length=300, blank=True, default="")
    note = models.TextField(_("note"), blank=True, default="")
    report = models.ForeignKey(
        "Report", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    class Meta:
        ordering = ["started", "id"]
        constraints = [models.UniqueConstraint(fields=["person", "started"], name="strike_once")]
        verbose_name = _("hunger strike")
        verbose_name_plural = _("hunger strikes")

    def __str__(self):
        return f"{self.person} {self.started:%d.%m.%Y}"

    @property
    def going_on(self) -> bool:
        return self.ended is None and not self.end_unknown

    def clean(self):
        if self.ended and self.ended < self.started:
            raise ValidationError({"ended": _("A hunger strike ends after it starts.")})
        if self.ended and self.end_unknown:
            raise ValidationError({"end_unknown": _("Either the end is known or it is not.")})


class Report(models.Model):
    class Kind(models.TextChoices):
        DETENTION = "detention", _("detention")
        PROSECUTION = "prosecution", _("prosecution step")
        VIOLATION = "violation", _("election violation")

    class State(models.TextChoices):
        NEW = "new", _("new")
        VERIFIED = "verified", _("verified")
        REJECTED = "rejected", _("rejected")
        MERGED = "merged", _("merged as a duplicate")
        PUBLISHED = "published", _("published")

    class Step(models.TextChoices):
        CHARGE = "charge", _("charged")
        ARREST = "arrest", _("remanded in custody")
        HOUSE_ARREST = "house_arrest", _("house arrest")
        HEARING = "hearing", _("court hearing")
        FINE = "fine", _("fined")
        ADMIN_ARREST = "admin_arrest", _("administrative arrest (days)")
        SENTENCE = "sentence", _("sentenced to prison")
        SUSPENDED = "suspended", _("suspended sentence")
        ACQUITTAL = "acquittal", _("acquitted or case dropped")
        HUNGER_STRIKE = "hunger_strike", _("hunger strike")
        HUNGER_STRIKE_END = "strike_end", _("hunger strike ended")
        RELEASE = "release", _("released")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.NEW)
    received = models.DateTimeField(_("received"), default=this_hour)  # to the hour
    # "form", "api", or the import's name; source_key keeps imports idempotent.
    source = models.CharField(max_length=20)
    source_key = models.CharField(max_length=100, null=True, blank=True, unique=True)
    happened = models.DateTimeField(_("when it happened"))
    text = models.TextField(_("what happened"), blank=True, default="")
    links = models.JSONField(_("links (media, sources)"), default=list, blank=True)
    reporter_role = models.CharField(_("reported by"), max_length=20, blank=True, default="")
    reporter = models.BinaryField(null=True, editable=False)  # the reporter's contact, sealed
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="reports")
    similar_to = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="duplicates"
    )
    # Detentions.
    city = models.ForeignKey(City, null=True, blank=True, on_delete=models.PROTECT, related_name="reports")
    event = models.ForeignKey(Event, null=True, blank=True, on_delete=models.PROTECT, related_name="reports")
    place = models.CharField(_("place"), max_length=300, blank=True, default="")
    police_station = models.CharField(_("police station"), max_length=300, blank=True, default="")
    count = models.PositiveIntegerField(_("people detained"), default=1)
    journalists = models.PositiveIntegerField(_("of them journalists"), default=0)
    minors = models.PositiveIntegerField(_("of them minors"), default=0)
    charges = models.CharField(_("charged with"), max_length=300, blank=True, default="")
    # Prosecution steps.
    case_kind = models.CharField(_("case kind"), max_length=16, choices=Case.Kind.choices, blank=True, default="")
    article = models.CharField(_("article"), max_length=100, blank=True, default="")
    step = models.CharField(_("step"), max_length=16, choices=Step.choices, blank=True, default="")
    days = models.PositiveIntegerField(_("days"), null=True, blank=True)
    court = models.CharField(_("court"), max_length=300, blank=True, default="")
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="steps")
    # Election violations.
    elections = models.ManyToManyField("elections.Election", blank=True, related_name="violation_reports")
    precinct = models.ForeignKey(
        "elections.Precinct", null=True, blank=True, on_delete=models.PROTECT, related_name="violation_reports"
    )
    area = models.CharField(_("district"), max_length=200, blank=True, default="")
    extra = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["kind", "state"], name="report_kind_state"),
            models.Index(fields=["kind", "city", "happened"], name="report_dedup"),
            # The figures published elsewhere (stats.published_beside_own) found without reading the reports.
            models.Index(fields=["source", "kind", "state"], name="report_source"),
        ]
        permissions = [
            ("moderate_report", _("Can verify, reject and merge reports")),
            ("publish_report", _("Can publish reports")),
        ]
        verbose_name = _("report")
        verbose_name_plural = _("reports")

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"

    def get_absolute_url(self):
        return reverse("monitor:report", args=[self.pk])

    @property
    def source_label(self) -> str:
        """Where the report came in, for the moderators (the stored code stays in the data)."""
        labels = {"form": _("the site's form"), "api": _("the API"), "action": _("a day of action: I was detained")}
        return str(labels[self.source]) if self.source in labels else self.source


# Election-violation categories, as coded by the public "map of violations"
# (kartanarusheniy.org): by phase of the election, then code.
CATEGORIES = {
    "before": {
        "administrative_resource_misuse": _("misuse of administrative resources"),
        "campaign_violation_mass_media": _("campaign violation in the media"),
        "campaign_violation_print": _("campaign violation in print"),
        "corrupt_law_enforcement": _("law enforcement used against candidates"),
        "observer_rights_failure": _("observers' rights violated"),
        "pressure_on_voters": _("pressure on voters"),
        "registration_violation": _("registration violation"),
        "wrongful_candidate_denials": _("wrongful denial of registration"),
        "other": _("other"),
    },
    "during": {
        "carousel_or_stuffing": _("carousel or ballot stuffing"),
        "commission_equipment_failure": _("commission's equipment or premises"),
        "initial_setup_failure": _("opening procedure violated"),
        "lottery": _("lotteries and bribes at the station"),
        "observer_rights_failure": _("observers' rights violated"),
        "on_home": _("voting at home"),
        "pressure_on_voters": _("pressure on voters"),
        "registered_voters": _("voter lists"),
        "other": _("other"),
    },
    "finale": {
        "count_procedure_failure": _("counting procedure violated"),
        "parent_commission": _("higher commission"),
        "result_override": _("results rewritten"),
        "result_protocol_failure": _("protocol violations"),
        "other": _("other"),
    },
}
PHASES = {"before": _("before voting day"), "during": _("on voting day"), "finale": _("at the count")}


class ViolationCategory(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="categories")
    phase = models.CharField(max_length=8)
    code = models.CharField(max_length=40)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["report", "phase", "code"], name="category_unique")]
        indexes = [models.Index(fields=["phase", "code"], name="category_code")]

    def __str__(self):
        return f"{self.phase}:{self.code}"

    @property
    def label(self):
        return f"{PHASES[self.phase]}: {CATEGORIES[self.phase][self.code]}"


class Attachment(models.Model):
    """A photo, re-encoded without its metadata and sealed: faces are personal data."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="attachments")
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sealed = models.BinaryField()

    def __str__(self):
        return f"{self.content_type}, {self.size} bytes"


class ModerationLog(models.Model):
    """Every change of a report's state: who, when, why. Append-only."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="log")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    action = models.CharField(max_length=20)
    before = models.CharField(max_length=10, blank=True, default="")
    after = models.CharField(max_length=10)
    reason = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.action} #{self.report_id}"


class DetentionCount(models.Model):
    """Published detentions per city, event (0: none) and day, kept by monitor.moderation."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    event_key = models.PositiveIntegerField()
    day = models.DateField()
    detentions = models.PositiveIntegerField(default=0)
    journalists = models.PositiveIntegerField(default=0)
    minors = models.PositiveIntegerField(default=0)
    reports = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["city", "event_key", "day"], name="count_unique")]
        indexes = [models.Index(fields=["day"], name="count_day")]

    def __str__(self):
        return f"{self.city_id}/{self.event_key}/{self.day}: {self.detentions}"
