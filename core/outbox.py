"""The demo's outbox: an e-mail backend that keeps the last mails in the database for the demo's outbox page.

Demo mode only (settings.EMAIL_BACKEND chooses it when VECHE_DEMO=1 and no mail server is set): it refuses to
work on a real server, where mail goes to the mail server and nothing of it is kept. It keeps the last ``KEEP``
mails, so that the table cannot grow.
"""

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail.backends.base import BaseEmailBackend

from core.models import DemoMail

KEEP = 50


class DemoOutbox(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[Any]) -> int:
        if not settings.DEMO:
            raise ImproperlyConfigured("the demo outbox keeps mails: demo mode only (VECHE_DEMO=1)")
        for message in email_messages:
            DemoMail.objects.create(
                to=", ".join(message.to)[:300], subject=str(message.subject)[:300], body=str(message.body)
            )
        stale = DemoMail.objects.values_list("pk", flat=True)[KEEP:]
        DemoMail.objects.filter(pk__in=list(stale)).delete()
        return len(email_messages)
