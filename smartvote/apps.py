from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SmartvoteConfig(AppConfig):
    """Smart voting: the voter lookup (and, next, forecasts and lists)."""

    name = "smartvote"
    verbose_name = _("Smart voting")
