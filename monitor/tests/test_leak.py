"""A seized server reveals no one: the database as dumped (pg_dump or the SQLite file), var/, the logs."""

import logging

import pytest

from core.testing import leaks, seized_text
from monitor.models import City, Person, Report
from monitor.moderation import act

CLIENT_IP = "203.0.113.199"
# Names chosen not to occur in the imported data.
SECRETS = [
    "Евпраксия Гнедовская",
    "+7 911 555-01-23",
    "zhenya.tkachuk.source@proton.me",
    "Мстислав Оладьин",
    "адвокат Фердыщенко",
    CLIENT_IP,
]


@pytest.mark.django_db(transaction=True)
def test_a_seized_server_reveals_nobody(client, caplog, capsys):
    caplog.set_level(logging.DEBUG)
    City.objects.get_or_create(name="Москва", defaults={"latitude": 55.76, "longitude": 37.62})
    try:
        for fields in (
            {
                "kind": "detention",
                "happened": "2021-01-31T14:00",
                "city": "Москва",
                "name": "Евпраксия Гнедовская",
                "age": 16,
                "person_contact": "+7 911 555-01-23",
                "reporter_contact": "zhenya.tkachuk.source@proton.me",
            },
            {
                "kind": "prosecution",
                "happened": "2021-02-10",
                "name": "Мстислав Оладьин",
                "case_kind": "criminal",
                "article": "ст. 318 УК РФ",
                "step": "arrest",
                "person_contact": "адвокат Фердыщенко",
            },
            {"kind": "detention", "happened": "2099-01-01", "city": "Москва", "name": "Мстислав Оладьин"},  # refused
        ):
            client.post("/api/reports", fields, content_type="application/json", REMOTE_ADDR=CLIENT_IP)
        assert Report.objects.filter(source="api").count() == 2
        for report in Report.objects.filter(source="api"):
            act(report, "verify", None)
            act(report, "publish", None)
        for url in (
            "/monitor/",
            "/monitor/data/detentions.csv",
            "/monitor/data/prisoners.csv",
            "/actions/prisoners/",
            "/api/prisoners",
        ):
            response = client.get(url, REMOTE_ADDR=CLIENT_IP)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            assert not leaks(SECRETS, [body.decode()])
        found = leaks(SECRETS, [seized_text(), caplog.text, "\n".join(capsys.readouterr())])
        assert found == []
    finally:
        Report.objects.filter(source="api").delete()
        Person.objects.all().delete()
