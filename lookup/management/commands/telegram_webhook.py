"""Point the Telegram bot at this server's webhook (lookup/telegram.py).

VECHE_TELEGRAM_TOKEN=… VECHE_TELEGRAM_SECRET=… python manage.py telegram_webhook https://veche.example.org/bot/telegram/
"""

from django.core.management.base import BaseCommand, CommandError

from lookup.telegram import TelegramError, set_webhook


class Command(BaseCommand):
    help = "Set the Telegram bot's webhook to this server, with its secret."

    def add_arguments(self, parser):
        parser.add_argument("url", help="the https:// address of /bot/telegram/ on this server")

    def handle(self, *args, **options):
        try:
            set_webhook(options["url"])
        except TelegramError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Telegram now posts the bot's messages to {options['url']}.")
