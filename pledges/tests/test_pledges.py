"""Pledges: sign-up, double opt-in, counting once, bad input, keys, export, purge, and the leak test."""

import csv
import io
import logging
import re
import threading
import time

import pytest
from django.core import mail, signing
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from core.links import mint
from core.sealing import new_keypair
from core.testing import leaks, seized_text
from pledges.models import Campaign, City, Pledge
from pledges.signup import LINK_SALT, SignupError, normalise

pytestmark = pytest.mark.django_db
CLIENT_IP = "203.0.113.77"
# Names chosen not to occur in the imported election data (the leak test looks for them everywhere).
PEOPLE = [
    ("Evlampia.Kvasnikova+rally@gmail.com", "Евлампия Квасникова", "Москва"),
    ("aristarkh-pugovkin@yandex.ru", "Аристарх Пуговкин", "Санкт-Петербург"),
    ("Olimpiada.Rzhevskaya@mail.ru", "Олимпиада Ржевская", "Санкт-Петербург"),
    ("feoktist.zvyagin1987@proton.me", "", "Москва"),
]


@pytest.fixture
def keys():
    return new_keypair()


@pytest.fixture
def campaign(keys):
    campaign = Campaign.objects.create(
        slug="rally", title="Митинг", text="Объявим, когда наберётся порог.", threshold=3, public_key=keys[0]
    )
    for name in ("Москва", "Санкт-Петербург"):
        City.objects.create(campaign=campaign, name=name)
    return campaign


def sign_up(client, campaign, email, name="", city="Москва", **extra):
    city_id = City.objects.get(campaign=campaign, name=city).pk if city else ""
    return client.post(
        f"/pledges/{campaign.slug}/", {"email": email, "name": name, "city": city_id, **extra}, REMOTE_ADDR=CLIENT_IP
    )


def link_in(message) -> str:
    return re.search(r"http://testserver(/pledges/[\w-]+/confirm/\S+/)", message.body).group(1)


def test_normalising_counts_one_person_once():
    assert normalise("Anna.Smirnova+rally@GMail.com") == "annasmirnova@gmail.com"
    assert normalise("annasmirnova@googlemail.com") == "annasmirnova@gmail.com"
    assert normalise("i.petrov+x@ya.ru") == "i-petrov@yandex.ru"
    assert normalise("Olga.K+tag@mail.ru") == "olga.k+tag@mail.ru"  # mail.ru keeps both
    for bad in ("", "no-at-sign", "a@b", "a@@b.ru", "<script>@x.ru", "a b@c.ru", "x" * 300 + "@mail.ru", "+@gmail.com"):
        with pytest.raises(SignupError):
            normalise(bad)


def test_sign_up_confirm_and_count(client, campaign):
    response = sign_up(client, campaign, "Anna.Smirnova@gmail.com", "Анна")
    assert response.status_code == 200 and "Проверьте почту" in response.content.decode()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["Anna.Smirnova@gmail.com"]
    assert Pledge.objects.filter(campaign=campaign, confirmed__isnull=False).count() == 0
    link = link_in(mail.outbox[0])
    page = client.get(link).content.decode()
    assert "учтены" in page
    assert Pledge.objects.filter(campaign=campaign, confirmed__isnull=False).count() == 1
    again = client.get(link).content.decode()
    assert "уже подтверждена" in again
    assert Pledge.objects.filter(campaign=campaign, confirmed__isnull=False).count() == 1
    counters = client.get(f"/pledges/{campaign.slug}/counters/").content.decode()
    assert "<strong>1</strong>" in counters
    # The hour of the confirmation as people write it (day.month hours:00), not an ISO string run together.
    assert re.search(r"<td>\d\d\.\d\d \d\d:00</td>", counters) and "T0" not in counters


def test_the_same_person_counts_once_and_is_told_nothing_new(client, campaign):
    answers = [
        sign_up(client, campaign, email).content.decode()
        for email in ("anna.smirnova@gmail.com", "AnnaSmirnova+x@gmail.com", "ANNA.SMIRNOVA@googlemail.com")
    ]
    assert Pledge.objects.filter(campaign=campaign).count() == 1
    messages = [re.search(r'role="status">([^<]*)<', a).group(1) for a in answers]
    assert len(set(messages)) == 1  # the page says the same whether the address was known or not
    client.get(link_in(mail.outbox[-1]))  # the latest mail's link (each sign-up replaces the earlier one's)
    sign_up(client, campaign, "anna.smirnova+again@gmail.com")
    assert Pledge.objects.filter(campaign=campaign, confirmed__isnull=False).count() == 1
    # Only the page the link opens says where the sign-up stands.
    assert "уже подтверждена" in client.get(link_in(mail.outbox[-1])).content.decode()


def shape(message) -> tuple:
    """What a mail provider sees of a confirmation mail, with the link's token (random per pledge) blanked."""
    body = re.sub(r"(/confirm/)([^/\s]+)/", lambda m: m.group(1) + "x" * len(m.group(2)) + "/", message.body)
    mime = message.message()  # its Message-ID is random (and of random length): left out of the size
    return message.subject, body, len(mime.as_bytes()) - len(str(mime["Message-ID"]))


def test_the_mail_does_not_tell_who_had_signed_up_before(client, campaign):
    """Finding 4: a state reading mail at its providers signs up a list of suspects and compares the answers."""
    Pledge.objects.create(
        campaign=campaign,
        city=City.objects.get(campaign=campaign, name="Москва"),
        person="x" * 64,
        contact=b"x",
        confirmed="2021-01-01T00:00Z",
    )  # a pledge of id > 9, links stay one length
    sign_up(client, campaign, "counted.al@mail.ru")  # addresses of one length: mails of one length
    client.get(link_in(mail.outbox[-1]))
    sign_up(client, campaign, "waiting.st@mail.ru")
    mail.outbox.clear()
    for email in ("counted.al@mail.ru", "waiting.st@mail.ru", "brandnew01@mail.ru"):
        sign_up(client, campaign, email)
    counted, waiting, new = map(shape, mail.outbox)
    assert counted == waiting == new
    assert Pledge.objects.filter(campaign=campaign).count() == 4


def test_a_known_address_takes_the_same_statements_as_a_new_one(client, campaign):
    """The time of the answer must not tell them apart either: the same queries, in the same order."""
    sign_up(client, campaign, "first.time@mail.ru")
    client.get(link_in(mail.outbox[-1]))

    def statements(email):
        with CaptureQueriesContext(connection) as queries:
            sign_up(client, campaign, email)
        return [
            re.sub(r"'[^']*'|\b\d+\b", "?", q["sql"]) for q in queries.captured_queries if "pledges_pledge" in q["sql"]
        ]

    assert statements("first.time@mail.ru") == statements("second.time@mail.ru")


def test_the_threshold_is_reached_and_shown(client, campaign):
    for email, name, city in PEOPLE[:3]:
        sign_up(client, campaign, email, name, city)
    for message in mail.outbox:
        client.get(link_in(message))
    campaign.refresh_from_db()
    assert campaign.reached is not None
    assert "порог достигнут" in client.get(f"/pledges/{campaign.slug}/").content.decode()


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"email": "not-an-address"}, "не адрес электронной почты"),
        ({"email": "a@b.ru", "name": "Я" * 101}, "длиннее"),
        ({"email": "a@b.ru", "city": ""}, "Выберите город"),
    ],
)
def test_bad_input_is_refused_and_nothing_changes(client, campaign, fields, message):
    data = {"email": "", "name": "", "city": City.objects.get(campaign=campaign, name="Москва").pk, **fields}
    response = client.post(f"/pledges/{campaign.slug}/", data, REMOTE_ADDR=CLIENT_IP)
    assert response.status_code == 400 and message in response.content.decode()
    assert Pledge.objects.filter(campaign=campaign).count() == 0 and mail.outbox == []


def test_unknown_campaign_city_of_another_campaign_and_honeypot(client, campaign, keys):
    assert client.post("/pledges/nowhere/", {"email": "a@b.ru"}).status_code == 404
    other = Campaign.objects.create(slug="other", title="x", text="x", threshold=1, public_key=keys[0])
    foreign = City.objects.create(campaign=other, name="Казань")
    response = client.post(f"/pledges/{campaign.slug}/", {"email": "a@b.ru", "city": foreign.pk})
    assert response.status_code == 400
    bot = sign_up(client, campaign, "bot@example.com", website="http://spam.example")
    assert bot.status_code == 200 and "Проверьте почту" in bot.content.decode()
    assert Pledge.objects.filter(campaign=campaign).count() == 0 and mail.outbox == []


def test_forged_and_expired_links_are_refused(client, campaign, monkeypatch):
    sign_up(client, campaign, "a@b.ru")
    link = link_in(mail.outbox[0])
    forged = link[:-3] + ("A" if link[-3] != "A" else "B") + link[-2:]
    assert client.get(forged).status_code == 400
    pledge = Pledge.objects.get(campaign=campaign)
    real_time = time.time
    monkeypatch.setattr(signing.time, "time", lambda: real_time() - 4 * 86400)
    expired = mint(LINK_SALT)
    monkeypatch.setattr(signing.time, "time", real_time)
    Pledge.objects.filter(pk=pledge.pk).update(link=expired.key)
    response = client.get(f"/pledges/confirm/{expired.token}/")
    assert response.status_code == 400 and "истёк" in response.content.decode()
    # A well-signed link that names no pledge yet (its sign-up may still be held, core.held) is taken like any
    # other, and counts nothing if its sign-up never comes (or was replaced by a later one).
    response = client.get(f"/pledges/{campaign.slug}/confirm/{mint(LINK_SALT).token}/")
    assert response.status_code == 200 and "следующего часа" in response.content.decode()
    assert Pledge.objects.filter(campaign=campaign, confirmed__isnull=False).count() == 0
    # A link in the earlier form (the id, signed), mailed before links were opaque, still counts within its days.
    earlier = signing.TimestampSigner(salt=LINK_SALT).sign(f"{pledge.pk:012d}")
    assert "учтены" in client.get(f"/pledges/confirm/{earlier}/").content.decode()


def test_a_link_tells_the_mail_provider_nothing_of_who_signed_up_before(client, campaign):
    """Issue 31, finding 1: the provider signs up a control address, then the suspect, and compares the links.

    Each link is a fresh random secret: no number in it, a suspect's repeated sign-up gets a link that shares
    nothing with the earlier one (and the earlier one stops working), and the suspect's, the control's and a
    never-seen address's links are alike in every way a provider can see."""
    sign_up(client, campaign, "suspect.01@mail.ru")
    first = link_in(mail.outbox[-1])
    client.get(first)  # the suspect is counted
    mail.outbox.clear()
    for email in ("control.1@mail.ru", "suspect.01@mail.ru", "neverseen@mail.ru"):
        sign_up(client, campaign, email)
    links = [link_in(m) for m in mail.outbox]
    secrets = [link.split("/")[-2].split(":")[0] for link in [first, *links]]
    assert all(len(s) == 24 and not s.isdigit() for s in secrets)
    assert len(set(secrets)) == 4 and len({len(link) for link in links}) == 1
    # Only opening the link tells, as before: the new one says "counted"; the earlier mail's link, replaced, is taken
    # like a link whose sign-up is still held, and counts nothing more.
    assert "уже подтверждена" in client.get(links[1]).content.decode()
    assert client.get(first).status_code == 200
    assert Pledge.objects.filter(campaign=campaign, confirmed__isnull=False).count() == 1
    assert Pledge.objects.filter(campaign=campaign).count() == 3


def test_rate_limit_per_client(client, campaign):
    for i in range(10):
        assert sign_up(client, campaign, f"person{i}@example.com").status_code == 200
    assert sign_up(client, campaign, "one-more@example.com").status_code == 400
    assert Pledge.objects.filter(campaign=campaign).count() == 10


@pytest.mark.django_db(transaction=True)  # the purge erases after its transaction has committed
def test_keygen_export_and_purge(client, campaign, tmp_path):
    key_file = tmp_path / "organisers.key"
    out = io.StringIO()
    call_command("keygen", "--out", str(key_file), stdout=out)
    public = out.getvalue().split("public key: ")[1].strip()
    assert key_file.stat().st_mode & 0o077 == 0
    with pytest.raises(CommandError, match="exists"):
        call_command("keygen", "--out", str(key_file), stdout=io.StringIO())
    campaign.public_key = public
    campaign.save()
    for email, name, city in PEOPLE:
        sign_up(client, campaign, email, name, city)
    for message in mail.outbox[:3]:
        client.get(link_in(message))
    exported = tmp_path / "contacts.csv"
    call_command("pledges_export", "rally", "--secret-key", str(key_file), "--out", str(exported), stderr=io.StringIO())
    rows = list(csv.DictReader(exported.open(encoding="utf-8")))
    assert sorted(r["email"] for r in rows) == sorted(p[0] for p in PEOPLE[:3])
    assert {r["name"] for r in rows} == {p[1] for p in PEOPLE[:3]}
    wrong = tmp_path / "wrong.key"
    wrong.write_text(new_keypair()[1])
    with pytest.raises(CommandError, match="does not open"):
        call_command("pledges_export", "rally", "--secret-key", str(wrong), stdout=io.StringIO())
    with pytest.raises(CommandError, match="--yes"):
        call_command("pledges_purge", "rally")
    client.get(f"/pledges/{campaign.slug}/")  # the campaign is now in this process's short-lived cache
    call_command("pledges_purge", "rally", "--yes", stdout=io.StringIO())
    # The purge closed the campaign and waited out every worker's cached copy before deleting.
    late = sign_up(client, campaign, "late.comer@example.com")
    assert late.status_code == 400 and "закрыта" in late.content.decode()
    assert Pledge.objects.filter(campaign=campaign).count() == 3
    assert not Pledge.objects.filter(campaign=campaign, contact__isnull=False).exists()
    assert not Pledge.objects.filter(campaign=campaign, person__isnull=False).exists()
    assert not Pledge.objects.filter(campaign=campaign, link__isnull=False).exists()
    assert "<strong>3</strong>" in client.get(f"/pledges/{campaign.slug}/counters/").content.decode()
    with pytest.raises(CommandError, match="purged"):
        call_command("pledges_export", "rally", "--secret-key", str(key_file), stdout=io.StringIO())


@pytest.mark.django_db(transaction=True)  # committed, so that pg_dump sees it
def test_a_seized_server_reveals_nobody(client, campaign, caplog, capsys):
    caplog.set_level(logging.DEBUG)
    for email, name, city in PEOPLE:
        sign_up(client, campaign, email, name, city)
    for message in mail.outbox:
        client.get(link_in(message))
    sign_up(client, campaign, "not-an-address", "Фаддей Чужеземцев")  # a refused one too
    assert Pledge.objects.filter(campaign=campaign, confirmed__isnull=False).count() == len(PEOPLE)
    secrets = [p[0] for p in PEOPLE] + [p[1] for p in PEOPLE if p[1]] + [normalise(p[0]) for p in PEOPLE]
    secrets += [CLIENT_IP, "Фаддей Чужеземцев", "not-an-address"]
    try:
        assert leaks(secrets, [seized_text(), caplog.text, "\n".join(capsys.readouterr())]) == []
    finally:
        Pledge.objects.filter(campaign=campaign).delete()
        campaign.delete()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises writers: concurrency on PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_sign_ups(keys):
    campaign = Campaign.objects.create(slug="crowd", title="x", text="x", threshold=10_000, public_key=keys[0])
    city = City.objects.create(campaign=campaign, name="Москва")
    from pledges.signup import sign_up as take

    def run(emails, errors):
        try:
            for email in emails:
                take(campaign, city.pk, email, "", lambda token: token)
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    try:
        errors = []
        threads = [threading.Thread(target=run, args=(["same.person@example.com"] * 10, errors)) for _ in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == [] and Pledge.objects.filter(campaign=campaign).count() == 1
        threads = [
            threading.Thread(target=run, args=([f"p{i}-{j}@example.com" for j in range(10)], errors)) for i in range(20)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == [] and Pledge.objects.filter(campaign=campaign).count() == 201
    finally:
        Pledge.objects.filter(campaign=campaign).delete()
        campaign.delete()


def test_an_empty_sign_up_names_every_problem_at_once(client, campaign):
    """Issue 18: an empty form answered only «Выберите город»."""
    response = client.post(f"/pledges/{campaign.slug}/", {"email": "", "city": ""}, headers={"accept-language": "ru"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "Введите адрес электронной почты." in html and "Выберите город из списка." in html
    assert not Pledge.objects.filter(campaign=campaign).exists() and not mail.outbox
