"""The spbik-2021 reader on the real folder, without a database: what each record means."""

import pytest

from conftest import SPB
from elections import spbik


@pytest.fixture(scope="module")
def data():
    return spbik.read_folder(SPB)


def test_four_elections_with_their_slugs(data):
    read = {e.slug: e for e in (spbik.election(r, SPB) for r in data["elections.json"])}
    assert {"duma-2021", "spb-zaks-2021"} <= set(read)
    assert read["duma-2021"].level == "federal" and read["spb-zaks-2021"].level == "regional"
    assert str(read["duma-2021"].date) == "2021-09-19"
    assert sum(1 for e in read.values() if e.kind == "council") == 2


def test_an_unknown_election_type_is_named():
    with pytest.raises(spbik.SpbFileError, match=r"elections\.json: election 7: unknown type 'galactic'"):
        spbik.election({"id": 7, "type": "galactic", "date": 0, "name": "", "data_id": 1}, SPB)


def test_every_ballot_names_a_district_and_every_protocol_a_ballot(data):
    contests = {c.key: c for c in map(spbik.contest, data["electoral_districts.json"]) if c}
    assert sum(1 for c in contests.values() if c.kind == "party_list") == 2
    on_ballots = {(p["id"], *key) for p in data["precincts.json"] for key in spbik.ballots(p)}
    assert all(key[1:] in contests for key in on_ballots)
    protocols = [spbik.protocol_key(row) for _line, row in data["protocols.jsonl.gz"]]
    assert protocols and set(protocols) <= on_ballots


def test_a_protocol_reads_as_its_lines(data):
    _line, row = data["protocols.jsonl.gz"][0]
    has_result, lines, _extra = spbik.protocol_lines(row)
    assert has_result and set(lines) == set(spbik.LINES)
    assert lines["registered"] == row["voters"]["registered_count"]
    assert spbik.protocol_lines(None) == (False, dict.fromkeys(spbik.LINES), {})
    times = [t for _l, r in data["protocols.jsonl.gz"][:50] for t in spbik.turnout(r)]
    assert times and all(t.tzinfo is not None and v >= 0 for t, v in times)


def test_a_folder_that_is_not_there(tmp_path):
    with pytest.raises(spbik.SpbFileError, match="expected the spb-2021 folder"):
        spbik.fingerprint(tmp_path / "nowhere")
    with pytest.raises(spbik.SpbFileError, match=r"venues\.json: missing"):
        spbik.read_json(tmp_path, "venues.json")
