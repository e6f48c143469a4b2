"""The lookup page in Debian's chromium: type an address, see the station and the ballot."""

import pytest

from core.testing import click_on_map

pytestmark = [pytest.mark.django_db, pytest.mark.browser]


def test_type_an_address_see_the_station_and_contests(site, browser, settings):
    # Read-only on purpose: the server thread has its own connection and
    # would not see rows written in this test's (rolled-back) transaction.
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    page = browser.new_page(locale="ru-RU", viewport={"width": 390, "height": 844})  # a phone
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(site + "/lookup/")
    page.get_by_label("Адрес дома").fill("садовая ул., д. 108")
    page.get_by_role("button", name="Найти").first.click()
    page.wait_for_selector("#answer .venue")
    answer = page.locator("#answer").inner_text()
    assert "УИК №4" in answer
    assert "Садовая улица, дом 108-110" in answer
    # The school's own address: the station in this building, said as such (a resident may vote elsewhere).
    assert "Избирательный участок по этому адресу: УИК №4" in answer
    assert "Бюллетени этого участка" in answer and "Законодательного Собрания" in answer
    assert page.url == site + "/lookup/"  # htmx: the page stayed, only the answer changed
    # Everything came from this site.
    assert all(url.startswith(site) for url in requests)
    # Ambiguity gets a list; nothing found gets a message, not an error page.
    page.get_by_label("Адрес дома").fill("Садовая")
    page.get_by_role("button", name="Найти").first.click()
    page.wait_for_selector("#answer .error")
    assert "номер дома" in page.locator("#answer").inner_text()


def test_click_on_the_map_find_the_nearest_station(site, browser, settings):
    """No tile server by default: the map shows the stations as dots, a click asks for the nearest one,
    and the answer's station is pinned. Nothing comes from another host."""
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    page = browser.new_page(locale="en-GB")
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(site + "/lookup/")
    click_on_map(page, 59.911651, 30.402672)  # UIK 1545's building, Хрустальная 12
    assert page.locator("#map-note").inner_text().startswith("Or click where you live")
    page.wait_for_selector("#answer .venue")
    assert "UIK №1545" in page.locator("#answer").inner_text()
    assert page.locator("#locate input[name=lat]").input_value().startswith("59.911")
    assert all(url.startswith(site) for url in requests)
    assert not any(".png" in url for url in requests)  # no tiles asked for
