"""What the pages need to say about the text they show."""

from django import template

register = template.Library()


@register.filter
def lang_of(text: object) -> str:
    """ "en" for text mostly in Latin letters, "ru" otherwise: data quoted as its source wrote it (an English
    encyclopedia's line on a Russian page) is marked as such, for screen readers and for the page checks."""
    letters = [c for c in str(text or "") if c.isalpha()]
    latin = sum("a" <= c.lower() <= "z" for c in letters)
    return "en" if letters and latin > len(letters) / 2 else "ru"
