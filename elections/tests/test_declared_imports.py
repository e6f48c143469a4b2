"""The next election as organisers load it: candidates, districts and results from files mapped by declarations.

The session's database holds (conftest) every 2021 State Duma single-mandate candidate
(backtests/state_duma_2021_smd_candidates.csv), Moscow's 2021 district totals, and the Moscow City Duma 2019 made
from its precinct table, its candidates and then its results: each through a declaration in elections/sources/.
"""

from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import Client

from elections import declared
from elections.models import Candidate, Contest, Election, Person, Precinct, Protocol
from smartvote.models import ElectionSetup

pytestmark = pytest.mark.django_db
BACKTESTS = settings.SHARED_DATA_DIR / "backtests"
CANDIDATES = BACKTESTS / "state_duma_2021_smd_candidates.csv"


def smd(slug):
    return Candidate.objects.filter(contest__election__slug=slug, contest__kind=Contest.Kind.SINGLE_MANDATE)


def test_every_2021_district_has_its_registered_candidates_and_nothing_of_the_outcome():
    duma = smd("duma-2021")
    assert duma.values("contest").distinct().count() == 225
    # 2,013 registered and 61 withdrawn after registration (README); the 222 refused or lapsed are on no ballot.
    assert duma.filter(status=Candidate.Status.REGISTERED).count() == 2013
    assert duma.filter(status=Candidate.Status.WITHDRAWN).count() == 61
    assert not Person.objects.filter(last_name="Бешкок").exists()  # refused registration in district 1
    # St Petersburg's candidates, imported from the city's own list first, are matched, not doubled.
    spb = duma.filter(contest__number__in=range(211, 219), status=Candidate.Status.REGISTERED)
    assert spb.count() == 96 and not spb.exclude(person__source_key__startswith="spb2021:").exists()
    # Nominations join the parties of the 2021 list, through the declaration's [parties] where printed otherwise.
    ruling = ElectionSetup.objects.get(election__slug="duma-2021").ruling_parties.get()
    assert duma.filter(party=ruling, status=Candidate.Status.REGISTERED).count() == 217
    list_parties = set(
        Contest.objects.get(election__slug="duma-2021", kind=Contest.Kind.PARTY_LIST).choices.values_list(
            "party_id", flat=True
        )
    )
    assert set(duma.exclude(party=None).values_list("party_id", flat=True)) <= list_parties
    # Namesakes stay apart by the CEC's id: Надеждин stood twice in district 118 (self-nominated, then СР).
    nadezhdin = duma.filter(person__last_name="Надеждин", contest__number=118)
    assert nadezhdin.count() == 1 and nadezhdin.get().status == Candidate.Status.REGISTERED
    assert Person.objects.filter(last_name="Надеждин", first_name="Борис").count() == 1
    # Winners and votes are outcomes: no column of them is read (the results came from their own file).
    assert not Protocol.objects.filter(contest__election__slug="duma-2021", contest__number=1, has_result=True).exclude(
        contest__kind=Contest.Kind.PARTY_LIST
    )


def test_the_same_list_again_changes_nothing_and_a_newer_one_updates_statuses(tmp_path, capsys):
    before = smd("duma-2021").count()
    call_command("import_candidates", str(CANDIDATES))
    assert "already imported" in capsys.readouterr().out and smd("duma-2021").count() == before
    # A later version of the list: one candidate withdrew. Nobody is deleted; the status follows the file.
    newer = tmp_path / CANDIDATES.name
    text = CANDIDATES.read_text(encoding="utf-8")
    row = next(line for line in text.splitlines() if "Грунин Евгений Анатольевич" in line)
    newer.write_text(
        text.replace(row, row.replace("зарегистрирован", "выбывший (после регистрации) кандидат")), encoding="utf-8"
    )
    call_command(
        "import_candidates", str(newer), "--declaration", str(declared.SHARED / f"{CANDIDATES.name}.candidates.toml")
    )
    assert smd("duma-2021").count() == before
    assert smd("duma-2021").get(person__last_name="Грунин").status == Candidate.Status.WITHDRAWN


@pytest.mark.parametrize(
    "arguments, change, message",
    [
        (["--map", "district"], None, "write NAME=COLUMN"),
        (["--map", "candidate=ФИО"], None, "no column ФИО"),
        (["--map", "district=winner"], None, "winner holds an outcome of the vote"),
        (["--map", "votes=votes"], None, "no such field votes"),
        ([], lambda t: t.replace("\n1,1,", "\nодин,1,", 1), "line 2: district_no «один» is not a district number"),
        ([], lambda t: t.replace("Бешкок Адам Шамсудинович", "Бешкок", 1), "«Бешкок» in candidate is not a candidate"),
        (["--election", "no-such-election"], None, "the election no-such-election is not imported"),
    ],
)
def test_a_bad_list_or_mapping_imports_nothing(tmp_path, arguments, change, message):
    broken = tmp_path / CANDIDATES.name
    text = CANDIDATES.read_text(encoding="utf-8")
    broken.write_text(change(text) if change else text, encoding="utf-8")
    declaration = str(declared.SHARED / f"{CANDIDATES.name}.candidates.toml")
    before = (Candidate.objects.count(), Person.objects.count(), Election.objects.count())
    with pytest.raises(CommandError, match=message):
        call_command("import_candidates", str(broken), "--declaration", declaration, *arguments)
    assert (Candidate.objects.count(), Person.objects.count(), Election.objects.count()) == before


@pytest.mark.parametrize(
    "text, message",
    [
        ("source = 's'\n[election]\nslug = 'x'\nwinner = 1\n", "unknown key\\(s\\) in \\[election\\]: winner"),
        ("[election]\nslug = 'x'\n", "every import needs a source"),
        ("source = 's'\n[election]\nslug = 'x'\ndate = '8 Sep'\n", "must be a TOML date"),
        ("source = 's'\n[election]\nslug = 'x'\nkind = 'king'\n", "kind «king»"),
        ("source = 's'\nelection = [\n", "not a TOML declaration"),
        ("source = 's'\ncolumn = {}\n[election]\nslug = 'x'\n", "unknown key\\(s\\) column"),
    ],
)
def test_a_bad_declaration_is_named(tmp_path, text, message):
    path = tmp_path / "list.csv.candidates.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(declared.DeclarationError, match=message):
        declared.load(path)


def test_an_upcoming_election_from_the_command_line_alone(tmp_path):
    """No code and no declaration file: a new election's list mapped on the command line and declared in a few
    lines; it has candidates and no result, and its pages and API say so rather than fail."""
    table = tmp_path / "kandidaty.csv"
    table.write_text(
        "Округ,ФИО,Кем выдвинут,Дата рождения\n"
        "3,Иванов Иван Иванович,Всероссийская политическая партия «ЕДИНАЯ РОССИЯ»,01.02.1970\n"
        "3,Петрова Анна Сергеевна,Самовыдвижение,1985-07-30\n"
        "5,Сидоров Пётр Ильич,Политическая партия «Новые люди»,\n",
        encoding="utf-8",
    )
    (tmp_path / "kandidaty.csv.candidates.toml").write_text(
        "source = 'ТИК, решение о регистрации'\n"
        "[election]\nslug = 'mo-test-2026'\nname = 'Выборы депутатов муниципального совета'\n"
        "date = 2026-09-20\nlevel = 'municipal'\nkind = 'council'\n",
        encoding="utf-8",
    )
    call_command(
        "import_candidates",
        str(table),
        "--map",
        "district=Округ",
        "--map",
        "candidate=ФИО",
        "--map",
        "nominated_by=Кем выдвинут",
        "--map",
        "birth_date=Дата рождения",
        verbosity=0,
    )
    election = Election.objects.get(slug="mo-test-2026")
    contests = election.contests.order_by("number")
    assert [c.number for c in contests] == [3, 5] and not Protocol.objects.filter(contest__election=election)
    ivanov = Candidate.objects.get(contest__election=election, person__last_name="Иванов")
    assert ivanov.party.key == ElectionSetup.objects.get(election__slug="duma-2021").ruling_parties.get().key
    assert str(ivanov.person.birth_date) == "1970-02-01"
    assert Candidate.objects.get(contest__election=election, person__last_name="Петрова").self_nominated
    client = Client()
    for url in (
        f"/elections/{election.slug}/",
        f"/contests/{contests[0].pk}/",
        f"/smartvote/{election.slug}/",
        f"/forensics/{election.slug}/",
        f"/elections/{election.slug}/",
        f"/api/contests/{contests[0].pk}/candidates",
        f"/api/candidates?election={election.slug}",
    ):
        assert client.get(url).status_code == 200, url
    assert (
        "No precinct results of this election are on record yet"
        in client.get(f"/forensics/{election.slug}/", headers={"accept-language": "en"}).content.decode()
    )
    # No forecast yet: said so, as the API says of any election without one.
    answer = client.get(f"/api/smartvote/{election.slug}/forecast")
    assert answer.status_code == 404 and "no forecast" in answer.json()["detail"].lower()


def test_districts_from_a_precinct_table_then_candidates_then_results():
    mgd = Election.objects.get(slug="mgd-2019")
    contests = mgd.contests.filter(kind=Contest.Kind.SINGLE_MANDATE)
    assert contests.count() == 45
    stations = Protocol.objects.filter(contest__election=mgd, has_result=False)
    assert stations.count() == 3605
    # Its candidates came from the results file read as a list (names and nominations only), their regional
    # branches joined to the federal parties by the declaration's [parties]; then the district totals.
    district1 = contests.get(number=1)
    assert {r["name"]: r["votes"] for r in district1.totals["results"]}["Титов Андрей Михайлович"] == 16136
    kprf = Candidate.objects.get(contest=district1, person__last_name="Ульянченко")
    assert kprf.party.key == "политическая партия коммунистическая партия российской федерации"


def test_a_results_table_without_nominations_needs_its_candidates_on_record(tmp_path):
    contest = Contest.objects.get(election__slug="duma-2021", kind=Contest.Kind.SINGLE_MANDATE, number=196)
    assert {r["name"]: r["votes"] for r in contest.totals["results"]}["Баженов Тимофей Тимофеевич"] == 92522
    source = BACKTESTS / "state_duma_2021_moscow_smd_results.csv"
    broken = tmp_path / source.name
    broken.write_text(source.read_text(encoding="utf-8").replace("Баженов Тимофей", "Баженов Тимур"), "utf-8")
    with pytest.raises(CommandError, match="Баженов Тимур Тимофеевич not on the ballot"):
        call_command("import_district_results", str(broken))


def test_a_precinct_table_naming_a_station_twice_is_refused(tmp_path):
    source = BACKTESTS / "moscow_city_duma_2019_uik_districts.csv"
    broken = tmp_path / source.name
    lines = source.read_text(encoding="utf-8").splitlines()
    broken.write_text("\n".join([*lines, "2,Силино,3258"]), encoding="utf-8")
    before = Protocol.objects.count()
    with pytest.raises(CommandError, match=f"line {len(lines) + 1}: UIK 3258 again \\(line 2\\)"):
        call_command("import_district_precincts", str(broken))
    assert Protocol.objects.count() == before


def test_a_national_precinct_table_names_each_rows_region(tmp_path):
    """A State Duma election's table spans regions: districts numbered nationally, UIKs within their region. Built
    here from 2021's membership in two regions, it lands on the same precincts, none made anew."""
    duma = Election.objects.get(slug="duma-2021")
    rows = list(
        Protocol.objects.filter(
            contest__election=duma,
            contest__kind=Contest.Kind.SINGLE_MANDATE,
            precinct__is_remote=False,
            precinct__region__name__in=["город Санкт-Петербург", "Республика Татарстан (Татарстан)"],
        ).values_list("precinct__region__name", "contest__number", "precinct__number", "precinct_id")
    )
    table = tmp_path / "uik.csv"
    table.write_text("Регион,Округ,УИК\n" + "".join(f"{r},{d},{u}\n" for r, d, u, _p in rows), encoding="utf-8")
    (tmp_path / "uik.csv.precincts.toml").write_text(
        "source = 'ЦИК, схема округов'\n[election]\nslug = 'duma-next'\nname = 'Выборы в Государственную Думу'\n"
        "date = 2026-09-20\nlevel = 'federal'\nkind = 'parliament'\n"
        "[columns]\nregion = 'Регион'\ndistrict = 'Округ'\nuik = 'УИК'\n",
        encoding="utf-8",
    )
    precincts = Precinct.objects.count()
    out = StringIO()
    call_command("import_district_precincts", str(table), stdout=out)
    assert "regions: 2" in out.getvalue() and Precinct.objects.count() == precincts
    made = Protocol.objects.filter(contest__election__slug="duma-next")
    assert sorted(made.values_list("precinct_id", flat=True)) == sorted(p for *_r, p in rows)
    assert made.values("contest__number").distinct().count() == 8 + len(
        {d for r, d, *_ in rows if r != "город Санкт-Петербург"}
    )
    # The Moscow City Duma's declared e-voting numbers are ordinary stations of 2021: the import says so.
    out = StringIO()
    call_command(
        "import_district_precincts", str(BACKTESTS / "moscow_city_duma_2019_uik_districts.csv"), "--force", stdout=out
    )
    assert "declared remote but an ordinary station elsewhere: 5001, 5002, 5003" in out.getvalue()
