"""The address the rate limits count: the client's, through a named proxy and through a unix socket; what a
client writes itself is never taken; no address, no pass (issue 17: behind a proxy every client shared one limit,
and over a unix socket there was none)."""

import json

import pytest
from django.test import RequestFactory

from core.clients import client_ip
from core.ratelimit import allow
from monitor.models import Report

FACTORY = RequestFactory()


def asked(remote: str, forwarded: str | None = None):
    headers = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_ip(FACTORY.get("/", **headers))


def test_without_a_named_proxy_the_peer_is_the_client(settings):
    settings.TRUSTED_PROXIES = []
    assert asked("198.51.100.7") == "198.51.100.7"
    assert asked("198.51.100.7", "203.0.113.5") == "198.51.100.7"  # written by the client: not believed
    assert asked("::ffff:198.51.100.7") == "198.51.100.7"


def test_through_a_named_proxy_the_forwarded_client(settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1", "10.0.0.0/8"]
    assert asked("127.0.0.1", "203.0.113.5") == "203.0.113.5"
    # A client that writes an address of its own: nginx appends the real one, which is the one taken.
    assert asked("127.0.0.1", "192.0.2.66, 203.0.113.5") == "203.0.113.5"
    assert asked("127.0.0.1", "203.0.113.5, 10.1.2.3") == "203.0.113.5"  # a second named proxy passed over
    assert asked("127.0.0.1") is None and asked("127.0.0.1", "not-an-address") is None
    assert asked("198.51.100.7", "203.0.113.5") == "198.51.100.7"  # not a named proxy: its header is ignored


def test_over_a_unix_socket(settings):
    settings.TRUSTED_PROXIES = []
    assert asked("", "203.0.113.5") is None  # the socket is not named: nothing can be known
    settings.TRUSTED_PROXIES = ["unix"]
    assert asked("", "203.0.113.5") == "203.0.113.5"


def test_no_address_no_pass():
    assert not allow("test-nobody", None, 1000, 1000)
    assert not allow("test-nobody", "", 1000, 1000)


@pytest.mark.django_db
def test_reports_through_the_proxy_are_counted_per_client(client, settings, monkeypatch):
    """Two clients behind nginx, two reports an hour each: each gets its own two (one shared limit before)."""
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    monkeypatch.setattr("monitor.intake.LIMIT_CLIENT", 2)
    fields = json.dumps({"kind": "detention", "happened": "2021-09-19", "city": "Санкт-Петербург"})

    def post(forwarded):
        return client.post(
            "/api/reports",
            fields,
            content_type="application/json",
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR=forwarded,
        ).status_code

    assert [post("203.0.113.5") for _ in range(3)] == [201, 201, 429]
    assert [post("198.51.100.9") for _ in range(3)] == [201, 201, 429]
    assert [post("192.0.2.1, 203.0.113.5")] == [429]  # a forged left end does not make a new client
    assert Report.objects.count() >= 4
    settings.TRUSTED_PROXIES = []
    monkeypatch.setattr("monitor.intake.LIMIT_CLIENT", 1000)
    response = client.post("/api/reports", fields, content_type="application/json", REMOTE_ADDR="")
    assert response.status_code == 429  # a socket nobody named: no address, no report
