from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """What every tool shares and no tool owns: sealing, keys and the organisers' key chain, rate limits,
    erasing, safe logs, charts, per-process caches, geometry, the commands' file readers.

    It imports no tool and not the project shell (a test walks the imports), so a tool built later can take
    any of it without taking another tool along.
    """

    name = "core"
    verbose_name = _("Shared core")
