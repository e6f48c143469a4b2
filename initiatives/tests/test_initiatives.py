"""Citizens' initiatives end to end: a draft, its moderation, sealed supporters past the threshold, the roll opened
offline, credentials from the offline authority, ballots, the tally and the result on the proposal's page; and
what a seized server holds of the supporters: nothing that names one."""

import csv
import json
import logging
import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.management import call_command

from core.sealing import new_keypair
from core.testing import leaks, seized_text
from initiatives.models import Argument, Proposal, ProposalLog
from pledges.models import Campaign, City, Pledge
from vote import ballots
from vote.store import close, replay
from vote.tests.conftest import make_vote, voter_keys

pytestmark = pytest.mark.django_db
CLIENT_IP = "198.51.100.61"
SUPPORTERS = [
    ("marfa.lugovaya@example.org", "Марфа Луговая", "Москва"),
    ("yakov.bereza@example.org", "Яков Береза", "Москва"),
    ("zinaida.klen@example.org", "", "Санкт-Петербург"),
    ("prokhor.osina@example.org", "Прохор Осина", "Санкт-Петербург"),
    ("feoktista.lipa@example.org", "Феоктиста Липа", "Москва"),
]
QUESTION = "Должен ли город отказаться от вырубки парка у реки?"


@pytest.fixture(autouse=True)
def russian(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "ru"


def draft(client, **changes):
    data = {"title": "Сохранить парк", "question": QUESTION, "text": "Парк собираются вырубить.", "signed_as": ""}
    return client.post("/initiatives/new/", {**data, **changes}, REMOTE_ADDR=CLIENT_IP)


def follow_link(page: str) -> str:
    return re.search(r'href="(/initiatives/follow/[^"/]+/)"', page).group(1)


def moderator(client):
    user = get_user_model().objects.create_user("initiatives-moderator", password="pw-for-tests-only")
    user.user_permissions.add(Permission.objects.get(codename="moderate_proposal"))
    client.force_login(get_user_model().objects.get(pk=user.pk))
    return user


def publish(client, proposal, public_key, threshold=5, slug="park"):
    return client.post(
        "/initiatives/moderate/",
        {
            "action": "publish",
            "proposal": proposal.pk,
            "slug": slug,
            "threshold": threshold,
            "public_key": public_key,
            "cities": "Москва\nСанкт-Петербург\n",
        },
    )


def support(client, email, name, city, campaign="initiative-park"):
    city_id = City.objects.get(campaign__slug=campaign, name=city).pk
    client.post(f"/pledges/{campaign}/", {"email": email, "name": name, "city": city_id}, REMOTE_ADDR=CLIENT_IP)
    link = re.search(r"http://testserver(/pledges/[\w-]+/confirm/\S+/)", mail.outbox[-1].body).group(1)
    assert "учтены" in client.get(link).content.decode()


def test_a_proposal_goes_from_draft_to_supporters_to_a_verified_result(client, tmp_path):
    """Issue 37: a draft is moderated and published; five supporters confirm (sealed, as pledges); the organisers
    open the roll offline, the offline credential authority issues credentials, five ballots are cast, tallied and
    decrypted by three trustees; the proposal's page and API show the board's result and the organisers' response;
    every change is in the proposal's log."""
    page = draft(client, signed_as="Инициативная группа").content.decode()
    follow = follow_link(page)
    assert "ожидает модерации" in client.get(follow).content.decode()
    proposal = Proposal.objects.get()
    assert client.get("/initiatives/").content.decode().count("Сохранить парк") == 0  # drafts are not public

    public, private = new_keypair()
    moderator(client)
    assert publish(client, proposal, public).status_code == 302
    client.logout()
    shown = client.get("/initiatives/park/").content.decode()
    assert QUESTION in shown and "0</strong> из 5" in shown and "/pledges/initiative-park/" in shown
    for email, name, city in SUPPORTERS:
        support(client, email, name, city)
    assert "5</strong> из 5" in client.get("/initiatives/park/").content.decode()
    api = client.get("/api/initiatives/park").json()
    assert api["supporters"] == 5 and api["threshold"] == 5 and {"city": "Москва", "supporters": 3} in api["cities"]

    # Offline: the organisers open their supporters' contacts with their private key, and make the roll.
    key_file = tmp_path / "supporters.key"
    key_file.write_text(private)
    export = tmp_path / "supporters.csv"
    call_command("pledges_export", "initiative-park", "--secret-key", str(key_file), "--out", str(export))
    with export.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert sorted(r["email"] for r in rows) == sorted(s[0] for s in SUPPORTERS)
    roll = tmp_path / "roll.csv"
    with roll.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["email", "name", "check"])
        writer.writerows([r["email"], r["name"], "pledge-email"] for r in rows)
    questions = [{"question": QUESTION, "answers": ["Да", "Нет"], "min": 1, "max": 1}]
    (tmp_path / "vote").mkdir()
    c = make_vote(tmp_path / "vote", questions=questions, slug="park-vote", roll=roll)

    moderator_client = client.__class__()
    moderator_client.force_login(get_user_model().objects.get(username="initiatives-moderator"))
    answer = moderator_client.post(
        "/initiatives/moderate/", {"action": "vote", "proposal": proposal.pk, "vote": "park-vote"}
    )
    assert answer.status_code == 302
    state = replay(c.vote)
    for n, yes in enumerate([True, True, True, False, True]):
        ballot, _r = ballots.build(state.fingerprint, state.key, questions, [[0 if yes else 1]], *voter_keys(c, n))
        cast = client.post("/api/vote/park-vote/ballots", json.dumps(ballot), content_type="application/json")
        assert cast.status_code == 201, cast.content
    c.vote.refresh_from_db()
    seen = c.vote.head
    close(c.vote, early=True)
    board = c.board_file()
    for i in (1, 2, 4):
        share, partial = c.folder / f"share{i}.json", c.folder / f"partial{i}.json"
        c.run(
            "decrypt", "--board", board, "--key", c.trustees[i - 1], "--share", share, "--head", seen, "--out", partial
        )
        c.submit(partial)
    shown = client.get("/initiatives/park/").content.decode()
    assert "Да: <strong>4</strong>" in shown and "Нет: <strong>1</strong>" in shown
    assert (
        moderator_client.post(
            "/initiatives/moderate/", {"action": "decide", "proposal": proposal.pk, "response": "Вырубку отменяем."}
        ).status_code
        == 302
    )
    api = client.get("/api/initiatives/park").json()
    assert api["state"] == "decided" and api["response"] == "Вырубку отменяем."
    assert api["result"] == [
        {"question": QUESTION, "answers": [{"answer": "Да", "votes": 4}, {"answer": "Нет", "votes": 1}]}
    ]
    assert list(ProposalLog.objects.values_list("action", flat=True)) == ["submit", "publish", "vote", "decide"]
    assert "Вырубку отменяем." in client.get("/initiatives/park/").content.decode()


def test_arguments_show_once_a_moderator_has_read_them(client):
    draft(client)
    proposal = Proposal.objects.get()
    user = moderator(client)
    publish(client, proposal, new_keypair()[0])
    client.logout()
    posted = client.post(
        "/initiatives/park/", {"side": "against", "text": "Застройка даст налоги."}, REMOTE_ADDR=CLIENT_IP
    )
    assert posted.status_code == 200 and "после того как его прочтёт модератор" in posted.content.decode()
    assert "Застройка даст налоги." not in client.get("/initiatives/park/").content.decode()
    argument = Argument.objects.get()
    client.force_login(user)
    client.post("/initiatives/moderate/", {"action": "publish-argument", "argument": argument.pk})
    client.logout()
    assert "Застройка даст налоги." in client.get("/initiatives/park/").content.decode()
    assert client.get("/api/initiatives/park").json()["arguments_against"] == ["Застройка даст налоги."]
    Proposal.objects.update(state=Proposal.State.DECIDED)  # decided: no more arguments, and the page says why
    late = client.post("/initiatives/park/", {"side": "for", "text": "Поздно."}, REMOTE_ADDR=CLIENT_IP)
    assert late.status_code == 400 and "Аргументы принимаются" in late.content.decode()
    assert Argument.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": ""}, "Обязательное поле"),
        ({"question": "в" * 301}, "300"),
        ({"text": "т" * 5001}, "5000"),
    ],
)
def test_a_bad_draft_is_refused_and_nothing_is_stored(client, changes, message):
    answer = draft(client, **changes)
    assert answer.status_code == 400 and message in answer.content.decode()
    assert not Proposal.objects.exists()


def test_moderation_needs_its_role_and_refuses_what_does_not_hold(client):
    draft(client)
    proposal = Proposal.objects.get()
    assert client.get("/initiatives/moderate/").status_code == 302  # to the login
    client.force_login(get_user_model().objects.create_user("someone", password="pw-for-tests-only"))
    assert client.get("/initiatives/moderate/").status_code == 403
    moderator(client)
    refused = publish(client, proposal, "not-a-key")
    assert refused.status_code == 400 and proposal.state == Proposal.State.SUBMITTED
    assert not City.objects.filter(campaign__slug="initiative-park").exists()
    no_reason = client.post("/initiatives/moderate/", {"action": "refuse", "proposal": proposal.pk, "reason": " "})
    assert no_reason.status_code == 400
    early = client.post("/initiatives/moderate/", {"action": "vote", "proposal": proposal.pk, "vote": "no-such-vote"})
    assert early.status_code == 400
    client.post("/initiatives/moderate/", {"action": "refuse", "proposal": proposal.pk, "reason": "Не по теме."})
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.REFUSED and proposal.reason == "Не по теме."
    assert client.get("/initiatives/park/").status_code == 404
    bad = client.get("/initiatives/follow/not-a-token/")
    assert bad.status_code == 400 and "не указывает ни на один черновик" in bad.content.decode()


def test_the_proposers_link_shows_the_refusal_and_no_one_elses(client):
    follow = follow_link(draft(client).content.decode())
    other = follow_link(draft(client, title="Другое").content.decode())
    assert follow != other
    moderator(client)
    client.post(
        "/initiatives/moderate/",
        {"action": "refuse", "proposal": Proposal.objects.get(title="Сохранить парк").pk, "reason": "Повтор."},
    )
    client.logout()
    page = client.get(follow).content.decode()
    assert "Повтор." in page and "Сохранить парк" in page and "Другое" not in page
    assert "ожидает модерации" in client.get(other).content.decode()


@pytest.mark.django_db(transaction=True)  # committed, so that pg_dump sees it
def test_a_seized_server_lists_no_supporter_and_no_proposer(client, caplog, capsys):
    """The supporters of a proposal and its anonymous proposer, as a seized disk gives them: not one address or
    name, nor the proposer's link (the row holds its keyed hash under the pepper, in memory only)."""
    caplog.set_level(logging.DEBUG)
    follow = follow_link(draft(client).content.decode())
    proposal = Proposal.objects.get()
    user = moderator(client)
    try:
        publish(client, proposal, new_keypair()[0])
        client.logout()
        for email, name, city in SUPPORTERS:
            support(client, email, name, city)
        assert Pledge.objects.filter(campaign__slug="initiative-park", confirmed__isnull=False).count() == 5
        secrets = [s[0] for s in SUPPORTERS] + [s[1] for s in SUPPORTERS if s[1]] + [CLIENT_IP]
        secrets.append(follow.split("/")[-2])
        assert leaks(secrets, [seized_text(), caplog.text, "\n".join(capsys.readouterr())]) == []
    finally:
        Pledge.objects.filter(campaign__slug="initiative-park").delete()
        City.objects.filter(campaign__slug="initiative-park").delete()
        Campaign.objects.filter(slug="initiative-park").delete()
        Proposal.objects.all().delete()
        user.delete()


def test_the_admin_shows_a_proposal_and_its_log_and_changes_nothing(admin_client, client):
    draft(client)
    proposal = Proposal.objects.get()
    assert admin_client.get("/admin/initiatives/proposal/").status_code == 200
    page = admin_client.get(f"/admin/initiatives/proposal/{proposal.pk}/change/")
    assert page.status_code == 200 and "submit" in page.content.decode()
    admin_client.post(f"/admin/initiatives/proposal/{proposal.pk}/change/", {"state": "published", "title": "x"})
    admin_client.post(f"/admin/initiatives/proposal/{proposal.pk}/delete/", {"post": "yes"})
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.SUBMITTED and proposal.title == "Сохранить парк"


def test_the_list_and_the_api_come_a_page_at_a_time(client, django_assert_max_num_queries):
    """A year of proposals is not read whole for one visit: the page shows 20 (the newest first, with links to
    the older), the API gives ``limit`` with the count, and one page costs the same queries however many exist."""
    for n in range(45):
        Proposal.objects.create(
            slug=f"decided-{n:02}",
            title=f"Предложение {n:02}",
            text="Текст.",
            question="Да или нет?",
            state=Proposal.State.DECIDED,
            follow=f"follow-{n:02}",
        )
    Proposal.objects.create(title="Черновик", text="Текст.", question="?", follow="draft")  # never listed
    first = client.get("/initiatives/").content.decode()
    assert first.count('class="proposal"') == 20 and "Предложение 44" in first and "Предложение 24" not in first
    assert 'href="?page=2"' in first and "1 / 3" in first
    last = client.get("/initiatives/", {"page": "3"}).content.decode()
    assert last.count('class="proposal"') == 5 and "Предложение 00" in last and "Черновик" not in last
    assert client.get("/initiatives/", {"page": "²"}).status_code == 200  # a page that is no number: the first
    with django_assert_max_num_queries(12):
        api = client.get("/api/initiatives", {"limit": 10, "offset": 40}).json()
    assert api["count"] == 45 and [p["slug"] for p in api["items"]] == [f"decided-{n:02}" for n in range(4, -1, -1)]
    with django_assert_max_num_queries(12):
        client.get("/api/initiatives", {"limit": 5})
