from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ForensicsConfig(AppConfig):
    """Statistics that show where official results were inflated."""

    name = "forensics"
    verbose_name = _("Forensics")
