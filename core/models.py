"""What the shared core stores: the organisers' key chain, statement by statement.

Each row is one signed statement exactly as the signing tool wrote it
(core/signing.py), under the root it descends from; rows are only ever added
(core.keys.load_keyring), and the whole chain is checked from the pinned
root every time it is read, so a row someone adds or alters with the database
makes every signature untrusted instead of trusted. A new root (a chain
started afresh) reads only its own rows.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SigningStatement(models.Model):
    root = models.CharField(max_length=60)  # base64 of the chain's first key
    seq = models.PositiveIntegerField()
    payload = models.TextField()  # the canonical JSON that was signed
    signature = models.CharField(max_length=100)  # base64 Ed25519

    class Meta:
        ordering = ["root", "seq"]
        constraints = [models.UniqueConstraint(fields=["root", "seq"], name="statement_once")]
        verbose_name = _("key-chain statement")
        verbose_name_plural = _("key-chain statements")

    def __str__(self) -> str:
        return f"statement {self.seq} of {self.root[:8]}…"


class DemoMail(models.Model):
    """A mail the demo would have sent (core.outbox): demo mode only, where nothing typed is real.

    A real server hands every mail to its mail server and keeps none; the demo has no mail server, and without
    this a visitor could never open the link that confirms a pledge.
    """

    sent = models.DateTimeField(auto_now_add=True)
    to = models.CharField(max_length=300)
    subject = models.CharField(max_length=300)
    body = models.TextField()

    class Meta:
        ordering = ["-sent", "-id"]
        verbose_name = _("demo mail")
        verbose_name_plural = _("demo mails")

    def __str__(self) -> str:
        return self.subject
