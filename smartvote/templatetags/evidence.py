"""How the forecast's evidence reads on its pages: the facts' codes and the elections' slugs, as words.

The forecast stores codes (``other_seat``, ``duma-2016``) so that a saved forecast reads in any language; the page
says them in the visitor's.
"""

import math
from urllib.parse import urlsplit

from django import template
from django.utils.formats import number_format
from django.utils.html import format_html
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


@register.filter
def strength(effect):
    """An effect on the log of a candidate's strength, as people read it: how many times stronger ("×1.28")."""
    if effect in (None, ""):
        return ""
    return "×" + number_format(round(math.exp(float(effect)), 2), decimal_pos=2)


@register.filter
def percent(weight):
    """A weight between 0 and 1 as a whole percentage ("55 %")."""
    if weight in (None, ""):
        return ""
    return f"{round(100 * float(weight))} %"


@register.filter
def source_link(source):
    """A fact's source: an address becomes a link named by its site (a bare URL fills a phone's line), other
    sources (a newspaper, "CEC protocol") stay as written."""
    text = str(source or "").strip()
    if text.startswith(("http://", "https://")) and " " not in text:
        host = urlsplit(text).hostname or text
        return format_html('<a href="{}" lang="zxx">{}</a>', text, host.removeprefix("www."))
    return text
