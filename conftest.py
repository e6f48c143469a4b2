"""Fixtures shared by every app's tests: the real data, imported once.

The session's test database gets the St Petersburg 2021 elections and the
2021, 2011 and 2016 national CEC tables, the 2019 governor election per
precinct, the St Petersburg 2021 candidate facts, the national polls and
the map of violations' reports, the way `make run` and an organiser would
import them. Tests run inside transactions on top of that
and are rolled back.
"""

import os
import shutil
import threading
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.wsgi import get_wsgi_application
from django.db import connections
from django.test import override_settings

DATA = settings.SHARED_DATA_DIR
SPB = DATA / "spb-2021"
FEDERAL = DATA / "russia-federal"
FACTS = settings.BASE_DIR / "smartvote" / "fixtures" / "spb2021_facts.csv"
MOSCOW_FACTS = settings.BASE_DIR / "smartvote" / "fixtures" / "moscow2016_facts.csv"
MGD_FACTS = settings.BASE_DIR / "smartvote" / "fixtures" / "mgd2019_facts.csv"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def pytest_report_header(config):
    return f"database: {settings.DATABASES['default']['ENGINE']} {settings.DATABASES['default']['NAME']}"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, request):
    if not SPB.exists():
        pytest.exit(f"real data not found at {DATA}: clone the repository with ../shared beside it", returncode=1)
    if request.config.option.markexpr == "sweep":
        # The sweep of every page (veche/tests/test_sweep.py) runs alone, on what `make run` shows: the demo.
        with django_db_blocker.unblock(), override_settings(DEMO=True, SIGNING_ROOT=""):
            call_command("demo", data=DATA, verbosity=0)
        return
    with django_db_blocker.unblock():
        call_command("import_spb2021", str(SPB), verbosity=0)
        call_command("import_cec", str(FEDERAL / "2021.csv.zip"), verbosity=0)
        call_command("import_cec", str(FEDERAL / "2011.csv.zip"), verbosity=0)
        # The smart-voting forecast's history and the facts known before 2021; the Moscow 2016 backtest.
        call_command("import_cec", str(FEDERAL / "2016.csv.zip"), verbosity=0)
        call_command("import_cec", str(FEDERAL / "2007.csv.zip"), verbosity=0)
        for table in ("backtests/state_duma_2016_moscow_smd_results.csv", "spb-prior/duma2016_smd217_results.csv"):
            call_command("import_district_results", str(DATA / table), verbosity=0)
        call_command("import_uik_table", str(DATA / "spb-prior" / "governor2019_uik_results.csv"), verbosity=0)
        call_command("import_smartvote_facts", str(FACTS), verbosity=0)
        call_command("import_smartvote_facts", str(MOSCOW_FACTS), verbosity=0)
        # The next election as organisers load it (docs/smartvote.md): every 2021 single-mandate candidate, then
        # Moscow's results; the Moscow City Duma 2019 from its precinct table, candidates, results and labels.
        call_command("import_candidates", str(DATA / "backtests" / "state_duma_2021_smd_candidates.csv"), verbosity=0)
        call_command(
            "import_district_results", str(DATA / "backtests" / "state_duma_2021_moscow_smd_results.csv"), verbosity=0
        )
        call_command(
            "import_district_precincts",
            str(DATA / "backtests" / "moscow_city_duma_2019_uik_districts.csv"),
            verbosity=0,
        )
        call_command(
            "import_candidates", str(DATA / "backtests" / "moscow_city_duma_2019_smd_results.csv"), verbosity=0
        )
        call_command(
            "import_district_results", str(DATA / "backtests" / "moscow_city_duma_2019_smd_results.csv"), verbosity=0
        )
        call_command("import_smartvote_facts", str(MGD_FACTS), verbosity=0)
        call_command("import_polls", str(DATA / "spb-prior" / "polls_duma2021_national.csv"), verbosity=0)
        with override_settings(DEMO=True):  # the demo campaign keeps its key on the server: demo mode only
            call_command("pledges_demo", verbosity=0)  # committed: the browser test's server thread sees it
        call_command("import_violations", str(SPB / "violations.jsonl.gz"), verbosity=0)


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):  # no request lines (they carry addresses) in the test output
        pass

    def handle(self):
        # The server thread's own database connection must not outlive the
        # request, or PostgreSQL cannot drop the test database afterwards.
        try:
            super().handle()
        finally:
            connections.close_all()


@pytest.fixture(scope="session", autouse=True)
def held_keys_of_their_own():
    """The tests' hour keys of held writes (core.held) in a memory folder of their own, gone afterwards."""
    path = f"/dev/shm/veche-held-tests-{os.getpid()}"  # noqa: S108  (made 0700 by core.held.key_dir)
    os.environ["VECHE_HOLD_DIR"] = path
    yield
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(autouse=True)
def held_at_once(request, monkeypatch):
    """A person's write is held until the hour is over (core.held); a test sees at once what the next hour would
    show — the write still boxed, held and applied by the real code. core/tests/test_held.py tests the hour
    itself (marked ``by_the_hour``)."""
    if "by_the_hour" not in request.keywords:
        monkeypatch.setattr("core.held.AT_ONCE", True)


@pytest.fixture(autouse=True)
def fresh_copies():
    """Each test starts from the database: a rolled-back test's data must not answer the next from a copy kept
    in this process (core.cache)."""
    from core.cache import forget_everything

    forget_everything()


@pytest.fixture(autouse=True)
def own_cache(settings):
    """Each test starts with an empty cache in its own process (rate-limit counters live there for an hour),
    whatever VECHE_REDIS_URL says: emptying a shared Redis would empty it for every process using it."""
    from django.core.cache import cache

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()


@pytest.fixture
def site():
    """The site served on a free local port, reading the test database."""
    server = make_server("127.0.0.1", 0, get_wsgi_application(), handler_class=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def browser():
    """Debian's chromium through Playwright.

    List it after every fixture that writes to the database, and touch the
    database no more once it has started: Playwright's event loop changes
    the context Django keeps its connection in, so a later query would use a
    second connection outside the test's transaction.
    """
    if not os.path.exists(CHROMIUM):
        if os.environ.get("VECHE_REQUIRE_BROWSER"):
            pytest.fail(f"chromium not found at {CHROMIUM} (apt-get install chromium)")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()
