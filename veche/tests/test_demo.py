"""What only the demo has stays in the demo: its logins, its outbox, its pages."""

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command

from core.models import DemoMail
from core.outbox import KEEP, DemoOutbox

pytestmark = pytest.mark.django_db


def test_a_real_server_has_no_demo_pages(client):
    for url in ("/demo/", "/demo/outbox/"):
        assert client.get(url).status_code == 404, url


def test_the_demo_command_refuses_outside_demo_mode():
    with pytest.raises(CommandError, match="demo mode only"):
        call_command("demo")
    assert not get_user_model().objects.filter(username__in=["organiser", "moderator"]).exists()


def test_the_outbox_keeps_no_mail_outside_demo_mode(settings):
    message = mail.EmailMessage("Подтвердите регистрацию", "ссылка", to=["Ulyana.Vorontsova@example.org"])
    with pytest.raises(ImproperlyConfigured):
        DemoOutbox().send_messages([message])
    assert not DemoMail.objects.exists()
    settings.DEMO = True
    for n in range(KEEP + 5):
        DemoOutbox().send_messages([mail.EmailMessage(f"#{n}", "ссылка", to=["a@example.org"])])
    assert DemoMail.objects.count() == KEEP  # the oldest go: the table cannot grow


def test_the_demo_page_names_its_logins_and_outbox(client, settings):
    settings.DEMO = True
    DemoMail.objects.create(to="a@example.org", subject="Подтвердите регистрацию", body="https://x/pledges/confirm/t/")
    page = client.get("/demo/", headers={"accept-language": "ru"}).content.decode()
    assert "organiser" in page and "veche-demo" in page and "/demo/outbox/" in page
    outbox = client.get("/demo/outbox/").content.decode()
    assert 'href="https://x/pledges/confirm/t/"' in outbox
