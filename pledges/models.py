"""Campaigns, their cities and pledges: counts in the clear, people never.

A pledge row holds a keyed hash of the normalised e-mail (to count each
person once; core.sealing) and the contact sealed to the campaign's
public key; the private key stays with the organisers, offline. Confirmation
times are kept to the hour: enough for the chart, too coarse to match
against anything else.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from core.sealing import SealingError, public_key


class Campaign(models.Model):
    class Kind(models.TextChoices):
        PLEDGE = "pledge", _("pledge: announced when the threshold is reached")
        PETITION = "petition", _("petition: sign if you agree")

    slug = models.SlugField(max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.PLEDGE)
    title = models.CharField(_("title"), max_length=300)
    text = models.TextField(_("text"))
    threshold = models.PositiveIntegerField(_("threshold"))
    ends = models.DateTimeField(_("ends"), null=True, blank=True)
    # The organisers' X25519 public key (base64) from `manage.py keygen`.
    public_key = models.CharField(_("organisers' public key"), max_length=60)
    reached = models.DateTimeField(_("threshold reached"), null=True, blank=True, editable=False)
    announcement = models.TextField(_("announcement (date, place)"), blank=True, default="")
    announced = models.DateTimeField(_("announced"), null=True, blank=True)
    purged = models.DateTimeField(_("contacts purged"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("pledges:campaign", args=[self.slug])

    @cached_property
    def city_by_id(self) -> dict:
        return {c.pk: c for c in self.cities.all()}

    def clean(self):
        try:
            public_key(self.public_key)
        except SealingError as exc:
            raise ValidationError({"public_key": str(exc)}) from exc


class City(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="cities")
    name = models.CharField(_("name"), max_length=100)
    threshold = models.PositiveIntegerField(_("threshold"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["campaign", "name"], name="city_unique")]
        verbose_name = _("city")
        verbose_name_plural = _("cities")

    def __str__(self):
        return self.name


class Pledge(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="pledges")
    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="pledges")
    # keyed_hash("pledge-email:<campaign>", normalised e-mail); emptied by the purge.
    person = models.CharField(max_length=64, null=True)
    # Sealed JSON {"email", "name"}; emptied by the purge.
    contact = models.BinaryField(null=True)
    confirmed = models.DateTimeField(null=True, db_index=True)  # to the hour
    # keyed_hash of the latest mailed link's random secret (core.links): never the id, replaced by a repeated
    # sign-up, emptied by the purge.
    link = models.CharField(max_length=64, null=True, unique=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["campaign", "person"], name="pledge_once")]
        verbose_name = _("pledge")
        verbose_name_plural = _("pledges")

    def __str__(self):
        return f"pledge {self.pk}"  # nothing about the person
