"""The district result table reader and its importer, on the State Duma 2016 in Moscow."""

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from elections.districttable import TableError, read
from elections.models import Contest, Election, Protocol
from elections.names import commission_key

pytestmark = pytest.mark.django_db
MOSCOW = settings.SHARED_DATA_DIR / "backtests" / "state_duma_2016_moscow_smd_results.csv"


def test_the_moscow_districts_hold_their_candidates_and_totals():
    """The session's database holds it (conftest): 15 districts, 173 candidates, the file's sums."""
    duma = Election.objects.get(slug="duma-2016")
    contest = Contest.objects.get(election=duma, kind="single_mandate", number=196)
    results = {r["name"]: r["votes"] for r in contest.totals["results"]}
    assert results["Тетерин Иван Михайлович"] == 58_902 and len(results) == 12
    assert contest.totals["totals"]["registered"] == 491_285 and contest.totals["totals"]["ballots_issued"] == 171_164
    # One pseudo-station holds the district's sums, left out of precinct statistics; the precincts stay listed.
    summary = Protocol.objects.get(contest=contest, has_result=True)
    assert summary.precinct.is_remote and summary.precinct.number is None and str(summary.precinct) == "Итоги ОИК №196"
    assert contest.protocols.filter(has_result=False).count() > 200
    candidates = Contest.objects.filter(election=duma, kind="single_mandate", candidates__isnull=False).distinct()
    assert sorted(c.number for c in candidates if 196 <= c.number <= 210) == list(range(196, 211))
    # Nominations as printed, joined to the parties of the 2016 party list; "Самовыдвижение" is none.
    teterin = contest.candidates.get(person__last_name="Тетерин")
    assert teterin.party.short_name == "ЕР" and not teterin.self_nominated
    moscow = Contest.objects.filter(election=duma, number__gte=196, number__lte=210)
    assert sum(c.candidates.filter(self_nominated=True, party=None).count() for c in moscow) == 2


def test_the_same_table_again_changes_nothing(capsys):
    before = Protocol.objects.count()
    call_command("import_district_results", str(MOSCOW))
    assert "already imported" in capsys.readouterr().out and Protocol.objects.count() == before


@pytest.mark.parametrize(
    "row, change, message",
    [
        (1, lambda line: line.replace(",58902,", ",много,"), "line 2: votes «много» is not a whole number"),
        (2, lambda line: line.replace(",491285,", ",491286,"), "line 3: district 196's totals differ from its line 2"),
        (1, lambda line: line.replace("Тетерин Иван Михайлович", "Тетерин"), "is not a candidate's full name"),
    ],
)
def test_a_broken_table_imports_nothing(tmp_path, row, change, message):
    lines = MOSCOW.read_text(encoding="utf-8").splitlines()
    lines[row] = change(lines[row])
    broken = tmp_path / MOSCOW.name
    broken.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(TableError, match=message):
        read(broken)
    before = Protocol.objects.count()
    with pytest.raises(CommandError, match=message):
        call_command("import_district_results", str(broken))
    assert Protocol.objects.count() == before


def test_an_undeclared_file_or_a_missing_election_is_refused(tmp_path):
    other = tmp_path / "somewhere.csv"
    other.write_text(MOSCOW.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(CommandError, match="no declaration for this file"):
        call_command("import_district_results", str(other))
    Election.objects.filter(slug="duma-2016").update(slug="renamed")
    with pytest.raises(CommandError, match="the election duma-2016 is not imported; import its CEC table or its"):
        call_command("import_district_results", str(MOSCOW), "--force")


def test_commission_keys_agree_across_sources():
    assert commission_key("1 Территориальная избирательная комиссия №1") == commission_key("ТИК №1") == "№1"
    assert commission_key("1 район Богородское") == commission_key("1 Район  Богородское") == "район богородское"
    assert commission_key("12 район Богородское") == "район богородское"


def test_a_source_naming_its_columns_otherwise_declares_them():
    """St Petersburg's district 217 of 2016 (spb-prior): «okrug», «fio», no registered voters; read all the same."""
    contest = Contest.objects.get(election__slug="duma-2016", kind="single_mandate", number=217)
    results = {r["name"]: r["votes"] for r in contest.totals["results"]}
    assert len(results) == 13 and results["Дмитриева Оксана Генриховна"] == 31_124
    assert sum(results.values()) == 130_092 and contest.totals["totals"]["registered"] == 0  # not published
    with pytest.raises(TableError, match="no column fio"):
        read(MOSCOW, {"candidate": "fio"})
