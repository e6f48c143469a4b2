from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VoteConfig(AppConfig):
    """Referendums and primaries anyone can verify: the server holds no key that counts or opens a ballot."""

    name = "vote"
    verbose_name = _("Votes")
    # No table of this app holds personal data: the board holds public credentials and encrypted ballots, and
    # who holds which credential is known to the credential authority alone, offline.
    personal_tables: list[str] = []

    def ready(self) -> None:
        # The mirror publisher (core/mirrors.py) checks a vote's exported folder by replaying its board.
        from core import mirrors
        from vote.mirror import checked_folder

        mirrors.register("board.jsonl", checked_folder)
