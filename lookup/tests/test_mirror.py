"""The static mirror of the lookup: exported, served by a plain static server, used in Debian's chromium.

The page must answer like the site (the same parser and matching, compared
on the real queries of test_addresses), show the published recommendations,
send nothing of what is typed (the static server's log holds only the files
fetched before typing), and refuse to answer when any file was altered.
"""

import contextlib
import dataclasses
import io
import json
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.utils import timezone

from actions.tests.test_prisoners import held, step
from core import signing
from core.testing import click_on_map
from elections.models import Election
from lookup.addresses import parse
from lookup.find import by_address
from lookup.mirror import export
from lookup.tests.test_addresses import QUERIES
from smartvote.tests.offline import publish_offline

pytestmark = pytest.mark.django_db


def sign_offline(folder, key="root.key"):
    """What the organisers run on their offline machine: the signing tool checks the folder, then signs."""
    assert (
        signing.main(
            [
                "sign",
                str(folder / "manifest.json"),
                "--key",
                str(settings.OFFLINE_DIR / key),
                "--keyring",
                str(settings.OFFLINE_DIR / "keys.json"),
                "--yes",
            ],
            out=io.StringIO(),
        )
        == 0
    )


@pytest.fixture
def exported(tmp_path, ranges):
    """The St Petersburg Legislative Assembly election exported with its first published list, signed offline."""
    zaks = Election.objects.get(slug="spb-zaks-2021")
    call_command("smartvote_forecast", "spb-zaks-2021", "--draws", "500", stdout=io.StringIO())
    publish_offline(zaks, User.objects.create_user("organiser"))
    out = tmp_path / "mirror"
    call_command("export_lookup", str(out), "--election", "spb-zaks-2021", stdout=io.StringIO())
    assert not (out / "manifest.sig").exists()  # the server has nothing to sign it with
    sign_offline(out)
    call_command("export_lookup", str(out), "--signature", str(out / "manifest.sig"), stdout=io.StringIO())
    return out


@pytest.fixture
def served(exported, tmp_path):
    """A static server on the export, its log in a file."""
    log = tmp_path / "server.log"
    with log.open("w") as fh:
        server = subprocess.Popen(
            [sys.executable, "-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", str(exported)],
            stdout=fh,
            stderr=subprocess.STDOUT,
        )
        try:
            port = None
            for _ in range(100):
                text = log.read_text()
                if "port " in text:
                    port = int(text.split("port ")[1].split()[0])
                    break
                time.sleep(0.05)
            assert port, "the static server did not start"
            yield f"http://127.0.0.1:{port}/", log
        finally:
            server.terminate()
            server.wait(5)


@pytest.fixture
def site_answers(ranges):
    """What the site's Python parser and lookup say for the real queries.

    Computed before the browser starts: Playwright's event loop switches the
    context Django keeps its connection in, so tests touch the database only
    in fixtures listed before ``browser``.
    """
    queries = [q for q, _venue in QUERIES] + ["Садовая 101", "Фонарный 5", "Нигдешняя 1"]
    answers = {}
    for query in queries:
        site = by_address(query)
        answers[query] = {
            "parse": dataclasses.asdict(parse(query)),
            "status": site.status,
            "precinct": site.precinct.pk if site.precinct else None,
        }
    return answers


def open_page(browser, url, **options):
    page = browser.new_page(locale="ru-RU", **options)
    page.goto(url)
    page.wait_for_function(
        "document.getElementById('status').textContent.length > 0 && "
        "(!document.getElementById('lookup').hidden || "
        "document.getElementById('status').className === 'error')",
        timeout=15000,
    )
    return page


def test_the_mirror_parses_and_matches_like_the_site(served, site_answers, browser):
    url, _log = served
    page = open_page(browser, url)
    assert not page.locator("#lookup").is_hidden()
    mismatches = []
    for query, site in site_answers.items():
        assert page.evaluate("q => vecheMirror.parse(q)", query) == site["parse"], query
        mirror = page.evaluate(
            "q => { const a = vecheMirror.byAddress(q); "
            "return {status: a.status, precinct: a.precinct ? a.precinct.id : null}; }",
            query,
        )
        if mirror["status"] != site["status"] or (site["status"] == "found" and mirror["precinct"] != site["precinct"]):
            mismatches.append((query, site, mirror))
    assert mismatches == []


def test_a_voter_finds_precinct_and_recommendation_and_nothing_typed_reaches_the_server(served, browser):
    url, log = served
    page = open_page(browser, url, viewport={"width": 390, "height": 844})  # a phone
    assert "Подпись проверена" in page.inner_text("#status")  # exported in Russian, the default
    before = log.read_text()
    page.fill("#address", "Садовая 101")  # a published address range: UIK 4
    page.click("button[value=address]")
    answer = page.inner_text("#answer")
    assert "№4" in answer and "Садовая улица, дом 108-110" in answer
    assert "Умное голосование:" in answer
    # On a phone the answer is brought into view and focused; the page never scrolls sideways.
    box = page.locator("#answer > :first-child").bounding_box()
    assert 0 <= box["y"] < 844 and page.evaluate("document.activeElement.parentElement.id") == "answer"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    # A home the published ranges do not place is said to be not placed (as the site says).
    page.fill("#address", "Литейный 30")
    page.click("button[value=address]")
    assert "не можем назвать ваш участок" in page.inner_text("#answer")
    page.fill("#uik", "1545")
    page.click("button[value=uik]")
    assert "№1545" in page.inner_text("#answer")
    # A click on the map (no tiles: the region's stations as dots) is answered in the page as well.
    click_on_map(page, 59.9312, 30.3516)
    assert page.inner_text("#answer").startswith("Участок (УИК) №2216")  # Пушкинская 9, the nearest
    time.sleep(0.3)
    after = log.read_text()
    assert after == before, "typing made the page fetch something"
    for typed in ("Садов", "%D0%A1%D0%B0%D0%B4", "101", "1545"):
        assert typed not in after
    fetched = {line.split('"GET ')[1].split()[0] for line in after.splitlines() if '"GET ' in line}
    assert fetched <= {
        "/",
        "/mirror.js",
        "/nacl-fast.min.js",
        "/leaflet.js",
        "/leaflet.css",
        "/map.js",
        "/manifest.json",
        "/manifest.sig",
        "/keys.json",
        "/contests.json",
        "/lists/spb-zaks-2021-v1.json",
        "/lists.js",
        "/data/gorod-sankt-peterburg-1.json",
    }


@pytest.mark.parametrize(
    "name, message",
    [
        ("data/gorod-sankt-peterburg-1.json", "файл данных не совпадает с подписанным хешем"),
        ("lists/spb-zaks-2021-v1.json", "файл данных не совпадает с подписанным хешем"),
        ("manifest.json", "её подпись не совпадает"),
    ],
)
def test_an_altered_copy_refuses_to_answer(served, exported, name, message, browser):
    url, _log = served
    path = exported / name
    body = bytearray(path.read_bytes())
    i = body.index(b'"uik":"4"') + 7 if b'"uik":"4"' in body else len(body) // 2
    body[i] = ord("5") if body[i] != ord("5") else ord("6")
    path.write_bytes(bytes(body))
    page = browser.new_page(locale="en-GB")
    page.goto(url)
    page.wait_for_function("document.getElementById('status').className === 'error'", timeout=15000)
    assert message in page.inner_text("#status")
    assert page.locator("#lookup").is_hidden()


def test_export_refuses_a_folder_it_did_not_make(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(CommandError, match="not empty"):
        call_command("export_lookup", str(tmp_path), "--election", "spb-zaks-2021", stdout=io.StringIO())
    assert (tmp_path / "notes.txt").read_text() == "mine" and not (tmp_path / "manifest.json").exists()
    with pytest.raises(CommandError, match="no imported election"):
        call_command("export_lookup", str(tmp_path / "new"), "--election", "nowhere")


def variant(site, exported, name, statements=None, key="root.key", **changes):
    """A copy of the export under ``site``, with these key-chain statements and these changes to its manifest
    (``version``, ``expires``), the manifest signed offline again."""
    copy = site / name
    shutil.copytree(exported, copy)
    manifest = json.loads((copy / "manifest.json").read_bytes())
    if statements is not None:
        keyring = json.loads((copy / "keys.json").read_text())
        (copy / "keys.json").write_bytes(signing.canonical({**keyring, "statements": statements}))
        manifest["files"]["keys.json"] = signing.sha512((copy / "keys.json").read_bytes())
    (copy / "manifest.json").write_bytes(signing.canonical({**manifest, **changes}))
    (copy / "manifest.sig").unlink()
    sign_offline(copy, key)
    return copy


@contextlib.contextmanager
def static_site(site):
    """A plain static server on ``site``: its port."""
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", str(site)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield int(server.stdout.readline().split("port ")[1].split()[0])
    finally:
        server.terminate()
        server.wait(5)


def verdict(context, port, name):
    """What the page of the copy ``name`` says once it has checked it, in this browser (its memory)."""
    page = context.new_page()
    page.goto(f"http://127.0.0.1:{port}/{name}/index.html")
    page.wait_for_function(
        "document.getElementById('status').className === 'error' || !document.getElementById('lookup').hidden",
        timeout=15000,
    )
    text = page.inner_text("#status")
    if "Подпись проверена" not in text:
        assert page.locator("#lookup").is_hidden()  # refused: nothing to ask
    page.close()
    return text


def test_the_page_follows_rotation_and_refuses_a_chain_cut_short_or_forked(exported, tmp_path, browser):
    """A copy signed after a rotation is accepted; a browser that has seen the longer chain refuses a copy that
    drops its last statement (a revocation, say), and one whose chain was forked with the stolen root key."""
    site = tmp_path / "site"
    site.mkdir()
    root = signing.read_key(settings.OFFLINE_DIR / "root.key")
    chain = signing.chain(signing.public_of(root), [])
    rotated = [signing.statement(chain, root, "endorse", signing.public_of(signing.new_key()))]
    forked = [signing.statement(chain, root, "endorse", signing.public_of(signing.new_key()))]
    variant(site, exported, "before")
    variant(site, exported, "after", rotated)
    variant(site, exported, "forked", forked)
    with static_site(site) as port:
        context = browser.new_context(locale="ru-RU")  # one browser: one memory of the chain
        assert "Подпись проверена" in verdict(context, port, "before")  # the export's language: Russian
        assert "Подпись проверена" in verdict(context, port, "after")  # the chain grew by a rotation: fine
        assert "отличается от той, что этот браузер видел раньше" in verdict(context, port, "before")  # cut short
        assert "отличается от той, что этот браузер видел раньше" in verdict(context, port, "forked")
        fresh = browser.new_context(locale="ru-RU")  # a browser that never saw the longer chain
        assert "Подпись проверена" in verdict(fresh, port, "forked")


def test_the_page_refuses_an_older_or_expired_copy(exported, tmp_path, browser):
    """Issue 35: a hostile mirror served a browser that had seen version 2 the correctly signed version 1, and the
    page answered from it. Now the page remembers the highest version it saw and refuses a lower one, and refuses
    any copy past its expiry, even in a browser that saw nothing before."""
    site = tmp_path / "site"
    site.mkdir()
    manifest = json.loads((exported / "manifest.json").read_bytes())
    assert manifest["expires"] > manifest["created"]
    variant(site, exported, "v1", version=manifest["version"])
    variant(site, exported, "v2", version=manifest["version"] + 1)
    variant(site, exported, "expired", expires="2026-01-01T00:00:00+00:00")
    variant(site, exported, "unversioned", version=None)
    with static_site(site) as port:
        context = browser.new_context(locale="ru-RU")
        assert "Подпись проверена" in verdict(context, port, "v1")
        assert "Подпись проверена" in verdict(context, port, "v2")
        assert "старше той, что этот браузер уже видел" in verdict(context, port, "v1")
        assert "Подпись проверена" in verdict(context, port, "v2")
        fresh = browser.new_context(locale="ru-RU")
        assert "Подпись проверена" in verdict(fresh, port, "v1")  # never saw v2: the expiry alone guards it
        assert "истёк 2026-01-01" in verdict(fresh, port, "expired")
        assert "нет ни версии, ни срока" in verdict(fresh, port, "unversioned")


def test_the_page_opens_on_the_sites_region(tmp_path, settings, browser):
    """A national copy listed some eighty regions alphabetically and opened on the first; it opens on the site's
    region (VECHE_LOOKUP_REGION), as the site's search does, and on the first when that is not in the copy."""
    both = list(Election.objects.filter(slug__in=["spb-zaks-2021", "mgd-2019"]))
    settings.LOOKUP_REGION = "город Санкт-Петербург"
    export(tmp_path / "spb", both)
    settings.LOOKUP_REGION = "Нет такого края"
    export(tmp_path / "none", both)
    for name in ("spb", "none"):
        (tmp_path / name / "manifest.sig").unlink(missing_ok=True)
        sign_offline(tmp_path / name)
    with static_site(tmp_path) as port:
        context = browser.new_context(locale="ru-RU")
        for name, region in (("spb", "Санкт-Петербург"), ("none", "Москва")):
            page = context.new_page()
            page.goto(f"http://127.0.0.1:{port}/{name}/index.html")
            page.wait_for_function("!document.getElementById('lookup').hidden", timeout=15000)
            assert region in page.eval_on_selector("#region", "s => s.options[s.selectedIndex].text"), name
            page.close()


def test_one_file_answers_offline_and_refuses_a_changed_byte(exported, tmp_path, browser):
    """Issue 35: during a shutdown (mobile internet cut to a whitelist) a voter gets the lookup as one file in a
    messenger. The bundle checks its own signature and answers from file://, nothing fetched; a byte changed in it
    (an address range moved to another precinct) and it refuses to answer; an unsigned folder makes no bundle."""
    path = tmp_path / "lookup.html"
    call_command("export_lookup", str(exported), "--bundle", str(path), stdout=io.StringIO())
    assert path.stat().st_size < 5_000_000
    page = browser.new_page(locale="ru-RU", viewport={"width": 390, "height": 844})
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(path.as_uri())
    page.wait_for_function("!document.getElementById('lookup').hidden", timeout=15000)
    assert "Подпись проверена" in page.inner_text("#status")
    page.fill("#address", "Садовая 101")
    page.click("button[value=address]")
    answer = page.inner_text("#answer")
    assert "№4" in answer and "Умное голосование:" in answer
    assert requests == [path.as_uri()]  # the file itself, nothing else
    changed = tmp_path / "changed.html"
    text = path.read_text()
    assert text.count('\\"uik\\":\\"4\\"') >= 1
    changed.write_text(text.replace('\\"uik\\":\\"4\\"', '\\"uik\\":\\"5\\"', 1))
    page = browser.new_page(locale="ru-RU")
    page.goto(changed.as_uri())
    page.wait_for_function("document.getElementById('status').className === 'error'", timeout=15000)
    assert "изменена" in page.inner_text("#status") and page.locator("#lookup").is_hidden()
    (exported / "manifest.sig").unlink()
    with pytest.raises(CommandError, match="export the folder and attach its signature first"):
        call_command("export_lookup", str(exported), "--bundle", str(tmp_path / "unsigned.html"))


def test_each_export_to_a_folder_is_a_higher_version(tmp_path):
    out = tmp_path / "mirror"
    first = export(out, [Election.objects.get(slug="spb-zaks-2021")], valid_days=3)
    second = export(out, [Election.objects.get(slug="spb-zaks-2021")])
    assert second["version"] > first["version"]  # even within the same second
    assert first["expires"][:10] == (date.fromisoformat(first["created"][:10]) + timedelta(days=3)).isoformat()
    with pytest.raises(CommandError, match="at least one day"):
        call_command("export_lookup", str(out), "--election", "spb-zaks-2021", "--valid-days", "0")
    assert json.loads((out / "manifest.json").read_bytes())["version"] == second["version"]  # unchanged


def test_an_unsigned_or_foreign_signed_copy_refuses_to_answer(exported, tmp_path, browser):
    site = tmp_path / "site"
    site.mkdir()
    unsigned = site / "unsigned"
    shutil.copytree(exported, unsigned)
    (unsigned / "manifest.sig").unlink()
    foreign = site / "foreign"
    shutil.copytree(exported, foreign)
    (foreign / "manifest.sig").write_text(
        json.dumps(signing.sign((foreign / "manifest.json").read_bytes(), signing.new_key()))
    )
    with static_site(site) as port:
        for name, message in (("unsigned", "ещё не подписана организаторами"), ("foreign", "её подпись не совпадает")):
            assert message in verdict(browser.new_context(locale="ru-RU"), port, name)


def test_the_page_folds_list_versions_as_the_server_does(browser):
    """A national list published a region at a time: the page's lists.js and core.signing.in_force agree on
    which version gives each district's pick (a region's version replaces its region's picks alone, a whole
    version every pick of its election, never another election's)."""

    def doc(slug, version, region, districts):
        rows = [{"contest_id": c, "region": r, "candidate": None} for c, r in districts]
        return {"election": {"slug": slug}, "version": version, "published": "2021-09-01", "recommendations": rows} | (
            {"region": region} if region else {}
        )

    docs = [
        doc("a", 3, "Б", [(3, "Б")]),  # district 4 of Б is on no list any more
        doc("a", 1, None, [(1, "А"), (2, "А"), (3, "Б"), (4, "Б")]),
        doc("a", 2, "А", [(1, "А"), (2, "А")]),
        doc("b", 1, None, [(9, "Б")]),
        doc("a", 4, "А", [(2, "А")]),
    ]
    python = {}
    for slug in ("a", "b"):
        folded = signing.in_force([d for d in docs if d["election"]["slug"] == slug])
        python |= {str(k): source["version"] for k, (_row, source) in folded.items()}
    assert python == {"2": 4, "3": 3, "9": 1}
    page = browser.new_page()
    try:
        page.add_script_tag(path=str(settings.BASE_DIR / "lookup/static/lookup/lists.js"))
        script = "docs => Object.fromEntries(Object.entries(listsInForce(docs)).map(([k, r]) => [k, r.version]))"
        assert page.evaluate(script, docs) == python
    finally:
        page.close()


# -- publishing to several hosts (core/mirrors.py) ------------------------------------------------------------
@pytest.fixture(scope="module")
def s3_server():
    """moto's standalone S3 server on a free port: the endpoint of an S3-compatible host."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("moto_server")), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(endpoint + "/moto-api/", timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("moto's S3 server did not start")
        yield endpoint
    finally:
        server.terminate()
        server.wait(10)


@dataclasses.dataclass
class Hosts:
    """Three hosts of three kinds, empty: a bucket on the S3 server, a bare git repository, a folder for rsync."""

    endpoint: str
    bucket: str
    bare: Path
    www: Path

    @property
    def addresses(self) -> list[str]:
        return [f"s3+{self.endpoint}/{self.bucket}/lookup", f"git+{self.bare}#pages", f"rsync+{self.www}"]

    def client(self):
        import boto3

        return boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1")

    def s3_files(self) -> dict[str, bytes]:
        client = self.client()
        names = [o["Key"] for o in client.list_objects_v2(Bucket=self.bucket).get("Contents", [])]
        return {n.removeprefix("lookup/"): client.get_object(Bucket=self.bucket, Key=n)["Body"].read() for n in names}

    def git_files(self, into: Path) -> dict[str, bytes]:
        subprocess.run(["git", "clone", "--quiet", "--branch", "pages", str(self.bare), str(into)], check=True)
        return folder_files(into)

    def git_log(self) -> list[str]:
        return subprocess.run(
            ["git", "-C", str(self.bare), "log", "--format=%an <%ae> %at %s", "pages"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.splitlines()


def folder_files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in folder.rglob("*")
        if p.is_file() and not p.relative_to(folder).parts[0].startswith(".")
    }


def public_bucket(client, name, public=True):
    """A bucket as its owner sets it up for a static site: everyone may read its objects."""
    client.create_bucket(Bucket=name)
    if public:
        everyone = {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject"}
        statement = {**everyone, "Resource": f"arn:aws:s3:::{name}/*"}
        client.put_bucket_policy(Bucket=name, Policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]}))


@pytest.fixture
def hosts(s3_server, tmp_path, monkeypatch):
    # Credentials as a publisher's environment gives them to boto3 (moto takes any).
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    made = Hosts(s3_server, f"veche-{secrets.token_hex(4)}", tmp_path / "pages.git", tmp_path / "www")
    public_bucket(made.client(), made.bucket)
    subprocess.run(["git", "init", "--quiet", "--bare", str(made.bare)], check=True)
    return made


def publish_mirror(folder, *addresses, hosts_file=None):
    out = io.StringIO()
    options = [arg for address in addresses for arg in ("--to", address)]
    if hosts_file:
        options += ["--hosts", str(hosts_file)]
    call_command("publish_mirror", str(folder), *options, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture
def published(exported, hosts, tmp_path):
    """The signed export published with one command to the three hosts (one named on the line, two in a file)."""
    listed = tmp_path / "mirrors.txt"
    listed.write_text(f"# our mirrors\n{hosts.addresses[1]}\n\n{hosts.addresses[2]}\n")
    output = publish_mirror(exported, hosts.addresses[0], hosts_file=listed)
    assert output.count("read back and matching") == 3, output
    return hosts


def test_one_command_publishes_the_signed_copy_to_three_kinds_of_host(published, exported, tmp_path, browser):
    """Issue 35: a blocked mirror is replaced in minutes. One command puts the signed folder on an S3 bucket, a git
    pages branch and an rsync destination, byte for byte; the commit carries no organiser's name or clock; and the
    copy served by the S3 server checks its signature and answers in chromium."""
    expected = folder_files(exported)
    assert published.s3_files() == expected
    assert published.git_files(tmp_path / "clone") == expected
    assert folder_files(published.www) == expected
    version = json.loads((exported / "manifest.json").read_bytes())["version"]
    [commit] = published.git_log()
    assert commit.startswith(f"Veche mirror <mirror@veche.invalid> {version} Mirror version {version}")
    head = published.client().head_object(Bucket=published.bucket, Key="lookup/index.html")
    assert head["ContentType"] == "text/html; charset=utf-8" and head["CacheControl"] == "no-cache"
    page = open_page(browser, f"{published.endpoint}/{published.bucket}/lookup/index.html")
    assert "Подпись проверена" in page.inner_text("#status") and not page.locator("#lookup").is_hidden()
    page.fill("#address", "Садовая 101")
    page.click("button[value=address]")
    assert "№4" in page.inner_text("#answer")


def test_a_new_version_replaces_the_old_everywhere_and_unchanged_files_stay(published, exported):
    """Publishing the next version sends what changed, removes what the folder no longer holds (a region dropped),
    and adds one commit; publishing it again changes nothing."""
    published.client().put_object(Bucket=published.bucket, Key="lookup/data/dropped-1.json", Body=b"{}")
    (published.www / "data" / "dropped-1.json").write_text("{}")
    call_command("export_lookup", str(exported), "--election", "spb-zaks-2021", stdout=io.StringIO())
    sign_offline(exported)
    call_command("export_lookup", str(exported), "--signature", str(exported / "manifest.sig"), stdout=io.StringIO())
    output = publish_mirror(exported, *published.addresses)
    expected = folder_files(exported)
    assert published.s3_files() == expected and folder_files(published.www) == expected
    s3_line = next(line for line in output.splitlines() if line.startswith("ok s3+"))
    assert "1 removed" in s3_line and f"{len(expected)} file(s) sent" not in s3_line  # the same bytes stay
    assert len(published.git_log()) == 2
    again = publish_mirror(exported, *published.addresses)
    assert "already holds this copy" in again and len(published.git_log()) == 2


def test_a_copy_that_does_not_check_goes_nowhere_and_a_dead_host_stops_no_other(exported, hosts, tmp_path):
    """A folder altered after signing, an unsigned one or a misspelt address is refused before any host is
    touched; a host that cannot be reached fails alone, the command says so, the others hold the copy."""
    region = next((exported / "data").iterdir())
    good = region.read_bytes()
    region.write_bytes(good.replace(b'"uik":"4"', b'"uik":"5"', 1))
    with pytest.raises(CommandError, match="does not match its manifest"):
        publish_mirror(exported, *hosts.addresses)
    region.write_bytes(good)
    with pytest.raises(CommandError, match="not a host address"):
        publish_mirror(exported, *hosts.addresses, "ftp://example.org/veche")
    signature = (exported / "manifest.sig").read_bytes()
    (exported / "manifest.sig").unlink()
    with pytest.raises(CommandError, match="attach its signature first"):
        publish_mirror(exported, *hosts.addresses)
    assert hosts.s3_files() == {} and not hosts.www.exists()
    assert subprocess.run(["git", "-C", str(hosts.bare), "branch"], capture_output=True, text=True).stdout == ""
    (exported / "manifest.sig").write_bytes(signature)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    dead = f"s3+http://127.0.0.1:{closed}/{hosts.bucket}/lookup"
    private = f"veche-{secrets.token_hex(4)}"
    public_bucket(hosts.client(), private, public=False)  # the owner forgot to let visitors read it
    with pytest.raises(CommandError, match=r"2 of 4 host\(s\) failed: s3\+http://127.0.0.1") as failed:
        publish_mirror(exported, dead, f"s3+{hosts.endpoint}/{private}", *hosts.addresses[1:])
    assert private in str(failed.value)
    assert folder_files(hosts.www) == folder_files(exported) == hosts.git_files(tmp_path / "clone")


@pytest.fixture
def with_prisoners(exported):
    """The export again after a prisoner who takes letters began a hunger strike three days ago."""
    person = held("Ефросинья Письмова", zone="Asia/Yekaterinburg")
    held("Не Хочет Писем", letters=False)  # no consent to letters: not in the copy
    started = timezone.localtime(timezone.now(), ZoneInfo("Asia/Yekaterinburg")).date() - timedelta(days=3)
    step("", "hunger_strike", started.isoformat(), person=person)
    call_command("export_lookup", str(exported), "--election", "spb-zaks-2021", stdout=io.StringIO())
    sign_offline(exported)
    call_command("export_lookup", str(exported), "--signature", str(exported / "manifest.sig"), stdout=io.StringIO())
    return exported


def test_the_copy_carries_where_and_how_to_write_to_prisoners(with_prisoners, tmp_path, browser):
    """Issue 35: when the site is blocked, a supporter still finds where to write to a political prisoner and how
    (the advice that keeps a letter from the censor), from the signed copy on a phone, with the strike's day by the
    prison's calendar; a hostile mirror that sends letters to another address is refused like any altered copy."""
    sheet = json.loads((with_prisoners / "prisoners.json").read_bytes())
    assert [p["name"] for p in sheet["prisoners"]] == ["Ефросинья Письмова"]
    altered = tmp_path / "altered"
    shutil.copytree(with_prisoners, altered)
    (altered / "prisoners.json").write_bytes(
        (altered / "prisoners.json").read_bytes().replace("колония".encode(), "почтамт".encode())
    )
    with static_site(tmp_path) as port:
        page = open_page(browser, f"http://127.0.0.1:{port}/mirror/index.html", viewport={"width": 390, "height": 844})
        section = page.locator("#prisoners")
        assert section.is_visible()
        card = section.locator("article", has_text="Ефросинья Письмова")
        assert "000000, колония Ефросинья Письмова" in card.locator("address").inner_text()
        assert "день 4" in card.inner_text() and "Голодовка" in card.inner_text()
        assert "Там сейчас" in card.inner_text() and "(Asia/Yekaterinburg)" in card.inner_text()
        section.get_by_text("Как отправить").click()
        assert "ФСИН-письмо" in section.locator("#how-to-send").inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page = open_page(browser, f"http://127.0.0.1:{port}/altered/index.html")
        assert "изменена" in page.inner_text("#status") and page.locator("#prisoners").is_hidden()
