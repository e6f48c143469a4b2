"""The organisers edit the forecast's inputs in the admin, and every change is in the audit log with its reason."""

import pytest
from django.contrib.auth.models import Group, User

from elections.models import Candidate, Election, Party
from smartvote.models import CandidateFact, ElectionSetup, PartyLineage, SetupChange

pytestmark = pytest.mark.django_db


@pytest.fixture
def organiser(client):
    user = User.objects.create_user("organiser", password="not-used", is_staff=True)
    user.groups.add(Group.objects.get(name="organisers"))
    client.force_login(user)
    return user


def test_a_self_nominee_marked_ruling_is_logged_with_who_and_why_and_moves_the_forecast(client, organiser):
    """United Russia nominated nobody in Moscow's district 198; an organiser marks the self-nominee it backed."""
    from smartvote.forecast import forecast

    target = Candidate.objects.filter(
        contest__election__slug="duma-2021", contest__number=198, self_nominated=True
    ).first()
    assert target is not None
    contest = target.contest
    before = forecast(contest.election, draws=200, contests=[contest])[0]
    assert before.no_ruling and before.recommended is None
    form = {"candidate": target.pk, "kind": "ruling", "value": "", "share": "", "note": "", "source": "ЦИК; пресса"}
    refused = client.post("/admin/smartvote/candidatefact/add/", form)
    assert refused.status_code == 200 and not CandidateFact.objects.filter(candidate=target, kind="ruling").exists()
    answer = client.post("/admin/smartvote/candidatefact/add/", {**form, "reason": "поддержан ЕР, см. источник"})
    assert answer.status_code == 302
    fact = CandidateFact.objects.get(candidate=target, kind="ruling")
    change = SetupChange.objects.get(model="smartvote.candidatefact", object_id=fact.pk)
    assert change.action == "added" and change.author == organiser and change.reason == "поддержан ЕР, см. источник"
    assert change.before is None and change.after["source"] == "ЦИК; пресса"
    after = forecast(contest.election, draws=200, contests=[contest])[0]
    assert not after.no_ruling and after.recommended is not None
    # Changed, then deleted: each with the record before, after, who and why; the log itself cannot be edited.
    client.post(
        f"/admin/smartvote/candidatefact/{fact.pk}/change/",
        {**form, "source": "решение штаба", "reason": "уточнён источник"},
    )
    changed = SetupChange.objects.filter(object_id=fact.pk, action="changed").get()
    assert changed.before["source"] == "ЦИК; пресса" and changed.after["source"] == "решение штаба"
    client.post(f"/admin/smartvote/candidatefact/{fact.pk}/delete/", {"post": "yes"})
    assert not CandidateFact.objects.filter(pk=fact.pk).exists()
    assert SetupChange.objects.filter(object_id=fact.pk, action="deleted").get().before["source"] == "решение штаба"
    log = SetupChange.objects.get(object_id=fact.pk, action="added")
    assert client.post(f"/admin/smartvote/setupchange/{log.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.get("/admin/smartvote/setupchange/add/").status_code == 403
    assert SetupChange.objects.filter(object_id=fact.pk).count() == 3


def test_the_setup_and_the_lineage_are_the_organisers_and_audited(client, organiser):
    setup = ElectionSetup.objects.get(election__slug="duma-2021")
    page = client.get(f"/admin/smartvote/electionsetup/{setup.pk}/change/", headers={"accept-language": "en"})
    assert page.status_code == 200 and "Reason for this change" in page.content.decode()
    ruling = list(setup.ruling_parties.values_list("pk", flat=True))
    history = list(setup.history.values_list("pk", flat=True))
    aligned = list(setup.aligned_parties.values_list("pk", flat=True))
    self_nominee = Candidate.objects.filter(
        contest__election__slug="duma-2021", contest__number=200, self_nominated=True
    ).first()
    answer = client.post(
        f"/admin/smartvote/electionsetup/{setup.pk}/change/",
        {
            "election": setup.election_id,
            "ruling_parties": ruling,
            "aligned_parties": aligned,
            "ruling_candidates": str(self_nominee.pk),
            "aligned_candidates": "",
            "history": history,
            "reason": "кандидат ЕР в 200-м округе выдвинут самовыдвиженцем",
        },
    )
    assert answer.status_code == 302
    assert list(setup.ruling_candidates.values_list("pk", flat=True)) == [self_nominee.pk]
    change = SetupChange.objects.get(model="smartvote.electionsetup", object_id=setup.pk)
    assert change.before["ruling_candidates"] == [] and change.after["ruling_candidates"] == [self_nominee.pk]
    pensioners = Party.objects.get(key="партия пенсионеров")
    earlier = Party.objects.filter(key__contains="пенсионеров за справедливость").first()
    assert earlier is not None
    client.post(
        "/admin/smartvote/partylineage/add/",
        {"party": pensioners.pk, "predecessor": earlier.pk, "source": "реестр Минюста", "reason": "переименование"},
    )
    lineage = PartyLineage.objects.get(party=pensioners, predecessor=earlier)
    assert SetupChange.objects.get(model="smartvote.partylineage", object_id=lineage.pk).reason == "переименование"


def test_only_the_organisers_role_edits_the_inputs(client):
    assert client.get("/admin/smartvote/candidatefact/").status_code == 302  # to the login
    moderator = User.objects.create_user("moderator", password="not-used", is_staff=True)
    moderator.groups.add(Group.objects.get(name="moderators"))
    client.force_login(moderator)
    for url in (
        "/admin/smartvote/candidatefact/add/",
        "/admin/smartvote/electionsetup/",
        "/admin/smartvote/setupchange/",
    ):
        assert client.get(url).status_code == 403, url
    assert Election.objects.filter(slug="duma-2021").exists()
