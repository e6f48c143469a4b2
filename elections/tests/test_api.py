"""The JSON API: status codes and shapes, on the real data."""

import pytest

from elections.models import Contest, Precinct

pytestmark = pytest.mark.django_db


def get(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, (url, response.content[:300])
    return response.json()


def test_schema_lists_the_endpoints(client):
    schema = get(client, "/api/openapi.json")
    paths = set(schema["paths"])
    for path in (
        "/api/elections",
        "/api/elections/{slug}",
        "/api/elections/{slug}/contests",
        "/api/contests/{contest_id}",
        "/api/contests/{contest_id}/candidates",
        "/api/contests/{contest_id}/protocols",
        "/api/precincts",
        "/api/precincts/{precinct_id}",
        "/api/precincts/{precinct_id}/protocols",
        "/api/venues",
        "/api/venues/{venue_id}",
        "/api/candidates",
    ):
        assert path in paths
    assert client.get("/api/docs").status_code == 200


def test_elections(client):
    elections = {e["slug"]: e for e in get(client, "/api/elections")}
    duma = elections["duma-2021"]
    assert duma["registered"] == 109_204_662
    assert duma["turnout"] == 51.72
    assert duma["top"][0]["share"] == 49.82
    assert get(client, "/api/elections/spb-zaks-2021")["precincts"] == 1_976
    get(client, "/api/elections/unknown", status=404)


def test_contests_and_candidates(client):
    contests = get(client, "/api/elections/spb-zaks-2021/contests")
    assert len(contests) == 26
    district = next(c for c in contests if c["kind"] == "single_mandate" and c["number"] == 2)
    detail = get(client, f"/api/contests/{district['id']}")
    assert detail["totals"]["precincts"] > 0
    assert sum(r["votes"] for r in detail["results"]) == detail["totals"]["valid"]
    candidates = get(client, f"/api/contests/{district['id']}/candidates")
    assert {"last_name", "first_name", "middle_name", "party", "self_nominated"} <= set(candidates[0])
    assert any(c["last_name"] == "Вишневский" and c["self_nominated"] for c in candidates)
    page = get(client, "/api/candidates?election=spb-zaks-2021&limit=10")
    assert page["count"] == 165 and len(page["items"]) == 10
    get(client, "/api/contests/999999999", status=404)


def test_precincts_and_protocols(client):
    found = get(client, "/api/precincts?number=1545&region=Санкт")
    assert found["count"] == 1
    uik = found["items"][0]
    assert uik["venue"]["street"] == "Хрустальная улица"
    assert uik["venue"]["latitude"] == 59.911651
    protocols = get(client, f"/api/precincts/{uik['id']}/protocols")
    elections = {p["election"] for p in protocols}
    assert {"duma-2021", "spb-zaks-2021"} <= elections
    with_result = [p for p in protocols if p["has_result"]]
    assert all(sum(v["votes"] for v in p["votes"]) == p["valid"] for p in with_result)
    assert get(client, f"/api/precincts/{uik['id']}")["code"] == "1545"
    contest = Contest.objects.get(election__slug="spb-zaks-2021", kind="party_list")
    page = get(client, f"/api/contests/{contest.pk}/protocols?limit=5&offset=5")
    assert page["count"] == contest.protocols.count() and len(page["items"]) == 5


def test_venues(client):
    page = get(client, "/api/venues?q=Хрустальная")
    assert page["count"] >= 1
    assert all("Хрустальная" in v["street"] or "Хрустальная" in v["name"] for v in page["items"])
    get(client, f"/api/venues/{page['items'][0]['id']}")


@pytest.mark.parametrize(
    "url",
    [
        "/api/precincts?number=-1",
        "/api/precincts?number=abc",
        "/api/precincts?region=" + "x" * 500,
        "/api/venues?q=" + "x" * 5000,
        "/api/precincts?limit=100000",
        "/api/candidates",
    ],
)
def test_bad_parameters_get_422(client, url):
    body = get(client, url, status=422)
    assert "detail" in body


def test_injection_is_just_text(client):
    assert get(client, "/api/venues?q=' OR 1=1 --")["count"] == 0
    assert get(client, "/api/precincts?region=<script>alert(1)</script>")["count"] == 0
    assert Precinct.objects.exists()
