"""The forensics command, stored results and pages, on the imported 2021 and 2011 elections."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Sum

from forensics.models import Analysis, CleanedResult

pytestmark = pytest.mark.django_db


def run(*args):
    out = io.StringIO()
    call_command("forensics", *args, stdout=out)
    return out.getvalue()


def test_command_json_for_a_region():
    summary = json.loads(run("duma-2021", "--json", "--region", "Татарстан", "--draws", "200"))
    assert summary["region"] == "Татарстан"
    assert summary["totals"]["stations"] > 2000
    assert summary["integers"]["draws"] == 200
    assert summary["leader"] == 'Всероссийская политическая партия "ЕДИНАЯ РОССИЯ"'


def test_save_stores_cleaned_results_that_add_up():
    run("duma-2021", "--save", "--draws", "200")
    analysis = Analysis.objects.get(election__slug="duma-2021")
    cleaned = CleanedResult.objects.filter(analysis=analysis)
    assert cleaned.count() == analysis.summary["totals"]["stations"]
    total = cleaned.aggregate(e=Sum("excess"), v=Sum("leader_votes"))
    assert abs(total["e"] - analysis.summary["excess"]["excess"]) < cleaned.count()  # rounding per station
    assert total["v"] == analysis.summary["totals"]["leader"]
    assert not cleaned.filter(protocol__precinct__is_remote=True).exists()
    # Remote voting is shown apart.
    assert analysis.summary["remote_voting"]["pseudo_stations"] == 18


@pytest.mark.parametrize(("args", "message"), [
    (["mo-avtovo-2021"], "no party-list, presidential or referendum results"),
    (["nope"], "no election «nope»"),
    (["duma-2021", "--region", "Атлантида"], "no polling stations with results in a region matching «Атлантида»"),
    (["duma-2021", "--draws", "0"], "--draws must be between"),
    (["duma-2021", "--save", "--region", "Москва"], "leave out --region"),
])
def test_command_refuses_clearly(args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)


def test_a_region_with_three_stations_gets_a_clear_message():
    # Байконур has a handful of stations: too few for the excess estimate.
    with pytest.raises(CommandError, match=r"polling station\(s\) .* needs at least 10"):
        run("duma-2021", "--region", "Байконур")


def test_page_plots_and_csv(client):
    html = client.get("/forensics/duma-2021/").content.decode()
    assert "Татарстан" in html and "comet.png" in html and "Kobak" in html
    drill = client.get("/forensics/duma-2021/?region=город Санкт-Петербург").content.decode()
    assert "ТИК №" in drill and "/precincts/" in drill
    png = client.get("/forensics/duma-2021/comet.png")
    assert png.status_code == 200 and png.content[:8] == b"\x89PNG\r\n\x1a\n"
    svg = client.get("/forensics/duma-2021/turnout.svg?download=1")
    assert svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content[:500]
    assert "attachment" in svg["Content-Disposition"]
    regions = client.get("/forensics/duma-2021/regions.csv").content.decode().splitlines()
    assert regions[0].startswith("region,stations,registered,turnout,leader_share")
    assert len(regions) > 80
    stations = client.get("/forensics/duma-2021/stations.csv").content.decode().splitlines()
    assert stations[0].endswith("estimated_excess,leader_votes_cleaned")
    assert client.get("/forensics/duma-2021/comet.gif").status_code == 404
    assert client.get("/forensics/mo-avtovo-2021/").status_code == 404


def test_sorting_regions(client):
    html = client.get("/forensics/duma-2011/?sort=turnout").content.decode()
    assert html.index("Чеченская Республика") < html.index("Владимирская область")
    assert client.get("/forensics/duma-2011/?sort=nonsense").status_code == 200
