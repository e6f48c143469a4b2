"""The pages' input, through Django's forms: a draft, an argument, the moderators' decisions."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.sealing import SealingError, public_key
from initiatives.models import Argument

MAX_CITIES = 200


class ProposalForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    question = forms.CharField(
        label=_("The question as it would be put to the vote"),
        max_length=300,
        help_text=_("A question one can answer yes or no, e.g. «Should the city stop felling the park?»"),
    )
    text = forms.CharField(label=_("What you propose, and why"), max_length=5000, widget=forms.Textarea)
    signed_as = forms.CharField(
        label=_("Sign as (optional)"),
        max_length=100,
        required=False,
        help_text=_("Leave it empty to stay anonymous: the proposal is then shown without a name."),
    )
    website = forms.CharField(required=False)  # the honeypot: people do not see it, bots fill it


class ArgumentForm(forms.Form):
    side = forms.ChoiceField(label=_("Side"), choices=Argument.Side.choices)
    text = forms.CharField(label=_("Your argument"), max_length=600, widget=forms.Textarea(attrs={"rows": 4}))


class PublishForm(forms.Form):
    slug = forms.SlugField(label=_("Address of the page"), max_length=80)
    threshold = forms.IntegerField(label=_("Supporters needed"), min_value=1, max_value=100_000_000)
    ends = forms.DateTimeField(label=_("Support until (optional)"), required=False)
    public_key = forms.CharField(
        label=_("Organisers' public key for supporters' contacts"),
        max_length=60,
        help_text=_("From manage.py keygen on the organisers' offline machine; the private key never comes here."),
    )
    cities = forms.CharField(
        label=_("Cities, one per line"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Supporters choose theirs; counts are shown per city."),
    )

    def clean_public_key(self) -> str:
        key = self.cleaned_data["public_key"].strip()
        try:
            public_key(key)
        except SealingError as exc:
            raise ValidationError(str(exc)) from None
        return str(key)

    def clean_cities(self) -> list[str]:
        cities = list(dict.fromkeys(" ".join(c.split()) for c in self.cleaned_data["cities"].splitlines()))
        cities = [c[:100] for c in cities if c]
        if not cities or len(cities) > MAX_CITIES:
            raise ValidationError(_("Name between 1 and %(n)s cities.") % {"n": MAX_CITIES})
        return cities


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class VoteForm(forms.Form):
    vote = forms.SlugField(label=_("The vote's address (slug)"), max_length=100)
    reason = forms.CharField(
        label=_("Why, if the threshold is not reached"), max_length=2000, required=False, widget=forms.Textarea
    )


class ResponseForm(forms.Form):
    response = forms.CharField(label=_("The organisers' response"), max_length=5000, widget=forms.Textarea)
