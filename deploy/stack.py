"""The production stack on one machine: nginx (TLS, buffering, static files) in front of gunicorn on a unix socket.

    python deploy/stack.py up     [--https-port 8443] [--http-port 8080] [--server-name localhost] [--onion]
    python deploy/stack.py down

`make prod` and `make prod-down` run these. Everything lives under var/stack/
(the rendered nginx.conf, the socket, pid files); PostgreSQL and Redis are the
ones DATABASE_URL and VECHE_REDIS_URL name. Without a certificate in
VECHE_TLS_CERT/VECHE_TLS_KEY a self-signed one for the server name is made
(var/stack/tls/): good for a try-out and for the tests, while a real host
takes its certificate from ACME (docs/deploy.md).

With ``--onion`` (Debian's ``tor``) the site is also an onion service
(deploy/torrc): Tor hands each visitor's stream to nginx on a unix socket
with a PROXY header naming its circuit, nginx passes the circuit on as the
client's address (so a rate limit counts a circuit, not every Tor user at
once), and the clear site announces the onion with ``Onion-Location``.

The application runs as a real server would behind nginx: HTTPS-only settings,
nginx named as the trusted proxy (a unix socket), the client's address taken
from what nginx forwards. The organisers' keys come from the environment as
usual (or VECHE_DEMO=1 for a try-out).
"""

from __future__ import annotations

import argparse
import os
import pwd
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = Path(__file__).resolve().parent / "nginx.conf"
TORRC = Path(__file__).resolve().parent / "torrc"


def stack_dir() -> Path:
    var = Path(os.environ.get("VECHE_VAR_DIR", ROOT / "var"))
    return var / "stack"


def application_env(run: Path, onion: str = "") -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "veche.settings",
        "VECHE_HTTPS": "1",
        "VECHE_TRUSTED_PROXIES": "unix",
        "VECHE_ALLOWED_HOSTS": os.environ.get("VECHE_ALLOWED_HOSTS", "localhost,127.0.0.1"),
    }
    if onion:
        env["VECHE_ONION"] = onion
    return env


def start_tor(run: Path) -> str:
    """Start Tor with the onion service (deploy/torrc); the onion's hostname once Tor has written it."""
    if shutil.which("tor") is None:
        raise SystemExit("tor is not installed: apt-get install tor (or leave out --onion)")
    folder = run / "tor"
    folder.mkdir(mode=0o700, exist_ok=True)
    torrc = folder / "torrc"
    torrc.write_text(TORRC.read_text().replace("@RUN@", str(run)))
    checked = subprocess.run(["tor", "--verify-config", "-f", str(torrc)], capture_output=True, text=True)
    if checked.returncode:
        raise SystemExit(f"tor refuses {torrc}:\n{checked.stdout[-2000:]}")
    subprocess.run(["tor", "-f", str(torrc)], check=True, capture_output=True)  # RunAsDaemon: returns once started
    hostname = folder / "onion" / "hostname"
    wait_for(hostname, 30)
    return hostname.read_text().strip()


def certificate(run: Path, server_name: str) -> tuple[Path, Path]:
    given = os.environ.get("VECHE_TLS_CERT"), os.environ.get("VECHE_TLS_KEY")
    if all(given):
        return Path(given[0]), Path(given[1])
    tls = run / "tls"
    cert, key = tls / "cert.pem", tls / "key.pem"
    if not cert.exists():
        tls.mkdir(parents=True, exist_ok=True, mode=0o700)
        subprocess.run(
            [
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "30",
                "-subj",
                f"/CN={server_name}",
                "-addext",
                f"subjectAltName=DNS:{server_name},IP:127.0.0.1",
                "-keyout",
                str(key),
                "-out",
                str(cert),
            ],
            check=True,
            capture_output=True,
        )
        key.chmod(0o600)
    return cert, key


def render(run: Path, https_port: int, http_port: int, server_name: str, static: Path, onion: str = "") -> Path:
    cert, key = certificate(run, server_name)
    # Started by root (a container, a try-out), nginx's workers would drop to "nobody", who may open neither the
    # socket (0660) nor var/ (0700): they run as the application's user instead. A real host runs nginx as its
    # own user, in the socket's group (docs/deploy.md).
    user = f"user {pwd.getpwuid(os.geteuid()).pw_name};\n" if os.geteuid() == 0 else ""
    values = {
        "USER_LINE": user,
        "RUN": run,
        "SOCKET": run / "veche.sock",
        "HTTPS_PORT": https_port,
        "HTTP_PORT": http_port,
        "SERVER_NAME": server_name,
        "CERT": cert,
        "KEY": key,
        "STATIC": static,
        "ONION": onion,
        # Per client, past a burst of 20 (nginx answers 429); raised only for a benchmark posting from one address.
        "WRITES_PER_SECOND": int(os.environ.get("VECHE_WRITES_PER_SECOND", "10")),
        "ONION_SOCKET": run / "onion.sock",
    }
    text = TEMPLATE.read_text()
    # The onion's lines (marked "# onion") are kept only when there is an onion; their marks go either way.
    mark = "# onion"
    text = "\n".join(
        line.removesuffix(mark).rstrip() if line.endswith(mark) else line
        for line in text.splitlines()
        if onion or not line.endswith(mark)
    )
    for name, value in values.items():
        text = text.replace(f"@{name}@", str(value))
    conf = run / "nginx.conf"
    conf.write_text(text)
    return conf


def wait_for(path: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        if time.monotonic() > deadline:
            raise SystemExit(f"{path} did not appear within {seconds:.0f} s: see {path.parent}/gunicorn.log")
        time.sleep(0.1)


def up(https_port: int, http_port: int, server_name: str, workers: int = 2, onion: bool = False) -> None:
    run = stack_dir()
    if any((run / name).exists() for name in ("gunicorn.pid", "nginx.pid", "tor/tor.pid")):
        raise SystemExit(f"the stack seems up already ({run}): `python deploy/stack.py down` first")
    run.mkdir(parents=True, exist_ok=True, mode=0o700)
    hostname = start_tor(run) if onion else ""
    env = application_env(run, hostname)
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "--verbosity", "0"], cwd=ROOT, env=env, check=True
    )
    static = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; print(settings.STATIC_ROOT)",
        ],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    conf = render(run, https_port, http_port, server_name, Path(static), hostname)
    with (run / "gunicorn.log").open("a") as log:
        subprocess.Popen(
            [
                str(Path(sys.executable).with_name("gunicorn")),
                "-c",
                "veche/gunicorn.py",
                "veche.wsgi",
                "--bind",
                f"unix:{run / 'veche.sock'}",
                "--workers",
                str(workers),
                "--pid",
                str(run / "gunicorn.pid"),
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    wait_for(run / "veche.sock")
    subprocess.run(["nginx", "-c", str(conf), "-p", str(run), "-e", "/dev/null"], check=True)
    wait_for(run / "nginx.pid", 10)
    print(f"Veche at https://{server_name}:{https_port}/ (nginx → gunicorn on {run / 'veche.sock'})")
    if hostname:
        print(f"and at http://{hostname}/ (Tor → nginx on {run / 'onion.sock'})")


def down() -> None:
    run = stack_dir()
    for name, sig in (("nginx.pid", signal.SIGQUIT), ("gunicorn.pid", signal.SIGTERM), ("tor/tor.pid", signal.SIGTERM)):
        pid_file = run / name
        if not pid_file.exists():
            continue
        try:
            os.kill(int(pid_file.read_text().split()[0]), sig)
        except (ProcessLookupError, ValueError):
            pass
        deadline = time.monotonic() + 30
        while pid_file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        pid_file.unlink(missing_ok=True)
    (run / "veche.sock").unlink(missing_ok=True)
    (run / "onion.sock").unlink(missing_ok=True)
    print("the stack is down")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="nginx + gunicorn for Veche on this machine")
    parser.add_argument("action", choices=["up", "down"])
    parser.add_argument("--https-port", type=int, default=8443)
    parser.add_argument("--http-port", type=int, default=8080)
    parser.add_argument("--server-name", default="localhost")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--onion", action="store_true", help="also serve the site as an onion service (Debian's tor)")
    args = parser.parse_args(argv)
    if shutil.which("nginx") is None:
        raise SystemExit("nginx is not installed: apt-get install nginx-light")
    if args.action == "up":
        up(args.https_port, args.http_port, args.server_name, args.workers, args.onion)
    else:
        down()


if __name__ == "__main__":
    main()
