"""The per-precinct table reader and its importer, on the St Petersburg 2019 governor election."""

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from elections.models import Contest, Election, Protocol
from elections.uiktable import TableError, read

pytestmark = pytest.mark.django_db
GOVERNOR = settings.SHARED_DATA_DIR / "spb-prior" / "governor2019_uik_results.csv"


def test_the_governor_election_is_imported_with_the_sums_of_its_source():
    """The session's database holds it (conftest): the sums are the data README's, every precinct once."""
    election = Election.objects.get(slug="spb-governor-2019")
    assert election.kind == "governor" and election.level == "regional" and str(election.date) == "2019-09-08"
    contest = Contest.objects.get(election=election)
    votes = {r["name"]: r["votes"] for r in contest.totals["results"]}
    assert votes == {
        "Беглов Александр Дмитриевич": 734_821,
        "Тихонова Надежда Геннадьевна": 191_993,
        "Амосов Михаил Иванович": 182_603,
    }
    assert Protocol.objects.filter(contest=contest).count() == 2_021
    # Nominations as declared: a self-nomination, two parties.
    parties = {c.name: c.party and c.party.name for c in contest.choices.select_related("party")}
    assert parties["Беглов Александр Дмитриевич"] is None
    assert "СПРАВЕДЛИВАЯ РОССИЯ" in parties["Тихонова Надежда Геннадьевна"]
    # 2019's precincts are 2021's, by number: the 2021 ones keep their buildings.
    p = Protocol.objects.get(contest=contest, precinct__code="2218").precinct
    assert p.venue is not None


def test_the_same_table_again_changes_nothing(capsys):
    before = Protocol.objects.count()
    call_command("import_uik_table", str(GOVERNOR))
    assert "already imported" in capsys.readouterr().out and Protocol.objects.count() == before


def test_a_broken_or_undeclared_table_imports_nothing(tmp_path):
    lines = GOVERNOR.read_text(encoding="utf-8").splitlines()
    broken = tmp_path / GOVERNOR.name
    broken.write_text(
        "\n".join([*lines[:50], lines[50].replace(",1700,", ",много,", 1), *lines[51:]]), encoding="utf-8"
    )
    with pytest.raises(TableError, match="line 51: a number is missing"):
        read(broken)
    before = (Election.objects.count(), Protocol.objects.count())
    with pytest.raises(CommandError, match="line 51"):
        call_command("import_uik_table", str(broken), "--force")
    other = tmp_path / "moscow.csv"
    other.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(CommandError, match="no declaration for this file"):
        call_command("import_uik_table", str(other))
    assert (Election.objects.count(), Protocol.objects.count()) == before
