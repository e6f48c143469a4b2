"""The seizure test: a real server is used, then taken, then attacked as a state would attack it.

A server is started as deployed — gunicorn with veche/gunicorn.py, its own
database (a SQLite file with its WAL, or a fresh PostgreSQL database), Redis
for the rate limits, a mail server, the organisers' public keys only, the
pepper on a memory filesystem. People sign up for two campaigns from their
own addresses and confirm; detentions and prosecutions are reported with
names, ages, phones, contacts and a photo; a malformed request comes in; one
campaign is purged and the oldest reports go through the retention.

Then everything a seizure gets is copied — the database files raw (SQLite
file, -wal and -shm; every PostgreSQL relation's files, found with
pg_relation_filepath, and pg_dump), every file under var/, Redis's keys and
values, the server's log — and attacked: searched for every identity in the
usual encodings, every stored hash run against a dictionary of 46,000
Russian names (the identities among them), their e-mails and addresses
under every key found on the disk, and every key found tried as the
organisers' signing key, against the site and against a mirror in chromium.
Expected: nothing found, nothing recovered, every forgery refused. The one
control: with what a *running* server holds in memory (the pepper), the same
dictionary does find the e-mails of the campaign that was not purged — what
docs/threat-model.md says a running seizure reveals.
"""

import base64
import gzip
import hashlib
import hmac
import io
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from nacl.signing import SigningKey
from PIL import Image

from core import signing
from core.testing import MailSink, leaks, pg_waldump, stop_server, wal_writers

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
NAMES = Path(__file__).with_name("fixtures") / "russian-names.txt.gz"
# A Redis database of its own, emptied before and after: `make test` gives its SQLite and PostgreSQL runs, which run
# side by side, one each.
REDIS_URL = os.environ.get("VECHE_TEST_SEIZURE_REDIS_URL", "redis://127.0.0.1:6379/15")

# Who uses the server. Names are in the dictionary (fixtures/make_names.py); none is in the election data.
KEPT = [
    ("aristarkh.pugovkin@mail.ru", "Аристарх Пуговкин", "127.0.0.21"),
    ("feoktist.zvyagin1987@proton.me", "Феоктист Звягин", "127.0.0.22"),
]
PURGED = [
    ("Olimpiada.Rzhevskaya@gmail.com", "Олимпиада Ржевская", "127.0.0.23"),
    ("evlampia-kvasnikova@yandex.ru", "Евлампия Квасникова", "127.0.0.24"),
]
DETAINED = {
    "name": "Евпраксия Гнедовская",
    "age": 16,
    "phone": "+7 911 555-01-23",
    "reporter": "zhenya.tkachuk.source@proton.me",
    "ip": "127.0.0.31",
}
PROSECUTED = {"name": "Мстислав Оладьин", "contact": "адвокат Фердыщенко", "ip": "127.0.0.32"}
OLD_REPORT = {
    "name": "Тихомира Сбруева",
    "phone": "+7 921 000-77-66",
    "reporter": "old.witness@yandex.ru",
    "ip": "127.0.0.33",
}
MALFORMED_FROM = "127.0.0.39"
# The mail provider's attack: a control address, a suspect who had signed up (KEPT[0]), one never seen.
ORDER_ATTACK = ["control.addr@mail.ru", KEPT[0][0], "never.seen1@mail.ru"]


def phone_forms(phone: str) -> list[str]:
    digits = re.sub(r"\D", "", phone)
    return [phone, digits, "+" + digits, "8" + digits[1:], f"{digits[1:4]} {digits[4:7]}-{digits[7:9]}-{digits[9:]}"]


IDENTITIES = sorted(
    {
        *(p for e, n, ip in KEPT + PURGED for p in (e, e.lower(), n, *n.split(), ip)),
        DETAINED["name"],
        *DETAINED["name"].split(),
        *phone_forms(DETAINED["phone"]),
        DETAINED["reporter"],
        DETAINED["ip"],
        PROSECUTED["name"],
        *PROSECUTED["name"].split(),
        PROSECUTED["contact"],
        "Фердыщенко",
        PROSECUTED["ip"],
        OLD_REPORT["name"],
        *OLD_REPORT["name"].split(),
        *phone_forms(OLD_REPORT["phone"]),
        OLD_REPORT["reporter"],
        OLD_REPORT["ip"],
        MALFORMED_FROM,
    }
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Visitor:
    """A browser on its own address: cookies, CSRF, and every request from ``ip`` (a loopback address)."""

    def __init__(self, base: str, ip: str):
        self.base, self.ip, self.jar = base, ip, CookieJar()
        handler = urllib.request.HTTPHandler()
        handler.http_open = lambda req: handler.do_open(self._connection, req)
        self.opener = urllib.request.build_opener(handler, urllib.request.HTTPCookieProcessor(self.jar))

    def _connection(self, host, **kwargs):
        import http.client

        return http.client.HTTPConnection(host, source_address=(self.ip, 0), **kwargs)

    def request(self, path, data=None, headers=None, content_type=None) -> tuple[int, str]:
        request = urllib.request.Request(self.base + path, data=data, headers=headers or {})
        if content_type:
            request.add_header("Content-Type", content_type)
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def csrf(self) -> str:
        return next(c.value for c in self.jar if c.name == "csrftoken")

    def form(self, path, fields: dict, files: dict | None = None) -> tuple[int, str]:
        self.request(path)
        headers = {"Referer": self.base + path, "X-CSRFToken": self.csrf()}
        if not files:
            return self.request(
                path, urllib.parse.urlencode(fields).encode(), headers, "application/x-www-form-urlencoded"
            )
        boundary = "veche-seizure-boundary"
        body = b""
        for name, value in fields.items():
            body += (f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n').encode()
        for name, (filename, data) in files.items():
            body += (
                (
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                    f"Content-Type: image/png\r\n\r\n"
                ).encode()
                + data
                + b"\r\n"
            )
        body += f"--{boundary}--\r\n".encode()
        return self.request(path, body, headers, f"multipart/form-data; boundary={boundary}")


@dataclass
class Seized:
    """What the state took, and what the test knows that it should not be able to learn from it."""

    texts: dict[str, str] = field(default_factory=dict)  # where → the bytes as text (latin-1 and UTF-8)
    raw: dict[str, bytes] = field(default_factory=dict)  # the database's own files, as bytes
    var: Path | None = None
    redis: dict[bytes, bytes] = field(default_factory=dict)
    redis_ttl: dict[bytes, int] = field(default_factory=dict)
    redis_time: float = 0.0
    mail: list[bytes] = field(default_factory=list)
    log: str = ""
    purged: list[bytes] = field(default_factory=list)  # the purged campaign's hashes and sealed contacts
    retired: list[bytes] = field(default_factory=list)  # what the retention deleted (sealed details, photo)
    photo: bytes = b""
    received: list = field(default_factory=list)
    pepper: bytes = b""  # what a running server holds in memory: the control of the dictionary attack
    modes: dict[str, int] = field(default_factory=dict)
    campaigns: dict[str, int] = field(default_factory=dict)
    vendor: str = ""
    order: list[bytes] = field(default_factory=list)  # the mails of the mail-order attack, in ORDER_ATTACK's order
    first_link: str = ""  # the suspect's first confirmation link
    wal: str = ""  # PostgreSQL: pg_waldump of the WAL written while people used the server, until the hour's flush
    personal: dict[int, str] = field(default_factory=dict)  # filenode → table, of the tables of personal data


def photo_bytes() -> bytes:
    """A small photo with a GPS-bearing EXIF block: it must arrive re-encoded and sealed, never in the clear."""
    image = Image.new("RGB", (40, 30), (200, 30, 60))
    for x in range(40):
        image.putpixel((x, x % 30), (x * 6, 255 - x * 6, 90))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


class Database:
    """The seized server's own database: a SQLite file in its var/, or a fresh PostgreSQL database."""

    def __init__(self, var: Path):
        self.vendor = connection.vendor
        if self.vendor == "sqlite":
            self.file = var / "veche.sqlite3"
            self.url = f"sqlite:///{self.file}"
        else:
            db = connection.settings_dict
            self.name = f"veche_seizure_{os.getpid()}"
            self.dsn = dict(host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"] or "postgres")
            self.url = f"postgres://{self.dsn['user']}@{self.dsn['host']}:{self.dsn['port']}/{self.name}"
            with self.admin() as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.name}"')
                conn.execute(f'CREATE DATABASE "{self.name}"')

    def admin(self):
        import psycopg

        return psycopg.connect(dbname="postgres", autocommit=True, **self.dsn)

    def query(self, sql: str) -> list:
        if self.vendor == "sqlite":
            with sqlite3.connect(self.file) as conn:
                return conn.execute(sql).fetchall()
        import psycopg

        with psycopg.connect(dbname=self.name, autocommit=True, **self.dsn) as conn:
            cursor = conn.execute(sql)
            return cursor.fetchall() if cursor.description else []

    def files(self) -> dict[str, bytes]:
        """The database's own files as a thief copies them off the disk."""
        if self.vendor == "sqlite":
            return {p.name: p.read_bytes() for p in self.file.parent.glob(self.file.name + "*")}
        import psycopg

        with psycopg.connect(dbname=self.name, autocommit=True, **self.dsn) as conn:
            base = Path(conn.execute("SHOW data_directory").fetchone()[0])
            paths = [
                r[0]
                for r in conn.execute(
                    "SELECT pg_relation_filepath(oid) FROM pg_class WHERE pg_relation_filepath(oid) IS NOT NULL"
                ).fetchall()
            ]
        out = {}
        for relative in paths:
            for path in (base / relative).parent.glob(Path(relative).name + "*"):  # segments .1 …, _fsm, _vm
                if re.fullmatch(re.escape(Path(relative).name) + r"(\.\d+|_fsm|_vm|_init)?", path.name):
                    out[str(path.relative_to(base))] = path.read_bytes()
        dump = subprocess.run(
            [
                "pg_dump",
                "--no-owner",
                "-h",
                self.dsn["host"],
                "-p",
                str(self.dsn["port"]),
                "-U",
                self.dsn["user"],
                self.name,
            ],
            capture_output=True,
            check=True,
            timeout=120,
        )
        out["pg_dump"] = dump.stdout
        return out

    def drop(self):
        if self.vendor != "sqlite":
            with self.admin() as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def redis_client():
    import redis

    try:
        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
        client.ping()
        return client
    except redis.RedisError:
        return None


@pytest.fixture(scope="module")
def seized(tmp_path_factory):
    """Run the server, use it, purge, stop it; copy what a seizure gets."""
    top = tmp_path_factory.mktemp("seizure")
    var, offline, logs = top / "var", top / "offline", top / "logs"
    offline.mkdir()
    logs.mkdir()
    var.mkdir(mode=0o755)
    database = Database(var)
    sink = MailSink()
    redis = redis_client()
    if redis is not None:
        redis.flushdb()
    shm = Path("/dev/shm")
    pepper_file = shm / f"veche-seizure-pepper-{os.getpid()}"
    hold_dir = shm / f"veche-seizure-held-{os.getpid()}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VECHE_", "DJANGO_", "DATABASE_URL"))}
    env.update(
        DJANGO_SETTINGS_MODULE="veche.settings",
        DATABASE_URL=database.url,
        VECHE_VAR_DIR=str(var),
        VECHE_ALLOWED_HOSTS="127.0.0.1",
        VECHE_EMAIL_HOST="127.0.0.1",
        VECHE_EMAIL_PORT=str(sink.port),
        VECHE_EMAIL_TLS="0",
        VECHE_HTTPS="0",  # plain HTTP on loopback: TLS is the web server's in front (deploy/)
        VECHE_HOLD_DIR=str(hold_dir),  # the hour keys of held writes (core.held), on the memory filesystem
        PYTHONUNBUFFERED="1",
    )
    if redis is not None:
        env["VECHE_REDIS_URL"] = REDIS_URL
    result = Seized(vendor=database.vendor)
    server = None

    def manage(*args, check=True):
        done = subprocess.run(
            [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
        )
        (logs / "commands.log").open("a").write(done.stdout + done.stderr)
        if check:
            assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    try:
        # The organisers' offline machine: their keys never reach the server.
        monitor_public = manage("keygen", "--out", str(offline / "organisers.key")).split("public key: ")[1].strip()
        signing.main(
            ["new-root", "--key-out", str(offline / "root.key"), "--keyring", str(offline / "keys.json")],
            out=io.StringIO(),
        )
        env["VECHE_MONITOR_PUBLIC_KEY"] = monitor_public
        env["VECHE_SIGNING_ROOT"] = signing.public_of(signing.read_key(offline / "root.key"))
        result.pepper = base64.b64encode(os.urandom(48))
        if on_memory_filesystem(shm):
            pepper_file.write_bytes(result.pepper)
            pepper_file.chmod(0o600)
            env["VECHE_PEPPER_FILE"] = str(pepper_file)
        else:
            env["VECHE_PEPPER"] = result.pepper.decode()
        manage("migrate", "--no-input")
        manage("signing_keys", str(offline / "keys.json"))
        created = manage(
            "shell",
            "-c",
            (
                "from pledges.models import Campaign, City\n"
                f"for slug in ('kept', 'purged'):\n"
                f"    c = Campaign.objects.create(slug=slug, title=slug, text='x', threshold=10, "
                f"public_key='{monitor_public}')\n"
                "    City.objects.create(campaign=c, name='Москва')\n"
                "    print('campaign', slug, c.pk)\n"
            ),
        )
        result.campaigns = {slug: int(pk) for slug, pk in re.findall(r"^campaign (\w+) (\d+)$", created, re.M)}
        port = free_port()
        with (logs / "gunicorn.log").open("w") as log:
            server = subprocess.Popen(
                [GUNICORN, "-c", "veche/gunicorn.py", "veche.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        base = f"http://127.0.0.1:{port}"
        for _ in range(150):
            try:
                if Visitor(base, "127.0.0.2").request("/")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        else:
            pytest.fail("the server did not start:\n" + (logs / "gunicorn.log").read_text())

        wal_start = database.query("SELECT pg_current_wal_insert_lsn()")[0][0] if database.vendor != "sqlite" else ""
        # Sign-ups, each from its own address, and their confirmations.
        for slug, people in (("kept", KEPT), ("purged", PURGED)):
            for email, name, ip in people:
                visitor = Visitor(base, ip)
                city = re.search(r'<option value="(\d+)"', visitor.request(f"/pledges/{slug}/")[1]).group(1)
                status, _body = visitor.form(f"/pledges/{slug}/", {"email": email, "name": name, "city": city})
                assert status == 200, _body
        deadline = time.time() + 20
        while len(sink.messages) < len(KEPT + PURGED) and time.time() < deadline:
            time.sleep(0.1)
        assert len(sink.messages) == len(KEPT + PURGED)
        for message in sink.messages:
            body = message.replace(b"=\r\n", b"").replace(b"=\n", b"")
            link = re.search(rb"http://127\.0\.0\.1:\d+(/pledges/[\w-]+/confirm/[^/\s]+/)", body)
            assert Visitor(base, "127.0.0.2").request(link.group(1).decode())[0] == 200
        # The mail-order attack (issue 31): a provider that reads mail signs up a control address, then a suspect
        # (here one who signed up and confirmed above), then an address never seen, and compares the links.
        before = len(sink.messages)
        for email in ORDER_ATTACK:
            visitor = Visitor(base, "127.0.0.40")
            city = re.search(r'<option value="(\d+)"', visitor.request("/pledges/kept/")[1]).group(1)
            assert visitor.form("/pledges/kept/", {"email": email, "name": "", "city": city})[0] == 200
        deadline = time.time() + 20
        while len(sink.messages) < before + len(ORDER_ATTACK) and time.time() < deadline:
            time.sleep(0.1)
        result.order = [m for m in sink.messages[before:]]
        result.first_link = next(
            confirm_link(m) for m in sink.messages[:before] if ORDER_ATTACK[1].encode() in m.lower()
        )

        # Reports with names, ages, phones, contacts and a photo, through the API and the form.
        reporter = Visitor(base, DETAINED["ip"])
        result.photo = photo_bytes()
        status, body = reporter.form(
            "/monitor/report/detention/",
            {
                "kind": "detention",
                "happened": "2021-01-31T14:00",
                "city": "Москва",
                "name": DETAINED["name"],
                "age": DETAINED["age"],
                "person_contact": DETAINED["phone"],
                "reporter_contact": DETAINED["reporter"],
            },
            files={"photos": ("IMG_0001.png", result.photo)},
        )
        assert status == 200 and "received" in body, body
        for who, fields in (
            (
                PROSECUTED,
                {
                    "kind": "prosecution",
                    "happened": "2021-02-10",
                    "name": PROSECUTED["name"],
                    "case_kind": "criminal",
                    "article": "ст. 318 УК РФ",
                    "step": "arrest",
                    "person_contact": PROSECUTED["contact"],
                },
            ),
            (
                OLD_REPORT,
                {
                    "kind": "detention",
                    "happened": "2020-01-31T14:00",
                    "city": "Москва",
                    "name": OLD_REPORT["name"],
                    "person_contact": OLD_REPORT["phone"],
                    "reporter_contact": OLD_REPORT["reporter"],
                },
            ),
        ):
            status, body = Visitor(base, who["ip"]).request(
                "/api/reports", json.dumps(fields).encode(), content_type="application/json"
            )
            assert status == 201, body
        # Every person's write was held until its hour is over (core.held): the hourly flush, done now.
        manage("held_flush", "--now")
        if database.vendor != "sqlite":  # the WAL-time attack's material, before a purge's checkpoint recycles it
            wal_end = database.query("SELECT pg_current_wal_insert_lsn()")[0][0]
            database.query("SELECT pg_switch_wal()")
            for table in ("pledges_pledge", "monitor_report", "monitor_person", "monitor_attachment", "core_held"):
                result.personal[database.query(f"SELECT pg_relation_filenode('{table}')")[0][0]] = table
            wal_dir = Path(database.query("SHOW data_directory")[0][0]) / "pg_wal"
            result.wal = subprocess.run(
                [pg_waldump() or "pg_waldump", "-p", str(wal_dir), "-s", wal_start, "-e", wal_end],
                capture_output=True,
                text=True,
                timeout=120,
            ).stdout
        old_id = database.query("SELECT id FROM monitor_report WHERE happened < '2020-06-01'")[0][0]
        # A malformed request: gunicorn's own error log used to write "Invalid request from ip=…".
        with socket.create_connection(("127.0.0.1", port), source_address=(MALFORMED_FROM, 0)) as raw:
            raw.sendall(b"GARBAGE / NOTHTTP\r\n\r\n")
            raw.recv(1000)

        # The purge, and the retention of a report made old (the test's time machine: a year ago).
        result.purged = [
            value
            for person, contact in database.query(
                f"SELECT person, contact FROM pledges_pledge WHERE campaign_id = {result.campaigns['purged']}"
            )
            for value in (person.encode(), bytes(contact))
        ]
        database.query(
            f"UPDATE monitor_report SET received = received - INTERVAL '400 days' WHERE id = {old_id}"
            if database.vendor != "sqlite"
            else f"UPDATE monitor_report SET received = datetime(received, '-400 days') WHERE id = {old_id}"
        )
        result.retired = [
            bytes(v)
            for row in database.query(
                "SELECT r.reporter, p.sealed FROM monitor_report r JOIN monitor_person p ON p.id = r.person_id "
                f"WHERE r.id = {old_id}"
            )
            for v in row
            if v
        ]
        assert len(result.retired) == 2
        # What autovacuum would have done on a busy server: the planner's statistics keep samples of the values.
        database.query("ANALYZE")
        manage("pledges_purge", "purged", "--yes")
        manage("monitor_retention", "--older-than", "365", "--yes")
        result.received = [row[0] for row in database.query("SELECT received FROM monitor_report")]
        if redis is not None:  # Redis as a running seizure finds it
            result.redis_time = time.time()
            for key in redis.scan_iter(count=1000):
                result.redis[key] = redis.get(key) or b""
                result.redis_ttl[key] = redis.ttl(key)
    finally:
        if server is not None:
            stop_server(server)
        sink.close()
        pepper_file.unlink(missing_ok=True)
        shutil.rmtree(hold_dir, ignore_errors=True)
    try:
        # Powered off: the disk.
        result.raw = database.files()
        result.var = var
        for path in var.rglob("*"):
            if path.is_file():
                result.modes[str(path.relative_to(var))] = path.stat().st_mode & 0o777
        result.modes["var/"] = var.stat().st_mode & 0o777
        result.log = (logs / "gunicorn.log").read_text() + (logs / "commands.log").read_text()
        result.mail = list(sink.messages)
        for name, data in [*result.raw.items(), *((str(p), p.read_bytes()) for p in var.rglob("*") if p.is_file())]:
            result.texts[name] = data.decode("latin-1") + "\n" + data.decode("utf-8", "replace")
        result.texts["log"] = result.log
        result.texts["redis"] = "\n".join(
            f"{k!r} {v!r} {k.decode('latin-1')} {v.decode('latin-1')}" for k, v in result.redis.items()
        )
        yield result
    finally:
        database.drop()
        if redis is not None:
            redis.flushdb()
        shutil.rmtree(top, ignore_errors=True)


def confirm_link(message: bytes) -> str:
    body = message.replace(b"=\r\n", b"").replace(b"=\n", b"")
    return re.search(rb"http://127\.0\.0\.1:\d+(/pledges/[\w-]+/confirm/[^/\s]+/)", body).group(1).decode()


def test_the_wal_dates_no_ones_write(seized):
    """The WAL-time attack (issue 31): pg_waldump over the WAL of everything people did on the server. Each
    request's transaction committed only a box into core_held; every row of a person's pledge, report or photo
    was written by the hour's flush, at one commit time (two, had the run crossed an hour)."""
    if seized.vendor == "sqlite":
        pytest.skip("SQLite's WAL keeps no times; the attack is PostgreSQL's")
    assert seized.wal, "pg_waldump gave nothing"
    by_transaction, commits = wal_writers(seized.wal, seized.personal)
    writers = [tx for tx, tables in by_transaction.items() if tables - {"core_held"}]
    boxes = [tx for tx, tables in by_transaction.items() if tables == {"core_held"}]
    assert 1 <= len(writers) <= 2, by_transaction
    assert len(boxes) >= len(KEPT + PURGED + ORDER_ATTACK) + 3  # sign-ups, confirmations, reports: a box each
    assert len({commits[tx] for tx in writers}) == len(writers)


def test_the_mail_order_attack_learns_nothing(seized):
    """A provider reading mail signs up a control, then a suspect who had signed up, then a new address, and
    compares what arrives: the links hold no number and no order (a fresh random secret each), the suspect's
    link shares nothing with their first one, the three mails are of one size, and nothing on the seized disk
    holds a link's secret (only its keyed hash, under the pepper in memory)."""
    links = [confirm_link(m) for m in seized.order]
    secrets = [link.split("/")[-2].split(":")[0] for link in [*links, seized.first_link]]
    assert all(len(s) == 24 and not s.isdigit() for s in secrets)
    assert len(set(secrets)) == 4  # the suspect's new link is not their first one
    sizes = {len(re.sub(rb"(Message-ID|Date|To): [^\r\n]*", b"", m)) for m in seized.order}
    assert len(sizes) == 1
    assert leaks(secrets, list(seized.texts.values())) == []


def on_memory_filesystem(path: Path) -> bool:
    from core.secrets import MEMORY_FILESYSTEMS, filesystem_of

    return path.exists() and filesystem_of(path) in MEMORY_FILESYSTEMS


# -- the attacks ---------------------------------------------------------------------------
def test_nothing_seized_names_anyone(seized):
    """Every identity, in plain, lower/upper case, URL-encoded and base64 forms, in every file and key taken."""
    found = leaks(IDENTITIES, list(seized.texts.values()))
    assert found == [], found[:5]
    assert not any(
        seized.photo[i : i + 64] in data for data in seized.raw.values() for i in range(0, len(seized.photo) - 64, 64)
    )


def secrets_on_disk(var: Path) -> list[bytes]:
    """Every value the disk holds that could be a key: each file under var/secrets, each JSON string in it, each
    long token anywhere under var/ (the database excluded: what it holds is data, searched separately)."""
    found = {b""}
    for path in var.rglob("*"):
        if not path.is_file() or path.name.startswith("veche.sqlite3"):
            continue
        data = path.read_bytes()
        found.add(data.strip())
        found.update(re.findall(rb"[A-Za-z0-9+/=_-]{32,128}", data))
    return sorted(found)


def derived_keys(secret: bytes) -> list[bytes]:
    """The ways code turns a stored secret into key bytes."""
    out = [secret, hashlib.sha256(secret).digest()]
    for text in (secret, secret.rstrip(b"=") + b"=" * (-len(secret.rstrip(b"=")) % 4)):
        for decode in (base64.b64decode, base64.urlsafe_b64decode):
            try:
                out.append(decode(text))
            except ValueError:
                pass
    return [k for k in dict.fromkeys(out)]


def candidate_texts() -> dict[str, list[str]]:
    """The dictionary: 46,000 names (with the test identities), e-mails made from the identities and from names,
    client addresses of the loopback /24 and the identities' own."""
    names = gzip.decompress(NAMES.read_bytes()).decode().split()
    assert len(names) >= 10_000 and {"Гнедовская", "Оладьин", "Пуговкин", "Ржевская"} <= set(names)
    lowered = sorted({n.lower() for n in names} | {n.lower().replace("ё", "е") for n in names})
    from pledges.signup import normalise

    emails = [e for e, _n, _ip in KEPT + PURGED] + [OLD_REPORT["reporter"], DETAINED["reporter"]]
    emails = sorted({*emails, *map(normalise, emails)})
    addresses = [f"127.0.0.{i}" for i in range(256)] + ["127.0.0"]
    return {"names": names + lowered, "emails": emails, "addresses": addresses}


def digests(key: bytes, purposes: list[str], text: str) -> list[str]:
    data = text.encode()
    out = [hashlib.sha256(data).hexdigest(), hashlib.sha1(data).hexdigest(), hashlib.md5(data).hexdigest()]
    if key:
        out += [hmac.new(key, data, hashlib.sha256).hexdigest(), hashlib.sha256(key + data).hexdigest()]
        for purpose in purposes:
            # core.sealing.keyed_hash, and the old rate-limit scheme beside the new one
            out.append(
                hmac.new(hmac.new(key, purpose.encode(), hashlib.sha256).digest(), data, hashlib.sha256).hexdigest()
            )
            out.append(hmac.new(key, f"{purpose}:{text}".encode(), hashlib.sha256).hexdigest())
    return out


def dictionary_attack(stored: set[str], keys: list[bytes], campaigns, hours) -> set[str]:
    """Which candidate texts have a digest among the stored hex strings (compared on 16 hex digits, the shortest
    hash Veche ever stored)."""
    prefixes = {h[:16] for h in stored}
    texts = candidate_texts()
    purposes = {
        "names": ["monitor-name"],
        "emails": [f"pledge-email:{pk}" for pk in campaigns],
        "addresses": [
            f"rate-{tool}-{label}:{hour}"
            for tool in ("pledge", "monitor-report")
            for label in ("client", "network")
            for hour in hours
        ]
        + [f"{tool}:{label}" for tool in ("pledge", "monitor-report") for label in ("client", "network")],
    }
    found = set()
    for kind, candidates in texts.items():
        for key in keys:
            for text in candidates:
                variants = [text, "^" + text] if kind == "names" else [text]
                for variant in variants:
                    if any(d[:16] in prefixes for d in digests(key, purposes[kind], variant)):
                        found.add(text)
    return found


def stored_hashes(seized) -> set[str]:
    hexes = set()
    for text in seized.texts.values():
        hexes.update(re.findall(r"[0-9a-f]{16,128}", text))
    return hexes


def test_no_dictionary_opens_what_is_stored_with_any_key_on_the_disk(seized):
    """Finding 3 (and 6): every stored hash against 46,000 names, the e-mails and the addresses, under every key the
    disk holds. Then the control: under the pepper a running server holds in memory, the kept campaign's
    e-mails come back (docs/threat-model.md says so), the purged campaign's and every name do not."""
    keys = [k for secret in secrets_on_disk(seized.var) for k in derived_keys(secret)]
    assert len(keys) >= 3  # the disk does hold secrets (Django's key at least): the attack has something to try
    hours = sorted(
        {time.strftime("%Y%m%d%H", time.localtime(time.time() + d)) for d in (-3600, 0)}
        | {time.strftime("%Y%m%d%H", time.gmtime(time.time() + d)) for d in (-3600, 0)}
    )
    stored = stored_hashes(seized)
    campaigns = list(seized.campaigns.values())
    assert dictionary_attack(stored, keys, campaigns, hours) == set()
    recovered = dictionary_attack(stored, [seized.pepper], campaigns, hours)
    from pledges.signup import normalise

    assert recovered == {normalise(e) for e, _n, _ip in KEPT}


def test_the_purge_and_the_retention_leave_nothing_in_the_raw_files(seized):
    """Finding 5: the purged campaign's keyed hashes and sealed contacts, and what the retention deleted (a
    report's sealed person and its reporter's contact), are in none of the database's raw files — SQLite's file
    and -wal, every PostgreSQL relation's data files."""
    assert len(seized.purged) >= 2 * len(PURGED)
    files = {name: data for name, data in seized.raw.items()}
    assert files, "no database file was read"
    found = [
        (name, value[:16]) for value in seized.purged + seized.retired for name, data in files.items() if value in data
    ]
    assert found == []
    if seized.vendor == "sqlite":
        assert len(files.get("veche.sqlite3-wal", b"")) == 0  # checkpointed and truncated


def test_rate_limit_keys_die_with_the_hour(seized):
    """Finding 6: Redis holds counters under a salt that lives in Redis only and expires with the hour."""
    if not seized.redis:
        pytest.skip("Redis is not reachable: the rate limits were counted in each worker's memory")
    salts = [k for k in seized.redis if b"rate-salt" in k]
    counters = [k for k in seized.redis if b":rate:" in k]
    assert len(salts) == 1 and counters
    end_of_hour = 3600 - int(seized.redis_time) % 3600 + 60
    assert all(0 < seized.redis_ttl[k] <= end_of_hour for k in salts + counters), (end_of_hour, seized.redis_ttl)
    # Within the hour, whoever holds Redis holds the salt: the addresses of this hour can be tried (the
    # threat model says so); without it — the disk, or Redis after the hour — they cannot (the test above).
    salt = seized.redis[salts[0]]
    tried = {
        ip
        for ip in candidate_texts()["addresses"]
        for purpose in ("pledge", "monitor-report")
        if hmac.new(salt, f"{purpose}:client:{ip}".encode(), hashlib.sha256).hexdigest().encode() in b" ".join(counters)
    }
    assert {ip for _e, _n, ip in KEPT + PURGED} <= tried


def test_reports_are_kept_to_the_hour(seized):
    """Finding 7: when a report came in is kept to the hour, not to the microsecond."""
    assert len(seized.received) == 3
    for value in seized.received:
        text = str(value)
        assert re.search(r"\d\d:00:00(\.0+)?([+-]\d\d:?\d\d)?$", text), text


def test_no_log_names_a_client_and_files_are_private(seized):
    """Finding 8: the malformed request's address is in no log line; the database and secrets are the server
    user's alone, var/ too."""
    assert "Invalid request from ip=[address]" in seized.log  # the line is there, its address is not
    assert MALFORMED_FROM not in seized.log and not re.search(r"127\.0\.0\.\d+", seized.log)
    assert not re.search(r"\d\d:\d\d:\d\d", seized.log.split("Invalid request")[0].rsplit("\n", 1)[-1])
    assert seized.modes["var/"] == 0o700
    assert all(mode & 0o077 == 0 for name, mode in seized.modes.items() if name != "var/"), seized.modes


def test_what_the_mail_provider_sees(seized):
    """What the mail provider hands over: each mail names its own recipient only; nobody else's identity."""
    assert len(seized.mail) == len(KEPT + PURGED + ORDER_ATTACK)
    for message in seized.mail:
        to = re.search(rb"^To: (.+)$", message, re.M).group(1).decode().strip().lower()
        others = [i for i in IDENTITIES if "@" in i and i.lower() != to]
        assert leaks(others, [message.decode("utf-8", "replace")]) == []


def test_a_unix_socket_is_for_the_server_and_its_web_server(tmp_path):
    """Finding 8: gunicorn's socket is 0660 (it was 0777), so only the user and nginx's group may connect."""
    sock = tmp_path / "veche.sock"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "veche.settings",
        "VECHE_DEMO": "1",
        "VECHE_VAR_DIR": str(tmp_path / "var"),
    }
    server = subprocess.Popen(
        [GUNICORN, "-c", "veche/gunicorn.py", "veche.wsgi", "--bind", f"unix:{sock}", "--workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        for _ in range(200):
            if sock.exists() and (sock.stat().st_mode & 0o777) == 0o660:
                break
            time.sleep(0.1)
        assert sock.exists() and oct(sock.stat().st_mode & 0o777) == oct(0o660)
    finally:
        stop_server(server)


# -- forging for the organisers with whatever the disk holds -----------------------------------
def forged_keys(var: Path) -> list[SigningKey]:
    keys = {}
    for secret in secrets_on_disk(var):
        for raw in derived_keys(secret):
            for seed in (raw[:32], hashlib.sha256(raw).digest()):
                if len(seed) == 32:
                    keys[seed] = SigningKey(seed)
        try:
            data = json.loads(secret)
            if isinstance(data, dict) and "seed" in data:
                keys[b"json"] = SigningKey(base64.b64decode(data["seed"]))
        except (ValueError, TypeError):
            pass
    return list(keys.values())


@pytest.fixture
def genuine(db):
    """The St Petersburg Assembly election with a list the organisers signed offline."""
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command

    from elections.models import Election
    from smartvote.tests.offline import publish_offline

    zaks = Election.objects.get(slug="spb-zaks-2021")
    call_command("smartvote_forecast", "spb-zaks-2021", "--draws", "300", stdout=io.StringIO())
    user = User.objects.create_user("organiser-seizure")
    user.groups.add(Group.objects.get(name="organisers"))
    return zaks, publish_offline(zaks, user), user


def test_no_key_on_the_disk_signs_a_list_the_site_accepts(seized, genuine, client):
    """Finding 1, on the site: a list re-signed with every key found, written into the database as a thief with
    the database would, or uploaded as a signature, is refused; the genuine list stays the one shown."""
    from smartvote.models import ListVersion
    from smartvote.publish import PublishError, check, latest_trusted, prepare, publish_signed

    zaks, version, user = genuine
    candidates = forged_keys(seized.var) + forged_keys(Path(settings.VAR_DIR))
    assert len(candidates) >= 4
    chain_keys = set(signing.chain(settings.SIGNING_ROOT, []).keys)
    assert not {signing.public_of(k) for k in candidates} & chain_keys
    document = json.loads(version.payload)
    winner = document["recommendations"][0]
    for n, key in enumerate(candidates, 2):
        forged = {
            **document,
            "version": n,
            "recommendations": [
                {**winner, "candidate": {**(winner["candidate"] or {}), "name": "Подставной Кандидат"}},
                *document["recommendations"][1:],
            ],
        }
        payload = signing.canonical(forged).decode()
        record = signing.sign(payload.encode(), key)
        row = ListVersion.objects.create(
            election=zaks,
            number=n,
            published=version.published,
            author=user,
            payload=payload,
            signature=record["signature"],
            public_key=record["key"],
        )
        assert not check(row).trusted
        # The same signature claimed for the organisers' own key does not hold either.
        row.public_key = version.public_key
        row.save()
        assert not check(row).trusted
    assert latest_trusted(zaks) == version
    page = client.get(f"/smartvote/{zaks.slug}/lists/{len(candidates) + 1}/").content.decode()
    assert "НЕ подписан" in page and "Подставной" in page  # shown as what it is
    assert "Подставной" not in client.get(f"/smartvote/{zaks.slug}/").content.decode().split("<h2>")[0]
    api = client.get(f"/api/smartvote/{zaks.slug}/lists").json()
    assert [v["trusted"] for v in api] == [False] * len(candidates) + [True]
    prepare(zaks, user)
    for key in candidates[:3]:
        draft = zaks.list_draft.payload.encode()
        with pytest.raises(PublishError):
            publish_signed(zaks, signing.sign(draft, key), user)


@pytest.fixture
def mirrors(seized, genuine, tmp_path):
    """A genuine mirror signed offline, and copies whose polling-station address was changed and that were
    re-signed with keys found on the seized disk (the manifest, and for some the key chain too)."""
    from django.core.management import call_command

    out = tmp_path / "genuine"
    call_command("export_lookup", str(out), "--election", "spb-zaks-2021", stdout=io.StringIO())
    root = signing.read_key(settings.OFFLINE_DIR / "root.key")
    (out / "manifest.sig").write_text(json.dumps(signing.sign((out / "manifest.json").read_bytes(), root)))
    copies = {"genuine": out}
    for n, key in enumerate(forged_keys(seized.var)[:4]):
        copy = tmp_path / f"forged-{n}"
        shutil.copytree(out, copy)
        region = next((copy / "data").glob("*.json"))
        region.write_bytes(region.read_bytes().replace("Садовая".encode(), "Ложная".encode(), 1))
        manifest = json.loads((copy / "manifest.json").read_bytes())
        manifest["files"][f"data/{region.name}"] = signing.sha512(region.read_bytes())
        if n % 2:  # the attacker's own chain in place of the organisers'
            keyring = {"format": signing.KEYRING_FORMAT, "root": signing.public_of(key), "statements": []}
            (copy / "keys.json").write_text(json.dumps(keyring))
            manifest["files"]["keys.json"] = signing.sha512((copy / "keys.json").read_bytes())
        body = signing.canonical(manifest)
        (copy / "manifest.json").write_bytes(body)
        (copy / "manifest.sig").write_text(json.dumps(signing.sign(body, key)))
        copies[f"forged-{n}"] = copy
    return tmp_path, copies


def test_no_key_on_the_disk_signs_a_mirror_the_page_accepts(mirrors, browser):
    """Finding 1, in a mirror: a copy whose polling-station address was changed, re-signed with keys found on the
    disk (manifest and key chain), is refused by the page in chromium; the genuine copy is accepted."""
    tmp_path, copies = mirrors
    server = subprocess.Popen(
        [PYTHON, "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        port = int(re.search(r"port (\d+)", server.stdout.readline()).group(1))
        verdicts = {}
        for name in copies:
            page = browser.new_page(locale="ru-RU")
            page.goto(f"http://127.0.0.1:{port}/{name}/index.html")
            page.wait_for_function(
                "document.getElementById('status').className === 'error' || !document.getElementById('lookup').hidden",
                timeout=15000,
            )
            verdicts[name] = page.locator("#lookup").is_hidden()
            page.close()
    finally:
        server.terminate()
        server.wait(5)
    assert verdicts == {name: name != "genuine" for name in copies}
