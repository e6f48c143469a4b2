"""A day of action end to end: places, slots, sign-ups to capacity and beyond, a cancellation, the reminders,
"I was detained" into the monitor's moderation; bad input; a seized server; the last place under concurrency."""

import io
import logging
import re
import threading
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections
from django.utils import timezone, translation

from actions.models import Action, Photo, Place, Signup, Slot
from actions.signup import SignupError, confirm, sign_up
from core.sealing import new_keypair
from core.testing import leaks, photo_with_location, seized_text
from monitor.models import Report

pytestmark = pytest.mark.django_db
CLIENT_IP = "203.0.113.41"
# Names and addresses chosen not to occur in the imported data (the seizure test looks for them everywhere).
PEOPLE = [
    ("Agrippina.Shcheglova+picket@gmail.com", "Агриппина Щеглова"),
    ("vsevolod-kukushkin@yandex.ru", "Всеволод Кукушкин"),
    ("Panteleimon.Drozdov@mail.ru", "Пантелеймон Дроздов"),
]


@pytest.fixture(autouse=True)
def english(client):
    """The answers read in English here (the site speaks Russian first; test_translations checks the Russian)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def keys():
    return new_keypair()


def make_action(public, slug="picket", day=None):
    day = day or timezone.localdate() + timedelta(days=2)
    action = Action.objects.create(slug=slug, title="Пикеты солидарности", text="Смены по два часа.", public_key=public)
    berlin = Place.objects.create(
        action=action,
        name="Посольство России",
        kind="embassy",
        city="Berlin",
        country="Германия",
        address="Unter den Linden 63–65",
        latitude=52.5169,
        longitude=13.3816,
        time_zone="Europe/Berlin",
    )
    zone = ZoneInfo("Europe/Berlin")
    pair = Slot.objects.create(
        place=berlin,
        starts=datetime.combine(day, time(12), zone),
        ends=datetime.combine(day, time(14), zone),
        capacity=2,
    )
    single = Slot.objects.create(
        place=berlin,
        starts=datetime.combine(day, time(14), zone),
        ends=datetime.combine(day, time(16), zone),
        capacity=1,
    )
    return action, berlin, pair, single


def post(client, action, slot, email, name=""):
    return client.post(
        f"/actions/{action.slug}/", {"slot": slot.pk, "email": email, "name": name}, REMOTE_ADDR=CLIENT_IP
    )


def links(message) -> list[str]:
    return re.findall(r"http://testserver(/actions/\S+/)", message.body)


def said(response) -> list[str]:
    return re.findall(r'role="(?:status|alert)">([^<]+)<', response.content.decode())


def test_a_full_action(client, keys, tmp_path):
    action, berlin, pair, _single = make_action(keys[0])
    page = client.get(f"/actions/{action.slug}/")
    assert page.status_code == 200 and "Unter den Linden" in page.content.decode()
    for email, name in PEOPLE:
        assert post(client, action, pair, email, name).status_code == 200
    assert post(client, action, pair, PEOPLE[0][0].lower()).status_code == 200  # the same person again
    assert len(mail.outbox) == 4 and len({m.subject for m in mail.outbox}) == 1
    # The repeat gets new links that share nothing with the first (core.links): one sign-up, one place at most.
    first, repeat = links(mail.outbox[0]), links(mail.outbox[3])
    assert not set(first) & set(repeat) and [len(x) for x in first] == [len(x) for x in repeat]
    assert Signup.objects.filter(slot=pair).count() == 3
    assert client.get(first[0]).status_code == 400  # replaced by the repeat's
    pair.refresh_from_db()
    assert pair.taken == 0  # nothing is taken before a link is opened
    answers = [client.get(links(m)[0]) for m in (mail.outbox[3], mail.outbox[1], mail.outbox[2])]
    assert [a.status_code for a in answers] == [200, 200, 400]
    assert "last place" in said(answers[2])[0]  # the third is told, and shown the action again
    pair.refresh_from_db()
    assert pair.taken == 2
    assert post(client, action, pair, "late.comer@example.org").status_code == 400  # full: refused at once
    # A cancellation: GET asks (a mail scanner opens links), POST gives the place back.
    cancel = links(mail.outbox[3])[1]
    assert client.get(cancel).status_code == 200
    pair.refresh_from_db()
    assert pair.taken == 2
    assert client.post(cancel).status_code == 200 and client.post(cancel).status_code == 200  # twice: once
    pair.refresh_from_db()
    assert pair.taken == 1
    assert client.get(links(mail.outbox[2])[0]).status_code == 200  # the third now gets the freed place
    pair.refresh_from_db()
    assert pair.taken == 2
    page = client.get(f"/actions/{action.slug}/").content.decode()
    assert all(name not in page and email not in page for email, name in PEOPLE)
    csv = client.get(f"/actions/{action.slug}/counts.csv").content.decode().splitlines()
    assert len(csv) == 3 and csv[1].endswith(",picketer,2,2") and csv[2].endswith(",picketer,1,0")
    api = client.get(f"/api/actions/{action.slug}").json()
    assert [s["taken"] for s in api["places"][0]["slots"]] == [2, 0]
    # The reminders, sent offline with the organisers' key: one to each held place, with its cancel link.
    mail.outbox.clear()
    key = tmp_path / "organisers.key"
    key.write_text(keys[1])
    call_command("actions_remind", action.slug, "--secret-key", str(key), "--day", pair.starts.date().isoformat())
    assert sorted(m.to[0] for m in mail.outbox) == sorted([PEOPLE[1][0], PEOPLE[2][0]])
    assert len({m.subject for m in mail.outbox}) == 1
    for message in mail.outbox:
        assert "/actions/cancel/" in message.body and "12:00" in message.body
    wrong = tmp_path / "wrong.key"
    wrong.write_text(new_keypair()[1])
    mail.outbox.clear()
    with pytest.raises(CommandError):
        call_command("actions_remind", action.slug, "--secret-key", str(wrong), "--day", pair.starts.date().isoformat())
    assert mail.outbox == []  # a wrong key sends nothing, not half the mails
    # "I was detained": one tap, a detention report at the action's place, new, for the moderators.
    response = client.post(f"/actions/{action.slug}/detained/", {"place": berlin.pk}, REMOTE_ADDR=CLIENT_IP)
    assert response.status_code == 200
    report = Report.objects.get(source="action")
    assert (report.kind, report.state, report.city.name, report.event.slug) == (
        "detention",
        "new",
        "Berlin",
        f"action-{action.slug}",
    )
    assert "Посольство России" in report.place and report.received.minute == 0
    assert client.post(f"/actions/{action.slug}/detained/", {"place": "x"}, REMOTE_ADDR=CLIENT_IP).status_code == 400
    assert Report.objects.filter(source="action").count() == 1


def test_bad_sign_ups_change_nothing(client, keys):
    action, berlin, pair, _single = make_action(keys[0])
    other, *_rest = make_action(keys[0], slug="other")
    past = Slot.objects.create(
        place=berlin, starts=timezone.now() - timedelta(hours=1), ends=timezone.now() + timedelta(hours=1)
    )
    cases = [
        ({"slot": pair.pk, "email": "not-an-address"}, "e-mail"),
        ({"slot": pair.pk, "email": ""}, "e-mail"),
        ({"slot": "", "email": "a@example.org"}, "slot"),
        ({"slot": "99999999", "email": "a@example.org"}, "slot"),
        ({"slot": other.places.first().slots.first().pk, "email": "a@example.org"}, "slot"),  # another action's
        ({"slot": past.pk, "email": "a@example.org"}, "begun"),
        ({"slot": pair.pk, "email": "a@example.org", "name": "я" * 101}, "100"),
    ]
    for data, word in cases:
        response = client.post(f"/actions/{action.slug}/", data, REMOTE_ADDR=CLIENT_IP)
        assert response.status_code == 400, data
        assert word in " ".join(said(response)), (data, said(response))
    assert Signup.objects.count() == 0 and mail.outbox == []
    for token in ("nonsense", "000000000001:bad:signature"):
        assert client.get(f"/actions/confirm/{token}/").status_code == 400
        assert client.post(f"/actions/cancel/{token}/").status_code == 400
    # The honeypot gets the real answer, and nothing is stored or sent.
    response = client.post(
        f"/actions/{action.slug}/", {"slot": pair.pk, "email": "bot@example.org", "website": "x"}, REMOTE_ADDR=CLIENT_IP
    )
    assert response.status_code == 200 and Signup.objects.count() == 0 and mail.outbox == []


def test_places_near_a_point(client, keys):
    make_action(keys[0])
    moscow = Action.objects.create(slug="moscow", title="Пикеты в Москве", text="x", public_key=keys[0])
    square = Place.objects.create(
        action=moscow, name="Пушкинская площадь", city="Москва", country="Россия", latitude=55.7656, longitude=37.6057
    )
    soon = timezone.now() + timedelta(days=1)
    Slot.objects.create(place=square, starts=soon, ends=soon + timedelta(hours=2))
    near_berlin = client.get("/actions/?lat=52.52&lon=13.40").content.decode()
    near_moscow = client.get("/actions/?lat=55.75&lon=37.62").content.decode()
    assert near_berlin.index("Посольство России") < near_berlin.index("Пушкинская площадь")
    assert near_moscow.index("Пушкинская площадь") < near_moscow.index("Посольство России")
    assert client.get("/actions/?lat=91&lon=0").status_code == 400
    assert client.get("/actions/?lat=abc&lon=0").status_code == 400


@pytest.mark.django_db(transaction=True)
def test_a_seized_server_reveals_no_one_who_signed_up(client, caplog, capsys):
    caplog.set_level(logging.DEBUG)
    public, _private = new_keypair()
    action, berlin, pair, single = make_action(public, slug="seized")
    try:
        for email, name in PEOPLE:
            post(client, action, pair, email, name)
        for message in mail.outbox:
            client.get(links(message)[0])
        client.post(links(mail.outbox[0])[1])  # one cancelled
        post(client, action, single, "not-an-address", "Фаддей Чужеземцев")  # a refused one too
        client.post(f"/actions/{action.slug}/detained/", {"place": berlin.pk}, REMOTE_ADDR=CLIENT_IP)
        assert Signup.objects.filter(confirmed__isnull=False).count() == 2
        secrets = [p[0] for p in PEOPLE] + [p[1] for p in PEOPLE]
        secrets += [p[0].lower().replace("+picket", "").replace(".", "", 1) for p in PEOPLE[:1]]  # normalised forms
        secrets += [CLIENT_IP, "Фаддей Чужеземцев", "not-an-address"]
        assert leaks(secrets, [seized_text(), caplog.text, "\n".join(capsys.readouterr())]) == []
    finally:
        Report.objects.filter(source="action").delete()
        action.delete()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises writers: concurrency on PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_confirmations_for_the_last_place(keys):
    action, _berlin, _pair, single = make_action(keys[0], slug="last-place")
    tokens = []
    for email in ("first.one@example.org", "second.one@example.org"):
        sign_up(action, single.pk, email, "", lambda name, token: f"http://x/{name}/{token}/")
    tokens = [re.search(r"actions:confirm/(\S+)/", m.body).group(1) for m in mail.outbox]
    barrier = threading.Barrier(2)
    results = []

    def run(token):
        try:
            translation.activate("en")
            barrier.wait()
            results.append(confirm(token).message)
        except SignupError as exc:
            results.append(f"refused: {exc}")
        finally:
            connections.close_all()

    try:
        for _ in range(5):  # five rounds: the race is run, not hoped for
            Signup.objects.filter(slot=single).update(confirmed=None, cancelled=None)
            Slot.objects.filter(pk=single.pk).update(taken=0)
            results.clear()
            threads = [threading.Thread(target=run, args=(t,)) for t in tokens]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            single.refresh_from_db()
            assert single.taken == 1, results
            assert sorted(r.startswith("refused") for r in results) == [False, True], results
            assert any("last place" in r for r in results)
            assert Signup.objects.filter(slot=single, confirmed__isnull=False).count() == 1
    finally:
        action.delete()


def test_signing_up_again_after_cancelling(client, keys):
    """A cancelled sign-up, signed up again, waits for its new link: one place at most."""
    action, _berlin, _pair, single = make_action(keys[0], slug="again")
    post(client, action, single, PEOPLE[1][0])
    confirm_link, cancel_link = links(mail.outbox[0])
    assert client.get(confirm_link).status_code == 200
    assert client.post(cancel_link).status_code == 200
    assert client.get(confirm_link).status_code == 400  # cancelled: the old link takes nothing back by itself
    single.refresh_from_db()
    assert single.taken == 0
    post(client, action, single, PEOPLE[1][0])
    again, cancel_again = links(mail.outbox[1])
    assert again != confirm_link and cancel_again != cancel_link
    assert client.get(again).status_code == 200 and client.get(again).status_code == 200
    single.refresh_from_db()
    assert single.taken == 1 and Signup.objects.filter(slot=single).count() == 1


def test_after_the_day_places_taken_and_photos_without_metadata(client, keys):
    from PIL import Image

    action, berlin, pair, _single = make_action(keys[0], slug="after")
    Slot.objects.filter(pk=pair.pk).update(taken=2)
    page = client.get(f"/actions/{action.slug}/report/").content.decode()
    assert "2 / 3" in page and "No photos yet" in page
    upload = f"/actions/{action.slug}/photos/"
    photo = SimpleUploadedFile("day.jpg", photo_with_location("PicketCam"), content_type="image/jpeg")
    assert client.post(upload, {"photos": photo}).status_code == 302  # to the login
    organiser = get_user_model().objects.create_user("photo-organiser", password="pw-for-tests-only")
    client.force_login(organiser)
    assert client.get(upload).status_code == 403
    organiser.user_permissions.add(Permission.objects.get(codename="add_photo"))
    organiser = get_user_model().objects.get(pk=organiser.pk)
    client.force_login(organiser)
    for bad, reason in (
        ({"photos": SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")}, "JPEG, PNG or WebP"),
        ({}, "at least one photo"),
        (
            {"photos": SimpleUploadedFile("d.jpg", photo_with_location("PicketCam")), "place": "999999"},
            "Choose one of the action",
        ),
        (
            {"photos": SimpleUploadedFile("d.jpg", photo_with_location("PicketCam")), "caption": "x" * 301},
            "longer than 300",
        ),
    ):
        refused = client.post(upload, bad)
        assert refused.status_code == 400 and reason in refused.content.decode(), reason
    assert not Photo.objects.exists()
    photo = SimpleUploadedFile("day.jpg", photo_with_location("PicketCam"), content_type="image/jpeg")
    answer = client.post(upload, {"photos": photo, "place": berlin.pk, "caption": "У посольства, 12:00"})
    assert answer.status_code == 302 and answer.url == f"/actions/{action.slug}/report/"
    client.logout()
    stored = Photo.objects.get()
    shown = client.get(f"/actions/photos/{stored.pk}/")
    assert shown.status_code == 200 and shown["Content-Type"] == "image/jpeg"
    assert b"PicketCam" not in shown.content and Image.open(io.BytesIO(shown.content)).getexif() == {}
    page = client.get(f"/actions/{action.slug}/report/").content.decode()
    assert "У посольства, 12:00" in page and f"/actions/photos/{stored.pk}/" in page
    assert client.get("/actions/photos/999999/").status_code == 404


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises writers: concurrency on PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_a_confirmation_and_a_cancellation_at_once(keys):
    """Issue 31, finding 5: a confirm and a cancel of one sign-up at the same moment once left the place taken by
    no one (the cancel read ``confirmed`` before its transaction). Whatever the order, the slot's count is the
    number of live, confirmed sign-ups."""
    action, _berlin, _pair, single = make_action(keys[0], slug="race")
    sign_up(action, single.pk, "racer.one@example.org", "", lambda name, token: f"http://x/{name}/{token}/")
    body = mail.outbox[-1].body
    confirm_token = re.search(r"actions:confirm/(\S+)/", body).group(1)
    cancel_token = re.search(r"actions:cancel/(\S+)/", body).group(1)
    barrier = threading.Barrier(2)

    def run(step, token):
        try:
            barrier.wait()
            step(token)
        except SignupError:
            pass
        finally:
            connections.close_all()

    from actions.signup import cancel

    try:
        for _ in range(12):  # the race is run, not hoped for
            Signup.objects.filter(slot=single).update(confirmed=None, cancelled=None)
            Slot.objects.filter(pk=single.pk).update(taken=0)
            threads = [
                threading.Thread(target=run, args=(confirm, confirm_token)),
                threading.Thread(target=run, args=(cancel, cancel_token)),
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            single.refresh_from_db()
            signup = Signup.objects.get(slot=single)
            assert signup.cancelled is not None  # the cancel always lands
            assert single.taken == 0, (signup.confirmed, signup.cancelled)
    finally:
        action.delete()


@pytest.mark.django_db(transaction=True)  # the purge erases after its transaction has committed
def test_sign_ups_are_purged_once_the_action_is_over(keys):
    """Issue 31, finding 3: sign-ups (keyed hashes, sealed contacts) were kept for ever. Once the action is over
    they are deleted and erased from the database's files; the slots keep their counts."""
    over, _b, over_pair, _s = make_action(keys[0], slug="over", day=timezone.localdate() - timedelta(days=10))
    coming, _b2, coming_pair, _s2 = make_action(keys[0], slug="coming")
    Signup.objects.create(slot=over_pair, person="a" * 64, contact=b"sealed-over", confirmed=timezone.now())
    Slot.objects.filter(pk=over_pair.pk).update(taken=1)
    sign_up(coming, coming_pair.pk, "still.coming@example.org", "", lambda name, token: f"http://x/{name}/{token}/")
    try:
        with pytest.raises(CommandError, match="not over"):
            call_command("actions_purge", "--action", "coming", "--yes", stdout=io.StringIO())
        with pytest.raises(CommandError, match="--yes"):
            call_command("actions_purge", "--ended-days", "7")
        with pytest.raises(CommandError, match="days"):
            call_command("actions_purge", "--ended-days", "-1", "--yes")
        assert Signup.objects.count() == 2  # every refusal changed nothing
        out = io.StringIO()
        call_command("actions_purge", "--ended-days", "7", "--yes", stdout=out)
        assert "1 sign-ups deleted" in out.getvalue() and "Erased" in out.getvalue()
        assert list(Signup.objects.values_list("slot__place__action__slug", flat=True)) == ["coming"]
        over_pair.refresh_from_db()
        assert over_pair.taken == 1  # the count stays
        assert "sealed-over" not in seized_text()
        out = io.StringIO()
        call_command("actions_purge", "--ended-days", "7", "--yes", stdout=out)  # again: nothing left to do
        assert "0 sign-ups deleted" in out.getvalue()
    finally:
        over.delete()
        coming.delete()


def test_every_page_says_the_place_s_own_time(client, keys):
    """A Berlin slot from 12:00 to 14:00 is 14:00–16:00 in Moscow, the site's own zone: every page and the mail
    say 12:00, as the place's clock does, and never the Moscow hours."""
    action, _berlin, pair, _single = make_action(keys[0], slug="abroad")
    assert post(client, action, pair, "a@example.org").status_code == 200
    confirm_link, cancel_link = links(mail.outbox[0])
    assert "12:00" in mail.outbox[0].body
    pages = {
        "action": f"/actions/{action.slug}/",
        "index": "/actions/",
        "report": f"/actions/{action.slug}/report/",
        "confirm": confirm_link,
        "cancel": cancel_link,
    }
    for name, url in pages.items():
        text = client.get(url).content.decode()
        assert ("12:00" if name == "index" else "12:00–14:00") in text, name
        assert "16:00–18:00" not in text, name  # the single slot in Moscow's hours
