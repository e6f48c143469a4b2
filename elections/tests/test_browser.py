"""The home page and an election page in a real browser (Debian's chromium)."""

import pytest

pytestmark = [pytest.mark.django_db, pytest.mark.browser]


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
        page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=images.nth(i).element_handle(), timeout=60_000
        )
    widths = images.evaluate_all("imgs => imgs.map(i => i.naturalWidth)")
    assert all(w > 500 for w in widths)
    page.screenshot(path=tmp_path / f"{slug}.png", full_page=True)
    assert (tmp_path / f"{slug}.png").stat().st_size > 50_000
