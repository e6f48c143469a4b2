from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ElectionsConfig(AppConfig):
    """The data core: elections, contests, precincts, protocols and importers."""

    name = "elections"
    verbose_name = _("Elections")
    # Millions of numbers that no personal data reaches: the leak tests dump these tables without their rows.
    result_tables = ["elections_vote", "elections_protocol", "elections_turnoutsnapshot"]
