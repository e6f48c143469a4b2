from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SmartvoteConfig(AppConfig):
    """Smart voting: forecasts per contest with their evidence, backtests, the organisers' decisions and the lists
    they sign offline. What voters see of it comes through the lookup (lookup/), which asks for the published
    picks by name (smartvote.publish.published_picks)."""

    name = "smartvote"
    verbose_name = _("Smart voting")
