"""Telegram's side of the lookup bot (lookup.bot): the webhook, and setting it.

Telegram posts each update to the webhook with the secret we gave it when the webhook was set
(``X-Telegram-Bot-Api-Secret-Token``); anything without it is refused. The reply goes back in the webhook's own
answer (a ``sendMessage`` the Bot API performs), so the server calls no one and needs no token to answer; the token
(``VECHE_TELEGRAM_TOKEN``, in memory) is needed only by ``manage.py telegram_webhook`` to set the webhook. Nothing of
an update is stored or logged.
"""

from __future__ import annotations

import hmac
import json
import urllib.request

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from lookup.bot import Message, answer


class TelegramError(Exception):
    pass


def message_of(update: dict) -> tuple[int, Message] | None:
    """(chat id, the message) of an update that carries a person's message; None for any other update."""
    message = update.get("message")
    if not isinstance(message, dict):
        return None
    chat, sender = message.get("chat") or {}, message.get("from") or {}
    if not isinstance(chat.get("id"), int) or not isinstance(sender.get("id"), int):
        return None
    location = message.get("location") or {}
    text = message.get("text")
    latitude, longitude = location.get("latitude"), location.get("longitude")
    if not isinstance(latitude, int | float) or not isinstance(longitude, int | float):
        latitude = longitude = None
    return chat["id"], Message(
        sender=f"telegram:{sender['id']}",
        text=text if isinstance(text, str) else "",
        latitude=latitude,
        longitude=longitude,
        language=str(sender.get("language_code") or ""),
    )


@csrf_exempt  # Telegram's servers post here: the secret in the header stands for the CSRF token
@require_POST
def webhook(request: HttpRequest) -> HttpResponse:
    secret = settings.TELEGRAM_SECRET
    if not secret:
        return HttpResponse(status=404)  # no bot on this server
    given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
    if not hmac.compare_digest(given.encode(), secret.encode()):
        return HttpResponse(status=403)
    try:
        update = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return HttpResponse(status=400)
    found = message_of(update) if isinstance(update, dict) else None
    if found is None:
        return HttpResponse(status=200)  # another kind of update: taken (Telegram would send it again otherwise)
    chat, message = found
    said = answer(message)
    return JsonResponse(
        {"method": "sendMessage", "chat_id": chat, "text": said.text, "link_preview_options": {"is_disabled": True}}
    )


def set_webhook(url: str) -> dict:
    """Tell Telegram where the webhook is, with the secret it must send; Telegram's answer."""
    if not settings.TELEGRAM_TOKEN or not settings.TELEGRAM_SECRET:
        raise TelegramError("set VECHE_TELEGRAM_TOKEN (from @BotFather) and VECHE_TELEGRAM_SECRET first")
    if not url.startswith("https://"):
        raise TelegramError("Telegram calls webhooks over HTTPS only: give the https:// address of /bot/telegram/")
    body = json.dumps(
        {
            "url": url,
            "secret_token": settings.TELEGRAM_SECRET,
            "allowed_updates": ["message"],
            "drop_pending_updates": True,
            "max_connections": 40,
        }
    ).encode()
    call = urllib.request.Request(  # noqa: S310 (the Bot API's address, https:// or the tests' local fake)
        f"{settings.TELEGRAM_API}/bot{settings.TELEGRAM_TOKEN}/setWebhook",
        data=body,
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(call, timeout=30) as response:  # noqa: S310
            said = json.loads(response.read())
    except OSError as exc:
        raise TelegramError(f"the Bot API did not answer: {exc}") from None
    if not said.get("ok"):
        raise TelegramError(f"the Bot API refused: {said.get('description', said)}")
    return dict(said)
