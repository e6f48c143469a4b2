"""In Debian's chromium at a phone's width: find an action near a point, take a slot, see it taken; open "write
a letter" and see an address."""

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone

from actions.models import Action, Place, Slot
from core.sealing import new_keypair
from monitor.intake import take
from monitor.models import Facility, Person, Report
from monitor.moderation import act

pytestmark = pytest.mark.django_db
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def action(django_db_setup, django_db_blocker):
    """Committed: the site's thread reads it through its own connection."""
    with django_db_blocker.unblock():
        day = timezone.localdate() + timedelta(days=3)
        action = Action.objects.create(
            slug="browser-picket", title="Пикеты у посольства", text="Одиночные пикеты.", public_key=new_keypair()[0]
        )
        for name, city, lat, lon, zone in (
            ("Посольство России в Литве", "Vilnius", 54.6969, 25.2700, "Europe/Vilnius"),
            ("Посольство России в Португалии", "Lisbon", 38.7330, -9.1760, "Europe/Lisbon"),
        ):
            place = Place.objects.create(
                action=action,
                name=name,
                kind="embassy",
                city=city,
                country="—",
                latitude=lat,
                longitude=lon,
                time_zone=zone,
            )
            starts = datetime.combine(day, time(12), ZoneInfo(zone))
            Slot.objects.create(place=place, starts=starts, ends=starts + timedelta(hours=2), capacity=1)
        yield action
        action.delete()


def test_find_a_place_near_a_point_take_a_slot_and_see_it_taken(action, site, browser):
    page = browser.new_page(locale="ru-RU", viewport=PHONE)
    page.goto(f"{site}/actions/")
    # The map: the places as dots, no background from any host; a click fills the point.
    page.wait_for_function("Number(document.getElementById('map').dataset.places) >= 2")
    page.locator("#map").click(position={"x": 100, "y": 100})
    assert page.input_value("#lat") and page.input_value("#lon")
    page.fill("#lat", "54.69")
    page.fill("#lon", "25.28")
    page.click("form.near button:not([type=button])")
    first = page.locator("ul.places li a").first
    assert first.inner_text() == "Посольство России в Литве"
    assert "км" in page.locator("ul.places li").first.inner_text()
    first.click()
    place = page.locator("section.place", has_text="Литве")
    place.locator("input[name=slot]").first.check()
    place.locator("input[name=email]").fill("Evstigney.Morozkin@example.org")
    place.locator("button").click()
    assert "Проверьте почту" in page.inner_text("[role=status]")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    link = re.search(r"(http://\S+/actions/confirm/\S+/)", mail.outbox[-1].body).group(1)
    page.goto(link)
    assert "место ваше" in page.inner_text("[role=status]")
    page.click("text=Назад к акции")
    slot = page.locator("section.place", has_text="Литве").locator("ul.slots li").first
    assert "занято" in slot.inner_text() and slot.locator("input").count() == 0
    # The other embassy's slot is still free to take.
    assert page.locator("section.place", has_text="Португалии").locator("input[name=slot]").count() == 1


@pytest.fixture(scope="module")
def writable_prisoner(django_db_setup, django_db_blocker):
    """Committed: a prisoner who takes letters, in custody by a published step of their case."""
    with django_db_blocker.unblock():
        facility = Facility.objects.create(
            name="ФКУ ИК-7 (проверочная)",
            kind="colony",
            address="000000, Республика Проверка, г. Тестовск, ул. Лагерная, д. 7",
            time_zone="Asia/Yekaterinburg",
        )
        data = {"kind": "prosecution", "happened": "2025-05-05", "case_kind": "criminal", "step": "arrest"}
        report = take({**data, "article": "УК РФ, ст. 280.3", "name": "Ефросинья Письмова", "consent": "1"})
        act(report, "verify", None, reason="test")
        act(report, "publish", None, reason="test")
        Person.objects.filter(pk=report.person_id).update(facility=facility, letters=True)
        yield report.person
        person = Person.objects.get(pk=report.person_id)
        Report.objects.filter(person=person).delete()
        person.delete()
        facility.delete()


def test_open_write_a_letter_and_see_an_address(writable_prisoner, site, browser):
    page = browser.new_page(locale="ru-RU", viewport=PHONE)
    page.goto(f"{site}/actions/prisoners/")
    page.click("text=Написать письмо тому, кому пишут мало")
    address = page.locator("address")
    assert address.is_visible() and "000000" in address.inner_text()
    # Someone else, then the one from the list; mark the letter sent.
    page.goto(f"{site}/actions/prisoners/")
    page.locator(f"#{writable_prisoner.pseudonym}").get_by_text("Написать").click()
    assert "Республика Проверка" in page.inner_text("address")
    page.click("text=Я отправил(а) письмо")
    assert "Спасибо" in page.inner_text("[role=status]")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
