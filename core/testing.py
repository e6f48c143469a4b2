"""What a seized server gives away, for the leak tests: the database as dumped, the var/ files.

``seized_text()`` is the database as its thief would read it — `pg_dump` on
PostgreSQL, the SQLite file's bytes otherwise — with every file under var/.
It reads committed data: call it from a test marked
``django_db(transaction=True)``. The election results' tables (millions of
numbers no personal data reaches) are dumped without their rows.
"""

import base64
import os
import re
import shutil
import signal
import subprocess
import urllib.parse
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection


def stop_server(server: subprocess.Popen) -> None:
    """Stop a server started in its own session (master and workers): SIGTERM, then SIGKILL if it lingers.

    gunicorn lets a busy worker finish for its graceful timeout (30 s) before it exits; on a loaded CI machine a
    worker still booting or flushing held writes made a plain ``wait(30)`` time out and fail a test that was not
    about stopping at all (seen on PostgreSQL at da7f728). The group is killed once the graceful time has passed.
    """
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(45)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(30)


def seized_text() -> str:
    if connection.vendor == "postgresql":
        # The apps name their tables of bare numbers (``result_tables``), dumped without their rows.
        skip = [t for app in apps.get_app_configs() for t in getattr(app, "result_tables", [])]
        db = connection.settings_dict
        command = [
            "pg_dump",
            "--no-owner",
            "-h",
            db["HOST"] or "127.0.0.1",
            "-p",
            str(db["PORT"] or 5432),
            "-U",
            db["USER"] or "postgres",
            *[f"--exclude-table-data={t}" for t in skip],
            db["NAME"],
        ]
        dump = subprocess.run(command, check=True, capture_output=True, timeout=600).stdout
    else:
        connection.ensure_connection()
        dump = connection.connection.serialize()
    parts = [dump.decode("latin-1"), dump.decode("utf-8", "replace")]
    var = Path(settings.VAR_DIR)
    for path in var.rglob("*") if var.exists() else []:
        if path.is_file() and path.stat().st_size < 50_000_000 and "sqlite3" not in path.name:
            data = path.read_bytes()
            parts += [data.decode("latin-1"), data.decode("utf-8", "replace")]
    return "\n".join(parts)


def forms(secret: str) -> set[str]:
    """The secret as it might be written: as is, lower and upper case, URL-encoded, base64."""
    out = set()
    for text in {secret, secret.lower(), secret.upper()}:
        out |= {
            text,
            urllib.parse.quote(text),
            urllib.parse.quote_plus(text),
            base64.b64encode(text.encode()).decode().rstrip("="),
        }
    return {f for f in out if len(f) >= 4}


def leaks(secrets: list[str], texts: list[str]) -> list[tuple]:
    """(secret, the form found, which text, what is around it) for every secret found in any form."""
    return [
        (s, f, i, text[max(0, text.find(f) - 80) : text.find(f) + 80])
        for s in secrets
        for f in forms(s)
        for i, text in enumerate(texts)
        if f in text
    ]


def click_on_map(page: Any, lat: float, lon: float) -> None:
    """Click the lookup's map (lookup/static/lookup/map.js) at a point, once its stations are drawn."""
    page.wait_for_selector("#map[data-stations]")
    page.evaluate(
        "([lat, lon]) => { document.getElementById('map').vecheMap.setView([lat, lon], 17, {animate: false}); }",
        [lat, lon],
    )
    page.locator("#map").scroll_into_view_if_needed()
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


class MailSink:
    """An SMTP server on a free local port that keeps what it is sent: the mail provider, for the seizure test.

    Speaks just enough SMTP for Django's SMTP backend without STARTTLS
    (VECHE_EMAIL_TLS=0): EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT.
    """

    def __init__(self) -> None:
        import socketserver
        import threading

        sink = self
        self.messages: list[bytes] = []

        class Session(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                self.wfile.write(b"220 sink ESMTP\r\n")
                while line := self.rfile.readline():
                    verb = line[:4].upper()
                    if verb == b"DATA":
                        self.wfile.write(b"354 go on\r\n")
                        body = []
                        while (part := self.rfile.readline()) not in (b".\r\n", b".\n", b""):
                            body.append(part[1:] if part.startswith(b"..") else part)
                        sink.messages.append(b"".join(body))
                        self.wfile.write(b"250 kept\r\n")
                    elif verb == b"QUIT":
                        self.wfile.write(b"221 bye\r\n")
                        return
                    elif verb == b"EHLO":
                        self.wfile.write(b"250-sink\r\n250 8BITMIME\r\n")
                    else:
                        self.wfile.write(b"250 ok\r\n")

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Session)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def photo_with_location(make: str = "SecretCam") -> bytes:
    """A JPEG as a phone writes it: a camera make and a GPS position in its EXIF (what core.photos must drop)."""
    import io

    from PIL import Image

    image = Image.new("RGB", (40, 30), "red")
    exif = Image.Exif()
    exif[0x010F] = make  # camera make
    exif[0x8825] = {1: "N", 2: (59.0, 56.0, 0.0)}  # GPS
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def pg_waldump() -> str | None:
    """PostgreSQL's own WAL reader (Debian keeps it in the server's bindir, off the PATH)."""
    found = shutil.which("pg_waldump")
    if found:
        return found
    try:
        bindir = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return str(Path(bindir) / "pg_waldump") if (Path(bindir) / "pg_waldump").exists() else None


def wal_writers(dump: str, relations: dict[int, str]) -> tuple[dict[str, set[str]], dict[str, str]]:
    """From pg_waldump's text: which of ``relations`` (filenode → name) each transaction wrote (a savepoint's
    records counted with the transaction it committed with), and each transaction's commit time."""
    touched: dict[str, set[str]] = {}
    commits: dict[str, str] = {}
    parent: dict[str, str] = {}
    for line in dump.splitlines():
        found = re.search(r"tx:\s+(\d+)", line)
        if not found or found.group(1) == "0":
            continue
        xid = found.group(1)
        for node in re.findall(r"rel \d+/\d+/(\d+)", line):
            if int(node) in relations:
                touched.setdefault(xid, set()).add(relations[int(node)])
        committed = re.search(r"COMMIT (\S+ \S+)", line)
        if committed:
            commits[xid] = committed.group(1)
            sub = re.search(r"subxacts:([\d ]+)", line)
            for child in sub.group(1).split() if sub else []:
                parent[child] = xid
    by_transaction: dict[str, set[str]] = {}
    for tx, tables in touched.items():
        by_transaction.setdefault(parent.get(tx, tx), set()).update(tables)
    return by_transaction, commits
