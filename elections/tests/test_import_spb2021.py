"""The St Petersburg 2021 importer on the real folder."""

import gzip
import io
import json
import shutil
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from conftest import SPB
from elections.models import Candidate, Contest, Election, Person, Precinct, Protocol, TurnoutSnapshot, Venue
from elections.tests.test_import_cec import assert_refused, state

pytestmark = pytest.mark.django_db
REGION = "город Санкт-Петербург"


def test_four_elections_on_one_day():
    slugs = set(Election.objects.filter(date=date(2021, 9, 19)).values_list("slug", flat=True))
    assert slugs == {"duma-2021", "spb-zaks-2021", "mo-avtovo-2021", "mo-lanskoe-2021"}
    # The Duma election is one row, filled by both sources.
    assert Election.objects.get(slug="duma-2021").cec_vrn == 100100225883172


def test_districts_and_candidates():
    city = Contest.objects.filter(election__slug="spb-zaks-2021")
    assert city.filter(kind=Contest.Kind.SINGLE_MANDATE).count() == 25
    assert city.filter(kind=Contest.Kind.PARTY_LIST).count() == 1
    spb_duma = Contest.objects.filter(
        election__slug="duma-2021", kind=Contest.Kind.SINGLE_MANDATE, number__in=range(211, 219)
    )
    assert spb_duma.count() == 8
    assert spb_duma.get(number=216).name == "Город Санкт-Петербург – Центральный – Округ №216"
    avtovo = Contest.objects.filter(election__slug="mo-avtovo-2021", kind=Contest.Kind.MULTI_MANDATE)
    assert sorted(avtovo.values_list("number", flat=True)) == [1, 2, 3, 4]
    assert Person.objects.filter(source_key__startswith="spb2021:").count() == 316
    assert Candidate.objects.filter(person__source_key__startswith="spb2021:").count() == 350


def test_namesakes_stay_apart_and_nomination_is_kept():
    lazarevich = Person.objects.get(source_key="spb2021:3")
    ivanovich = Person.objects.get(source_key="spb2021:2")
    assert lazarevich.full_name == "Вишневский Борис Лазаревич"
    assert ivanovich.full_name == "Вишневский Борис Иванович"
    candidacies = lazarevich.candidacies.select_related("contest__election", "party")
    stands = {(c.contest.election.slug, c.contest.number): c for c in candidacies}
    assert set(stands) == {("duma-2021", 216), ("spb-zaks-2021", 2)}
    assert stands[("spb-zaks-2021", 2)].party.short_name == "Яблоко"
    city_double = ivanovich.candidacies.get(contest__election__slug="spb-zaks-2021")
    assert city_double.self_nominated and city_double.party is None


def test_venues_and_precincts():
    assert Venue.objects.filter(source_key__startswith="spb2021:").count() == 1013
    assert Venue.objects.filter(source_key__startswith="spb2021:", latitude__isnull=False).count() == 986
    spb = Precinct.objects.filter(region__name=REGION)
    assert spb.filter(city_district__gt="").count() == 2055
    assert spb.filter(venue__isnull=False).count() == 1946
    uik = spb.select_related("venue").get(code="1545")
    assert uik.venue.name == "ГБОУ Гимназия №330"
    assert uik.venue.address == "192019, Санкт-Петербург, Хрустальная улица, дом 12"
    assert (uik.venue.latitude, uik.venue.longitude) == (59.911651, 30.402672)


def test_a_protocol_as_published():
    protocol = Protocol.objects.get(
        precinct__region__name=REGION,
        precinct__code="1",
        contest__election__slug="spb-zaks-2021",
        contest__kind=Contest.Kind.PARTY_LIST,
    )
    assert (protocol.registered, protocol.ballots_received, protocol.valid, protocol.invalid) == (1570, 1300, 487, 19)
    assert (protocol.issued_at_station, protocol.issued_outside, protocol.ballots_issued) == (486, 20, 506)
    assert protocol.extra["initially_registered_count"] == 1559
    assert protocol.tik.name == "ТИК №1"
    votes = {v.choice.party.short_name: v.votes for v in protocol.votes.select_related("choice__party")}
    assert votes["ЕР"] == 118
    assert votes["Яблоко"] == 81
    assert sum(votes.values()) == protocol.valid


def test_municipal_ballots_without_published_results():
    uik = Precinct.objects.get(region__name=REGION, code="592")
    contests = {(p.contest.election.slug, p.has_result) for p in uik.protocols.select_related("contest__election")}
    assert ("mo-avtovo-2021", False) in contests
    assert ("spb-zaks-2021", True) in contests


def test_turnout_snapshots():
    snapshots = TurnoutSnapshot.objects.filter(
        precinct__region__name=REGION, precinct__code="1", election__slug="spb-zaks-2021"
    )
    last = snapshots.get(taken_at=datetime(2021, 9, 19, 20, 0, tzinfo=ZoneInfo("Europe/Moscow")))
    assert last.voters == 506
    assert snapshots.count() == 9


def test_reimport_is_a_no_op_and_force_changes_no_content():
    before = state()
    out = io.StringIO()
    call_command("import_spb2021", str(SPB), stdout=out)
    assert "already imported" in out.getvalue()
    assert state() == before
    call_command("import_spb2021", str(SPB), "--force", stdout=io.StringIO())
    after = state()
    assert {k: v for k, v in after.items() if k != "runs"} == {k: v for k, v in before.items() if k != "runs"}


def copy_of_spb(tmp_path):
    folder = tmp_path / "spb-2021"
    shutil.copytree(SPB, folder)
    for path in folder.iterdir():
        path.chmod(0o644)
    return folder


def test_missing_file_is_named(tmp_path):
    folder = copy_of_spb(tmp_path)
    (folder / "venues.json").unlink()
    assert_refused("import_spb2021", folder, "venues.json: missing")


def test_broken_protocol_line_is_named_and_nothing_changes(tmp_path):
    folder = copy_of_spb(tmp_path)
    with gzip.open(SPB / "protocols.jsonl.gz", "rt") as fh:
        lines = fh.readlines()
    lines[41] = lines[41][: len(lines[41]) // 2] + "\n"
    with gzip.open(folder / "protocols.jsonl.gz", "wt") as fh:
        fh.writelines(lines)
    assert_refused("import_spb2021", folder, "protocols.jsonl.gz, line 42: not JSON")


def test_unknown_reference_is_named(tmp_path):
    folder = copy_of_spb(tmp_path)
    candidates = json.loads((folder / "candidates.json").read_text())
    candidates[0]["electoral_districts"]["federal"]["id"] = 299
    (folder / "candidates.json").write_text(json.dumps(candidates, ensure_ascii=False))
    assert_refused("import_spb2021", folder, "candidates.json: candidate 1 stands in federal district 299")
