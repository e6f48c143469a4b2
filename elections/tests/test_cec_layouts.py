"""Every year's national table: layout detected, official sums reproduced.

The sums are those of russia-federal/SOURCE-NOTES.md, which agree with the
CEC's own site. This reads the files without a database.
"""

import pytest

from conftest import FEDERAL
from elections.cec import classify_column, read_cec_file

# year: (stations, registered voters, stations with voters > 0, remote-voting
# rows, kind). Stations and voters are SOURCE-NOTES' figures; of the third
# only 2024's is stated there, the others are counted in the files.
OFFICIAL = {
    2007: (96_193, 109_148_196, 96_185, 0, "parliament"),
    2011: (95_225, 109_229_337, 95_225, 0, "parliament"),
    2012: (95_415, 109_860_331, 95_414, 0, "president"),
    2016: (96_871, 110_061_200, 96_871, 0, "parliament"),
    2018: (97_699, 109_008_428, 97_699, 0, "president"),
    2020: (96_765, 107_999_611, 96_754, 0, "referendum"),
    2021: (96_325, 109_204_662, 96_308, 18, "parliament"),
    2024: (94_214, 99_764_974, 91_939, 0, "president"),
}


@pytest.mark.parametrize("year", sorted(OFFICIAL))
def test_layout_and_official_totals(year):
    stations, registered, with_data, remote, kind = OFFICIAL[year]
    table = read_cec_file(FEDERAL / f"{year}.csv.zip")
    p = table.protocols
    assert table.election.year == year
    assert table.election.kind == kind
    assert table.rows == stations
    assert p["registered"].sum() == registered
    # 2024: 2,268 stations in annexed regions published nothing, 7 had no voters.
    assert p.filter(p["has_result"] & (p["registered"] > 0)).height == with_data
    assert p["is_remote"].sum() == remote
    # Every station has the lines turnout and shares need.
    reported = p.filter(p["has_result"])
    for line in ("registered", "ballots_issued", "ballots_in_boxes", "valid", "invalid"):
        assert reported[line].null_count() == 0, line
    # The published tables keep their control relations (checked, not assumed).
    assert table.breaks == []
    assert table.votes["votes"].sum() == reported["valid"].sum()


def test_2024_stations_without_data_are_kept_without_result():
    table = read_cec_file(FEDERAL / "2024.csv.zip")
    empty = table.protocols.filter(~table.protocols["has_result"])
    assert empty.height == 2_268
    assert set(empty["region"].unique()) == {
        "Донецкая Народная Республика",
        "Запорожская область",
        "Луганская Народная Республика",
        "Херсонская область",
    }


def test_2016_keeps_each_stations_single_mandate_district():
    table = read_cec_file(FEDERAL / "2016.csv.zip")
    assert table.protocols["district"].n_unique() == 225


@pytest.mark.parametrize(
    ("header", "line"),
    [
        ("Число избирателей, внесенных в список избирателей", "registered"),
        ("Число избирательных бюллетеней, полученных участковой избирательной комиссией", "ballots_received"),
        ("Число бюллетеней в стационарных ящиках для голосования", "in_stationary_boxes"),
        ("Число избирательных бюллетеней, содержащихся в переносных ящиках для голосования", "in_portable_boxes"),
        ("Число погашенных неиспользованных открепительных удостоверений", "absentee_cancelled"),
        ("Число открепительных удостоверений, выданных избирателям ТИК", "absentee_issued_by_tik"),
        ("Число полученных открепительных  удостоверений", "absentee_received"),
        ("Число утраченных открепительных удостоверений", "absentee_lost"),
        ("Число утраченных избирательных бюллетеней", "lost"),
        ("Число чего-то непонятного", "?"),
        ('4. Всероссийская политическая партия "ЕДИНАЯ РОССИЯ"', None),
        ("Путин Владимир Владимирович", None),
    ],
)
def test_classify_column(header, line):
    assert classify_column(header) == line


def test_2024_remote_voting_table():
    table = read_cec_file(FEDERAL / "2024-electronic-voting.csv")
    assert table.election.slug == "president-2024"
    assert table.rows == 29
    assert table.protocols["is_remote"].all()
    assert table.protocols["registered"].sum() == 8_434_406  # SOURCE-NOTES
    assert table.breaks == []
