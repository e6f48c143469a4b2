from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitorConfig(AppConfig):
    name = "monitor"
    verbose_name = _("Monitor")
    # Tables that hold personal data (sealed people, reporters' contacts, photos): `manage.py erase` scrubs
    # their free space.
    personal_tables = ["monitor_person", "monitor_report", "monitor_attachment"]

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from monitor.intake import _KNOWN
        from monitor.models import City, Event

        def forget(sender, **kwargs):
            _KNOWN.pop(sender, None)  # this process reads the list again; others within a minute

        for model in (City, Event):
            post_save.connect(forget, sender=model, dispatch_uid=f"monitor-known-{model.__name__}")
            post_delete.connect(forget, sender=model, dispatch_uid=f"monitor-known-{model.__name__}-deleted")
