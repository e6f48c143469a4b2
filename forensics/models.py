"""Stored analyses: the figures, and the cleaned results for the forecast."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from elections.models import Election, Protocol
from forensics.figures import Summary


class Analysis(models.Model):
    """One run of `manage.py forensics --save` on an election's main contest.

    ``summary`` holds the figures shown on the page (totals, excess-vote
    estimate with its range, integer test, regions); the per-station excess
    is in CleanedResult, so the smart-voting forecast can use results with
    the estimated added ballots taken out.
    """

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="analyses")
    created = models.DateTimeField(auto_now_add=True)
    draws = models.PositiveIntegerField()
    seed = models.BigIntegerField()
    summary = models.JSONField()

    class Meta:
        ordering = ["-created"]
        get_latest_by = "created"
        verbose_name = _("forensic analysis")
        verbose_name_plural = _("forensic analyses")

    def __str__(self):
        return f"{self.election.slug} {self.created:%Y-%m-%d %H:%M}"

    def figures(self) -> Summary:
        """``summary`` as its type (forensics.figures)."""
        return Summary.read(self.summary)


class CleanedResult(models.Model):
    """The leader's estimated added ballots at one station (0 where clean)."""

    analysis = models.ForeignKey(Analysis, on_delete=models.CASCADE, related_name="cleaned")
    protocol = models.ForeignKey(Protocol, on_delete=models.CASCADE, related_name="cleaned")
    leader_votes = models.PositiveIntegerField()
    excess = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["analysis", "protocol"], name="cleaned_unique")]

    def __str__(self):
        return f"{self.protocol}: −{self.excess}"

    @property
    def cleaned_votes(self):
        return self.leader_votes - self.excess
