"""Intake through the API and the form, bad input, moderation and roles, duplicates, counts, pages, open data."""

import csv
import io
import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from PIL import Image

from core.sealing import unseal
from core.testing import photo_with_location
from monitor import stats
from monitor.models import City, DetentionCount, Event, Facility, ModerationLog, Person, Report
from monitor.moderation import ModerationError, act, recount

pytestmark = pytest.mark.django_db
API = "/api/reports"


def post(client, **fields):
    return client.post(
        API, fields, content_type="application/json", REMOTE_ADDR="198.51.100.7", HTTP_ACCEPT_LANGUAGE="en"
    )


def detention(client, **fields):
    data = {"kind": "detention", "happened": "2021-01-31T14:30", "city": "Санкт-Петербург"} | fields
    response = post(client, **data)
    assert response.status_code == 201, response.content
    return Report.objects.latest("pk")


def private_key() -> str:
    """The organisers' private key, on their offline machine (veche/test_settings.py)."""
    return (settings.OFFLINE_DIR / "monitor.key").read_text().strip()


def test_detention_through_the_api_is_new_and_seals_the_person(client):
    report = detention(
        client,
        name="Евлампия Квасникова",
        age=17,
        person_contact="+7 900 000-00-00",
        reporter_contact="@witness",
        police_station="ОП №78",
        event="",
    )
    assert report.state == "new" and report.count == 1 and report.minors == 1
    person = report.person
    assert person.pseudonym.startswith("P-") and person.public_name == "" and person.minor
    sealed = json.loads(unseal(person.sealed, private_key()))
    assert sealed == {"name": "Евлампия Квасникова", "age": 17, "contact": "+7 900 000-00-00"}
    assert unseal(report.reporter, private_key()) == b"@witness"
    assert not ModerationLog.objects.filter(report=report).exists()  # the log starts with the first decision


def test_prosecution_step_on_an_existing_record(client):
    first = detention(client, name="Аристарх Пуговкин")
    response = post(
        client,
        kind="prosecution",
        happened="2021-02-02",
        person=first.person.pseudonym,
        case_kind="administrative",
        article="ст. 20.2 КоАП РФ",
        step="admin_arrest",
        days=10,
        court="Дзержинский районный суд",
    )
    assert response.status_code == 201
    step = Report.objects.latest("pk")
    assert step.person == first.person and step.days == 10


def test_violation_through_the_api_finds_the_precinct(client):
    response = post(
        client,
        kind="violation",
        happened="2021-09-19T20:05",
        elections=["duma-2021"],
        precinct=1496,
        categories=["finale:count_procedure_failure"],
        text="Подсчёт без оглашения бюллетеней.",
    )
    assert response.status_code == 201
    report = Report.objects.latest("pk")
    assert report.precinct.code == "1496" and [str(c) for c in report.categories.all()] == [
        "finale:count_procedure_failure"
    ]


def test_detention_through_the_form_with_a_photo_stripped_of_metadata(client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    raw = photo_with_location()
    assert b"SecretCam" in raw
    response = client.post(
        "/monitor/report/detention/",
        {
            "happened": "2021-01-31T15:00",
            "city": "Москва",
            "count": "12",
            "journalists": "2",
            "photos": SimpleUploadedFile("p.jpg", raw, "image/jpeg"),
        },
        REMOTE_ADDR="198.51.100.8",
    )
    assert response.status_code == 200 and 'id="received"' in response.content.decode()
    report = Report.objects.latest("pk")
    assert (report.city.name, report.count, report.journalists) == ("Москва", 12, 2)
    clean = unseal(report.attachments.get().sealed, private_key())
    assert b"SecretCam" not in clean and Image.open(io.BytesIO(clean)).getexif() == {}
    assert Image.open(io.BytesIO(clean)).size == (40, 30)


def test_prosecution_and_violation_through_the_form(client):
    response = client.post(
        "/monitor/report/prosecution/",
        {
            "happened": "2021-03-01",
            "name": "Олимпиада Ржевская",
            "case_kind": "criminal",
            "article": "ст. 212 УК РФ",
            "step": "charge",
        },
        REMOTE_ADDR="198.51.100.9",
    )
    assert response.status_code == 200
    assert Report.objects.latest("pk").article == "ст. 212 УК РФ"
    response = client.post(
        "/monitor/report/violation/",
        {
            "happened": "2021-09-19T09:00",
            "election": "spb-zaks-2021",
            "precinct": "341",
            "categories": ["during:carousel_or_stuffing", "during:on_home"],
            "text": "Карусель у входа.",
        },
        REMOTE_ADDR="198.51.100.9",
    )
    assert response.status_code == 200
    report = Report.objects.latest("pk")
    assert report.precinct.code == "341" and report.categories.count() == 2
    assert report.similar_to is not None  # the map of violations has reports from UIK 341 that day


FUTURE = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"kind": "arrest"}, "kind", "Choose the kind"),
        ({"kind": "detention", "city": "Москва"}, "happened", "Say when"),
        ({"kind": "detention", "happened": "2021-01-31"}, "city", "required"),
        ({"kind": "detention", "happened": FUTURE, "city": "Москва"}, "happened", "future"),
        ({"kind": "detention", "happened": "31.01.2021", "city": "Москва"}, "happened", "YYYY-MM-DD"),
        ({"kind": "detention", "happened": "1999-01-31", "city": "Москва"}, "happened", "before 2000"),
        ({"kind": "detention", "happened": "2021-01-31", "city": "Атлантида"}, "city", "Unknown city"),
        (
            {"kind": "detention", "happened": "2021-01-31", "city": "Москва", "count": 3, "journalists": 4},
            "journalists",
            "More than",
        ),
        ({"kind": "detention", "happened": "2021-01-31", "city": "Москва", "text": "x" * 60_000}, "text", "At most"),
        (
            {"kind": "detention", "happened": "2021-01-31", "city": "Москва", "text": "<script>alert(1)</script>"},
            "text",
            "Plain text only",
        ),
        (
            {"kind": "detention", "happened": "2021-01-31", "city": "Москва", "place": "<img src=x onerror=alert(1)>"},
            "place",
            "Plain text only",
        ),
        (
            {"kind": "detention", "happened": "2021-01-31", "city": "Москва", "links": ["javascript:alert(1)"]},
            "links",
            "http",
        ),
        (
            {"kind": "detention", "happened": "2021-01-31", "city": "Москва'; DROP TABLE monitor_report; --"},
            "city",
            "Unknown city",
        ),
        (
            {"kind": "detention", "happened": "2021-01-31", "city": "Москва", "consent": True},
            "consent",
            "needs the name",
        ),
        (
            {
                "kind": "prosecution",
                "happened": "2021-01-31",
                "article": "ст. 212",
                "case_kind": "criminal",
                "step": "charge",
            },
            "name",
            "Name the person",
        ),
        (
            {
                "kind": "prosecution",
                "happened": "2021-01-31",
                "person": "P-ZZZZZZ",
                "article": "ст. 212",
                "case_kind": "criminal",
                "step": "charge",
            },
            "person",
            "No person",
        ),
        (
            {
                "kind": "prosecution",
                "happened": "2021-01-31",
                "name": "А Б",
                "article": "ст. 212",
                "case_kind": "civil",
                "step": "charge",
            },
            "case_kind",
            "administrative or criminal",
        ),
        (
            {"kind": "violation", "happened": "2021-09-19", "elections": ["duma-2021"], "precinct": 99999, "text": "x"},
            "precinct",
            "no precinct",
        ),
        (
            {"kind": "violation", "happened": "2021-09-19", "elections": ["duma-1905"], "text": "x"},
            "election",
            "Unknown election",
        ),
        (
            {
                "kind": "violation",
                "happened": "2021-09-19",
                "elections": ["duma-2021"],
                "text": "x",
                "categories": ["during:fraud"],
            },
            "categories",
            "Unknown category",
        ),
        ({"kind": "violation", "happened": "2021-09-19", "elections": ["duma-2021"]}, "text", "required"),
    ],
)
def test_bad_input_gets_a_clear_error_and_changes_nothing(client, fields, field, message):
    before = (Report.objects.count(), Person.objects.count(), ModerationLog.objects.count())
    response = post(client, **fields)
    assert response.status_code == 400
    assert message in response.json()["errors"][field]
    assert (Report.objects.count(), Person.objects.count(), ModerationLog.objects.count()) == before


def test_bad_form_input_is_shown_and_nothing_is_stored(client):
    before = Report.objects.count()
    response = client.post(
        "/monitor/report/detention/",
        {"happened": FUTURE, "city": "Москва", "text": "<script>alert(1)</script>"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    page = response.content.decode()
    assert response.status_code == 400 and "future" in page and "Plain text only" in page
    assert "<script>alert(1)" not in page  # the typed text comes back escaped
    assert response["Cache-Control"] == "no-store" and Report.objects.count() == before


def test_ten_megabytes_of_text_are_refused_with_a_message(client):
    before = Report.objects.count()
    response = client.post(
        API,
        json.dumps({"kind": "violation", "text": "я" * 5_000_000}),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 413 and "too large" in response.json()["errors"]["__all__"]
    response = client.post(
        "/monitor/report/violation/", {"happened": "2021-09-19", "text": "я" * 5_000_000}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400 and "too large" in response.content.decode()
    assert Report.objects.count() == before


def test_the_rate_limit(client, settings, monkeypatch):
    monkeypatch.setattr("monitor.intake.LIMIT_CLIENT", 2)
    codes = [post(client, kind="detention", happened="2021-01-31", city="Москва").status_code for _ in range(3)]
    assert codes == [201, 201, 429]
    form = client.post(
        "/monitor/report/detention/", {"happened": "2021-01-31", "city": "Москва"}, REMOTE_ADDR="198.51.100.7"
    )  # the form and the API count against one limit
    assert form.status_code == 429 and "Too many reports" in form.content.decode()


def test_moderation_roles_and_log(client, moderator, editor, nobody):
    report = detention(client, count=5, journalists=1)
    page = f"/monitor/moderation/{report.pk}/"
    assert client.get(page).status_code == 302  # anonymous: to the login page
    assert client.post(page, {"action": "verify"}).status_code == 302
    client.force_login(nobody)
    assert client.post(page, {"action": "verify"}).status_code == 403
    client.force_login(moderator)
    assert "action-publish" not in client.get(page).content.decode()
    assert client.post(page, {"action": "verify"}).status_code == 302
    response = client.post(page, {"action": "publish"})
    assert response.status_code == 400 and "role does not allow" in response.content.decode()
    report.refresh_from_db()
    assert report.state == "verified" and DetentionCount.objects.count() == 0
    client.force_login(editor)
    client.post(page, {"action": "publish"})
    report.refresh_from_db()
    assert report.state == "published"
    log = list(report.log.values_list("action", "before", "after", "user__username"))
    assert log == [("verify", "new", "verified", "moderator"), ("publish", "verified", "published", "editor")]


def test_each_action_in_its_state_only_and_reasons_required(client, editor):
    report = detention(client)
    with pytest.raises(ModerationError, match="no longer in a state"):
        act(report, "publish", editor)
    with pytest.raises(ModerationError, match="Say why"):
        act(report, "reject", editor, "")
    act(report, "reject", editor, "no source")
    with pytest.raises(ModerationError, match="no longer in a state"):
        act(report, "verify", editor)
    act(report, "reopen", editor, "a video appeared")
    assert report.state == "new" and report.log.count() == 2


def test_publishing_and_retracting_moves_the_counts(client, editor):
    event = Event.objects.create(slug="rally-2021-01-31", name="Акция 31 января", date="2021-01-31")
    report = detention(client, count=7, journalists=2, minors=1, event=event.slug)
    act(report, "verify", editor)
    act(report, "publish", editor)
    row = DetentionCount.objects.get()
    assert (row.city.name, row.event_key, str(row.day), row.detentions, row.journalists, row.minors, row.reports) == (
        "Санкт-Петербург",
        event.pk,
        "2021-01-31",
        7,
        2,
        1,
        1,
    )
    act(report, "retract", editor, "the source withdrew it")
    assert DetentionCount.objects.get().detentions == 0


def test_duplicates_are_found_offline_flagged_and_merged(client, moderator, tmp_path):
    first = detention(client, name="Иванов Иван Петрович")
    same = detention(client, name="Иван Иванoв", happened="2021-01-31T18:00")
    other_day = detention(client, name="Иванов Иван", happened="2021-02-01T12:00")
    other_city = detention(client, name="Иванов Иван", city="Москва")
    other_person = detention(client, name="Петров Иван")
    assert same.similar_to is None  # the server cannot compare names: it keeps nothing derived from them
    key, flags = tmp_path / "organisers.key", tmp_path / "flags.json"
    key.write_text(private_key())
    call_command("monitor_duplicates", "--secret-key", str(key), "--out", str(flags), stdout=io.StringIO())
    assert json.loads(flags.read_text()) == {"format": "veche-monitor-flags/1", "flags": [[same.pk, first.pk]]}
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"format": "veche-monitor-flags/1", "flags": [[same.pk, 10**9]]}))
    with pytest.raises(CommandError, match="does not name two reports"):
        call_command("monitor_flag_duplicates", str(bad))
    call_command("monitor_flag_duplicates", str(flags), stdout=io.StringIO())
    for report in (same, other_day, other_city, other_person):
        report.refresh_from_db()
    assert same.similar_to == first
    assert other_day.similar_to is None and other_city.similar_to is None and other_person.similar_to is None
    client.force_login(moderator)
    page = client.get("/monitor/moderation/?state=new&flagged=1").content.decode()
    assert f"/monitor/moderation/{same.pk}/" in page and f"/monitor/moderation/{other_day.pk}/" not in page
    with pytest.raises(ModerationError):
        act(same, "merge", moderator, target=same)
    act(same, "merge", moderator, target=first)
    assert same.state == "merged" and same.duplicate_of == first and same.person == first.person


def publish(report, user):
    act(report, "verify", user)
    return act(report, "publish", user)


def test_statistics_against_hand_counts(client, editor):
    rally = Event.objects.create(slug="rally", name="Акция", date="2021-01-23")
    other = Event.objects.create(slug="other", name="Другая акция", date="2021-01-31")
    hand = [  # city, day, event, count, journalists, minors
        ("Москва", "2021-01-23", rally, 40, 2, 1),
        ("Москва", "2021-01-23", rally, 1, 0, 0),
        ("Москва", "2021-01-31", other, 25, 1, 0),
        ("Санкт-Петербург", "2021-01-23", rally, 30, 0, 3),
        ("Санкт-Петербург", "2021-01-31", other, 12, 0, 0),
        ("Казань", "2021-01-31", None, 4, 1, 0),
    ]
    for city, day, event, count, journalists, minors in hand:
        publish(
            detention(
                client,
                city=city,
                happened=f"{day}T13:00",
                event=event.slug if event else "",
                count=count,
                journalists=journalists,
                minors=minors,
            ),
            editor,
        )
    detention(client, city="Москва", count=1000)  # not published: not counted
    data = stats.detentions()
    assert data.totals.detentions == 112 and data.totals.journalists == 4
    assert data.totals.minors == 4 and data.totals.reports == 6 and data.totals.cities == 3
    assert [(c.city, c.detentions) for c in data.cities] == [
        ("Москва", 66),
        ("Санкт-Петербург", 42),
        ("Казань", 4),
    ]
    assert [(d.day.isoformat(), d.detentions) for d in data.days] == [("2021-01-23", 71), ("2021-01-31", 41)]
    assert [(e.slug, e.detentions) for e in data.events] == [("rally", 71), ("other", 37), ("", 4)]
    only = stats.detentions(stats.Filters(event=rally))
    assert [(c.city, c.detentions) for c in only.cities] == [("Москва", 41), ("Санкт-Петербург", 30)]
    late = stats.detentions(stats.Filters.from_query({"since": "2021-01-24"})[0])
    assert late.totals.detentions == 41
    assert stats.Filters.from_query({"since": "вчера", "event": "nope"})[1].keys() == {"since", "event"}
    before = list(
        DetentionCount.objects.order_by("city", "event_key", "day").values_list(
            "city", "event_key", "day", "detentions", "journalists", "minors", "reports"
        )
    )
    recount()
    assert (
        list(
            DetentionCount.objects.order_by("city", "event_key", "day").values_list(
                "city", "event_key", "day", "detentions", "journalists", "minors", "reports"
            )
        )
        == before
    )
    page = client.get("/monitor/?event=rally")
    assert page.status_code == 200 and 'data-city="Москва">41<' in page.content.decode()
    assert client.get("/monitor/?since=never").status_code == 400
    api = client.get("/api/monitor/stats/detentions?until=2021-01-23").json()
    assert api["totals"]["detentions"] == 71
    for chart in ("days", "cities"):
        response = client.get(f"/monitor/charts/{chart}.svg?event=rally")
        assert response.status_code == 200 and response.content.startswith(b"<?xml")
    assert b"<svg" in client.get("/monitor/charts/precincts.svg?election=duma-2021").content


def test_cases_people_pages_and_prisoners(client, editor):
    named = detention(client, name="Аристарх Пуговкин", consent=True)
    hidden = detention(client, name="Фаддей Чужеземцев", happened="2021-01-31T16:00")
    for report in (named, hidden):
        publish(report, editor)
        post(
            client,
            kind="prosecution",
            happened="2021-02-03",
            person=report.person.pseudonym,
            case_kind="criminal",
            article="ст. 318 УК РФ",
            step="arrest",
            court="Басманный суд",
        )
        publish(Report.objects.latest("pk"), editor)
    sizo = Facility.objects.create(name="ФКУ СИЗО-1", address="191123, Санкт-Петербург", kind="pre_trial")
    Person.objects.filter(pk=named.person_id).update(facility=sizo, letters=True)
    named.person.refresh_from_db()
    assert named.person.in_custody and named.person.cases.get().article == "ст. 318 УК РФ"
    page = client.get(named.person.get_absolute_url()).content.decode()
    assert "Аристарх Пуговкин" in page and "Басманный суд" in page and "СИЗО-1" in page
    page = client.get(hidden.person.get_absolute_url()).content.decode()
    assert "Чужеземцев" not in page and hidden.person.pseudonym in page and "Басманный" not in page
    prisoners = client.get("/actions/prisoners/").content.decode()
    assert "Аристарх Пуговкин" in prisoners and "Чужеземцев" not in prisoners
    assert stats.detentions().totals.cases_criminal == 2
    unpublished = detention(client, name="Никто Никакой")
    assert client.get(unpublished.person.get_absolute_url()).status_code == 404
    assert client.get(unpublished.get_absolute_url()).status_code == 404


def test_open_data_shows_people_only_with_consent(client, editor):
    publish(detention(client, name="Аристарх Пуговкин", consent=True, text="Задержан у метро"), editor)
    publish(detention(client, name="Фаддей Чужеземцев", happened="2021-01-31T16:00"), editor)
    body = b"".join(client.get("/monitor/data/detentions.csv").streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(body)))
    from monitor.export import COLUMNS

    assert list(rows[0]) == [name for name, _label in COLUMNS["detentions"]]
    assert [r["person_name"] for r in rows[-2:]] == ["Аристарх Пуговкин", ""]
    assert "Чужеземцев" not in body and "метро" not in body
    as_json = json.loads(b"".join(client.get("/monitor/data/detentions.json").streaming_content))
    assert [r["id"] for r in as_json] == [int(r["id"]) for r in rows]
    api = client.get("/api/monitor/data/detentions?offset=0&limit=5").json()
    assert api == as_json[:5]
    assert client.get("/api/monitor/data/secrets").status_code == 404


def test_the_real_violations_are_imported_with_counts_per_category_as_in_the_file(client, settings):
    import gzip
    from collections import Counter

    path = Path(settings.SHARED_DATA_DIR) / "spb-2021" / "violations.jsonl.gz"
    rows = [json.loads(line) for line in gzip.open(path, "rt", encoding="utf-8")]
    expected = Counter(
        f"{phase}:{code}" for r in rows for phase, codes in (r.get("violations") or {}).items() for code in set(codes)
    )
    imported = Report.objects.filter(source="kartanarusheniy")
    assert imported.count() == 682 == len(rows) and set(imported.values_list("state", flat=True)) == {"published"}
    data = stats.violations()
    assert {f"{c.phase}:{c.code}": c.n for c in data.categories} == dict(expected)
    assert imported.filter(precinct__isnull=False).count() == sum(1 for r in rows if r.get("related_to_uik"))
    by_election = {e.slug: e.n for e in data.elections}
    assert by_election["duma-2021"] == sum(1 for r in rows if "federal" in (r.get("electoral_district_types") or []))
    out = io.StringIO()
    call_command("import_violations", str(path), stdout=out)
    assert "0 imported, 682 already there" in out.getvalue() and imported.count() == 682
    page = client.get("/monitor/violations/").content.decode()
    top = data.precincts[0]
    assert f"/precincts/{top.id}/" in page and 'data-category="during:observer_rights_failure">219<' in page


def test_a_bad_violations_file_imports_nothing(tmp_path):
    from django.core.management import CommandError

    bad = tmp_path / "bad.jsonl"
    good = {"id": 1, "date": 1632049200000, "text": "ok", "violations": {"during": ["other"]}}
    wrong = {"id": 2, "date": 1632049200000, "text": "x", "violations": {"during": ["bribery"]}}
    bad.write_text(json.dumps(good) + "\n" + json.dumps(wrong) + "\n", encoding="utf-8")
    before = Report.objects.count()
    with pytest.raises(CommandError, match=r"line 2 .*Unknown category"):
        call_command("import_violations", str(bad))
    bad.write_text("{not json\n", encoding="utf-8")
    with pytest.raises(CommandError, match="line 1: not JSON"):
        call_command("import_violations", str(bad))
    assert Report.objects.count() == before


def test_offline_export_opens_what_was_sealed(client, tmp_path):
    report = detention(client, name="Евлампия Квасникова", person_contact="адвокат", reporter_contact="@w")
    key = tmp_path / "key"
    key.write_text(private_key())
    call_command(
        "monitor_export",
        "--secret-key",
        str(key),
        "--out",
        str(tmp_path / "out"),
        "--report",
        str(report.pk),
        stdout=io.StringIO(),
    )
    opened = json.loads((tmp_path / "out" / "reports.json").read_text())
    assert opened == [
        {
            "id": report.pk,
            "kind": "detention",
            "state": "new",
            "reporter_contact": "@w",
            "person": {
                "pseudonym": report.person.pseudonym,
                "name": "Евлампия Квасникова",
                "age": None,
                "contact": "адвокат",
            },
        }
    ]


def test_cities_are_listed_with_coordinates():
    assert City.objects.count() >= 90
    assert not City.objects.filter(latitude__isnull=True).exists()


def test_a_district_misspelt_is_counted_under_its_name(client):
    """Issue 18: «Васильеостровский» (1) beside «Василеостровский» (55) in the violations' districts."""
    response = post(
        client,
        kind="violation",
        happened="2021-09-19T20:05",
        elections=["duma-2021"],
        area="Васильеостровский район",
        text="Наблюдателя не пустили на участок.",
    )
    assert response.status_code == 201
    assert Report.objects.latest("pk").area == "Василеостровский район"
    # A name close to none is kept as typed (nothing is guessed).
    post(client, kind="violation", happened="2021-09-19T21:00", area="Ольгино", text="Вброс.")
    assert Report.objects.latest("pk").area == "Ольгино"


def test_the_public_record_is_imported_once_with_its_sources(client, editor):
    folder = settings.SHARED_DATA_DIR / "public-record"
    call_command("import_public_record", str(folder), verbosity=0)
    reports = Report.objects.filter(source="public-record")
    assert reports.count() == 19 and all(r.state == "published" for r in reports)
    # 31 January 2021: Moscow 1,800, St Petersburg 1,176, and the rest of the 5,300 without a city — once each.
    day = [r for r in reports if r.happened.date().isoformat() == "2021-01-31"]
    assert sorted((r.city.name, r.count) for r in day) == [
        ("Город не указан", 2324),
        ("Москва", 1800),
        ("Санкт-Петербург", 1176),
    ]
    assert sum(r.journalists for r in day) == 60
    person = Person.objects.get(public_name="Удальцов Сергей Станиславович")
    assert person.consent and person.in_custody  # sentenced in December 2025
    assert person.recognitions.filter(organisation="Amnesty International").count() == 2
    assert "European Court" in person.about and "Amnesty" not in person.about
    assert person.reports.count() == 13 and person.cases.count() == 3  # 16 lines: 3 recognitions and the like
    call_command("import_public_record", str(folder), verbosity=0)
    assert Report.objects.filter(source="public-record").count() == 19
    page = client.get(f"/monitor/people/{person.pseudonym}/").content.decode()
    assert "205.2" in page and 'lang="en"' in page
    # The published figures, as published, beside the monitor's own reports of the day.
    publish(detention(client, happened="2021-01-31T15:00", city="Москва"), editor)
    with translation.override("en"):
        figures = {(r["day"].isoformat(), r["city"]): r for r in stats.published_beside_own()}
    assert figures[("2021-01-31", "all of Russia")]["published"] == 5300
    assert (figures[("2021-01-31", "Москва")]["published"], figures[("2021-01-31", "Москва")]["own"]) == (1800, 1)
    assert figures[("2021-01-31", "all of Russia")]["own"] == 1
    assert "Published figures beside our reports" in client.get("/monitor/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


def plan(sql: str) -> str:
    """The database's plan for ``sql``; on PostgreSQL with sequential scans priced out, so that a table too small
    for an index to pay still shows whether one could serve the query."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}")
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
        return "\n".join(" ".join(str(c) for c in row) for row in cursor.fetchall())


def test_the_monitor_page_reads_no_report_rows_but_by_index(client, editor):
    """Issue 38: every full view of /monitor/ aggregated every published report by day and city (0.4–0.9 s at 200k
    reports, at any visitor's will). Guarded without timing: the first view after a publication reads the reports
    table through an index only (no full scan, in the database's own plan), and the next view not at all."""
    call_command("import_public_record", str(settings.SHARED_DATA_DIR / "public-record"), verbosity=0)
    publish(detention(client, happened="2021-01-31T15:00", city="Москва"), editor)
    with CaptureQueriesContext(connection) as first:
        page = client.get("/monitor/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Published figures beside our reports" in page
    reads = [q["sql"] for q in first.captured_queries if "monitor_report" in q["sql"]]
    assert reads  # the figures published elsewhere are read (once per state of the data)
    for sql in reads:
        shown = plan(sql)
        # An index on (kind, state) would be "no scan" too, yet read every published report: the figures' own.
        assert "report_source" in shown and "Seq Scan on monitor_report" not in shown, (sql, shown)
        assert "SCAN monitor_report" not in shown, (sql, shown)
    with CaptureQueriesContext(connection) as again:
        assert client.get("/monitor/", HTTP_ACCEPT_LANGUAGE="en").status_code == 200
    assert not [q["sql"] for q in again.captured_queries if "monitor_report" in q["sql"]]


def test_a_bad_public_record_imports_nothing(tmp_path):
    folder = settings.SHARED_DATA_DIR / "public-record"
    for name in ("protest_detention_counts.csv", "udaltsov_timeline.csv"):
        (tmp_path / name).write_text((folder / name).read_text(encoding="utf-8"), encoding="utf-8")
    counts = tmp_path / "protest_detention_counts.csv"
    counts.write_text(counts.read_text(encoding="utf-8") + "2021-02-03,Нигдеград,10,detained,,somewhere\n")
    before = (Report.objects.count(), City.objects.count(), Event.objects.count())
    with pytest.raises(CommandError, match="bad rows, nothing imported"):
        call_command("import_public_record", str(tmp_path), verbosity=0)
    assert (Report.objects.count(), City.objects.count(), Event.objects.count()) == before
