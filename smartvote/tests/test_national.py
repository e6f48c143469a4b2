"""The next election, nationwide: every 2021 district forecast from what was public before it, signed, published
and found by region and UIK number; scored on the test sets with the settings frozen on the development sets."""

import math
from io import StringIO

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import CommandError, call_command

from elections.models import Candidate, Contest, Election, Protocol, Region
from smartvote.backtest import learned_priors, with_priors
from smartvote.forecast import Entry, save
from smartvote.models import ElectionSetup
from smartvote.tests.offline import publish_offline

pytestmark = pytest.mark.django_db
CANDIDATES = "backtests/state_duma_2021_smd_candidates.csv"


def test_every_district_forecast_signed_published_and_found_by_region_and_uik(client, settings):
    duma = Election.objects.get(slug="duma-2021")
    stored = save(duma, draws=1000)
    assert len(stored.contests) == 225
    # United Russia is on no ballot in eight districts (it stood aside in 1, 21, 177, 198, 200, 205, 208; its
    # nominee withdrew in 22): nobody to beat on record there, so no pick until the organisers say whom it backs.
    assert sorted(c["number"] for c in stored.contests if c["no_ruling"]) == [1, 21, 22, 177, 198, 200, 205, 208]
    assert all(c["recommended"] for c in stored.contests if not c["no_ruling"])
    # Withdrawn after registration: on record, forecast as gone.
    gone = Candidate.objects.filter(contest__election=duma, status=Candidate.Status.WITHDRAWN).first()
    row = next(c for c in stored.contests if c["contest_id"] == gone.contest_id)
    assert next(x for x in row["candidates"] if x["candidate_id"] == gone.pk)["role"] == "withdrawn"
    # Nothing of 2021 itself fed it: its evidence names the earlier lists only.
    used = {x.get("election") for c in stored.contests for p in c["candidates"] for x in p.get("evidence", [])}
    assert "duma-2021" not in used and {"duma-2016", "duma-2011", "duma-2007"} <= used
    # The election's page: 225 districts, shown a region at a time when asked.
    page = client.get("/smartvote/duma-2021/", {"region": region_name(stored, 214)}, headers={"accept-language": "en"})
    shown = page.content.decode()
    assert page.status_code == 200 and shown.count('href="/smartvote/contests/') == 8
    bad = client.get("/smartvote/duma-2021/", {"region": "Атлантида"}, headers={"accept-language": "en"})
    assert bad.status_code == 200 and bad.content.decode().count('href="/smartvote/contests/') == 225
    assert "Select a valid choice" in bad.content.decode()
    organiser = User.objects.create_user("organiser", password="not-used")
    organiser.groups.add(Group.objects.get(name="organisers"))
    version = publish_offline(duma, organiser)
    assert version.number == 1
    # A voter in Tatarstan, far from any address data, asks by region and UIK number.
    region = Region.objects.get(name__icontains="Татарстан")
    precinct = (
        Protocol.objects.filter(contest__election=duma, contest__kind="single_mandate", precinct__region=region)
        .select_related("precinct", "contest")
        .first()
    )
    body = client.get("/api/lookup", {"uik": precinct.precinct.number, "region": region.pk}).json()
    assert body["status"] == "found" and body["uik"] == precinct.precinct.code
    district = next(c for c in body["contests"] if c["kind"] == "single_mandate" and c["election_slug"] == "duma-2021")
    assert district["number"] == precinct.contest.number
    pick = next(c for c in stored.contests if c["contest_id"] == precinct.contest_id)["recommended"]
    assert district["recommendation"]["candidate"]["id"] == pick and district["recommendation"]["version"] == 1
    names = {c["name"] for c in district["candidates"]}
    assert Candidate.objects.get(pk=pick).person.full_name in names
    # A candidate who withdrew after registration is not on the voter's ballot.
    from lookup.find import compute_contest

    gone_ballot = {c.name for c in compute_contest(gone.contest_id).candidates}
    assert (
        gone.person.full_name not in gone_ballot
        and len(gone_ballot) == gone.contest.candidates.filter(status="registered").count()
    )
    page = client.get(
        "/lookup/", {"uik": precinct.precinct.number, "region": region.pk}, headers={"accept-language": "ru"}
    )
    assert page.status_code == 200 and Candidate.objects.get(pk=pick).person.last_name in page.content.decode()
    # Scored where only the winner is known: the districts a non-ruling candidate won with United Russia on the
    # ballot (19), beside the naive baselines.
    out = StringIO()
    call_command("smartvote_score_winners", "duma-2021", str(settings.SHARED_DATA_DIR / CANDIDATES), stdout=out)
    text = out.getvalue()
    assert "districts won by a non-ruling candidate: 19 of 225" in text and "no ruling candidate on record 8" in text
    assert "naive: the КПРФ candidate" in text


def region_name(stored, number: int) -> str:
    return next(c["region"] for c in stored.contests if c["number"] == number)


def test_the_test_sets_are_scored_with_the_frozen_settings_and_nothing_is_fitted():
    setup = ElectionSetup.objects.get(election__slug="duma-2021")
    setup.sigma_scale, setup.fact_weights = 1.25, {"incumbent": 0.5, "earlier": 0.0}
    setup.priors = {"self_nominated": 0.05, "new_party": 0.04}
    setup.save()
    out = StringIO()
    call_command(
        "smartvote_backtest",
        "--target",
        "duma-2021@Москва",
        "--history",
        "duma-2007",
        "duma-2011",
        "duma-2016",
        "--draws",
        "500",
        "--frozen",
        stdout=out,
    )
    text = out.getvalue()
    assert "of 11" in text and "frozen for duma-2021: scale 1.25, facts' weights incumbent 0.5, earlier 0.0" in text
    assert "self_nominated 5.0 %" in text and "naive: the КПРФ candidate everywhere" in text
    setup.refresh_from_db()
    assert setup.sigma_scale == 1.25  # --frozen stores nothing
    with pytest.raises(CommandError, match="not allowed with argument"):
        call_command("smartvote_backtest", "--target", "duma-2021", "--history", "duma-2016", "--frozen", "--save")
    with pytest.raises(CommandError, match="needs a region's name after @"):
        call_command("smartvote_backtest", "--target", "duma-2021@", "--history", "duma-2016")


def test_priors_are_learned_from_the_other_contests_only():
    def entry(i, prior, role="eligible"):
        return Entry(i, f"c{i}", "p", role, 0.02, 0.8, prior=prior)

    contest = Contest(pk=1)
    prepared = [
        (
            None,
            contest,
            [entry(1, "self_nominated"), entry(2, ""), entry(3, "new_party")],
            None,
            {1: 10, 2: 80, 3: 10},
            "a",
        ),
        (None, contest, [entry(4, "self_nominated"), entry(5, "", "ruling")], None, {4: 40, 5: 60}, "b"),
    ]
    both = learned_priors(prepared)
    assert both["self_nominated"] == pytest.approx(math.sqrt(0.1 * 0.4), abs=1e-4)
    assert both["new_party"] == pytest.approx(0.1)
    # Leaving the second contest out: its self-nominee's 40 % does not set its own base.
    assert learned_priors(prepared, leave_out=1) == {"self_nominated": 0.1, "new_party": 0.1}
    assert learned_priors(prepared, leave_out=0)["new_party"] == 0.03  # none left: the published prior
    moved = with_priors(prepared, [{"self_nominated": 0.1, "new_party": 0.2}] * 2)
    assert [e.base for e in moved[0][2]] == [0.1, 0.02, 0.2] and moved[1][2][1].base == 0.02


def test_a_backtest_with_no_result_to_score_says_so():
    with pytest.raises(CommandError, match="no contest to score"):
        call_command("smartvote_backtest", "--target", "duma-2021@Татарстан", "--history", "duma-2016", "--no-ablation")


def test_carried_history_is_kept_while_the_data_are_unchanged_and_carried_anew_after():
    from elections.frames import contest_precincts
    from elections.models import ImportRun
    from smartvote.carry import carry, carry_kept
    from smartvote.models import CarriedHistory

    duma = Election.objects.get(slug="duma-2021")
    contests = [c for c in Contest.objects.filter(election=duma, kind="single_mandate") if 196 <= c.number <= 218]
    targets = contest_precincts(contests)
    earlier = Election.objects.get(slug="duma-2011")
    fresh = carry(earlier, contests, targets, cleaned=False)
    first = carry_kept(earlier, contests, targets)
    kept = CarriedHistory.objects.get(history=earlier)
    assert first.votes.equals(fresh.votes)
    # Kept: the stored numbers come back as they were computed.
    CarriedHistory.objects.filter(pk=kept.pk).update(votes=[[contests[0].pk, 1, 123.0]])
    assert carry_kept(earlier, contests, targets).votes.rows() == [(contests[0].pk, 1, 123.0)]
    # Any import since: carried anew.
    ImportRun.objects.create(source="test", path="x", sha256="0" * 64)
    again = carry_kept(earlier, contests, targets)
    assert again.votes.sort("contest_id", "party_id").equals(fresh.votes.sort("contest_id", "party_id"))
    assert again.coverage.equals(fresh.coverage)
    # Another set of districts is another entry.
    carry_kept(earlier, contests[:3], contest_precincts(contests[:3]))
    assert CarriedHistory.objects.filter(history=earlier).count() == 2
