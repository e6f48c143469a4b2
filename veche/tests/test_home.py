"""The home page and the menu: the two things people come for first, and every tool reachable on a phone."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_home_page_leads_with_the_two_main_actions_and_the_menu_reaches_every_tool(client):
    html = client.get("/", headers={"accept-language": "ru"}).content.decode()
    cards = html.index('class="tools"')
    address = html.index(f'action="{reverse("lookup:lookup")}"')
    report = html.index(f'class="button alarm" href="{reverse("monitor:report_form", args=["detention"])}"')
    assert address < cards and report < cards
    assert 'name="address"' in html[address:cards] and "Сообщить о задержании" in html
    # On a phone the header shows two links and "every section", which leads to the menu at the foot of the page.
    assert 'href="#site-menu"' in html and "Меню" in html
    menu = html[html.index('id="site-menu"') :]
    for name, args in [
        ("lookup:lookup", []),
        ("monitor:report_form", ["detention"]),
        ("elections:elections", []),
        ("monitor:index", []),
        ("actions:index", []),
        ("actions:prisoners", []),
        ("pledges:index", []),
        ("vote:index", []),
        ("forensics:index", []),
        ("api:openapi-view", []),
    ]:
        assert f'href="{reverse(name, args=args)}"' in menu, name
