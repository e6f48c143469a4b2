"""Held writes (core.held): a person's write waits, boxed under the hour's key, until its hour is over; then the
hour's writes are applied together, shuffled, timed to the hour; a crash loses nothing; and on PostgreSQL the WAL
shows no personal table written but by the hour's flush (issue 31, finding 2)."""

import io
import re
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection

from core import held
from core.hours import this_hour
from core.models import Held, HeldKey
from core.testing import pg_waldump, wal_writers
from monitor.models import Report
from pledges.models import Campaign, City, Pledge

pytestmark = [pytest.mark.by_the_hour, pytest.mark.django_db(transaction=True)]
NAME = "Евстигней Холщовый"
REPORT = {
    "kind": "detention",
    "happened": "2021-09-19T12:00",
    "city": "Санкт-Петербург",
    "name": NAME,
    "person_contact": "+7 900 000-11-22",
}


@pytest.fixture
def campaign():
    from core.sealing import new_keypair

    made = Campaign.objects.create(slug="held", title="Митинг", text="x", threshold=2, public_key=new_keypair()[0])
    City.objects.create(campaign=made, name="Москва")
    yield made
    made.delete()


@pytest.fixture(autouse=True)
def city():
    """A city to report from (a transactional test before this one may have emptied the imported ones)."""
    from monitor.models import City as MonitorCity

    MonitorCity.objects.get_or_create(name="Санкт-Петербург")


def next_hour(monkeypatch, hours=1):
    later = this_hour() + timedelta(hours=hours)
    monkeypatch.setattr(held, "this_hour", lambda: later)


def test_a_report_waits_for_its_hour_and_comes_with_the_hours_others(client, monkeypatch):
    before = Report.objects.count()
    hour = this_hour()
    for _ in range(3):
        response = client.post("/api/reports", REPORT, content_type="application/json", REMOTE_ADDR="203.0.113.5")
        assert response.status_code == 201 and response.json() == {"state": "held", "received": hour.isoformat()}
    assert Report.objects.count() == before  # nothing in the monitor's tables yet
    boxes = [bytes(b) for b in Held.objects.values_list("box", flat=True)]
    assert len(boxes) == 3 and not any(NAME.encode() in b or b"detention" in b for b in boxes)
    assert held.flush().applied == 0  # the hour is not over
    next_hour(monkeypatch)
    done = held.flush()
    assert (done.hours, done.applied, done.again) == (1, 3, 0)
    new = Report.objects.order_by("-pk")[:3]
    assert {r.received for r in new} == {hour} and all(r.state == "new" and r.person for r in new)
    assert not Held.objects.exists() and not HeldKey.objects.filter(hour=hour).exists()
    assert not (held.key_dir() / hour.strftime("%Y%m%d%H")).exists()  # the key is gone: the boxes are noise
    Report.objects.filter(pk__in=[r.pk for r in new]).delete()


def test_a_confirmation_comes_after_its_sign_up_or_waits_for_it(client, campaign, monkeypatch):
    city = City.objects.get(campaign=campaign)
    client.post(f"/pledges/{campaign.slug}/", {"email": "held.one@mail.ru", "city": city.pk}, REMOTE_ADDR="203.0.113.6")
    link = re.search(r"http://testserver(/pledges/\S+/confirm/\S+/)", mail.outbox[-1].body).group(1)
    page = client.get(link)  # in the same hour: the page says the same as for a written sign-up
    assert page.status_code == 200 and "следующего часа" in page.content.decode()
    assert "Митинг" in page.content.decode()  # the link names its campaign: its counters are shown
    assert not Pledge.objects.filter(campaign=campaign).exists()
    hour = this_hour()
    next_hour(monkeypatch)
    assert held.flush().applied == 2  # the sign-up first, then its confirmation, whatever the shuffle
    assert Pledge.objects.get(campaign=campaign).confirmed == hour
    # A confirmation whose sign-up is held under another host's key, flushed later: it is held again, then counts.
    from pledges.signup import apply_confirmation

    held.register("pledge-confirm", apply_confirmation, order=20)
    held.hold("pledge-confirm", {"link": "k" * 64, "until": this_hour() + timedelta(days=3)})
    next_hour(monkeypatch, 2)
    assert held.flush().again == 1
    Pledge.objects.create(campaign=campaign, city=city, person="p" * 64, contact=b"sealed", link="k" * 64)
    next_hour(monkeypatch, 3)
    assert held.flush().applied == 1 and Pledge.objects.get(link="k" * 64).confirmed is not None


def test_a_crash_loses_nothing_the_organisers_key_recovers_it(client, monkeypatch, tmp_path, settings):
    from core.sealing import new_keypair

    public, private = new_keypair()
    settings.MONITOR_PUBLIC_KEY = public  # the organisers' key: the hour's key is sealed to it, and the report
    before = Report.objects.count()
    posted = client.post("/api/reports", REPORT, content_type="application/json", REMOTE_ADDR="203.0.113.7")
    assert posted.status_code == 201, posted.content
    assert Held.objects.count() == 1
    shutil.rmtree(held.key_dir())  # the power cut: the memory filesystem is empty
    next_hour(monkeypatch)
    assert held.flush().applied == 0 and Held.objects.count() == 1  # still held, not lost
    wrong = tmp_path / "wrong.key"
    wrong.write_text(new_keypair()[1])
    with pytest.raises(CommandError, match="does not open"):
        call_command("held_recover", "--secret-key", str(wrong), stdout=io.StringIO())
    assert Held.objects.count() == 1
    key = tmp_path / "organisers.key"
    key.write_text(private)
    out = io.StringIO()
    call_command("held_recover", "--secret-key", str(key), stdout=out)
    assert "1 writes applied" in out.getvalue() and Report.objects.count() == before + 1
    assert not Held.objects.exists()
    Report.objects.order_by("-pk").first().delete()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the WAL-time attack is PostgreSQL's")
def test_the_wal_dates_no_personal_write_finer_than_the_hours_flush(client, campaign, monkeypatch):
    """The attack of issue 31: pg_waldump over the WAL written while people report, sign up, confirm, mark a
    letter sent. Every record on a table of personal data belongs to one transaction, the hour's flush; the
    requests' own transactions wrote only boxes into core_held."""
    waldump = pg_waldump()
    if waldump is None:
        pytest.skip("pg_waldump not found")
    with connection.cursor() as cursor:
        cursor.execute("SHOW data_directory")
        wal = Path(cursor.fetchone()[0]) / "pg_wal"
        cursor.execute("SELECT pg_current_wal_insert_lsn()")
        start = cursor.fetchone()[0]
    city = City.objects.get(campaign=campaign)
    client.post("/api/reports", REPORT, content_type="application/json", REMOTE_ADDR="203.0.113.8")
    client.post(f"/pledges/{campaign.slug}/", {"email": "wal.one@mail.ru", "city": city.pk}, REMOTE_ADDR="203.0.113.8")
    client.get(re.search(r"http://testserver(/pledges/\S+/confirm/\S+/)", mail.outbox[-1].body).group(1))
    next_hour(monkeypatch)
    assert held.flush().applied == 3
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_insert_lsn()")
        end = cursor.fetchone()[0]
        cursor.execute("SELECT pg_switch_wal()")  # the segment is complete on disk
        personal = {}
        for table in ("monitor_report", "monitor_person", "pledges_pledge", "core_held"):
            cursor.execute("SELECT pg_relation_filenode(%s)", [table])
            personal[cursor.fetchone()[0]] = table
    dump = subprocess.run(
        [waldump, "-p", str(wal), "-s", start, "-e", end], capture_output=True, text=True, timeout=60
    ).stdout
    by_transaction, commits = wal_writers(dump, personal)
    writers = {tx for tx, tables in by_transaction.items() if tables - {"core_held"}}
    held_only = {tx for tx, tables in by_transaction.items() if tables == {"core_held"}}
    assert len(writers) == 1, by_transaction  # one transaction wrote every personal row: the flush
    assert len(held_only) >= 3  # each request committed a box alone
    assert all(tx in commits for tx in writers | held_only)
