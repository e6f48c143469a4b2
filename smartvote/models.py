"""Smart voting's data: the forecast's inputs, forecasts, decisions, lists."""

import json

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from elections.models import Candidate, Contest, Election, Party
from smartvote.figures import ContestForecast, read_contests


# -- the forecast's inputs beyond results --------------------------------------
class ElectionSetup(models.Model):
    """What organisers decide about an election before it is forecast.

    Which parties' candidates are the ones to beat (the ruling party) or
    side with them and are never recommended (aligned), which single
    candidates count as ruling or aligned whatever their nomination (a
    ruling party's candidate standing as self-nominated), and which earlier
    elections' results are carried onto its districts.
    """

    election = models.OneToOneField(Election, on_delete=models.CASCADE, related_name="smartvote_setup")
    ruling_parties = models.ManyToManyField(Party, related_name="+", verbose_name=_("ruling parties"))
    aligned_parties = models.ManyToManyField(
        Party, related_name="+", blank=True, verbose_name=_("parties aligned with the ruling party")
    )
    ruling_candidates = models.ManyToManyField(
        Candidate, related_name="+", blank=True, verbose_name=_("candidates of the ruling party (any nomination)")
    )
    aligned_candidates = models.ManyToManyField(
        Candidate, related_name="+", blank=True, verbose_name=_("candidates aligned with the ruling party")
    )
    history = models.ManyToManyField(
        Election, related_name="+", blank=True, verbose_name=_("earlier elections carried onto the districts")
    )
    # Multiplies every candidate's uncertainty; set from a backtest's calibration.
    sigma_scale = models.FloatField(_("uncertainty scale"), default=1.0)
    # The weight of each group of candidate facts' effects (smartvote.forecast.FACT_GROUPS; missing = 1, the
    # published priors), fitted on the backtests leave-one-contest-out and set by `smartvote_backtest --save`.
    fact_weights = models.JSONField(_("weights of the candidate facts"), default=dict, blank=True)
    # The base share of a self-nominee and of a party with no earlier list (smartvote.forecast.PRIORS when empty),
    # learned by `smartvote_backtest --save` from what such candidates got in the development sets.
    priors = models.JSONField(_("learned base shares"), default=dict, blank=True)

    class Meta:
        verbose_name = _("smart-voting setup")
        verbose_name_plural = _("smart-voting setups")

    def __str__(self):
        return str(self.election)


class PartyLineage(models.Model):
    """A party carries the votes of an earlier one (a rename or a merger)."""

    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="predecessor_links")
    predecessor = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="successor_links")
    source = models.CharField(_("source"), max_length=500)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["party", "predecessor"], name="lineage_unique")]
        verbose_name = _("party lineage")
        verbose_name_plural = _("party lineages")

    def __str__(self):
        return f"{self.predecessor} → {self.party}"


class CandidateFact(models.Model):
    """Something public about a candidate that the forecast weighs, with its source."""

    class Kind(models.TextChoices):
        INCUMBENT = "incumbent", _("incumbent")  # value: same_seat | other_seat
        EARLIER = "earlier_candidacy", _("earlier candidacy")  # value: elected | lost | registered | refused
        # value: the earlier election's slug; earlier_choice: the candidate's own line on its ballot
        EARLIER_VOTES = "earlier_votes", _("own earlier votes")
        RECOGNITION = "recognition", _("name recognition (0–3)")  # value: 0..3
        ENDORSEMENT = "endorsement", _("endorsement")  # value: who endorses
        WITHDRAWN = "withdrawn", _("withdrawn")  # value: date, YYYY-MM-DD
        RULING = "ruling", _("the ruling party's candidate")  # whatever the nomination
        ALIGNED = "aligned", _("aligned with the ruling party")

    VALUES: dict[str, set[str]] = {
        Kind.INCUMBENT: {"same_seat", "other_seat"},
        Kind.EARLIER: {"elected", "lost", "registered", "refused"},
        Kind.RECOGNITION: {"0", "1", "2", "3"},
    }

    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="facts")
    kind = models.CharField(_("fact"), max_length=20, choices=Kind.choices)
    value = models.CharField(_("value"), max_length=200, blank=True, default="")
    share = models.FloatField(_("share of the vote, %"), null=True, blank=True)
    # The candidate's own ballot line in an earlier election (earlier_votes): its votes are carried onto the
    # candidate's district, precinct by precinct, as the party lists' are.
    earlier_choice = models.ForeignKey(
        "elections.Choice", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    note = models.CharField(_("note"), max_length=500, blank=True, default="")
    source = models.CharField(_("source"), max_length=500)
    recorded = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["candidate", "kind", "id"]
        constraints = [
            models.UniqueConstraint(fields=["candidate", "kind", "value", "note"], name="fact_unique"),
        ]
        verbose_name = _("candidate fact")
        verbose_name_plural = _("candidate facts")

    def __str__(self):
        return f"{self.candidate.person}: {self.get_kind_display()} {self.value}"

    def clean(self):
        from django.core.exceptions import ValidationError

        allowed = self.VALUES.get(self.kind)
        if allowed and self.value not in allowed:
            raise ValidationError({"value": _("must be one of: %s") % ", ".join(sorted(allowed))})
        if self.share is not None and not 0 <= self.share <= 100:
            raise ValidationError({"share": _("a share is between 0 and 100")})
        if not self.source.strip():
            raise ValidationError({"source": _("every fact needs a source")})


# -- forecasts, editorial decisions and published lists -------------------------
class Forecast(models.Model):
    """One run of the forecast for an election: every contest, with its evidence."""

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="forecasts")
    created = models.DateTimeField(auto_now_add=True)
    draws = models.PositiveIntegerField()
    seed = models.BigIntegerField()
    inputs = models.JSONField()  # which inputs were used, the parameters
    contests = models.JSONField()  # [{contest_id, candidates: [...], recommended, coverage}]

    class Meta:
        ordering = ["-created", "-id"]
        get_latest_by = ["created", "id"]
        verbose_name = _("forecast")
        verbose_name_plural = _("forecasts")

    def __str__(self):
        return f"{self.election.slug} {self.created:%Y-%m-%d %H:%M}"

    def forecasts(self) -> list[ContestForecast]:
        """``contests`` as their type (smartvote.figures), read once per instance: an election's page, its regions
        and the list it prepares all read them (a national forecast's 225 contests take ~17 ms to read), and a
        stored forecast never changes."""
        if "_forecasts" not in self.__dict__:
            self.__dict__["_forecasts"] = read_contests(self.contests)
        found: list[ContestForecast] = self.__dict__["_forecasts"]
        return found

    def contest(self, contest_id: int) -> ContestForecast | None:
        found = next((c for c in self.contests if c["contest_id"] == contest_id), None)
        return None if found is None else read_contests([found])[0]


class Override(models.Model):
    """An organiser's decision for one contest, replacing the forecast's pick.

    Rows are never edited or deleted: the latest row of a contest is in
    force, and all of them together are the audit log (who, when, why).
    A row without a candidate returns the contest to the forecast's pick,
    or with ``no_recommendation`` withholds a recommendation.
    """

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="overrides")
    candidate = models.ForeignKey(Candidate, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    no_recommendation = models.BooleanField(default=False)
    reason = models.TextField(_("reason"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name = _("override")
        verbose_name_plural = _("overrides")

    def __str__(self):
        return f"{self.contest}: {self.candidate or '—'} ({self.author}, {self.created:%Y-%m-%d %H:%M})"


class ListVersion(models.Model):
    """A published, signed version of an election's recommendations.

    ``payload`` is the exact UTF-8 JSON the organisers signed offline
    (Ed25519, core/signing.py); anyone holding their key chain can check it
    without trusting this server, and the server checks it again before it
    shows or uses it (smartvote.publish.check).
    """

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="list_versions")
    number = models.PositiveIntegerField()
    published = models.DateTimeField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    payload = models.TextField()
    signature = models.CharField(max_length=200)  # base64
    public_key = models.CharField(max_length=100)  # base64 of the signer's Ed25519 key, one of the chain

    class Meta:
        ordering = ["election", "-number"]
        constraints = [models.UniqueConstraint(fields=["election", "number"], name="list_version_unique")]
        verbose_name = _("published list")
        verbose_name_plural = _("published lists")

    def __str__(self):
        return f"{self.election.slug} v{self.number}"


class ListDraft(models.Model):
    """The next version of an election's list, frozen and waiting for the organisers' offline signature.

    ``payload`` is exactly what they will sign (smartvote.publish.prepare);
    one draft per election, replaced when the organisers prepare again.
    """

    election = models.OneToOneField(Election, on_delete=models.CASCADE, related_name="list_draft")
    number = models.PositiveIntegerField()
    payload = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("list awaiting signature")
        verbose_name_plural = _("lists awaiting signature")

    def __str__(self):
        return f"{self.election.slug} v{self.number} (draft)"

    @property
    def region(self) -> str | None:
        """The one region the draft covers, or None for the whole election (smartvote.publish.prepare)."""
        region: str | None = json.loads(self.payload).get("region")
        return region


class Backtest(models.Model):
    """A stored `smartvote_backtest --save` report: the evidence that the probabilities mean what they say."""

    created = models.DateTimeField(auto_now_add=True)
    targets = models.ManyToManyField(Election, related_name="+")
    report = models.JSONField()

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name = _("backtest")
        verbose_name_plural = _("backtests")

    def __str__(self):
        return f"{', '.join(self.report.get('targets', []))} {self.created:%Y-%m-%d %H:%M}"


class Poll(models.Model):
    """One published national voting-intention poll: each party's share of all respondents, as published.

    Party codes are the poll tables' (UR, CPRF, SR …; smartvote.polls.PARTIES maps them to parties). The
    forecast reads the polls published before an election only (smartvote.polls).
    """

    pollster = models.CharField(_("pollster"), max_length=50)
    fieldwork_start = models.DateField(_("fieldwork from"), null=True, blank=True)
    fieldwork_end = models.DateField(_("fieldwork to"), db_index=True)
    shares = models.JSONField(_("shares, % of all respondents"))  # {party code: %}
    undecided = models.FloatField(_("undecided, %"), null=True, blank=True)
    abstention = models.FloatField(_("would not vote, %"), null=True, blank=True)
    # Columns the table gives one value for, as published: "Rodina;PG;Greens=12" (their codes, then the %).
    merged = models.CharField(_("merged columns"), max_length=300, blank=True, default="")
    source = models.CharField(_("source"), max_length=500)

    class Meta:
        ordering = ["-fieldwork_end", "pollster"]
        constraints = [
            models.UniqueConstraint(fields=["pollster", "fieldwork_start", "fieldwork_end"], name="poll_once")
        ]
        verbose_name = _("poll")
        verbose_name_plural = _("polls")

    def __str__(self):
        return f"{self.pollster} {self.fieldwork_end:%d.%m.%Y}"


class SetupChange(models.Model):
    """One change an organiser made to what the forecast reads (a setup, a candidate fact, a party's lineage).

    Rows are never edited or deleted: together they are the audit log of the forecast's inputs, as the
    overrides are of its picks (who, when, why, and the record before and after).
    """

    class Action(models.TextChoices):
        ADDED = "added", _("added")
        CHANGED = "changed", _("changed")
        DELETED = "deleted", _("deleted")

    model = models.CharField(_("record"), max_length=50)  # "smartvote.candidatefact"
    object_id = models.PositiveBigIntegerField()
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    summary = models.CharField(_("what"), max_length=500)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    reason = models.TextField(_("reason"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name = _("change to the forecast's inputs")
        verbose_name_plural = _("changes to the forecast's inputs")

    def __str__(self):
        return f"{self.get_action_display()} {self.summary} ({self.author}, {self.created:%Y-%m-%d %H:%M})"


class CarriedHistory(models.Model):
    """An earlier election's list votes carried onto a set of districts, kept with the data's state.

    Carrying three earlier elections precinct by precinct onto 225 districts reads ~3.4 million vote rows and
    is most of a national forecast's time (smartvote.carry); the result is ~3,000 numbers. A forecast, a
    backtest and its ablation carry the same history onto the same districts again and again, so the result is
    kept here and used while the data it came from are unchanged (the imports' and the precincts' tables:
    ``state``). Election results only, nothing about a person.
    """

    districts = models.CharField(max_length=64)  # SHA-256 of the sorted target contest ids
    history = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=200)
    votes = models.JSONField()  # [[contest_id, party_id, votes], …]
    coverage = models.JSONField()  # [{contest_id, precincts, by_number, by_coordinates, by_commission, missing}]

    class Meta:
        constraints = [models.UniqueConstraint(fields=["districts", "history"], name="carried_once")]

    def __str__(self):
        return f"{self.history.slug} → {self.districts[:12]}"
