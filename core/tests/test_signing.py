"""The offline signing tool (core/signing.py) and the key chain, as the organisers and the server use them.

The tool must run on an air-gapped machine with Python and PyNaCl alone, show
what it signs, and refuse whatever would let a signature say something other
than what was shown. The chain may grow by rotation and revocation, never
change; the server follows it from the pinned root.
"""

import hashlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.utils import translation

from core import keys, signing
from core.models import SigningStatement
from elections.models import Election
from smartvote.forecast import save
from smartvote.publish import check, latest_trusted, prepare, signing_request
from smartvote.tests.offline import publish_offline, root_key

TOOL = Path(signing.__file__)
# Django and the project made unimportable: the tool must not need them.
NO_DJANGO = (
    "import runpy, sys; sys.modules['django'] = None; sys.modules['veche'] = None; "
    "sys.argv = ['signing.py', *sys.argv[1:]]; runpy.run_path(sys.argv.pop(1), run_name='__main__')"
)


@pytest.fixture(autouse=True)
def in_english():
    """The tool's and the server's messages in English, as the assertions are written (Russian is checked once)."""
    with translation.override("en"):
        yield


def tool(*args, stdin="", env=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", NO_DJANGO, str(TOOL), *map(str, args)],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "VECHE_LANG": "en", **(env or {})},
    )


def run(*args) -> str:
    out = io.StringIO()
    assert signing.main([str(a) for a in args], out=out) == 0
    return out.getvalue()


def test_the_tool_runs_offline_without_django_and_shows_what_it_signs(tmp_path):
    key, ring = tmp_path / "root.key", tmp_path / "keys.json"
    made = tool("new-root", "--key-out", key, "--keyring", ring)
    assert made.returncode == 0, made.stderr
    root = signing.public_of(signing.read_key(key))
    assert f"VECHE_SIGNING_ROOT={root}" in made.stdout and signing.fingerprint(root) in made.stdout
    assert key.stat().st_mode & 0o077 == 0
    assert tool("new-root", "--key-out", key, "--keyring", tmp_path / "other.json").returncode == 1  # never over a key
    first = {
        "format": signing.LIST_FORMAT,
        "election": {"slug": "e", "name": "Выборы", "date": "2021-09-19"},
        "version": 1,
        "published": "2021-09-10T12:00:00+03:00",
        "previous_sha256": None,
        "forecast": {"created": "2021-09-09", "draws": 10},
        "recommendations": [
            {
                "contest_id": 1,
                "number": 1,
                "contest": "Округ 1",
                "source": "forecast",
                "reason": "",
                "candidate": {"id": 5, "name": "Иванова Анна", "party": "Яблоко", "p_best": 0.7},
            }
        ],
    }
    previous_payload = signing.canonical(first)
    previous_sig = signing.sign(previous_payload, signing.read_key(key))
    second = {
        **first,
        "version": 2,
        "previous_sha256": __import__("hashlib").sha256(previous_payload).hexdigest(),
        "recommendations": [
            {
                **first["recommendations"][0],
                "source": "override",
                "reason": "снялась",
                "candidate": {"id": 6, "name": "Петров Пётр", "party": None, "p_best": None},
            }
        ],
    }
    request = tmp_path / "e-v2.request.json"
    request.write_text(
        json.dumps(
            {
                "format": signing.REQUEST_FORMAT,
                "payload": signing.canonical(second).decode(),
                "previous": {"payload": previous_payload.decode(), "signature": previous_sig},
            }
        )
    )
    refused = tool("sign", request, "--key", key, "--keyring", ring, stdin="no\n")
    assert refused.returncode == 1 and "Not signed" in refused.stderr
    assert not (tmp_path / "e-v2.request.sig").exists()
    signed = tool("sign", request, "--key", key, "--keyring", ring, stdin="yes\n")
    assert signed.returncode == 0, signed.stderr
    for shown in (
        "Выборы (e, 2021-09-19)",
        "Version 2",
        "Округ 1: Петров Пётр",
        "override: снялась",
        "Changes against the lists in force after version 1:",
        "Округ 1: Иванова Анна → Петров Пётр (снялась)",
    ):
        assert shown in signed.stdout, shown
    record = json.loads((tmp_path / "e-v2.request.sig").read_text())
    assert signing.chain(root, []).check(signing.canonical(second), record) == root
    shown = tool("show", request, "--keyring", ring, "--signature", tmp_path / "e-v2.request.sig")
    assert shown.returncode == 0 and "is valid" in shown.stdout
    # In Russian where the machine's locale says so, from the project's catalogue.
    russian = tool("show", request, "--keyring", ring, env={"VECHE_LANG": "ru"})
    assert "Изменения относительно списков, действовавших после версии 1" in russian.stdout


def test_the_tool_refuses_what_would_sign_something_else_than_it_showed(tmp_path):
    key, ring = tmp_path / "root.key", tmp_path / "keys.json"
    run("new-root", "--key-out", key, "--keyring", ring)
    document = {
        "format": signing.LIST_FORMAT,
        "election": {"slug": "e", "name": "E", "date": "2021-09-19"},
        "version": 2,
        "published": "x",
        "previous_sha256": "0" * 64,
        "forecast": {},
        "recommendations": [],
    }
    cases = {
        "not canonical": json.dumps(document, indent=1),  # another spelling of the same document
        "repeated key": signing.canonical(document).decode().replace('{"election"', '{"version":9,"election"', 1),
        "wrong previous": json.dumps(
            {
                "format": signing.REQUEST_FORMAT,
                "payload": signing.canonical(document).decode(),
                "previous": {"payload": "{}", "signature": {}},
            }
        ),
        "unknown kind": signing.canonical({"format": "something-else"}).decode(),
    }
    for name, text in cases.items():
        path = tmp_path / f"{name}.json"
        path.write_text(text)
        out = tool("sign", path, "--key", key, "--keyring", ring, "--yes")
        assert out.returncode == 1 and not path.with_suffix(".sig").exists(), (name, out.stdout, out.stderr)
    # A mirror folder whose files differ from its manifest is not signed.
    folder = tmp_path / "mirror"
    folder.mkdir()
    (folder / "contests.json").write_text("{}")
    manifest = {
        "format": signing.MANIFEST_FORMAT,
        "created": "x",
        "elections": [],
        "regions": [],
        "lists": [],
        "files": {"contests.json": signing.sha512(b"{}"), "data/x.json": signing.sha512(b"[]")},
    }
    (folder / "manifest.json").write_bytes(signing.canonical(manifest))
    out = tool("sign", folder / "manifest.json", "--key", key, "--keyring", ring, "--yes")
    assert out.returncode == 1 and "data/x.json: missing" in out.stderr
    (folder / "data").mkdir()
    (folder / "data/x.json").write_text("[]")
    assert tool("sign", folder / "manifest.json", "--key", key, "--keyring", ring, "--yes").returncode == 0


def test_rotation_and_revocation_follow_the_rules_of_the_chain(tmp_path):
    root_file, ring = tmp_path / "root.key", tmp_path / "keys.json"
    run("new-root", "--key-out", root_file, "--keyring", ring)
    run("rotate", "--keyring", ring, "--key", root_file, "--key-out", tmp_path / "second.key")
    with pytest.raises(signing.SigningError, match="only the current key"):  # the retired root cannot rotate again
        signing.statement(
            signing.chain(*signing.read_keyring(ring.read_text())),
            signing.read_key(root_file),
            "endorse",
            signing.public_of(signing.new_key()),
        )
    run("rotate", "--keyring", ring, "--key", tmp_path / "second.key", "--key-out", tmp_path / "third.key")
    root, statements = signing.read_keyring(ring.read_text())
    second, third = (signing.public_of(signing.read_key(tmp_path / n)) for n in ("second.key", "third.key"))
    chain = signing.chain(root, statements)
    assert [chain.status[k] for k in chain.keys] == ["retired", "retired", "current"]
    with pytest.raises(signing.SigningError, match="only by itself or a later key"):
        signing.statement(chain, signing.read_key(root_file), "revoke", second, "lost")
    run(
        "revoke",
        "--keyring",
        ring,
        "--key",
        tmp_path / "third.key",
        "--revoke",
        signing.fingerprint(second),
        "--reason",
        "the laptop was seized",
    )
    chain = signing.chain(*signing.read_keyring(ring.read_text()))
    assert chain.status[second] == "revoked" and chain.revoked[second]["reason"] == "the laptop was seized"
    payload = b'{"a":1}'
    with pytest.raises(signing.SigningError, match="revoked key"):
        chain.check(payload, signing.sign(payload, signing.read_key(tmp_path / "second.key")))
    assert chain.check(payload, signing.sign(payload, signing.read_key(root_file))) == root  # retired: still good
    # A version signed by the revoked key can still be followed — the next one replaces it — with a warning.
    first = {
        "format": signing.LIST_FORMAT,
        "election": {"slug": "e", "name": "E", "date": "2021-09-19"},
        "version": 1,
        "published": "x",
        "previous_sha256": None,
        "forecast": {},
        "recommendations": [],
    }
    before = signing.canonical(first)
    after = signing.canonical({**first, "version": 2, "previous_sha256": hashlib.sha256(before).hexdigest()})
    request = tmp_path / "e-v2.request.json"
    request.write_text(
        json.dumps(
            {
                "format": signing.REQUEST_FORMAT,
                "payload": after.decode(),
                "previous": {
                    "payload": before.decode(),
                    "signature": signing.sign(before, signing.read_key(tmp_path / "second.key")),
                },
            }
        )
    )
    shown = run("sign", request, "--key", tmp_path / "third.key", "--keyring", ring, "--yes")
    assert "WARNING: the version this one follows is not trusted" in shown and "revoked key" in shown
    statements = signing.read_keyring(ring.read_text())[1]
    for broken in (
        statements[:1] + statements[2:],
        [statements[1], statements[0], statements[2]],
        [*statements[:2], {**statements[2], "signature": statements[1]["signature"]}],
    ):
        with pytest.raises(signing.SigningError):
            signing.chain(root, broken)
    with pytest.raises(signing.SigningError):
        signing.chain(third, statements)  # not from this root
    assert signing.extends(statements[:2], statements) and not signing.extends(statements, statements[:2])


@pytest.fixture
def organiser(db):
    user = User.objects.create_user("organiser-keys")
    user.groups.add(Group.objects.get(name="organisers"))
    return user


def store_chain(tmp_path, *steps):
    """Rotate or revoke on a copy of the test suite's offline keyring; load the result into the server."""
    ring = tmp_path / "keys.json"
    if not ring.exists():
        ring.write_text((settings.OFFLINE_DIR / "keys.json").read_text())
    for step in steps:
        run(*step)
    return keys.load_keyring(ring.read_text())


def test_the_server_follows_rotation_and_revocation(tmp_path, organiser):
    duma = Election.objects.get(slug="duma-2021")
    save(duma, draws=500)
    root_file = settings.OFFLINE_DIR / "root.key"
    first = publish_offline(duma, organiser)
    _chain, added = store_chain(
        tmp_path, ("rotate", "--keyring", tmp_path / "keys.json", "--key", root_file, "--key-out", tmp_path / "new.key")
    )
    assert added == 1 and SigningStatement.objects.count() == 1
    new_key = signing.read_key(tmp_path / "new.key")
    second = publish_offline(duma, organiser, key=new_key)
    assert check(first).trusted and check(first).status == "retired" and check(second).status == "current"
    # A list signed by the retired root after the rotation is still a signature of the chain: revoke it when lost.
    _chain, added = store_chain(
        tmp_path,
        (
            "revoke",
            "--keyring",
            tmp_path / "keys.json",
            "--key",
            tmp_path / "new.key",
            "--revoke",
            signing.public_of(root_key()),
            "--reason",
            "copied",
        ),
    )
    assert added == 1
    assert not check(first).trusted and "revoked" in check(first).message
    assert latest_trusted(duma) == second
    # A keyring that drops the revocation, or starts elsewhere, is refused and changes nothing.
    ring = json.loads((tmp_path / "keys.json").read_text())
    with pytest.raises(signing.SigningError, match="may only grow"):
        keys.load_keyring(json.dumps({**ring, "statements": ring["statements"][:1]}))
    other = signing.new_key()
    with pytest.raises(signing.SigningError, match="not from this"):
        keys.load_keyring(json.dumps({**ring, "root": signing.public_of(other)}))
    assert SigningStatement.objects.count() == 2
    # A statement written into the database without the keys makes the chain, and every list, untrusted.
    stored = SigningStatement.objects.get(seq=2)
    SigningStatement.objects.create(root=stored.root, seq=3, payload=stored.payload, signature="AAAA")
    assert not check(second).trusted and latest_trusted(duma) is None


def test_a_signing_request_carries_the_signed_previous_version(organiser):
    duma = Election.objects.get(slug="duma-2021")
    save(duma, draws=500)
    first = publish_offline(duma, organiser)
    request = json.loads(signing_request(prepare(duma, organiser)))
    assert request["previous"]["payload"] == first.payload
    assert signing.parse_signature(request["previous"]["signature"])["signature"] == first.signature
