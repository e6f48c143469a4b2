from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActionsConfig(AppConfig):
    """Solidarity: days of action with picket rotas (sign-ups a seized server cannot betray), letters to political
    prisoners, declarations of support."""

    name = "actions"
    verbose_name = _("Days of action")
    # Tables that hold personal data (sealed contacts and keyed hashes): `manage.py erase` scrubs their free space.
    # (A rejected signature's name is erased: its old value may linger in the table's free space.)
    personal_tables = ["actions_signup", "actions_signature"]

    def ready(self):
        from actions import declarations, letters
        from core.held import register

        register("letter-sent", letters.apply_held)
        register("declaration-signature", declarations.apply_held)
