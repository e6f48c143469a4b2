"""The lookup page in Debian's chromium: type an address, see the station and the ballot."""

import pytest

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
    assert "В вашем бюллетене" in answer and "Законодательного Собрания" in answer
    assert page.url == site + "/lookup/"  # htmx: the page stayed, only the answer changed
    # Everything came from this site.
    assert all(url.startswith(site) for url in requests)
    # Ambiguity gets a list; nothing found gets a message, not an error page.
    page.get_by_label("Адрес дома").fill("Садовая")
    page.get_by_role("button", name="Найти").first.click()
    page.wait_for_selector("#answer .error")
    assert "номер дома" in page.locator("#answer").inner_text()
