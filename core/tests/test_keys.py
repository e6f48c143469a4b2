"""The server holds public keys only, and refuses to start without them; demo mode is shown everywhere.

Finding 2 of the seizure review: without VECHE_MONITOR_PUBLIC_KEY every
process quietly wrote a private key next to the data, and detainees' names
were opened with it. Now a server without the organisers' key (or without
the pepper in memory) stops with a message, intake never falls back to a key
of its own, and keys kept on the server exist only in a demo mode that every
page, list and mirror announces.
"""

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from core import keys, sealing

ROOT = Path(__file__).resolve().parents[2]
START = "import veche.wsgi; print('started')"


def start(tmp_path, **variables) -> subprocess.CompletedProcess:
    """Import the WSGI application as gunicorn's workers do, in a clean environment and a fresh var/."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VECHE_", "DJANGO_", "DATABASE_URL"))}
    variables.setdefault("VECHE_HOLD_DIR", os.environ["VECHE_HOLD_DIR"])  # the tests' own memory folder
    env.update(DJANGO_SETTINGS_MODULE="veche.settings", VECHE_VAR_DIR=str(tmp_path / "var"), **variables)
    return subprocess.run([sys.executable, "-c", START], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_a_server_without_the_organisers_keys_refuses_to_start(tmp_path):
    public = sealing.new_keypair()[0]
    bare = start(tmp_path)
    assert bare.returncode != 0 and "started" not in bare.stdout
    assert "VECHE_MONITOR_PUBLIC_KEY is not set" in bare.stderr and "pepper is not set" in bare.stderr
    assert not list((tmp_path / "var").rglob("*.DEMO")) and not (tmp_path / "var/secrets/pepper").exists()
    no_pepper = start(tmp_path, VECHE_MONITOR_PUBLIC_KEY=public)
    assert no_pepper.returncode != 0 and "pepper is not set" in no_pepper.stderr
    on_disk = tmp_path / "pepper"
    on_disk.write_text("x" * 64)
    refused = start(tmp_path, VECHE_MONITOR_PUBLIC_KEY=public, VECHE_PEPPER_FILE=str(on_disk))
    assert refused.returncode != 0 and "must be on a memory filesystem" in refused.stderr
    malformed = start(tmp_path, VECHE_MONITOR_PUBLIC_KEY="not-a-key", VECHE_PEPPER="p" * 64)
    assert malformed.returncode != 0 and "not a public key" in malformed.stderr
    # The hour keys of held writes (core.held) on the disk: refused as the pepper is.
    held_on_disk = start(
        tmp_path, VECHE_MONITOR_PUBLIC_KEY=public, VECHE_PEPPER="p" * 64, VECHE_HOLD_DIR=str(tmp_path / "held")
    )
    assert held_on_disk.returncode != 0 and "is not on a memory filesystem" in held_on_disk.stderr
    good = start(tmp_path, VECHE_MONITOR_PUBLIC_KEY=public, VECHE_PEPPER="p" * 64)
    assert good.returncode == 0 and "started" in good.stdout, good.stderr
    assert not list((tmp_path / "var").rglob("*.DEMO")) and not (tmp_path / "var/secrets/pepper").exists()
    # A signing key left by the demo, or by a version that kept one on every server, stops a real server.
    (tmp_path / "var/secrets/smartvote_signing_key").write_text("left behind")
    leftover = start(tmp_path, VECHE_MONITOR_PUBLIC_KEY=public, VECHE_PEPPER="p" * 64)
    assert leftover.returncode != 0 and "holds a key a real server must not keep" in leftover.stderr
    demo = start(tmp_path, VECHE_DEMO="1")
    assert demo.returncode == 0, demo.stderr
    assert (tmp_path / "var/secrets/monitor_private_key.DEMO").exists()  # the demo's, made at start


@pytest.mark.skipif(not Path("/dev/shm").is_dir(), reason="no /dev/shm here")
def test_the_pepper_may_come_from_a_memory_filesystem(tmp_path):
    from core.secrets import filesystem_of

    if filesystem_of(Path("/dev/shm")) not in ("tmpfs", "ramfs"):
        pytest.skip("/dev/shm is not a memory filesystem here")
    path = Path("/dev/shm") / f"veche-test-pepper-{os.getpid()}"
    path.write_text("q" * 64)
    try:
        assert (
            start(tmp_path, VECHE_MONITOR_PUBLIC_KEY=sealing.new_keypair()[0], VECHE_PEPPER_FILE=str(path)).returncode
            == 0
        )
    finally:
        path.unlink()


@pytest.mark.django_db
def test_intake_never_falls_back_to_a_key_of_its_own(client, settings, tmp_path, monkeypatch):
    monkeypatch.setenv("VECHE_SECRETS_DIR", str(tmp_path / "secrets"))
    settings.MONITOR_PUBLIC_KEY = ""
    with pytest.raises(ImproperlyConfigured, match="VECHE_MONITOR_PUBLIC_KEY"):
        keys.monitor_public_key()
    from monitor.intake import IntakeError, take
    from monitor.models import Report

    before = Report.objects.count()
    with pytest.raises(ImproperlyConfigured):
        take({"kind": "detention", "happened": "2021-01-31", "city": "Москва", "name": "Иван Петров"})
    with pytest.raises(IntakeError):
        take({"kind": "detention"})  # bad input is still answered as bad input
    assert Report.objects.count() == before and not (tmp_path / "secrets").exists()


PAGES = [
    "/",
    "/elections/",
    "/elections/duma-2021/",
    "/precincts/?uik=1545",
    "/lookup/",
    "/smartvote/duma-2021/",
    "/smartvote/keys/",
    "/pledges/",
    "/pledges/demo-rally/",
    "/monitor/",
    "/monitor/report/detention/",
    "/monitor/violations/",
    "/actions/prisoners/",
    "/actions/letters/",
    "/monitor/data/",
    "/forensics/",
    "/no/such/page/",
    "/admin/login/",
]


@pytest.mark.django_db
def test_demo_mode_is_shown_on_every_page(client, settings):
    banner = "Демо-режим:"
    for url in PAGES:
        assert banner not in client.get(url).content.decode(), url
    settings.DEMO = True
    for url in PAGES:
        response = client.get(url)
        assert response.status_code in (200, 404), url
        assert banner in response.content.decode(), url


@pytest.fixture
def demo(settings, tmp_path, monkeypatch):
    """Demo mode with nothing of the organisers': every key is the demo's, in a var/secrets of its own."""
    monkeypatch.setenv("VECHE_SECRETS_DIR", str(tmp_path / "secrets"))
    settings.DEMO, settings.SIGNING_ROOT, settings.MONITOR_PUBLIC_KEY = True, "", ""
    keys._demo_monitor_key.cache_clear()
    yield tmp_path / "secrets"
    keys._demo_monitor_key.cache_clear()


@pytest.mark.django_db
def test_the_demo_signs_for_itself_and_says_so_everywhere(demo, client, tmp_path):
    from elections.models import Election
    from smartvote.forecast import save
    from smartvote.publish import check, publish_demo

    zaks = Election.objects.get(slug="spb-zaks-2021")
    save(zaks, draws=300)
    user = User.objects.create_user("demo-organiser")
    user.groups.add(Group.objects.get(name="organisers"))
    version = publish_demo(zaks, user)
    assert json.loads(version.payload)["demo"] is True and check(version).demo
    page = client.get(f"/smartvote/{zaks.slug}/lists/1/").content.decode()
    assert "Демо-ключ" in page
    assert "Демо-ключ" in client.get("/smartvote/keys/").content.decode()
    out = tmp_path / "mirror"
    call_command("export_lookup", str(out), "--election", zaks.slug, stdout=io.StringIO())
    assert json.loads((out / "manifest.json").read_text())["demo"] is True and (out / "manifest.sig").exists()
    texts = re.search(r'<script id="texts" type="application/json">(.*?)</script>', (out / "index.html").read_text())
    assert json.loads(texts.group(1))["demo"].startswith("Демонстрационная копия")  # shown when the manifest says demo
    # The monitor's demo pair: its private half beside the other demo secrets, and only there.
    public = keys.monitor_public_key()
    assert (demo / keys.MONITOR_DEMO_PRIVATE).exists() and sealing.public_key(public)


def test_outside_demo_mode_nothing_signs_on_the_server(settings):
    assert keys.demo_signing_key() is None
    settings.DEMO = True
    assert keys.demo_signing_key() is None  # the organisers' root is set: even the demo does not sign for it
