"""Proposals, the arguments beside them, and every change of their state.

A proposal is drafted by anyone, published or refused (with a reason) by a
moderator, then gathers supporters; its supporters are a pledges campaign
(double opt-in, contacts sealed to the organisers' key, counts only on the
server) named by ``supporters``. Crossing the threshold, or the organisers'
decision, sends it to a vote (``vote``: the vote's slug), whose result the
page shows with the organisers' response.

Privacy: a proposer is not recorded; the name shown is what they chose to
sign with (or nothing). The link that lets them follow their draft is kept
as a keyed hash only (core.links). Times are kept to the hour.
"""

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.hours import this_hour


class Proposal(models.Model):
    class State(models.TextChoices):
        SUBMITTED = "submitted", _("waiting for moderation")
        PUBLISHED = "published", _("gathering supporters")
        REFUSED = "refused", _("refused")
        VOTING = "voting", _("sent to a vote")
        DECIDED = "decided", _("decided")

    slug = models.SlugField(max_length=100, unique=True, null=True, blank=True)  # given when published
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"))
    question = models.CharField(_("the question as it would be put to the vote"), max_length=300)
    signed_as = models.CharField(_("proposed by (as shown)"), max_length=100, blank=True, default="")
    state = models.CharField(max_length=10, choices=State.choices, default=State.SUBMITTED)
    reason = models.TextField(_("the moderators' reason"), blank=True, default="")
    submitted = models.DateTimeField(default=this_hour)  # to the hour
    follow = models.CharField(max_length=64, unique=True)  # the keyed hash of the proposer's link
    supporters = models.CharField(max_length=100, blank=True, default="")  # its pledges campaign's slug
    vote = models.CharField(max_length=100, blank=True, default="")  # the vote's slug, once sent to one
    response = models.TextField(_("the organisers' response to the result"), blank=True, default="")

    class Meta:
        ordering = ["-submitted", "-id"]
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        permissions = [("moderate_proposal", _("Can publish or refuse proposals and their arguments"))]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("initiatives:proposal", args=[self.slug])


class Argument(models.Model):
    class Side(models.TextChoices):
        FOR = "for", _("for")
        AGAINST = "against", _("against")

    class State(models.TextChoices):
        SUBMITTED = "submitted", _("waiting for moderation")
        PUBLISHED = "published", _("published")
        REFUSED = "refused", _("refused")

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="arguments")
    side = models.CharField(_("side"), max_length=10, choices=Side.choices)
    text = models.TextField(_("text"))
    state = models.CharField(max_length=10, choices=State.choices, default=State.SUBMITTED)
    submitted = models.DateTimeField(default=this_hour)

    class Meta:
        ordering = ["submitted", "id"]

    def __str__(self):
        return f"{self.get_side_display()}: {self.text[:60]}"


class ProposalLog(models.Model):
    """Every change of a proposal's or an argument's state: who (a staff account, or none for the public), what,
    why, and the hour."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="log")
    argument = models.ForeignKey(Argument, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey("auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=20)
    before = models.CharField(max_length=10)
    after = models.CharField(max_length=10)
    reason = models.TextField(blank=True, default="")
    at = models.DateTimeField(default=this_hour)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.action}: {self.before} → {self.after}"
