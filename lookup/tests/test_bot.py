"""The lookup in a messenger (issue 35): Telegram's webhook answers an address, a UIK number or a location as the
API does, with the mirrors, keeps nothing, checks its secret, limits each sender; setting the webhook is tested
against a local fake of the Bot API (its HTTP contract: POST /bot<token>/setWebhook, JSON in, {"ok": …} out)."""

import io
import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

SECRET = "s" * 40
pytestmark = pytest.mark.django_db


@pytest.fixture
def bot(settings):
    settings.TELEGRAM_SECRET = SECRET
    settings.MIRRORS = ["https://mirror-one.example/", "https://mirror-two.example/"]
    return settings


def update(text=None, location=None, sender=501, language="ru"):
    message = {"message_id": 1, "date": 0, "chat": {"id": 9001, "type": "private"}}
    message["from"] = {"id": sender, "is_bot": False, "first_name": "Анна", "language_code": language}
    if text is not None:
        message["text"] = text
    if location is not None:
        message["location"] = {"latitude": location[0], "longitude": location[1]}
    return {"update_id": 7, "message": message}


def post(client, body, secret=SECRET):
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    return client.post("/bot/telegram/", json.dumps(body), content_type="application/json", headers=headers)


def said(client, **kwargs):
    response = post(client, update(**kwargs))
    assert response.status_code == 200
    reply = response.json()
    assert reply["method"] == "sendMessage" and reply["chat_id"] == 9001
    return reply["text"]


def test_the_bot_answers_an_address_a_number_and_a_location_and_keeps_nothing(client, bot, ranges, caplog):
    caplog.set_level(logging.DEBUG)
    with CaptureQueriesContext(connection) as queries:
        by_address = said(client, text="Садовая 101")  # a published address range: UIK 4
        by_number = said(client, text="УИК 1545")
        by_point = said(client, location=(59.9312, 30.3516), language="en")
    assert "№4" in by_address and "Санкт-Петербург" in by_address
    assert "№1545" in by_number
    assert "Nearest polling station: UIK №" in by_point and "not necessarily yours" in by_point
    for text in (by_address, by_number, by_point):
        assert text.endswith("https://mirror-one.example/ https://mirror-two.example/")
    # Nothing written: no row, no log line with what was asked or who asked.
    writes = [q["sql"] for q in queries.captured_queries if q["sql"].split()[0].upper() in {"INSERT", "UPDATE"}]
    assert writes == []
    logged = caplog.text
    assert "Садов" not in logged and "501" not in logged and "59.93" not in logged
    assert "Отправьте адрес" in said(client, text="/start")


def test_the_webhook_takes_only_telegram_with_its_secret(client, settings, bot):
    assert post(client, update(text="1545"), secret=None).status_code == 403
    assert post(client, update(text="1545"), secret="t" * 40).status_code == 403
    assert client.get("/bot/telegram/").status_code == 405
    assert post(client, {"update_id": 8, "edited_message": {}}).status_code == 200  # not a message: taken, no reply
    assert (
        client.post(
            "/bot/telegram/", b"{", content_type="application/json", headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
        ).status_code
        == 400
    )
    settings.TELEGRAM_SECRET = ""
    assert post(client, update(text="1545")).status_code == 404  # no bot on this server


def test_each_sender_is_limited_alone(client, bot):
    for _ in range(30):
        assert "№1545" in said(client, text="1545", sender=601)
    assert "Too many" in said(client, text="1545", sender=601, language="en")
    assert "№1545" in said(client, text="1545", sender=602)


class FakeBotApi(BaseHTTPRequestHandler):
    """Telegram's Bot API as its documentation describes setWebhook: what was posted is kept for the test."""

    calls: list = []
    answer = {"ok": True, "result": True, "description": "Webhook was set"}

    def do_POST(self):
        length = int(self.headers["Content-Length"])
        FakeBotApi.calls.append((self.path, json.loads(self.rfile.read(length))))
        body = json.dumps(FakeBotApi.answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_api(settings):
    server = HTTPServer(("127.0.0.1", 0), FakeBotApi)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    FakeBotApi.calls = []
    settings.TELEGRAM_API = f"http://127.0.0.1:{server.server_port}"
    yield FakeBotApi
    server.shutdown()


def test_the_command_sets_the_webhook_with_its_secret(settings, bot, fake_api):
    settings.TELEGRAM_TOKEN = "123456:ABC"
    out = io.StringIO()
    call_command("telegram_webhook", "https://veche.example.org/bot/telegram/", stdout=out)
    path, body = fake_api.calls[-1]
    assert path == "/bot123456:ABC/setWebhook"
    assert body["url"] == "https://veche.example.org/bot/telegram/" and body["secret_token"] == SECRET
    assert body["allowed_updates"] == ["message"]
    with pytest.raises(CommandError, match="HTTPS only"):
        call_command("telegram_webhook", "http://veche.example.org/bot/telegram/")
    fake_api.answer = {"ok": False, "description": "Bad Request: bad webhook"}
    with pytest.raises(CommandError, match="bad webhook"):
        call_command("telegram_webhook", "https://veche.example.org/bot/telegram/")
    settings.TELEGRAM_TOKEN = ""
    with pytest.raises(CommandError, match="VECHE_TELEGRAM_TOKEN"):
        call_command("telegram_webhook", "https://veche.example.org/bot/telegram/")
