"""In Debian's chromium: file a detention report, moderate it, see the city's count and the chart move."""

import pytest
from django.contrib.auth.models import Group, Permission, User

from monitor.models import City, Report

PASSWORD = "correct horse battery staple"


@pytest.fixture
def editor(transactional_db):
    """Committed (the site's server thread must see it); the roles made again if a flush removed them."""
    group, _new = Group.objects.get_or_create(name="editors")
    group.permissions.add(*Permission.objects.filter(codename__in=["moderate_report", "publish_report"]))
    user = User.objects.create_user("editor-browser", password=PASSWORD, is_staff=True)
    user.groups.add(group)
    City.objects.get_or_create(name="Новосибирск", defaults={"latitude": 55.0084, "longitude": 82.9357})
    yield user
    Report.objects.filter(city__name="Новосибирск").delete()
    user.delete()


def city_count(page, city) -> int:
    cell = page.locator(f'#by-city td[data-city="{city}"]')
    return int(cell.inner_text().replace("\u00a0", "").replace(",", "")) if cell.count() else 0


@pytest.mark.django_db(transaction=True)
def test_report_moderate_and_watch_the_count(editor, site, browser):
    page = browser.new_page(locale="en-US")
    page.goto(f"{site}/monitor/")
    before = city_count(page, "Новосибирск")
    chart_before = page.request.get(f"{site}/monitor/charts/days.svg").body()

    page.goto(f"{site}/monitor/report/detention/")
    page.fill("#happened", "2021-01-31T13:45")
    page.select_option("#city", label="Новосибирск")
    page.fill("#count", "3")
    page.fill("#police_station", "ОП «Центральный»")
    page.click("form.report button")
    assert "within the hour" in page.inner_text("#received")  # held until the hour is over (core.held)

    page.goto(f"{site}/admin/login/?next=/monitor/moderation/")
    page.fill("#id_username", "editor-browser")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.goto(f"{site}/monitor/moderation/?state=new&kind=detention")
    page.locator("tr", has_text="31.01.2021 13:45").filter(has_text="Новосибирск").locator("a").first.click()
    page.click("#action-verify button")
    assert "verified" in page.inner_text("#state")
    page.click("#action-publish button")
    assert "published" in page.inner_text("#state")

    page.goto(f"{site}/monitor/")
    assert city_count(page, "Новосибирск") == before + 3
    assert page.request.get(f"{site}/monitor/charts/days.svg").body() != chart_before
    page.fill("#since", "2021-02-01")  # the filter form swaps the statistics in by htmx
    page.click("form[hx-get] button")
    page.wait_for_url("**since=2021-02-01**")
    page.wait_for_selector('#by-city td[data-city="Новосибирск"]', state="detached")
    assert city_count(page, "Новосибирск") == 0
