"""A database outage, for real: a server whose database is not there answers 503 with a message in the visitor's
language (JSON for the API), and says when to come back; it used to answer a bare English "Server Error (500)"."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from core.testing import stop_server

GUNICORN = str(Path(sys.executable).with_name("gunicorn"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str, language: str) -> tuple[int, dict, str]:
    request = urllib.request.Request(url, headers={"Accept-Language": language})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


@pytest.fixture(scope="module")
def server_without_database(tmp_path_factory):
    """gunicorn as deployed, its DATABASE_URL a PostgreSQL port where nothing listens."""
    var = tmp_path_factory.mktemp("var")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "veche.settings",
        "VECHE_DEMO": "1",
        "VECHE_VAR_DIR": str(var),
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{free_port()}/gone",
    }
    port = free_port()
    server = subprocess.Popen(
        [GUNICORN, "-c", "veche/gunicorn.py", "veche.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                fetch(base + "/static/veche/site.css", "en")
                break
            except OSError:
                time.sleep(0.1)
        yield base
    finally:
        stop_server(server)


@pytest.mark.parametrize(("language", "words"), [("ru", "База данных"), ("en", "The database is out of reach")])
def test_pages_say_the_database_is_out_of_reach(server_without_database, language, words):
    status, headers, body = fetch(server_without_database + "/elections/", language)
    assert status == 503 and headers["Retry-After"] == "30"
    assert words in body and "Server Error" not in body


def test_the_api_says_it_in_json(server_without_database):
    status, headers, body = fetch(server_without_database + "/api/elections", "en")
    assert status == 503 and headers["Content-Type"] == "application/json"
    assert "out of reach" in json.loads(body)["detail"]
