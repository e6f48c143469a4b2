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


class HeldKey(models.Model):
    """An hour's key of held writes (core.held), sealed to the organisers' public key: only for recovery after a
    crash took the key's file, opened on their machine. The key itself lives on a memory filesystem."""

    id = models.CharField(primary_key=True, max_length=32)  # sha256 of the key: names it, reveals nothing
    hour = models.DateTimeField()  # to the hour
    sealed = models.BinaryField()

    class Meta:
        ordering = ["hour"]

    def __str__(self) -> str:
        return f"held-write key {self.id[:8]}…"


class Held(models.Model):
    """A person's write held until its hour is over (core.held): its kind and content in a box under the hour's
    key. A random id, no time: the row says that something was held, nothing of what or when within the hour."""

    id = models.CharField(primary_key=True, max_length=32)
    key = models.ForeignKey(HeldKey, on_delete=models.PROTECT, db_constraint=False, related_name="+")
    box = models.BinaryField()

    def __str__(self) -> str:
        return f"held write {self.id[:8]}…"
