from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PledgesConfig(AppConfig):
    """Threshold sign-ups and petitions whose supporters a seized server cannot betray."""

    name = "pledges"
    verbose_name = _("Pledges")
    # Tables that hold personal data (contacts and keyed hashes): `manage.py erase` scrubs their free space.
    personal_tables = ["pledges_pledge"]

    def ready(self):
        from core.held import register
        from pledges.signup import apply_confirmation, apply_signup

        register("pledge-signup", apply_signup, order=10)  # a confirmation held in the same hour needs its row
        register("pledge-confirm", apply_confirmation, order=20)
