"""A vote and its bulletin board, as stored: the board's lines exactly as published, nothing else about voters.

The board's lines are the truth (vote/board.py checks them); the vote row keeps what the server needs to append
the next line quickly: the head of the chain, its length, the phase, the election key and fingerprint once open,
the number of batches of credentials and passes. Who holds a credential or a pass is nowhere here: the credential
authority and the registrar know it, offline. A ballot's line carries no time (the board's order is all it says of
when); the server refuses ballots outside the manifest's dates.
"""

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class Vote(models.Model):
    class Phase(models.TextChoices):
        DRAFT = "draft", _("waiting for the organisers' signature")
        SETUP = "setup", _("key ceremony")
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed, being counted")
        TALLY = "tally", _("tallied, being decrypted")
        RESULT = "result", _("result published")

    slug = models.SlugField(max_length=100, unique=True)
    title = models.CharField(_("title"), max_length=300)
    # The manifest's canonical JSON (core.signing.canonical), as the organisers sign it offline.
    manifest = models.TextField()
    # The board's own Ed25519 key (a seed). It is the server's, not the organisers': it signs receipts for what the
    # server accepted, which is how a server that shows two different boards is caught. A seizure gets it and can
    # sign a new board, but not one that agrees with the receipts and copies already outside (docs/vote.md).
    board_seed = models.BinaryField()
    opens = models.DateTimeField(_("opens"))
    closes = models.DateTimeField(_("closes"))
    # Where the vote is held: its pages show the times as the clocks there do (the manifest keeps them in UTC).
    time_zone = models.CharField(_("time zone"), max_length=60, default="Europe/Moscow")
    phase = models.CharField(max_length=10, choices=Phase.choices, default=Phase.DRAFT)
    head = models.CharField(max_length=64, default="0" * 64)
    length = models.PositiveIntegerField(default=0)
    public_key = models.CharField(max_length=64, blank=True, default="")
    fingerprint = models.CharField(max_length=64, blank=True, default="")
    batches = models.PositiveIntegerField(default=0)
    ballots = models.PositiveIntegerField(default=0)
    demo = models.BooleanField(default=False)

    class Meta:
        ordering = ["-closes"]
        verbose_name = _("vote")
        verbose_name_plural = _("votes")

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("vote:vote", args=[self.slug])


class Entry(models.Model):
    # No index of its own: the (vote, seq) constraint's index serves every lookup by vote.
    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="entries", db_index=False)
    seq = models.PositiveIntegerField()
    kind = models.CharField(max_length=12)
    # The board line ({"entry", "hash", "signature"}) as canonical JSON: what board.jsonl serves, byte for byte.
    line = models.TextField()
    hash = models.CharField(max_length=64)
    # A ballot's tracker (the SHA-256 of the ballot), to find it and to refuse a repeated one; its public credential
    # and voting pass (both on its board line already), to check under the append's lock that the ballot follows
    # its credential's last one and that the two are bound to each other (vote.board.admit).
    tracker = models.CharField(max_length=64, null=True, blank=True)
    credential = models.CharField(max_length=64, null=True, blank=True)
    voting_pass = models.CharField(max_length=64, null=True, blank=True)

    class Meta:
        ordering = ["vote", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["vote", "seq"], name="vote_entry_seq"),
            models.UniqueConstraint(fields=["vote", "tracker"], name="vote_entry_tracker"),
        ]
        indexes = [
            models.Index(fields=["vote", "credential", "seq"], name="vote_entry_credential"),
            models.Index(fields=["vote", "voting_pass"], name="vote_entry_pass"),
        ]
        verbose_name = _("board entry")
        verbose_name_plural = _("board entries")

    def __str__(self):
        return f"{self.vote.slug} #{self.seq} {self.kind}"
