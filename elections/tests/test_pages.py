"""The pages, through Django's test client, with the real imported data."""

import re

import pytest
from django.urls import reverse

from elections.models import Contest, Precinct

pytestmark = pytest.mark.django_db
SPB = "город Санкт-Петербург"


def page(client, url, status=200, **headers):
    """The page's HTML, thousands separators (any locale's) taken out."""
    response = client.get(url, **headers)
    assert response.status_code == status, url
    return re.sub(r"(?<=\d)[ ,\u00a0\u202f](?=\d{3}\b)", "", response.content.decode())


def test_home_links_to_the_tools(client):
    html = page(client, "/")
    assert "Veche" in html
    for url in ("/elections/", "/precincts/", "/api/docs"):
        assert f'href="{url}"' in html


def test_election_list_shows_real_numbers(client):
    html = page(client, reverse("elections:elections"))
    assert "Выборы депутатов Законодательного Собрания Санкт-Петербурга седьмого созыва" in html
    assert "109204662" in html
    assert "51,72" in html  # Russian by default


def test_election_page(client):
    html = page(client, reverse("elections:election", args=["spb-zaks-2021"]))
    assert "33,31" in html  # United Russia's list share in St Petersburg
    assert "Округ №1" in html
    assert "Вишневский Борис Лазаревич" in html
    assert 'class="bar"' in html  # the results come with a chart


def test_contest_page_and_precinct_filter(client):
    contest = Contest.objects.get(election__slug="spb-zaks-2021", number=2, kind=Contest.Kind.SINGLE_MANDATE)
    html = page(client, reverse("elections:contest", args=[contest.pk]))
    assert "Вишневский" in html
    rows = page(client, reverse("elections:contest", args=[contest.pk]) + "?uik=22", HTTP_HX_REQUEST="true")
    assert "<html" not in rows  # htmx gets just the rows
    assert re.search(r"УИК №22\d\d<", rows)
    assert "No precinct matches" in page(
        client,
        reverse("elections:contest", args=[contest.pk]) + "?uik=abc",
        HTTP_HX_REQUEST="true",
        HTTP_ACCEPT_LANGUAGE="en",
    )


def test_precinct_page(client):
    uik = Precinct.objects.get(region__name=SPB, code="1")
    html = page(client, reverse("elections:precinct", args=[uik.pk]))
    assert "набережная Крюкова канала, дом 15" in html
    assert "ГБОУ СОШ № 232" in html
    assert "Выборы депутатов Законодательного Собрания" in html
    assert ">1570<" in html  # registered voters
    assert "ТИК №1" in html


def test_precinct_search(client):
    html = page(client, reverse("elections:precincts") + "?uik=1545")
    assert "Хрустальная улица" in html
    html = page(client, reverse("elections:precincts") + "?uik=%3Cscript%3E", HTTP_ACCEPT_LANGUAGE="en")
    assert "digits only" in html
    assert "<script>" not in html


@pytest.mark.parametrize("url", ["/elections/nope/", "/contests/999999999/", "/precincts/999999999/"])
def test_unknown_things_are_404(client, url):
    page(client, url, status=404)


def test_language_switch(client):
    assert "Выборы" in page(client, "/elections/", HTTP_ACCEPT_LANGUAGE="ru")
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/elections/"})
    assert response.status_code == 302
    html = page(client, "/elections/")
    assert "Registered voters" in html
    client.post("/i18n/setlang/", {"language": "ru", "next": "/"})
    assert "Избирателей в списке" in page(client, "/elections/")


def test_the_header_switches_language_without_a_token(client):
    """Issue 35: the header's switcher posted to Django's set_language with a CSRF token, so every page set a cookie
    and varied by it, and no cache could share a page. It is a GET form now: no token on a page without a form."""
    html = page(client, "/elections/", HTTP_ACCEPT_LANGUAGE="ru")
    assert "csrfmiddlewaretoken" not in html and 'action="/language/" method="get"' in html
    response = client.get("/language/", {"language": "en", "next": "/elections/"})
    assert response.status_code == 302 and response["Location"] == "/elections/"
    assert "Registered voters" in page(client, "/elections/")
    for wrong in ("https://elsewhere.example/", "//elsewhere.example/"):
        assert client.get("/language/", {"language": "en", "next": wrong})["Location"] == "/"
    client.get("/language/", {"language": "xx", "next": "/"})  # no such language: the choice stays
    assert "Registered voters" in page(client, "/elections/")


def test_admin_requires_login(client, admin_client):
    response = client.get("/admin/elections/protocol/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert admin_client.get("/admin/elections/precinct/").status_code == 200


def test_nothing_loads_from_other_hosts(client):
    response = client.get("/")
    assert "default-src 'self'" in response["Content-Security-Policy"]
    for url in ("/", "/elections/", "/api/docs"):
        html = page(client, url)
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", html), url


def test_a_contest_downloads_as_csv_with_every_precinct(client):
    import csv

    contest = Contest.objects.get(election__slug="spb-zaks-2021", kind="party_list")
    response = client.get(f"/contests/{contest.pk}/precincts.csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(b"".join(response.streaming_content).decode().splitlines()))
    header, body = rows[0], rows[1:]
    assert header[:4] == ["uik", "region", "tik", "registered"] and len(body) == contest.protocols.count()
    # The votes of every ballot line add up to the contest's official totals.
    names = list(contest.choices.order_by("position", "pk").values_list("name", flat=True))
    assert header[-len(names) :] == names
    votes = sum(int(v) for row in body for v in row[-len(names) :] if v)
    assert votes == sum(r["votes"] for r in contest.totals["results"])
