"""The forensics command, stored results and pages, on the imported 2021 and 2011 elections."""

import io
import json
import zipfile

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Sum

from conftest import FEDERAL
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
    analysis = Analysis.objects.filter(election__slug="duma-2021").latest("id")
    cleaned = CleanedResult.objects.filter(analysis=analysis)
    assert cleaned.count() == analysis.summary["totals"]["stations"]
    total = cleaned.aggregate(e=Sum("excess"), v=Sum("leader_votes"))
    assert abs(total["e"] - analysis.summary["excess"]["excess"]) < cleaned.count()  # rounding per station
    assert total["v"] == analysis.summary["totals"]["leader"]
    assert not cleaned.filter(protocol__precinct__is_remote=True).exists()
    # Remote voting is shown apart.
    assert analysis.summary["remote_voting"]["pseudo_stations"] == 18


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["mo-avtovo-2021"], "no party-list, presidential or referendum results"),
        (["nope"], "no election «nope»"),
        (["duma-2021", "--region", "Атлантида"], "no polling stations with results in a region matching «Атлантида»"),
        (["duma-2021", "--draws", "0"], "--draws must be between"),
        (["duma-2021", "--save", "--region", "Москва"], "leave out --region"),
    ],
)
def test_command_refuses_clearly(args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)


def test_an_election_with_three_stations_gets_a_clear_message(tmp_path):
    # A 2011 table cut to three stations of one region replaces the 2011
    # results (inside this test's transaction): too few for the estimate.
    with zipfile.ZipFile(FEDERAL / "2011.csv.zip") as zf:
        lines = zf.read("2011.csv").decode().splitlines()
    small = [lines[0], *[line for line in lines if line.startswith("Ненецкий автономный округ,")][:3]]
    path = tmp_path / "2011.csv.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("2011.csv", "\n".join(small) + "\n")
    call_command("import_cec", str(path), stdout=io.StringIO())
    with pytest.raises(CommandError, match=r"3 polling station\(s\) .* needs at least 10"):
        run("duma-2011", "--region", "Ненецкий")


def test_page_plots_and_csv(client):
    html = client.get("/forensics/duma-2021/").content.decode()
    assert "Татарстан" in html and "comet.png" in html and "arXiv:1410.6059" in html
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
    summary = dict(
        line.split(",", 1) for line in client.get("/forensics/duma-2021/summary.csv").content.decode().splitlines()[1:]
    )
    assert summary["totals.turnout"] == "51.48" and "integers.turnout.p_value" in summary
    stations = client.get("/forensics/duma-2021/stations.csv").content.decode().splitlines()
    assert stations[0].endswith("estimated_excess,leader_votes_cleaned")
    assert client.get("/forensics/duma-2021/comet.gif").status_code == 404
    # A municipal election with its candidates and no precinct results on record: said so, not "not found".
    avtovo = client.get("/forensics/mo-avtovo-2021/", headers={"accept-language": "en"})
    assert avtovo.status_code == 200 and "No precinct results of this election are on record yet" in avtovo.text


def test_sorting_regions(client):
    html = client.get("/forensics/duma-2011/?sort=turnout").content.decode()
    assert html.index("Чеченская Республика") < html.index("Владимирская область")
    assert client.get("/forensics/duma-2011/?sort=nonsense").status_code == 200


def test_remote_voting_alone_is_not_analysed_as_stations():
    call_command("import_cec", str(FEDERAL / "2024-electronic-voting.csv"), stdout=io.StringIO())
    with pytest.raises(CommandError, match="no polling stations with results"):
        run("president-2024")


def test_the_json_text_and_page_carry_the_combined_count():
    summary = json.loads(run("duma-2021", "--json", "--region", "Татарстан", "--draws", "100"))
    for key in ("turnout", "leader_share", "either", "both"):
        assert {"observed", "expected", "excess", "p_value"} <= set(summary["integers"][key])
    assert len(summary["excess"]["sets"]) == 18 and "median_turnout" in summary["excess"]
    text = run("duma-2021", "--region", "Татарстан", "--draws", "100")
    assert "whole-percentage either (counted once)" in text and "window" in text


def test_an_older_stored_analysis_is_computed_again(client):
    """Figures stored by an older method (no combined count) are not shown: the page runs the analysis anew."""
    from elections.models import Election

    duma = Election.objects.get(slug="duma-2011")
    Analysis.objects.create(election=duma, draws=10, seed=0, summary={"election": "duma-2011"})
    html = client.get("/forensics/duma-2011/").content.decode()
    assert "Either (each station once)" in html or "Любой из двух" in html
    assert Analysis.objects.filter(election=duma).latest("id").summary["method"] == 2


def test_the_index_compares_the_years(client):
    run("duma-2021", "--save", "--draws", "100")
    html = client.get("/forensics/").content.decode()
    assert "by-year.svg" in html and "by-year.csv" in html
    rows = client.get("/forensics/by-year.csv").content.decode().splitlines()
    assert (
        rows[0]
        == "year,slug,stations,turnout,leader_share,excess,low,high,whole_observed,whole_expected,whole_excess,whole_p"
    )
    years = {line.split(",")[1]: line.split(",") for line in rows[1:]}
    assert years["duma-2021"][0] == "2021" and int(years["duma-2021"][5]) > 10_000_000
    assert "duma-2011" in years  # listed; its figures come when its page is first opened
    svg = client.get("/forensics/by-year.svg")
    assert svg.status_code == 200 and b"<svg" in svg.content[:500]
    # A phone is offered the same chart drawn 4 inches wide (288 pt, against 576), its words as large.
    assert 'srcset="/forensics/by-year.svg?size=phone"' in html and 'media="(max-width: 40rem)"' in html
    assert b'width="576pt"' in svg.content[:1000]
    assert b'width="288pt"' in client.get("/forensics/by-year.svg?size=phone").content[:1000]
    assert client.get("/forensics/by-year.gif").status_code == 404
