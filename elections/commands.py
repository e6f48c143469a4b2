"""What the tools' management commands share about elections."""

from django.core.management.base import CommandError

from elections.models import Election


def elections_named(slugs: list[str]) -> list[Election]:
    """The elections with these slugs, in this order, or CommandError naming those not imported."""
    found = {e.slug: e for e in Election.objects.filter(slug__in=slugs)}
    missing = [s for s in slugs if s not in found]
    if missing:
        raise CommandError(f"no imported election {', '.join(missing)}; `manage.py elections` lists them")
    return [found[s] for s in slugs]
