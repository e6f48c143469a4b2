"""The national importer on the real 2021 table: totals, idempotency, bad input."""

import csv
import io
import json
import zipfile

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Exists, OuterRef, Sum

from conftest import FEDERAL
from elections.models import Contest, Election, ImportRun, Precinct, Protocol, Vote

CEC_2021 = FEDERAL / "2021.csv.zip"

pytestmark = pytest.mark.django_db


def state():
    """What an import could change, in a form cheap to compare."""
    return {
        "elections": Election.objects.count(),
        "contests": Contest.objects.count(),
        "precincts": Precinct.objects.count(),
        "protocols": Protocol.objects.aggregate(n=Count("id"), r=Sum("registered"), v=Sum("valid")),
        "votes": Vote.objects.aggregate(n=Count("votes"), s=Sum("votes")),
        "runs": ImportRun.objects.count(),
    }


def assert_refused(command, path, message):
    """The import fails with a message naming the input, and changes nothing."""
    before = state()
    with pytest.raises(CommandError) as error:
        call_command(command, str(path))
    assert message in str(error.value)
    assert str(path) in str(error.value)
    assert state() == before


def run(*args):
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def small_table(tmp_path, rows=300, edit=None, name="2021.csv.zip", raw_tail=b""):
    """The first rows of the real 2021 table as a zip, optionally edited."""
    with zipfile.ZipFile(CEC_2021) as zf:
        lines = zf.read("2021.csv").decode().splitlines()
    lines = lines[: rows + 1]
    if edit:
        lines = edit(lines)
    path = tmp_path / name
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("2021.csv", "\n".join(lines).encode() + b"\n" + raw_tail)
    return path


def set_field(line, index, value):
    fields = line.split(",")
    fields[index] = value
    return ",".join(fields)


def without_column(lines, wording):
    """The table without the column whose header starts with ``wording``."""
    rows = list(csv.reader(lines))
    index = next(i for i, h in enumerate(rows[0]) if h.startswith(wording))
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([f for i, f in enumerate(row) if i != index] for row in rows)
    return out.getvalue().splitlines()


def without_url(lines):
    return [lines[0].replace(",url", ""), *(line.rsplit(",", 1)[0] for line in lines[1:])]


def test_totals_equal_the_official_ones():
    contest = Contest.objects.get(election__slug="duma-2021", kind=Contest.Kind.PARTY_LIST)
    totals = contest.protocols.filter(has_result=True).aggregate(n=Count("id"), r=Sum("registered"))
    assert totals == {"n": 96_325, "r": 109_204_662}
    assert (
        Vote.objects.filter(protocol__contest=contest).aggregate(s=Sum("votes"))["s"]
        == contest.protocols.aggregate(s=Sum("valid"))["s"]
    )
    assert Precinct.objects.filter(is_remote=True, code__startswith="ДЭГ").count() == 18
    # Each precinct is also on its single-mandate district's ballot.
    districts = Contest.objects.filter(election__slug="duma-2021", kind=Contest.Kind.SINGLE_MANDATE)
    assert districts.count() == 225
    assert Protocol.objects.filter(contest__in=districts).values("precinct").distinct().count() >= 96_325


def test_official_turnout_and_leader_share():
    line = json.loads(next(line for line in run("elections", "--json").splitlines() if '"duma-2021"' in line))
    assert line["turnout"] == 51.72
    assert line["registered"] == 109_204_662
    assert line["precincts"] == 96_325
    assert line["top"][0]["name"] == 'Всероссийская политическая партия "ЕДИНАЯ РОССИЯ"'
    assert line["top"][0]["share"] == 49.82
    assert [t["votes"] for t in line["top"]] == sorted((t["votes"] for t in line["top"]), reverse=True)
    assert {"slug", "name", "date", "precincts", "registered", "ballots_cast", "valid", "top"} <= set(line)


def test_no_vote_is_orphaned():
    # NOT EXISTS, not NOT IN: PostgreSQL plans it as an anti-join.
    assert not Vote.objects.filter(~Exists(Protocol.objects.filter(pk=OuterRef("protocol_id")))).exists()
    assert not Vote.objects.filter(protocol__has_result=False).exists()


def test_importing_the_same_file_twice_changes_nothing():
    before = state()
    out = run("import_cec", str(CEC_2021))
    assert "already imported" in out
    assert state() == before


def test_forced_reimport_gives_the_same_content(tmp_path):
    path = small_table(tmp_path, rows=500)
    run("import_cec", str(path))  # replaces these 500 stations' cec protocols with the same numbers
    after_first = state()
    assert "imported" in run("import_cec", "--force", str(path))
    second = state()
    assert second["protocols"] == after_first["protocols"]
    assert second["votes"] == after_first["votes"]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda tmp: (
                tmp.joinpath("2021.csv.zip").write_bytes(b"PK\x03\x04 this is not a zip") and tmp / "2021.csv.zip"
            ),
            "cannot read the archive",
        ),
        (
            lambda tmp: small_table(
                tmp, rows=50, raw_tail="ЦИК России,Алтайский край,ОИК №39,Алтайская,УИК №9999,385,380".encode()
            ),
            "line 52, column «Число избирательных бюллетеней, выданных избирателям, "
            "проголосовавшим досрочно»: value missing",
        ),
        (
            lambda tmp: small_table(
                tmp, edit=lambda ls: [ls[0].replace("Число недействительных", "Число странных"), *ls[1:]]
            ),
            "unknown layout: column «Число странных",
        ),
        (
            lambda tmp: small_table(tmp, edit=lambda ls: [ls[0].replace(",uik,", ",station,"), *ls[1:]]),
            "unknown layout: no column for uik",
        ),
        (
            lambda tmp: small_table(
                tmp, edit=lambda ls: without_column(ls, "Число избирательных бюллетеней, выданных в помещении")
            ),
            "no column for issued_at_station («Число избирательных бюллетеней, выданных в помещении",
        ),
        (
            lambda tmp: small_table(tmp, edit=lambda ls: [*ls[:10], set_field(ls[10], 5, "38x5"), *ls[11:]]),
            "line 11, column «Число избирателей, внесенных в список избирателей на момент окончания голосования»: "
            "«38x5» is not a whole number",
        ),
        (lambda tmp: small_table(tmp, edit=lambda ls: [*ls, ls[5]]), "appears twice (first on line 6)"),
        (lambda tmp: small_table(tmp, edit=lambda ls: [ls[0]]), "header but no rows"),
        (lambda tmp: small_table(tmp, name="results.csv.zip", edit=without_url), "cannot tell which election"),
    ],
    ids=[
        "corrupted-zip",
        "truncated-csv",
        "unknown-line",
        "missing-station-column",
        "missing-protocol-line",
        "not-a-number",
        "duplicate-station",
        "no-rows",
        "unknown-election",
    ],
)
def test_bad_input_is_refused_clearly_and_changes_nothing(tmp_path, make, message):
    assert_refused("import_cec", make(tmp_path), message)


def test_missing_file():
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_cec", "/nonexistent/2021.csv.zip")


def test_control_relation_breaks_are_reported_not_fatal(tmp_path):
    original = {}

    def break_row_7(lines):
        fields = lines[7].split(",")
        original.update(region=fields[1], uik=fields[4].removeprefix("УИК №"), valid=int(fields[14]))
        # Valid ballots + 5: breaks valid + invalid = ballots in boxes, and votes = valid.
        return [*lines[:7], set_field(lines[7], 14, str(original["valid"] + 5)), *lines[8:]]

    path = small_table(tmp_path, rows=100, edit=break_row_7)
    out = run("import_cec", str(path))
    assert "protocols break a control relation" in out
    assert "line 8" in out
    assert "valid + invalid = ballots in boxes" in out
    assert "Число действительных избирательных бюллетеней" in out
    report = ImportRun.objects.filter(path=str(path)).get().report
    assert report["control_breaks"] == 2  # both relations with valid ballots in them
    assert all("line 8" in b for b in report["control_break_list"])
    # Imported as published.
    line8 = Protocol.objects.get(
        contest__election__slug="duma-2021",
        contest__kind="party_list",
        precinct__code=original["uik"],
        precinct__region__name=original["region"],
    )
    assert line8.valid == original["valid"] + 5


def test_remote_voting_and_paper_stations_of_one_election_coexist(tmp_path):
    run("import_cec", str(FEDERAL / "2024-electronic-voting.csv"))
    with zipfile.ZipFile(FEDERAL / "2024.csv.zip") as zf:
        lines = zf.read("2024.csv").decode().splitlines()[:301]
    paper = tmp_path / "2024.csv.zip"
    with zipfile.ZipFile(paper, "w") as zf:
        zf.writestr("2024.csv", "\n".join(lines) + "\n")
    run("import_cec", str(paper))
    contest = Contest.objects.get(election__slug="president-2024")
    remote = contest.protocols.filter(precinct__is_remote=True)
    assert remote.count() == 29 and remote.aggregate(r=Sum("registered"))["r"] == 8_434_406
    assert contest.protocols.filter(precinct__is_remote=False).count() == 300
    # Importing the paper table again (forced) leaves the remote voting alone.
    run("import_cec", "--force", str(paper))
    assert remote.count() == 29
