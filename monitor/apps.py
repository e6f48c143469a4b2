from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitorConfig(AppConfig):
    name = "monitor"
    verbose_name = _("Monitor")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from monitor.intake import _KNOWN
        from monitor.models import City, Event

        def forget(sender, **kwargs):
            _KNOWN.pop(sender, None)  # this process reads the list again; others within a minute

        for model in (City, Event):
            post_save.connect(forget, sender=model, dispatch_uid=f"monitor-known-{model.__name__}")
            post_delete.connect(forget, sender=model, dispatch_uid=f"monitor-known-{model.__name__}-deleted")
