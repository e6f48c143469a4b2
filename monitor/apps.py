from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitorConfig(AppConfig):
    name = "monitor"
    verbose_name = _("Monitor")
    # Tables that hold personal data (sealed people, reporters' contacts, photos): `manage.py erase` scrubs
    # their free space.
    personal_tables = ["monitor_person", "monitor_report", "monitor_attachment"]

    def ready(self):
        from core.held import register
        from monitor.intake import apply_held

        register("monitor-report", apply_held)
