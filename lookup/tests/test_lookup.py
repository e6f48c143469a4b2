"""The lookup: address ranges, UIK numbers, nearest venue, the API and the page."""

import io
import math
import os
import subprocess
import sys

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from elections.models import Region, Venue
from lookup.api import BallotContestOut, Choice, LookupOut
from lookup.find import by_address, by_point, by_uik
from lookup.models import AddressRange
from lookup.tests.conftest import FIXTURE

pytestmark = pytest.mark.django_db


def test_address_ranges_decide_a_home_address(ranges, client):
    assert AddressRange.objects.count() == 12
    answer = by_address("Фонарный пер., д. 5")
    assert (answer.status, answer.precinct.code, answer.matched_by) == ("found", "4", "address range")
    html = client.get("/lookup/", {"address": "Фонарный пер., д. 5"}, headers={"accept-language": "ru"})
    html = html.content.decode()
    assert "Ваш избирательный участок: УИК №4" in html  # the published ranges place a home: it is the voter's
    assert by_address("декабристов 12").precinct.code == "8"
    assert by_address("ул Декабристов 13").status != "found" or by_address("ул Декабристов 13").precinct.code != "8"
    assert by_address("Хрустальная 11").precinct.code == "1546"  # odd side
    assert by_address("Хрустальная 12").precinct.code == "1545"  # even side
    assert by_address("Лермонтовский пр 7").precinct.code == "3"
    assert by_address("обуховской обороны 115").precinct.code == "1545"


def test_reimport_replaces_ranges(ranges):
    call_command("import_address_ranges", FIXTURE, stdout=io.StringIO())
    assert AddressRange.objects.count() == 12


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("Атлантида,Фонарный переулок,1,20,all,4", "line 2, column «region»: «Атлантида» is not an imported region"),
        ("город Санкт-Петербург,Фонарный переулок,1,20,all,99999", "line 2, column «uik»: «99999» is not a precinct"),
        ("город Санкт-Петербург,Фонарный переулок,один,20,all,4", "column «house_from»: «один» is not a house number"),
        ("город Санкт-Петербург,Фонарный переулок,20,1,all,4", "column «house_to»: 1 is below house_from 20"),
        ("город Санкт-Петербург,Фонарный переулок,1,20,чёт,4", "column «parity»: «чёт» is not all, odd or even"),
        ("город Санкт-Петербург,,1,20,all,4", "column «street»: «» has no street name"),
    ],
)
def test_bad_range_rows_are_refused_and_change_nothing(tmp_path, ranges, row, message):
    path = tmp_path / "ranges.csv"
    path.write_text("region,street,house_from,house_to,parity,uik\n" + row + "\n")
    with pytest.raises(CommandError, match=message):
        call_command("import_address_ranges", str(path))
    assert AddressRange.objects.count() == 12


def test_missing_column_is_named(tmp_path):
    path = tmp_path / "ranges.csv"
    path.write_text("region,street,from,to,uik\n")
    with pytest.raises(CommandError, match="missing column"):
        call_command("import_address_ranges", str(path))


def test_uik_number():
    answer = by_uik(1545)
    assert answer.status == "choose"  # 1545 exists in several regions
    spb = next(c for c in answer.choices if c.region == "город Санкт-Петербург")
    found = by_uik(1545, spb.region_id)
    assert found.status == "found" and found.precinct.venue.street == "Хрустальная улица"
    assert by_uik(99_999).status == "not_found"


def haversine(lat1, lon1, lat2, lon2):
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371 * math.asin(math.sqrt(a))


def test_nearest_venue_agrees_with_a_full_scan():
    venues = list(Venue.objects.filter(latitude__isnull=False, precincts__isnull=False).distinct())
    rng = np.random.default_rng(0)
    for lat, lon in zip(rng.uniform(59.8, 60.05, 25), rng.uniform(30.1, 30.5, 25), strict=True):
        answer = by_point(float(lat), float(lon))
        nearest = min(venues, key=lambda v: haversine(lat, lon, v.latitude, v.longitude))
        first = answer.choices[0]
        assert first.venue_id == nearest.pk or math.isclose(
            first.distance_km, haversine(lat, lon, nearest.latitude, nearest.longitude), abs_tol=0.01
        )
        assert math.isclose(first.distance_km, haversine(lat, lon, nearest.latitude, nearest.longitude), abs_tol=0.01)


def test_a_point_at_a_polling_station():
    venue = Venue.objects.get(source_key="spb2021:445")  # Хрустальная 12, UIK 1545 only
    answer = by_point(venue.latitude, venue.longitude)
    assert answer.status == "found" and answer.precinct.code == "1545" and answer.distance_km == 0


def test_api_lookup(client, ranges):
    body = client.get("/api/lookup", {"address": "Фонарный переулок 5"}).json()
    assert body["status"] == "found" and body["uik"] == "4" and body["matched_by"] == "address range"
    kinds = {c["kind"] for c in body["contests"]}
    assert {"party_list", "single_mandate"} <= kinds
    district = next(c for c in body["contests"] if c["kind"] == "single_mandate" and c["election_slug"] == "duma-2021")
    assert district["candidates"] and "recommendation" in district
    point = client.get("/api/lookup", {"lat": 59.911651, "lon": 30.402672}).json()
    assert point["uik"] == "1545" and point["venue"]["latitude"] == 59.911651
    assert "/api/lookup" in client.get("/api/openapi.json").json()["paths"]


@pytest.mark.parametrize(
    "params",
    [
        {"address": "Фонарный переулок 5"},  # found by an address range
        {"address": "Хрустальная 12"},  # by a range, with its coordinates
        {"address": "Садовая 108"},  # by a polling-station building
        {"address": "Садовая 1000"},  # choose: the street's stations
        {"uik": 1545},  # choose: several regions
        {"uik": 4, "region": "spb"},  # found by number
        {"lat": 59.911651, "lon": 30.402672},  # found: the nearest building
        {"lat": 59.93, "lon": 30.31},  # near the centre
    ],
)
def test_api_answers_are_exactly_the_schema(client, ranges, params):
    """The lookup writes its JSON itself (validating each cold answer cost a third of its time): every kind of
    answer must be what LookupOut would make of it, field for field and in order."""
    if params.get("region") == "spb":
        params["region"] = Region.objects.get(key="город санкт-петербург").pk
    body = client.get("/api/lookup", params).json()
    expected = LookupOut.model_validate(body).model_dump(mode="json")
    assert body == expected and list(body) == list(expected)
    assert all(list(c) == list(Choice.model_fields) for c in body["choices"])
    assert all(list(c) == list(BallotContestOut.model_fields) for c in body["contests"])


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({}, 400),
        ({"address": "   "}, 400),
        ({"address": "x" * 10_000}, 422),
        ({"address": "'; DROP TABLE elections_precinct; --"}, 404),
        ({"address": "<script>alert(1)</script> 5"}, 404),
        ({"lat": 95, "lon": 30}, 422),
        ({"lat": 59.9}, 400),
        ({"lat": 59.9, "lon": 30.3, "uik": 4}, 400),
        ({"uik": 99_999}, 404),
        ({"uik": -4}, 422),
    ],
)
def test_api_bad_input(client, params, status):
    response = client.get("/api/lookup", params)
    assert response.status_code == status
    assert response.json()["detail"]


def test_page(client, ranges):
    html = client.get("/lookup/", {"address": "Фонарный пер. 5"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "UIK №4" in html and "On your ballot" in html and "Садовая улица" in html
    partial = client.get("/lookup/", {"uik": "4", "region": ""}, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial
    bad = client.get("/lookup/", {"address": "<script>alert(1)</script>"}).content.decode()
    assert "<script>alert(1)</script>" not in bad
    assert client.get("/lookup/", {"lat": "abc", "lon": "1"}, HTTP_ACCEPT_LANGUAGE="en").status_code == 200
    long = client.get("/lookup/", {"address": "д" * 10_000}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "too long" in long


def test_map_without_tiles_loads_nothing_from_elsewhere(client):
    response = client.get("/lookup/", HTTP_ACCEPT_LANGUAGE="en")
    assert "img-src 'self' data:;" in response["Content-Security-Policy"]
    assert 'data-tiles=""' in response.content.decode()
    venues = client.get("/lookup/venues.json").json()["venues"]
    in_the_city = [(lat, lon) for lat, lon in venues if 59.5 < lat < 60.5 and 29.4 < lon < 30.9]
    assert len(venues) > 900 and len(venues) - len(in_the_city) < 10  # a few stations abroad


def test_map_with_the_organisers_tile_server(client, settings):
    settings.TILE_URL = "https://tiles.example.org/osm/{z}/{x}/{y}.png"
    settings.TILE_ATTRIBUTION = "© OpenStreetMap contributors"
    response = client.get("/lookup/", HTTP_ACCEPT_LANGUAGE="en")
    # Tiles from that host only: scripts, styles and data still from this site alone.
    assert "img-src 'self' data: https://tiles.example.org;" in response["Content-Security-Policy"]
    assert "script-src 'self';" in response["Content-Security-Policy"]
    html = response.content.decode()
    assert 'data-tiles="https://tiles.example.org/osm/{z}/{x}/{y}.png"' in html
    assert "comes from tiles.example.org, which sees the area you look at" in html


@pytest.mark.parametrize(
    "url",
    [
        "tiles.example.org/{z}/{x}/{y}.png",
        "https://tiles.example.org/{z}/{x}.png",
        "javascript:alert(1)//{z}/{x}/{y}",
        "https://t.example.org/{z}/{x}/{y}.png' x",
    ],
)
def test_a_bad_tile_server_setting_stops_the_start(url):
    started = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        capture_output=True,
        text=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "veche.settings", "VECHE_TILE_URL": url},
    )
    assert started.returncode != 0 and "VECHE_TILE_URL must be an http(s) address" in started.stderr


def test_a_home_address_without_published_ranges_is_not_placed(client):
    """Issue 18: 7 of 10 home addresses were answered with stations "on your street", and Садовая in Ольгино
    among Садовая in Коломна. Without address ranges the answer says it cannot place the home, and lists the
    street's stations district by district."""
    with translation.override("ru"):
        for typed in ("Литейный 30", "Марата 10", "Гороховая 40", "Садовая 20"):
            answer = by_address(typed)
            assert answer.status == "choose", typed
            assert "не можем назвать ваш участок" in answer.message and "приглашении" in answer.message
        districts = [c.district for c in by_address("Садовая 20").choices]
    assert len(set(districts)) > 1
    # Each district's stations come together (no district is split by another).
    runs = [d for i, d in enumerate(districts) if i == 0 or districts[i - 1] != d]
    assert len(runs) == len(set(districts))


def test_a_point_gives_the_nearest_station_not_yours(client):
    point = {"lat": "59.92718", "lon": "30.35227"}  # beside the building of UIK 2218 (Марата 27)
    html = client.get("/lookup/", point, headers={"accept-language": "ru"}).content.decode()
    assert "Ваш избирательный участок: УИК" not in html
    if by_point(59.92718, 30.35227).status == "found":
        assert "Ближайший избирательный участок: УИК №" in html and "не обязательно ваш" in html
    else:  # several stations in the nearest building: a list, said to be the nearest
        assert "Ближайшие участки; ваш определяется адресом" in html


def test_the_answer_gives_what_a_voter_needs_next(client):
    spb = Region.objects.get(name="город Санкт-Петербург")
    html = client.get("/lookup/", {"uik": "2218", "region": spb.pk}, headers={"accept-language": "ru"}).content
    html = html.decode()
    # Typed, or tapped from a list of stations: a number is not known to be the voter's, so it is not "yours".
    assert "Избирательный участок УИК №2218" in html and "Ваш избирательный участок: УИК" not in html
    assert "17–19 сентября 2021, с 8:00 до 20:00" in html and "паспорт" in html
    assert "Партии в порядке бюллетеня:" in html and "ЕДИНАЯ РОССИЯ" in html
    assert f"/lookup/?uik=2218&amp;region={spb.pk}" in html  # the link names the precinct, not an address
    assert "Распечатать" in html


def test_a_number_that_is_no_house_is_said_so(client):
    with translation.override("ru"):
        assert "«99999» не похоже на номер дома" in by_address("qwerty asdf 99999").message


def test_a_number_that_voted_only_earlier_is_said_so(client):
    """St Petersburg's UIKs of 2019 or 2016 that no longer exist (merged, renumbered) are not answered with an old
    ballot as if they were the voter's."""
    from elections.models import Precinct

    spb = Region.objects.get(name="город Санкт-Петербург")
    gone = (
        Precinct.objects.filter(region=spb, protocols__contest__election__slug="spb-governor-2019")
        .exclude(protocols__contest__election__date="2021-09-19")
        .first()
    )
    assert gone is not None
    with translation.override("ru"):
        answer = by_uik(int(gone.code), spb.pk)
    assert answer.status == "not_found" and "последний раз голосовал 08.09.2019" in answer.message
    assert by_uik(2218, spb.pk).status == "found"


def test_the_precinct_search_starts_on_the_sites_region(client, settings):
    """Issue 34: the search started on "any region" and then asked a St Petersburg voter to pick the city from a list
    of ninety. It starts on the site's region (settings.LOOKUP_REGION); choosing "any region" is kept."""
    spb = Region.objects.get(name="город Санкт-Петербург")
    chosen = f'<option value="{spb.pk}" selected>'
    settings.LOOKUP_REGION = ""
    assert chosen not in client.get("/lookup/").content.decode()
    settings.LOOKUP_REGION = "город Санкт-Петербург"
    assert chosen in client.get("/lookup/").content.decode()
    page = client.get("/lookup/", {"uik": "2218", "region": ""}).content.decode()
    assert chosen not in page and '<option value="">' in page
    settings.LOOKUP_REGION = "Нет такого края"  # a name that matches no region: "any region", no error
    assert client.get("/lookup/").status_code == 200
