"""What only the demo has stays in the demo: its logins, its outbox, its pages."""

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command

from core.models import DemoMail
from core.outbox import KEEP, DemoOutbox
from veche import demoload

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


def test_a_loading_demo_shows_its_step_on_every_page(client, settings, tmp_path):
    """`make run` serves the site while the demo loads: every page says how far it has got, in the page's language,
    where it stopped and why, and nothing once it is loaded (or on a real server)."""
    settings.VAR_DIR = tmp_path
    demoload.record(demoload.Progress(4, 22, "earlier federal results"))
    ru = {"accept-language": "ru"}
    assert "demo-banner loading" not in client.get("/", headers=ru).content.decode()  # a real server: no banner
    settings.DEMO = True
    for url in ("/", "/lookup/", "/monitor/"):
        page = client.get(url, headers=ru).content.decode()
        assert "шаг 5 из 22 (прежние федеральные итоги)" in page, url
        assert '<progress id="demo-progress" max="100" value="18">' in page
    english = client.get("/", headers={"accept-language": "en"}).content.decode()
    assert "step 5 of 22 (earlier federal results)" in english
    demoload.record(demoload.Progress(4, 22, "earlier federal results", failed="no such file: 2011.csv.zip"))
    page = client.get("/", headers=ru).content.decode()
    assert "остановилась на шаге 5 из 22" in page and "no such file: 2011.csv.zip" in page and "<progress" not in page
    demoload.record(demoload.Progress(4, 22, "earlier federal results", failed=demoload.STOPPED))
    assert "когда остановили сервер" in client.get("/", headers=ru).content.decode()
    demoload.finish()
    assert "demo-banner loading" not in client.get("/", headers=ru).content.decode()


def test_the_demo_records_the_step_it_failed_at(settings, tmp_path):
    settings.DEMO = True
    settings.VAR_DIR = tmp_path
    with pytest.raises(CommandError):
        call_command("demo", data=tmp_path / "nowhere", progress=True, verbosity=0)
    progress = demoload.current()
    assert progress is not None and progress.done == 0 and progress.step == "St Petersburg 2021"
    assert "nowhere" in progress.failed and progress.total > 15
