"""Days of action: places anywhere in the world, time slots with a capacity and a role, sign-ups.

A single picket needs no permission in Russia, so picketers take turns at a
spot, one at a time, with a companion who watches and calls the lawyer: a
slot is a time at a place for one role, with a capacity (1 for a single
picket). Who signed up is never kept readable: a sign-up row holds a keyed
hash of the normalised e-mail (to take each person once per slot) and the
contact sealed to the action's organisers' public key, as the pledges do.
What is public is only how many places of a slot are taken. A sign-up takes
its place when its mail's link is opened: counting unconfirmed ones would
let anyone learn, from a count that does not move, that an address had
signed up before.
"""

from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.hours import known_zone, this_hour
from core.sealing import SealingError, public_key


def check_key(value: str) -> None:
    """An organisers' key as `keygen` prints it, or the admin's form says why not."""
    try:
        public_key(value)
    except SealingError as exc:
        raise ValidationError({"public_key": str(exc)}) from exc


class Action(models.Model):
    slug = models.SlugField(max_length=100, unique=True)
    title = models.CharField(_("title"), max_length=300)
    text = models.TextField(_("text"))
    # The organisers' X25519 public key (base64) from `manage.py keygen`; the private key stays offline.
    public_key = models.CharField(_("organisers' public key"), max_length=60)
    # A monitor person the action stands with (their pseudonym), shown as a link; may be empty.
    prisoner = models.CharField(_("in solidarity with (pseudonym, P-…)"), max_length=12, blank=True, default="")

    class Meta:
        ordering = ["-id"]
        verbose_name = _("action")
        verbose_name_plural = _("actions")

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("actions:action", args=[self.slug])

    def clean(self):
        check_key(self.public_key)


class Place(models.Model):
    class Kind(models.TextChoices):
        EMBASSY = "embassy", _("embassy")
        CONSULATE = "consulate", _("consulate")
        SQUARE = "square", _("square or street")
        OTHER = "other", _("other")

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="places")
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.SQUARE)
    city = models.CharField(_("city"), max_length=100)
    country = models.CharField(_("country"), max_length=100)
    address = models.CharField(_("address"), max_length=300, blank=True, default="")
    latitude = models.FloatField(_("latitude"))
    longitude = models.FloatField(_("longitude"))
    # Slots are shown, and reminders sent, in the place's own time.
    time_zone = models.CharField(_("time zone"), max_length=60, default="Europe/Moscow")

    class Meta:
        ordering = ["country", "city", "name"]
        verbose_name = _("place")
        verbose_name_plural = _("places")

    def __str__(self):
        return f"{self.name}, {self.city}"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def clean(self):
        if not known_zone(self.time_zone):
            raise ValidationError({"time_zone": _("Unknown time zone; for example Europe/Berlin.")})
        if not (-90 <= self.latitude <= 90 and -180 <= self.longitude <= 180):
            raise ValidationError({"latitude": _("Latitude −90…90, longitude −180…180.")})


class Slot(models.Model):
    class Role(models.TextChoices):
        PICKETER = "picketer", _("picketer")
        COMPANION = "companion", _("companion (watches, calls the lawyer)")
        PHOTOGRAPHER = "photographer", _("photographer")

    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="slots")
    starts = models.DateTimeField(_("starts"))
    ends = models.DateTimeField(_("ends"))
    role = models.CharField(_("role"), max_length=12, choices=Role.choices, default=Role.PICKETER)
    capacity = models.PositiveSmallIntegerField(_("capacity"), default=1)
    # Confirmed, not cancelled sign-ups: kept by actions.signup in the statement that confirms or cancels.
    taken = models.PositiveSmallIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["starts", "role", "id"]
        constraints = [models.CheckConstraint(condition=models.Q(taken__lte=models.F("capacity")), name="slot_fits")]
        verbose_name = _("time slot")
        verbose_name_plural = _("time slots")

    def __str__(self):
        local = timezone.localtime(self.starts, self.place.zone) if self.starts else None
        return f"{self.place} {local:%d.%m %H:%M}" if local else str(self.place)

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.taken)

    def clean(self):
        if self.starts and self.ends and self.ends <= self.starts:
            raise ValidationError({"ends": _("A slot ends after it starts.")})


class Signup(models.Model):
    slot = models.ForeignKey(Slot, on_delete=models.CASCADE, related_name="signups")
    # keyed_hash("action-email:<slot>", normalised e-mail): one sign-up per person and slot.
    person = models.CharField(max_length=64)
    # Sealed JSON {"email", "name", "cancel"}: the reminder, sent offline, carries the cancel link.
    contact = models.BinaryField()
    confirmed = models.DateTimeField(null=True)  # to the hour
    cancelled = models.DateTimeField(null=True)  # to the hour
    # keyed_hash of the latest mail's random link secrets (core.links): never the id; replaced by a repeated
    # sign-up. Sign-ups are deleted whole by `actions_purge` once the action is over.
    link = models.CharField(max_length=64, null=True, unique=True)
    cancel_link = models.CharField(max_length=64, null=True, unique=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["slot", "person"], name="signup_once")]

    def __str__(self):
        return f"sign-up {self.pk}"  # nothing about the person


class LetterTally(models.Model):
    """Letters that writers marked as sent, per prisoner (a monitor pseudonym) and day: a number, never a writer."""

    prisoner = models.CharField(max_length=12)
    day = models.DateField()
    sent = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prisoner", "day"], name="letters_once_a_day")]

    def __str__(self):
        return f"{self.prisoner} {self.day}: {self.sent}"


class Declaration(models.Model):
    """A public statement in support of a prisoner, for organisations and deputies to sign."""

    slug = models.SlugField(max_length=100, unique=True)
    prisoner = models.CharField(_("for (pseudonym, P-…)"), max_length=12)
    title = models.CharField(_("title"), max_length=300)
    text = models.TextField(_("text"))
    # The organisers' X25519 public key: the signers' contacts (how staff check a signature) are sealed to it.
    public_key = models.CharField(_("organisers' public key"), max_length=60)
    opened = models.DateField(_("opened"), default=timezone.localdate)

    class Meta:
        ordering = ["-opened", "-id"]
        permissions = [("verify_signature", _("Can verify and reject signatures of declarations"))]
        verbose_name = _("declaration of support")
        verbose_name_plural = _("declarations of support")

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("actions:declaration", args=[self.slug])

    def clean(self):
        check_key(self.public_key)


class Signature(models.Model):
    """An organisation's or a deputy's signature: shown only once staff have checked it with the signer.

    The name is what the signer asks to have published; until it is checked it shows nowhere, and a rejected
    signature keeps no name (whoever typed someone else's name is not kept on file). The contact staff check it
    by is sealed to the organisers' key."""

    class Kind(models.TextChoices):
        ORGANISATION = "organisation", _("organisation")
        DEPUTY = "deputy", _("deputy")
        PUBLIC = "public", _("public figure")

    class State(models.TextChoices):
        PENDING = "pending", _("waiting for a check")
        VERIFIED = "verified", _("verified")
        REJECTED = "rejected", _("rejected")

    declaration = models.ForeignKey(Declaration, on_delete=models.CASCADE, related_name="signatures")
    kind = models.CharField(_("who signs"), max_length=12, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200, blank=True, default="")
    # The name as compared (case and spaces folded, actions.declarations.name_key): one verified signature per
    # name; waiting ones may repeat, so that neither an impostor's nor an answer tells of a waiting name.
    name_key = models.CharField(max_length=200, blank=True, default="")
    affiliation = models.CharField(_("country, city or assembly"), max_length=200, blank=True, default="")
    contact = models.BinaryField(null=True)  # sealed
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    received = models.DateTimeField(default=this_hour)  # to the hour
    decided = models.DateTimeField(null=True)  # to the hour

    class Meta:
        ordering = ["kind", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["declaration", "name_key"], condition=models.Q(state="verified"), name="verified_once"
            )
        ]
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"


class Photo(models.Model):
    """A photo of the day, published by the organisers: re-encoded from its pixels (core.photos), so that no
    phone's GPS, camera or time goes with it."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="photos")
    place = models.ForeignKey(Place, null=True, blank=True, on_delete=models.SET_NULL, related_name="photos")
    content_type = models.CharField(max_length=20)
    image = models.BinaryField()
    caption = models.CharField(_("caption"), max_length=300, blank=True, default="")
    added = models.DateTimeField(default=this_hour)  # to the hour

    class Meta:
        ordering = ["place", "id"]
        verbose_name = _("photo")
        verbose_name_plural = _("photos")

    def __str__(self):
        return f"{self.action} #{self.pk}"
