from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LookupConfig(AppConfig):
    """Where do I vote: from an address, a UIK number or a point to the precinct, its building and the
    ballot; the published address ranges; the static mirror where the address never leaves the browser.

    It touches smart voting at two points, both named functions: the latest published list's picks
    (smartvote.publish.published_picks) and the signed versions in force for the mirror (smartvote.publish.in_force).
    """

    name = "lookup"
    verbose_name = _("Where do I vote")
