"""The lookup's own data: the published address ranges that decide where a home votes."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from elections.models import Precinct, Region


class AddressRange(models.Model):
    """Houses of one street (a number range, all/odd/even) assigned to a UIK.

    Commissions publish precinct boundaries as lists of streets and house
    numbers; `manage.py import_address_ranges` loads them.
    """

    class Parity(models.TextChoices):
        ALL = "all", _("all")
        ODD = "odd", _("odd")
        EVEN = "even", _("even")

    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="address_ranges")
    street = models.CharField(max_length=200)  # as published
    street_key = models.CharField(max_length=200, db_index=True)  # folded name words, sorted
    street_kind = models.CharField(max_length=20, blank=True, default="")
    house_from = models.PositiveIntegerField()
    house_to = models.PositiveIntegerField()
    parity = models.CharField(max_length=4, choices=Parity.choices, default=Parity.ALL)
    precinct = models.ForeignKey(Precinct, on_delete=models.CASCADE, related_name="address_ranges")

    class Meta:
        ordering = ["region", "street_key", "house_from"]
        constraints = [
            models.CheckConstraint(condition=models.Q(house_from__lte=models.F("house_to")), name="range_ordered"),
            models.UniqueConstraint(
                fields=["region", "street_key", "house_from", "house_to", "parity"], name="range_unique"
            ),
        ]
        verbose_name = _("address range")
        verbose_name_plural = _("address ranges")

    def __str__(self):
        return f"{self.street} {self.house_from}–{self.house_to} ({self.parity}) → {self.precinct}"

    def covers(self, house: int) -> bool:
        if not self.house_from <= house <= self.house_to:
            return False
        return self.parity == "all" or (house % 2 == 1) == (self.parity == "odd")
