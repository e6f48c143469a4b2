"""The data core's frames agree with the same questions asked through the ORM, on the real data."""

import pytest
from django.db.models import Sum

from elections.frames import contest_precincts, located_precincts, party_list_votes, station_results
from elections.models import Contest, Election, Precinct, Protocol, Region, Vote
from elections.stats import contest_totals, main_contest

pytestmark = pytest.mark.django_db
SPB = "город санкт-петербург"


def test_the_stations_of_contests():
    contests = list(Contest.objects.filter(election__slug="spb-zaks-2021", kind="single_mandate")[:3])
    frame = contest_precincts(contests)
    expected = Protocol.objects.filter(contest__in=contests, precinct__is_remote=False).count()
    assert frame.height == expected > 0
    assert set(frame["contest_id"].unique()) == {c.pk for c in contests}
    assert frame["latitude"].null_count() < frame.height  # most buildings have coordinates
    assert contest_precincts([]).height == 0


def test_party_list_votes_add_up_to_the_protocols():
    duma = Election.objects.get(slug="duma-2021")
    region = Region.objects.get(key=SPB).pk
    frame = party_list_votes(duma, [region])
    expected = Vote.objects.filter(
        protocol__contest__election=duma,
        protocol__contest__kind="party_list",
        protocol__has_result=True,
        protocol__precinct__region_id=region,
        protocol__precinct__is_remote=False,
        choice__party__isnull=False,
    ).aggregate(n=Sum("votes"))["n"]
    assert frame["votes"].sum() == expected > 1_000_000
    assert frame.columns == ["protocol_id", "precinct_id", "party_id", "votes"]
    assert party_list_votes(duma, []).height == 0


def test_located_precincts_in_id_order():
    region = Region.objects.get(key=SPB).pk
    frame = located_precincts([region])
    expected = Precinct.objects.filter(region_id=region, venue__latitude__isnull=False).count()
    assert frame.height == expected > 1_000
    assert frame["precinct_id"].is_sorted()


def test_one_choices_results_per_station_match_the_published_totals():
    contest = main_contest(Election.objects.get(slug="duma-2021"))
    leader = contest_totals(contest).results[0]
    stations = station_results(contest, leader.choice_id)
    remote = station_results(contest, leader.choice_id, remote=True)
    assert stations["votes"].sum() + remote["votes"].sum() == leader.votes
    assert stations.height > 90_000 and remote.height < 100
    assert set(stations.columns) >= {"protocol_id", "region", "tik", "code", "registered", "votes"}
