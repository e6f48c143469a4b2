from django.apps import AppConfig


class VecheConfig(AppConfig):
    """The site shell: base templates, home page, static files, i18n; the organisers' key chain."""

    name = "veche"
