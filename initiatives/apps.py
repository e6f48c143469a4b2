from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InitiativesConfig(AppConfig):
    """Citizens' initiatives: anyone proposes, supporters back it (sealed, as pledges), and a proposal that crosses
    its threshold goes to a verifiable vote."""

    name = "initiatives"
    verbose_name = _("Citizens' initiatives")
    # No table here names a person: a proposer is anonymous unless they sign with a name meant for the public,
    # and supporters are the pledges tool's sealed rows (their counts are read through its door).
    personal_tables: list[str] = []
