"""The forecast on real data: carrying 2016 onto the 2021 districts, the simulation, the facts, the backtest."""

import numpy as np
import polars as pl
import pytest
from django.core.management import CommandError, call_command

from elections.frames import contest_precincts, precinct_commissions
from elections.models import Contest, Election, Precinct, Protocol
from smartvote.backtest import FITTED, SCALES, WEIGHTS, backtest, leave_one_out, naive_baselines
from smartvote.carry import carry, donors
from smartvote.forecast import ForecastError, contest_forecast, entries_for, forecast, save, single_mandate
from smartvote.models import CandidateFact, ElectionSetup

pytestmark = pytest.mark.django_db


@pytest.fixture
def zaks():
    return Election.objects.get(slug="spb-zaks-2021")


@pytest.fixture
def duma16():
    return Election.objects.get(slug="duma-2016")


def test_carry_covers_every_precinct_of_the_2021_districts(zaks, duma16):
    contests = single_mandate(zaks)
    assert len(contests) == 25
    carried = carry(duma16, contests)
    cov = carried.coverage
    assert (cov["by_number"] + cov["by_coordinates"] + cov["by_commission"] + cov["missing"] == cov["precincts"]).all()
    # Most precincts kept their numbers; the rest mostly found a neighbour. St Petersburg reorganised its TIKs
    # (30 in 2016, 64 in 2021): a TIK then is not a TIK now, so none is matched by its TIK.
    assert cov["by_number"].sum() > 1800 and cov["by_coordinates"].sum() > 50 and cov["missing"].sum() < 60
    assert cov["by_commission"].sum() == 0
    # Carried votes never exceed what St Petersburg cast in 2016, and cover most of it.
    spb = Protocol.objects.filter(
        contest__election=duma16, contest__kind="party_list", precinct__region__key="город санкт-петербург"
    )
    valid_2016 = sum(spb.values_list("valid", flat=True))
    assert 0.9 * valid_2016 < carried.votes["votes"].sum() < 1.1 * valid_2016


def test_a_new_precinct_takes_its_nearest_neighbours_result(zaks, duma16):
    targets = contest_precincts(single_mandate(zaks))
    voted = set(Protocol.objects.filter(contest__election=duma16).values_list("precinct_id", flat=True))
    new = targets.filter(~pl.col("precinct_id").is_in(list(voted)) & pl.col("latitude").is_not_null()).row(
        0, named=True
    )
    coords = pl.DataFrame(
        [
            (p.pk, p.venue.latitude, p.venue.longitude)
            for p in Precinct.objects.filter(pk__in=voted, venue__latitude__isnull=False).select_related("venue")
        ],
        schema={"precinct_id": pl.Int64, "latitude": pl.Float64, "longitude": pl.Float64},
        orient="row",
    )
    region = targets["region_id"][0]
    lists = list(duma16.contests.filter(kind="party_list").values_list("id", flat=True))
    found = donors(
        targets.filter(pl.col("precinct_id") == new["precinct_id"]),
        voted,
        coords,
        precinct_commissions(lists, [region]),
    ).row(0, named=True)
    assert found["how"] == "coordinates" and found["donor_id"] in voted
    # The donor is the nearest (several precincts can share the nearest building).
    squeeze = np.cos(np.radians(new["latitude"]))
    distances = (
        (coords["latitude"] - new["latitude"]) ** 2 + ((coords["longitude"] - new["longitude"]) * squeeze) ** 2
    ).to_numpy()
    donor = coords["precinct_id"].to_list().index(found["donor_id"])
    assert distances[donor] == pytest.approx(distances.min(), rel=1e-6, abs=1e-12)


def test_simulation_probabilities_and_intervals(zaks):
    result = forecast(zaks, draws=4000, seed=1)
    assert len(result) == 25
    for contest in result:
        standing = [c for c in contest.candidates if c.role != "withdrawn"]
        assert sum(c.p_win for c in standing) == pytest.approx(1, abs=1e-3)
        assert sum(c.p_best for c in standing if c.role != "ruling") == pytest.approx(1, abs=1e-3)
        assert sum(c.mean for c in standing) == pytest.approx(100, abs=0.1)
        assert all(c.low <= c.median <= c.high for c in standing)
        pick = next(c for c in standing if c.candidate_id == contest.recommended)
        assert pick.role == "eligible"
        assert pick.p_best == max(c.p_best for c in standing if c.role == "eligible")
    # Candidates with no earlier votes (a party founded in 2020) get a wider interval
    # relative to their share than candidates whose party has a history.
    district_1 = result[0].candidates
    new = next(c for c in district_1 if c.party == "Новые Люди")
    known = next(c for c in district_1 if c.party == "КПРФ")
    assert any(e.input == "history" for e in known.evidence)
    assert not any(e.input == "history" for e in new.evidence)
    assert (new.high - new.low) / new.median > 1.5 * (known.high - known.low) / known.median


def test_facts_move_the_forecast_and_show_as_evidence():
    duma = Election.objects.get(slug="duma-2021")
    contest = Contest.objects.get(election=duma, kind="single_mandate", number=214)
    with_facts = forecast(duma, draws=2000, contests=[contest])[0]
    without = forecast(duma, draws=2000, contests=[contest], use=("history",))[0]
    drapeko = next(c for c in with_facts.candidates if c.name.startswith("Драпеко"))
    plain = next(c for c in without.candidates if c.name.startswith("Драпеко"))
    assert drapeko.mean > plain.mean + 3  # the sitting deputy of this very seat
    incumbent = next(e for e in drapeko.evidence if e.input == "incumbent")
    assert incumbent.value == "same_seat" and incumbent.effect > 0 and "everypolitician" in incumbent.source


def test_withdrawal_takes_a_candidate_out():
    duma = Election.objects.get(slug="duma-2021")
    contest = Contest.objects.get(election=duma, kind="single_mandate", number=214)
    drapeko = contest.candidates.get(person__last_name="Драпеко")
    CandidateFact.objects.create(candidate=drapeko, kind="withdrawn", value="2021-09-10", source="test")
    result = forecast(duma, draws=2000, contests=[contest])[0]
    row = next(c for c in result.candidates if c.candidate_id == drapeko.pk)
    assert row.role == "withdrawn" and row.p_win is None and result.recommended != drapeko.pk
    assert sum(c.p_win for c in result.candidates if c.p_win is not None) == pytest.approx(1, abs=1e-3)


def test_a_contest_without_a_ruling_candidate_gets_no_pick_and_says_why(zaks, client):
    """District 3: United Russia nominated nobody; the fixture marks the self-nominated candidate it backed.
    Without that mark the contest is still forecast (the shares are the voters' information) but nobody is
    recommended: who is to be beaten is for the organisers to say, and the page says so."""
    CandidateFact.objects.filter(kind="ruling", candidate__contest__election=zaks).delete()
    stored = save(zaks, draws=500)
    third = next(c for c in stored.contests if c["number"] == 3)
    assert third["no_ruling"] and third["recommended"] is None and third["candidates"]
    assert all(c["recommended"] and not c["no_ruling"] for c in stored.contests if c["number"] != 3)
    with pytest.raises(ForecastError, match="Округ №3: no candidate of the ruling party"):
        contest = Contest.objects.get(pk=third["contest_id"])
        entries, _ = entries_for(zaks, [contest])
        contest_forecast(contest, entries[contest.pk], 100, np.random.default_rng(0))
    page = client.get(f"/smartvote/contests/{third['contest_id']}/", headers={"accept-language": "en"})
    assert "No candidate of the ruling party is on record" in page.content.decode()


def test_no_setup_or_no_contests_is_a_clear_error():
    election = Election.objects.get(slug="duma-2021")
    ElectionSetup.objects.filter(election=election).delete()
    with pytest.raises(ForecastError, match="duma-2021: no smart-voting setup"):
        forecast(election)
    with pytest.raises(ForecastError, match="no single-mandate contests"):
        forecast(Election.objects.get(slug="mo-avtovo-2021"))


def test_forecast_command_stores_a_forecast(zaks):
    call_command("smartvote_forecast", "spb-zaks-2021", "--draws", "500", verbosity=0)
    stored = zaks.forecasts.get()
    assert len(stored.contests) == 25 and stored.inputs["history"] == ["duma-2016", "duma-2011", "duma-2007"]
    with pytest.raises(CommandError, match="no imported election nowhere"):
        call_command("smartvote_forecast", "nowhere")


def test_backtest_reproduces_the_naive_baselines_and_beats_them(duma16):
    targets = [Election.objects.get(slug="duma-2021"), Election.objects.get(slug="spb-zaks-2021")]
    spb = ("duma-2021 Санкт-Петербург", "spb-zaks-2021")
    # The measurements in St Petersburg: 6 of 33, and 9 of 33 with the aligned party (LDPR) left out
    # (2016 lists only); the State Duma 2021 in Moscow is a set of its own.
    naive = naive_baselines(targets, [duma16])
    in_spb = [tuple(sum(r["by_target"][s][k] for s in spb) for k in ("hits", "contests")) for r in naive]
    assert in_spb[:3] == [(6, 33), (9, 33), (9, 33)]
    assert [r["by_target"]["duma-2021 Москва"]["contests"] for r in naive] == [11] * 4
    report = backtest(targets, [duma16], draws=1500, ablation=False)
    summary = report["summary"]
    assert summary["contests"] == 44 and len(report["contests"]) == 44
    assert sum(report["by_target"][s]["hits"] for s in spb) > 9  # candidate facts add what party shares cannot
    # Better than spreading the probability evenly over each contest's non-ruling candidates.
    scored = Contest.objects.filter(pk__in=[c["contest_id"] for c in report["contests"]])
    standing = [c.candidates.filter(status="registered").count() - 1 for c in scored]
    assert summary["brier"] < np.mean([1 - 1 / n for n in standing])
    assert 0 < summary["mae"] < 10
    assert sum(b["n"] for b in report["calibration"]) == sum(standing)


def test_backtest_refuses_history_from_after_the_target(duma16):
    with pytest.raises(ForecastError, match="no history election is before duma-2016"):
        backtest([duma16], [Election.objects.get(slug="duma-2021")], draws=200, ablation=False)


def test_backtest_command_prints_tables_and_the_ablation(tmp_path):
    plot = tmp_path / "calibration.svg"
    from io import StringIO

    out = StringIO()
    call_command(
        "smartvote_backtest",
        "--target",
        "duma-2021",
        "--history",
        "duma-2016",
        "--draws",
        "500",
        "--plot",
        str(plot),
        "--save",
        stdout=out,
        stderr=StringIO(),
    )
    text = out.getvalue()
    assert "hits:" in text and "Brier" in text and "ablation" in text and "naive" in text
    assert plot.read_text().startswith("<?xml")
    setup = ElectionSetup.objects.get(election__slug="duma-2021")
    assert setup.sigma_scale in SCALES
    assert set(setup.fact_weights) == set(FITTED) and all(w in WEIGHTS for w in setup.fact_weights.values())


def test_a_candidates_own_earlier_votes_move_their_base(zaks):
    """Тихонова and Амосов stood for governor in 2019: their own votes in their 2021 district's precincts (a
    better measure of their pull than their party's 2016 list) move their base, and the evidence says so."""
    from smartvote.forecast import OWN_WEIGHT, entries_for

    contests = [c for c in single_mandate(zaks) if c.number in (6, 7)]
    with_own, _ = entries_for(zaks, contests)
    without, _ = entries_for(zaks, contests, use=("history", "older", "incumbent", "earlier"))
    for contest in contests:
        entry = next(e for e in with_own[contest.pk] if e.name.split()[0] in ("Тихонова", "Амосов"))
        plain = next(e for e in without[contest.pk] if e.candidate_id == entry.candidate_id)
        own = next(e for e in entry.evidence if e.input == "own")
        assert own.election == "spb-governor-2019" and 10 < own.value < 30 and own.weight == OWN_WEIGHT
        assert entry.base == pytest.approx(OWN_WEIGHT * own.value / 100 + (1 - OWN_WEIGHT) * plain.base, abs=1e-4)
        assert entry.base > plain.base


def test_a_renumbered_region_is_carried_by_its_tiks(duma16):
    """Moscow renumbered its precincts between 2011 and 2016 but kept its TIKs (its city districts): a number
    then is another precinct now, so the 2016 districts take their TIKs' 2011 results, never a number's."""
    moscow = single_mandate(duma16)
    moscow = [c for c in moscow if 196 <= c.number <= 210]
    assert len(moscow) == 15
    carried = carry(Election.objects.get(slug="duma-2011"), moscow)
    cov = carried.coverage
    assert cov["by_number"].sum() == 0 and cov["precincts"].sum() > 3400
    # New Moscow was Moscow Oblast's in 2011: its TIKs have no Moscow result then, and say so (missing).
    numbers = {c.pk: c.number for c in moscow}
    gaps = {numbers[row["contest_id"]]: row["missing"] for row in cov.iter_rows(named=True) if row["missing"]}
    assert list(gaps) == [202] and 100 < gaps[202] < 150
    assert (cov["by_commission"] + cov["missing"] == cov["precincts"]).all()
    # Each district's carried total is the size of a district (about 450,000 voters, a third of them voting).
    totals = carried.votes.group_by("contest_id").agg(pl.col("votes").sum())["votes"]
    assert (totals > 80_000).all() and (totals < 400_000).all()


def test_leave_one_out_never_uses_the_contest_it_scores():
    # Setting 0 is best on contests 1 and 2 and awful on contest 0; setting 1 the reverse on contest 0 only.
    grid = np.array([[9.0, 0.1, 0.1], [0.0, 0.5, 0.5]])
    assert leave_one_out(grid, ["a", "b"]) == ["a", "b", "b"]


def test_weighted_facts_and_no_weight_at_all(zaks):
    """The facts' groups scale their effects; weight 0 leaves the list-based strength, log(base)."""
    from smartvote.forecast import entries_for, reweighted

    contests = [c for c in single_mandate(zaks) if c.number == 4]
    entries, _ = entries_for(zaks, contests, weights={})
    people = entries[contests[0].pk]
    incumbent = next(e for e in people if any(g == "incumbent" for g, _x in e.effects))
    off = reweighted(people, {"incumbent": 0.0, "earlier": 0.0})
    double = reweighted(people, {"incumbent": 2.0, "earlier": 1.0})
    for before, none, twice in zip(people, off, double, strict=True):
        assert none.strength == pytest.approx(np.log(before.base))
        extra = sum(x for g, x in before.effects if g == "incumbent")
        assert twice.strength == pytest.approx(before.strength + extra)
    assert next(e for e in double if e.candidate_id == incumbent.candidate_id).strength > incumbent.strength


def test_every_backtest_together_each_from_the_lists_before_it():
    """The State Duma 2016 in Moscow and St Petersburg's district 217 (from 2007 and 2011), St Petersburg and
    Moscow 2021 and the Moscow City Duma 2019 (from 2007, 2011 and 2016) in one report: scores per set and
    together, the districts where the ruling side backed nobody on record left out and named, the uncertainty
    scale and the facts' weights fitted leave one contest out."""
    targets = [Election.objects.get(slug=s) for s in ("duma-2016", "duma-2021", "spb-zaks-2021", "mgd-2019")]
    history = [Election.objects.get(slug=s) for s in ("duma-2007", "duma-2011", "duma-2016")]
    report = backtest(targets, history, draws=1500, ablation=False)
    sets = report["by_target"]
    assert {k: v["contests"] for k, v in sets.items()} == {
        "duma-2016 Москва": 13,
        "duma-2016 Санкт-Петербург": 1,
        "duma-2021 Москва": 11,
        "duma-2021 Санкт-Петербург": 8,
        "spb-zaks-2021": 25,
        "mgd-2019": 40,
    }
    # Nobody to beat on record: two Moscow districts in 2016, four in 2021 (United Russia stood aside), and five
    # Moscow City Duma districts where the after-the-fact labels mark nobody.
    assert sorted((r["election"], r["number"]) for r in report["unscored"]) == [
        ("duma-2016", 198),
        ("duma-2016", 200),
        ("duma-2021", 198),
        ("duma-2021", 200),
        ("duma-2021", 205),
        ("duma-2021", 208),
        *(("mgd-2019", n) for n in (11, 17, 20, 37, 43)),
    ]
    # 20 of 33 at 10,000 draws (docs/smartvote.md); a near tie or two moves with the draws.
    assert sets["duma-2021 Санкт-Петербург"]["hits"] + sets["spb-zaks-2021"]["hits"] >= 18
    assert sets["duma-2016 Москва"]["hits"] >= 8  # the naive list baseline gets 9 of 13
    assert sets["mgd-2019"]["hits"] >= 28  # the naive list baseline gets 31 of 40
    assert report["scale"] in SCALES and set(report["fact_weights"]) == set(FITTED)
    # Moscow 2016's forecast used no list from 2016 itself: its evidence names 2007 and 2011 only.
    from smartvote.forecast import entries_for

    entries, _ = entries_for(targets[0], single_mandate(targets[0]), history=history)
    used = {x.election for people in entries.values() for e in people for x in e.evidence if x.input == "history"}
    assert used == {"duma-2007", "duma-2011"}


def test_a_candidates_own_result_in_the_same_district_counts_there_only():
    """Дмитриева stood in district 217 in 2016 (23.1 %, the district's published totals only) and again in 2021:
    the 2021 district is the same precincts, so her own 2016 share moves her base; Романов, who won 217 in 2016
    and stood in 2021 in another district, gets nothing from it."""
    from smartvote.forecast import OWN_WEIGHT, entries_for

    duma = Election.objects.get(slug="duma-2021")
    contests = [c for c in single_mandate(duma) if c.number in (211, 217)]
    entries, _ = entries_for(duma, contests)
    people = {e.name.split()[0]: e for found in entries.values() for e in found}
    own = next(x for x in people["Дмитриева"].evidence if x.input == "own")
    assert own.election == "duma-2016" and own.value == pytest.approx(100 * 31_124 / 130_092, abs=0.01)
    assert own.weight == OWN_WEIGHT
    assert not any(x.input == "own" for x in people["Романов"].evidence)


def test_a_forecast_stored_by_an_earlier_version_still_reads():
    """Forecasts stay in the database across upgrades: one stored before a contest named its region, before
    ``no_ruling``, a coverage's ``by_commission`` and ``cleaned`` reads with their defaults; a field of the wrong
    type is an error, not a guess."""
    import pydantic

    from smartvote.figures import read_contests

    stored = {
        "contest_id": 7,
        "number": 3,
        "name": "Округ №3",
        "recommended": 11,
        "candidates": [
            {"candidate_id": 11, "name": "А", "party": "Б", "role": "eligible", "evidence": [{"input": "base"}]},
            {"candidate_id": 12, "name": "В", "party": "Г", "role": "withdrawn"},
        ],
        "coverage": [{"election": "duma-2016", "precincts": 9, "by_number": 8, "by_coordinates": 1, "missing": 0}],
    }
    [contest] = read_contests([stored])
    assert contest.region == "" and not contest.no_ruling and contest.candidate(11).evidence[0].label == ""
    assert contest.coverage[0].by_commission == 0 and not contest.coverage[0].cleaned
    assert contest.candidate(12).histogram is None and not contest.candidate(12).standing
    with pytest.raises(pydantic.ValidationError):
        read_contests([{**stored, "number": "третий"}])
