from django.apps import AppConfig


class VecheConfig(AppConfig):
    """The project shell: settings, URLs, the API that gathers every tool's router, the home page, the base
    templates and static files. Nothing here is imported by a tool or by the shared core."""

    name = "veche"
