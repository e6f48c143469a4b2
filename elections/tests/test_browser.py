"""The home page and an election page in a real browser (Debian's chromium)."""

import os
import shutil
import threading
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest
from django.core.wsgi import get_wsgi_application

pytestmark = [pytest.mark.django_db, pytest.mark.browser]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):  # no request lines (they carry addresses) in the test output
        pass


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
    if not os.path.exists(CHROMIUM):
        if os.environ.get("VECHE_REQUIRE_BROWSER"):
            pytest.fail(f"chromium not found at {CHROMIUM} (apt-get install chromium)")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"],
        )
        yield browser
        browser.close()


def test_home_then_an_election(site, browser, settings):
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    page = browser.new_page(locale="ru-RU")
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(site + "/")
    assert page.title() == "Главная · Veche"
    page.get_by_role("link", name="Выборы", exact=True).first.click()
    page.get_by_role("link", name="Выборы депутатов Законодательного Собрания Санкт-Петербурга седьмого созыва").click()
    page.wait_for_url("**/elections/spb-zaks-2021/")
    assert page.locator("h1").inner_text().startswith("Выборы депутатов Законодательного Собрания")
    assert page.locator("table.bars tbody tr").count() == 8
    assert "33,31" in page.content() or "33.31" in page.content()
    # The results chart is drawn: the leader's bar is the widest.
    widths = page.locator("table.bars .bar").evaluate_all("bars => bars.map(b => b.getBoundingClientRect().width)")
    assert widths[0] == max(widths) > 0
    # English, through the language switch.
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert "Registered voters" in page.content()
    # Everything came from this site.
    assert requests and all(url.startswith(site) for url in requests)


@pytest.mark.parametrize("slug", ["duma-2011", "duma-2021"])
def test_forensics_plots_load(site, browser, settings, slug, tmp_path):
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    page = browser.new_page(viewport={"width": 1280, "height": 2000})
    page.goto(f"{site}/forensics/{slug}/", timeout=120_000)
    images = page.locator(".plots img")
    assert images.count() == 3
    for i in range(3):
        images.nth(i).scroll_into_view_if_needed()
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=images.nth(i).element_handle(),
                               timeout=60_000)
    widths = images.evaluate_all("imgs => imgs.map(i => i.naturalWidth)")
    assert all(w > 500 for w in widths)
    page.screenshot(path=tmp_path / f"{slug}.png", full_page=True)
    assert (tmp_path / f"{slug}.png").stat().st_size > 50_000
