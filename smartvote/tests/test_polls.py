"""The national polls: imported as published, averaged with house effects out, the swing from before the vote."""

from datetime import date

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from elections.models import Contest
from smartvote.models import Poll
from smartvote.polls import code_of, house_effects, readings, swings

pytestmark = pytest.mark.django_db
POLLS = settings.SHARED_DATA_DIR / "spb-prior" / "polls_duma2021_national.csv"
DUMA_2016, DUMA_2021 = date(2016, 9, 18), date(2021, 9, 19)


def test_the_polls_are_imported_once(capsys):
    assert Poll.objects.count() == 480  # the session's database (conftest)
    call_command("import_polls", str(POLLS))
    assert "480 polls, 0 new" in capsys.readouterr().out and Poll.objects.count() == 480
    latest = Poll.objects.first()
    assert str(latest.fieldwork_end) == "2021-09-09" and latest.shares["UR"] is not None


def test_a_bad_poll_table_imports_nothing(tmp_path):
    lines = POLLS.read_text(encoding="utf-8").splitlines()
    bad = tmp_path / "polls.csv"
    bad.write_text("\n".join([lines[0], lines[1].replace(",30.1,", ",130.1,", 1), *lines[2:]]), encoding="utf-8")
    Poll.objects.all().delete()
    with pytest.raises(CommandError, match=r"line 2: UR: 130.1 is not a percentage"):
        call_command("import_polls", str(bad))
    assert not Poll.objects.exists()


def test_every_party_on_the_2021_ballot_has_its_poll_code():
    ballot = Contest.objects.get(election__slug="spb-zaks-2021", kind="party_list")
    codes = {c.party.name: code_of(c.party.name) for c in ballot.choices.select_related("party")}
    assert None not in codes.values(), codes
    assert len(set(codes.values())) == len(codes)  # no two parties under one code
    assert code_of("Политическая партия КОММУНИСТИЧЕСКАЯ ПАРТИЯ КОММУНИСТЫ РОССИИ") == "CR"
    assert code_of("Политическая партия ЗЕЛЕНАЯ АЛЬТЕРНАТИВА") == "GA"


def test_the_swing_from_the_2016_polls_to_the_last_before_2021():
    moved = swings(DUMA_2016, DUMA_2021)
    assert set(moved) == {"UR", "CPRF", "LDPR", "SR"}  # the parties the first polls of 2016 name
    assert moved["CPRF"].ratio > 1.5 and moved["UR"].ratio < 0.8 and moved["LDPR"].ratio < 1
    assert all(0 < s.sigma < 0.5 for s in moved.values())
    # WCIOM polls every week; its house effect on United Russia is measured against the others.
    assert ("WCIOM", "UR") in house_effects(readings(DUMA_2021))


def test_polls_after_the_vote_are_never_used():
    before = swings(DUMA_2016, DUMA_2021)
    Poll.objects.create(
        pollster="WCIOM",
        fieldwork_end=date(2021, 9, 20),
        shares={"UR": 1.0, "CPRF": 90.0, "LDPR": 1.0, "SR": 1.0},
        source="after the vote",
    )
    assert swings(DUMA_2016, DUMA_2021) == before
