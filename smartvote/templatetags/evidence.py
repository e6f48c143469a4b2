"""How the forecast's evidence reads on its pages: the facts' codes and the elections' slugs, as words.

The forecast stores codes (``other_seat``, ``duma-2016``) so that a saved forecast reads in any language; the page
says them in the visitor's.
"""

from django import template
from django.utils.translation import gettext_lazy as _

from elections.models import Election

register = template.Library()

FACT_VALUES = {
    "same_seat": _("in this seat"),
    "other_seat": _("in another seat"),
    "elected": _("elected"),
    "lost": _("stood, not elected"),
    "registered": _("registered"),
    "refused": _("refused registration or withdrew"),
}


@register.filter
def fact_value(value):
    """A fact's value as words, when it is one of the codes (other values are data: names, dates, shares)."""
    return FACT_VALUES.get(value, value) if isinstance(value, str) else value


@register.filter
def election_name(slug):
    """The election's name for its slug (the slug itself when it is no longer imported)."""
    election = Election.objects.filter(slug=slug).only("name", "date").first()
    return str(election) if election else slug
