from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ForensicsConfig(AppConfig):
    """Statistics that show where official results were inflated."""

    name = "forensics"
    verbose_name = _("Forensics")
    # Per-station estimates, numbers only: the leak tests dump the table without its rows.
    result_tables = ["forensics_cleanedresult"]
