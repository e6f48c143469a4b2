"""A chart's phone-sized drawing: ``<source media="(max-width: 40rem)" srcset="{{ url|phone }}">``.

The charts are figures about 880 px wide; a phone shrinks the whole image, words and all, to 5 px type. The same URL
with ``size=phone`` is drawn narrower with the same type sizes (core.charts.drawn_format)."""

from django import template

register = template.Library()


@register.filter
def phone(url: str) -> str:
    """``url`` with size=phone added to its query."""
    return f"{url}{'&' if '?' in url else '?'}size=phone"
