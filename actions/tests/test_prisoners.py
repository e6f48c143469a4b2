"""Support for political prisoners: records that follow the published steps, hunger-strike days by the prison's
clock, letters weighted towards the least written, declarations shown only once checked, the imported timeline
equal to its file, the API and open data with consented records only."""

import csv
import io
import json
import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from actions.letters import pick, recent, weights, writable
from actions.models import Declaration, LetterTally, Signature
from core.sealing import new_keypair
from core.testing import leaks, seized_text
from monitor.intake import take
from monitor.models import Facility, HungerStrike, Person, Recognition, Report
from monitor.moderation import act
from monitor.prisoners import prisoner, prisoners, strike_day

pytestmark = pytest.mark.django_db
CLIENT_IP = "198.51.100.77"


@pytest.fixture(autouse=True)
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def step(name, step, happened, person=None, days=None, article="УК РФ, ст. 207.3", consent=True):
    """One published step of a case, through the monitor's intake and moderation (as every record comes in)."""
    data = {"kind": "prosecution", "happened": happened, "case_kind": "criminal", "article": article, "step": step}
    if days:
        data["days"] = days
    data.update({"person": person.pseudonym} if person else {"name": name, "consent": "1" if consent else ""})
    report = take(data, source="test")
    act(report, "verify", None, reason="test")
    act(report, "publish", None, reason="test")
    return Person.objects.get(pk=report.person_id)


def held(name, zone="Europe/Moscow", letters=True, consent=True, arrested="2025-03-01"):
    facility = Facility.objects.create(
        name=f"ИК для {name}", kind="colony", address=f"000000, колония {name}", time_zone=zone
    )
    person = step(name, "arrest", arrested, consent=consent)
    Person.objects.filter(pk=person.pk).update(facility=facility, letters=letters)
    person.refresh_from_db()
    return person


def test_the_record_follows_the_published_steps():
    person = step("Евлампия Гвоздикова", "arrest", "2024-02-10")
    assert (person.status, person.in_custody, person.term_start) == ("pre_trial", True, date(2024, 2, 10))
    person = step("", "sentence", "2025-01-20", person=person, days=1095)
    # The term runs from the case's arrest: 2024-02-10 + 1095 days.
    assert (person.status, person.sentence_days, person.term_end) == ("sentenced", 1095, date(2027, 2, 9))
    step("", "hunger_strike", "2025-06-01", person=person)
    strike = HungerStrike.objects.get(person=person)
    assert strike.started == date(2025, 6, 1) and strike.going_on
    step("", "strike_end", "2025-06-19", person=person)
    strike.refresh_from_db()
    assert strike.ended == date(2025, 6, 19) and not strike.going_on
    step("", "hunger_strike", "2025-09-01", person=person)
    person = step("", "release", "2025-10-01", person=person)
    assert (person.status, person.in_custody) == ("released", False)
    later = HungerStrike.objects.get(person=person, started=date(2025, 9, 1))
    assert later.end_unknown and not later.going_on  # freed: over, on a day the steps do not say
    # An old step published late does not overwrite today's status.
    person = step("", "arrest", "2024-01-01", person=person, article="УК РФ, ст. 280.3")
    assert person.status == "released"


def test_a_hunger_strikes_day_is_counted_by_the_prisons_clock(client):
    """A strike begun on 1 March: at 15:00 UTC it is already day 2 in a Vladivostok colony (01:00 on 2 March),
    still day 1 in Moscow (18:00) and in Kaliningrad (17:00); at 21:30 UTC, day 2 in Moscow (00:30), day 1 in
    Kaliningrad (23:30)."""
    people = {zone: held(f"Заключённый {zone}", zone) for zone in ("Asia/Vladivostok", "Europe/Moscow")}
    people["Europe/Kaliningrad"] = held("Заключённая Калининград", "Europe/Kaliningrad")
    for person in people.values():
        step("", "hunger_strike", "2026-03-01", person=person)
    expected = {
        datetime(2026, 2, 28, 20, 0, tzinfo=UTC): {
            "Asia/Vladivostok": 1,
            "Europe/Moscow": None,
            "Europe/Kaliningrad": None,
        },
        datetime(2026, 3, 1, 15, 0, tzinfo=UTC): {"Asia/Vladivostok": 2, "Europe/Moscow": 1, "Europe/Kaliningrad": 1},
        datetime(2026, 3, 1, 21, 30, tzinfo=UTC): {"Asia/Vladivostok": 2, "Europe/Moscow": 2, "Europe/Kaliningrad": 1},
        datetime(2026, 3, 11, 12, 0, tzinfo=UTC): {
            "Asia/Vladivostok": 11,
            "Europe/Moscow": 11,
            "Europe/Kaliningrad": 11,
        },
    }
    for now, days in expected.items():
        for zone, day in days.items():
            assert prisoner(people[zone].pseudonym, now=now).strike_day == day, (now, zone)
            strike = people[zone].hunger_strikes.get()
            assert strike_day(strike, people[zone].facility.zone, now) == day
    # The pages count by today's clock: the strike began on 2026-03-01, so today's day is known.
    today = timezone.localtime(timezone.now(), people["Europe/Moscow"].facility.zone).date()
    shown = (today - date(2026, 3, 1)).days + 1
    page = client.get("/actions/prisoners/")
    assert f"Hunger strike: day {shown} " in page.content.decode()


def test_letters_go_mostly_to_the_least_written():
    """Over 10,000 picks the prisoners with the fewest letters in 30 days get the most picks, each in proportion
    to 1 / (1 + letters); letters older than 30 days do not count; no one without consent is picked."""
    written = {"Ноль Писем": 0, "Одно Письмо": 1, "Пять Писем": 5, "Двадцать Писем": 20}
    people = {name: held(name) for name in written}
    held("Не Хочет Писем", letters=False)
    today = timezone.localdate()
    for name, n in written.items():
        if n:
            LetterTally.objects.create(prisoner=people[name].pseudonym, day=today - timedelta(days=3), sent=n)
    LetterTally.objects.create(prisoner=people["Ноль Писем"].pseudonym, day=today - timedelta(days=31), sent=500)
    candidates = [p for p in writable() if p.name in written or p.name == "Не Хочет Писем"]
    assert sorted(p.name for p in candidates) == sorted(written)
    letters = recent()
    rng = random.Random(22)
    picks = Counter(pick(candidates, letters, rng).name for _ in range(10_000))
    ranked = [name for name, _n in picks.most_common()]
    assert ranked == ["Ноль Писем", "Одно Письмо", "Пять Писем", "Двадцать Писем"], picks
    total = sum(weights(candidates, letters))
    for p, w in zip(candidates, weights(candidates, letters), strict=True):
        assert abs(picks[p.name] / 10_000 - w / total) < 0.015, (p.name, picks[p.name], w / total)


def test_write_a_letter_and_mark_it_sent(client):
    anna = held("Агафья Незабудкина")
    held("Прохор Неписьменный", letters=False)
    page = client.get("/actions/letters/", REMOTE_ADDR=CLIENT_IP)
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    # Whoever is picked, the page shows their address; the one without consent is never offered.
    for _ in range(20):
        body = client.get("/actions/letters/").content.decode()
        assert "Неписьменный" not in body and "<address" in body
    body = client.get(f"/actions/letters/{anna.pseudonym}/").content.decode()
    assert "000000, колония Агафья Незабудкина" in body and "Здравствуйте, Агафья Незабудкина!" in body
    assert (
        client.get(f"/actions/letters/{Person.objects.get(public_name='Прохор Неписьменный').pseudonym}/").status_code
        == 404
    )
    assert client.get("/actions/letters/P-NOBODY/").status_code == 404
    assert client.get(f"/actions/letters/{anna.pseudonym}/sent/").status_code == 405
    for _ in range(3):
        assert client.post(f"/actions/letters/{anna.pseudonym}/sent/", REMOTE_ADDR=CLIENT_IP).status_code == 200
    assert LetterTally.objects.get(prisoner=anna.pseudonym).sent == 3
    assert client.post("/actions/letters/P-NOBODY/sent/", REMOTE_ADDR=CLIENT_IP).status_code == 404
    listing = client.get("/actions/prisoners/").content.decode()
    assert "3 letters this month" in listing and "Неписьменный" in listing
    # Past the limit: told, not counted.
    refused = [client.post(f"/actions/letters/{anna.pseudonym}/sent/", REMOTE_ADDR=CLIENT_IP) for _ in range(25)]
    assert refused[-1].status_code == 429 and "Too many" in refused[-1].content.decode()
    assert LetterTally.objects.get(prisoner=anna.pseudonym).sent == 20


def staff(permission: bool):
    user = get_user_model().objects.create_user(f"staff-{permission}", password="pw-for-tests-only")
    if permission:
        user.user_permissions.add(Permission.objects.get(codename="verify_signature"))
    return user


def test_declarations_show_only_checked_signatures(client, tmp_path):
    person = held("Феоктист Подснежников")
    public, private = new_keypair()
    decl = Declaration.objects.create(
        slug="for-feoktist", prisoner=person.pseudonym, title="Свободу Феоктисту", text="Требуем.", public_key=public
    )
    url = decl.get_absolute_url()
    contact = "press@pravozashchita-primer.org"
    form = {"kind": "organisation", "name": "Правозащитный центр «Пример»", "affiliation": "Берлин", "contact": contact}
    answer = client.post(url, form, REMOTE_ADDR=CLIENT_IP)
    assert answer.status_code == 200 and "once staff have checked it" in answer.content.decode()
    deputy = {"kind": "deputy", "name": "Депутатова Олимпиада", "affiliation": "Гордума", "contact": "+49 30 1234567"}
    client.post(url, deputy, REMOTE_ADDR=CLIENT_IP)
    assert Signature.objects.filter(state="pending").count() == 2
    page = client.get(url).content.decode()
    assert "Пример" not in page and "Депутатова" not in page  # nothing shows before its check
    # Bad input: the reason, nothing stored.
    for bad, field in (
        ({**form, "kind": "bot"}, "who signs"),
        ({**form, "name": " "}, "name to be published"),
        ({**form, "name": "x" * 201}, "longer than 200"),
        ({**form, "contact": ""}, "Give a contact"),
    ):
        refused = client.post(url, bad, REMOTE_ADDR=CLIENT_IP)
        assert refused.status_code == 400 and field in refused.content.decode(), field
    client.post(url, {**form, "name": "Бот", "website": "http://spam"}, REMOTE_ADDR=CLIENT_IP)  # the honeypot
    assert Signature.objects.count() == 2
    assert leaks([contact, "+49 30 1234567"], [seized_text()]) == []  # the contacts are sealed
    # The offline key opens them; a wrong key opens nothing.
    key = tmp_path / "organisers.key"
    key.write_text(private)
    out = io.StringIO()
    call_command("actions_signatures", "--secret-key", str(key), stdout=out, stderr=io.StringIO())
    assert contact in out.getvalue() and "+49 30 1234567" in out.getvalue()
    key.write_text(new_keypair()[1])
    with pytest.raises(CommandError):
        call_command("actions_signatures", "--secret-key", str(key), stdout=io.StringIO(), stderr=io.StringIO())
    # Staff only: a login, then the permission.
    review = "/actions/declarations/review/"
    assert client.get(review).status_code == 302
    client.force_login(staff(False))
    assert client.get(review).status_code == 403
    checker = staff(True)
    client.force_login(checker)
    assert "Депутатова Олимпиада" in client.get(review).content.decode()
    org, dep = Signature.objects.order_by("pk")
    # Issue 31: a waiting name typed again (an impostor first, or the real signer after) is taken like any other,
    # in any case: the answer tells no one that the name waits, and the first to type it holds nothing.
    client.logout()
    for name in ("Правозащитный центр «Пример»", "ПРАВОЗАЩИТНЫЙ  центр «пример»"):
        again = client.post(url, {**form, "name": name}, REMOTE_ADDR=CLIENT_IP)
        assert again.status_code == 200 and "once staff have checked it" in again.content.decode()
    first_repeat, second_repeat = Signature.objects.order_by("pk")[2:]
    client.force_login(checker)
    assert client.post(review, {"signature": org.pk, "verdict": "verify"}).status_code == 302
    # Once one is verified, a repeat of the name (in any case) is refused at the check and at the form.
    repeat = client.post(review, {"signature": second_repeat.pk, "verdict": "verify"})
    assert repeat.status_code == 400 and "already verified" in repeat.content.decode()
    assert client.post(review, {"signature": first_repeat.pk, "verdict": "reject"}).status_code == 302
    assert client.post(review, {"signature": second_repeat.pk, "verdict": "reject"}).status_code == 302
    client.logout()
    published = client.post(url, {**form, "name": "правозащитный центр «ПРИМЕР»"}, REMOTE_ADDR=CLIENT_IP)
    assert published.status_code == 400 and "already signed" in published.content.decode()
    client.force_login(checker)
    assert client.post(review, {"signature": dep.pk, "verdict": "reject"}).status_code == 302
    assert client.post(review, {"signature": dep.pk, "verdict": "verify"}).status_code == 400  # decided once
    assert client.post(review, {"signature": 99999, "verdict": "verify"}).status_code == 400
    dep.refresh_from_db()
    assert (dep.state, dep.name, dep.contact) == ("rejected", "", None)  # a rejected signature keeps no name
    client.logout()
    page = client.get(url).content.decode()
    assert "Правозащитный центр «Пример»" in page and "Депутатова" not in page
    listing = client.get("/actions/prisoners/").content.decode()
    assert "Свободу Феоктисту" in listing and "1 signature" in listing
    api = {p["pseudonym"]: p for p in client.get("/api/prisoners").json()}
    assert api[person.pseudonym]["declarations"] == [
        {"slug": "for-feoktist", "title": "Свободу Феоктисту", "signatures": 1, "organisations": 1}
    ]


def test_the_api_and_open_data_list_consented_records_only(client):
    named = held("Серафима Колокольчикова", zone="Asia/Yekaterinburg")
    Recognition.objects.create(
        person=named, organisation="Мемориал", kind="political", day=date(2025, 4, 1), source="memopzk.org"
    )
    hidden = held("Тихон Безымянный", consent=False)
    records = {p["pseudonym"]: p for p in client.get("/api/prisoners").json()}
    assert hidden.pseudonym not in records and "Безымянный" not in json.dumps(records, ensure_ascii=False)
    mine = records[named.pseudonym]
    assert mine["name"] == "Серафима Колокольчикова" and mine["time_zone"] == "Asia/Yekaterinburg"
    assert mine["recognitions"] == [{"organisation": "Мемориал", "kind": "political", "day": "2025-04-01"}]
    assert mine["status"] == "pre_trial" and mine["receives_letters"] and mine["letters_this_month"] == 0
    body = b"".join(client.get("/monitor/data/prisoners.csv").streaming_content).decode()
    rows = {r["person"]: r for r in csv.DictReader(io.StringIO(body))}
    assert hidden.pseudonym not in rows and "Безымянный" not in body
    assert rows[named.pseudonym]["recognitions"] == "Мемориал: political (2025-04-01)"
    assert client.get("/api/monitor/data/prisoners").json()[-1]["person"] in rows
    page = client.get(named.get_absolute_url()).content.decode()
    assert "Мемориал" in page and "political prisoner" in page
    assert client.get("/monitor/prisoners/").url == "/actions/prisoners/"  # old links still lead to the list
    assert prisoner(hidden.pseudonym) is None and all(p.pseudonym != hidden.pseudonym for p in prisoners())


def test_the_imported_timeline_equals_its_file():
    """Every line of the published timeline is one record: detentions and steps as published reports (with their
    days), recognitions as recognitions, hunger strikes as strikes, the rest in the person's note."""
    folder = settings.SHARED_DATA_DIR / "public-record"
    call_command("import_public_record", str(folder), verbosity=0)
    person = Person.objects.get(public_name="Удальцов Сергей Станиславович")
    with (folder / "udaltsov_timeline.csv").open(encoding="utf-8") as fh:
        lines = list(csv.DictReader(fh))
    reports = Counter(
        (
            timezone.localdate(r.happened).isoformat(),
            "detention" if r.kind == "detention" else ("detentions" if r.step == "admin_arrest" else r.step),
            r.days or "",
        )
        for r in person.reports.filter(state=Report.State.PUBLISHED)
    )
    expected = Counter(
        (row["date"], row["kind"], int(row["days"]) if row["days"] and row["kind"] != "detention" else "")
        for row in lines
        if row["kind"] not in ("recognition", "legal")
    )
    assert reports == expected
    assert sorted((r.day.isoformat(), r.organisation, r.kind) for r in person.recognitions.all()) == [
        (row["date"], "Amnesty International", "conscience") for row in lines if row["kind"] == "recognition"
    ]
    assert sorted(s.started.isoformat() for s in person.hunger_strikes.all()) == [
        row["date"] for row in lines if row["kind"] == "hunger_strike"
    ]
    assert not any(s.going_on for s in person.hunger_strikes.all())  # freed in 2017: over, end not given
    assert person.about.splitlines() == [
        f"{row['date']}: {row['event']} ({row['source']})" for row in lines if row["kind"] == "legal"
    ]
    # Sentenced on 2025-12-15 to 2,190 days, counted from the arrest of 2024-01-15.
    assert (person.status, person.term_start, person.sentence_days) == ("sentenced", date(2024, 1, 15), 2190)
    assert person.term_end == date(2030, 1, 13)
    call_command("import_public_record", str(folder), verbosity=0)
    assert person.recognitions.count() == 2 and person.hunger_strikes.count() == 2


def test_a_timeline_recognition_naming_no_organisation_stops_the_import(tmp_path):
    folder = settings.SHARED_DATA_DIR / "public-record"
    for name in ("protest_detention_counts.csv", "udaltsov_timeline.csv"):
        (tmp_path / name).write_text((folder / name).read_text(encoding="utf-8"), encoding="utf-8")
    timeline = tmp_path / "udaltsov_timeline.csv"
    timeline.write_text(timeline.read_text(encoding="utf-8") + "2026-01-10,recognition,Someone recognised him,,x\n")
    with pytest.raises(CommandError, match="names no known organisation"):
        call_command("import_public_record", str(tmp_path), verbosity=0)
    assert not Recognition.objects.exists() and not Report.objects.filter(source="public-record").exists()
