from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActionsConfig(AppConfig):
    """Days of action with picket rotas: places, time slots, sign-ups a seized server cannot betray."""

    name = "actions"
    verbose_name = _("Days of action")
    # Tables that hold personal data (sealed contacts and keyed hashes): `manage.py erase` scrubs their free space.
    personal_tables = ["actions_signup"]
