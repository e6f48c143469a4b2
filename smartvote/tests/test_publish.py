"""Editorial control and publication: overrides and their log, offline-signed versions, diffs, API, pages."""

import base64
import copy
import io
import json

import pytest
from django.contrib.auth.models import Group, User
from django.utils import translation

from core import signing
from elections.models import Contest, Election
from smartvote import forecast as forecast_module
from smartvote.forecast import save
from smartvote.models import ListDraft, ListVersion, Override
from smartvote.publish import (
    PublishError,
    changes,
    check,
    in_force,
    override,
    overrides_in_force,
    prepare,
    publish_signed,
    signing_request,
)
from smartvote.tests.offline import publish_offline as publish
from smartvote.tests.offline import root_key, sign_request

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_english():
    """Messages raised outside a request in English, as asserted (a request activates its own language)."""
    with translation.override("en"):
        yield


# The forecast of 225 districts took 14-19 s for each test that stored it (~2.5 min of each database's run). Its
# inputs are the session's data, which every test leaves as it found them (rolled back), and its draws are seeded:
# computed once, it is stored for each test by the real save().
_computed: dict[int, list] = {}


@pytest.fixture
def duma(monkeypatch):
    election = Election.objects.get(slug="duma-2021")
    if election.pk not in _computed:
        _computed[election.pk] = forecast_module.forecast(election, draws=1000, seed=0)
    with monkeypatch.context() as patched:
        patched.setattr(forecast_module, "forecast", lambda *args, **kwargs: copy.deepcopy(_computed[election.pk]))
        save(election, draws=1000)
    return election


@pytest.fixture
def organiser():
    user = User.objects.create_user("organiser", password="not-used")
    user.groups.add(Group.objects.get(name="organisers"))
    return user


def district(election, number):
    return Contest.objects.get(election=election, kind="single_mandate", number=number)


def test_overrides_need_a_reason_and_a_candidate_of_the_contest(duma, organiser):
    contest = district(duma, 216)
    vishnevsky = contest.candidates.get(person__last_name="Вишневский", person__middle_name="Лазаревич")
    with pytest.raises(PublishError, match="reason"):
        override(contest, organiser, "  ", vishnevsky)
    other = district(duma, 211).candidates.first()
    with pytest.raises(PublishError, match="does not stand"):
        override(contest, organiser, "why not", other)
    assert Override.objects.count() == 0


def test_the_latest_override_is_in_force_and_every_one_is_logged(duma, organiser):
    contest = district(duma, 216)
    first = contest.candidates.get(person__last_name="Вишневский", person__middle_name="Лазаревич")
    override(contest, organiser, "Known in the centre", first)
    assert overrides_in_force(duma)[contest.pk].candidate == first
    override(contest, organiser, "Let the forecast decide")
    assert contest.pk not in overrides_in_force(duma)
    override(contest, organiser, "Both candidates are compromised", no_recommendation=True)
    assert overrides_in_force(duma)[contest.pk].no_recommendation
    log = list(Override.objects.filter(contest=contest).values_list("reason", "author__username"))
    assert len(log) == 3 and all(author == "organiser" for _r, author in log)


def test_a_published_list_is_signed_and_a_changed_byte_fails(duma, organiser):
    version = publish(duma, organiser)
    assert version.number == 1 and version.public_key == signing.public_of(root_key())
    payload = version.payload.encode()
    assert signing.signature_valid(payload, version.public_key, version.signature) and check(version).trusted
    document = json.loads(payload)
    assert document["version"] == 1 and document["previous_sha256"] is None and "demo" not in document
    assert len(document["recommendations"]) == 225
    for i in (0, len(payload) // 2, len(payload) - 1):
        tampered = bytearray(payload)
        tampered[i] ^= 0x01
        assert not signing.signature_valid(bytes(tampered), version.public_key, version.signature)
    signature = bytearray(base64.b64decode(version.signature))
    signature[0] ^= 0x01
    assert not signing.signature_valid(payload, version.public_key, base64.b64encode(bytes(signature)).decode())
    assert not signing.signature_valid(payload, version.public_key, "not base64!")


def test_the_server_publishes_only_what_the_organisers_signed_offline(duma, organiser):
    with pytest.raises(PublishError, match="no list awaiting"):
        publish_signed(duma, signing.sign(b"{}", root_key()), organiser)
    draft = prepare(duma, organiser)
    stranger = signing.new_key()  # not in the organisers' chain
    for bad, message in (
        (signing.sign(draft.payload.encode(), stranger), "not in the organisers' key chain"),
        (signing.sign(draft.payload.encode() + b" ", root_key()), "does not match"),
        ("not a signature", "not a signature file"),
        ({"format": "veche-signature/1", "key": "AAAA", "signature": "AAAA"}, "not a signature"),
    ):
        with pytest.raises(PublishError, match=message):
            publish_signed(duma, bad, organiser)
    assert ListVersion.objects.count() == 0 and ListDraft.objects.count() == 1
    # A draft overtaken by another version is refused even with a good signature.
    stale = signing.sign(draft.payload.encode(), root_key())
    publish(duma, organiser)
    ListDraft.objects.create(election=duma, number=1, payload=draft.payload, author=organiser)
    with pytest.raises(PublishError, match="Another version was published"):
        publish_signed(duma, stale, organiser)
    assert ListVersion.objects.count() == 1


def test_a_later_version_shows_its_differences(duma, organiser):
    first = publish(duma, organiser)
    contest = district(duma, 218)
    forecast_pick = next(c for c in json.loads(first.payload)["recommendations"] if c["contest_id"] == contest.pk)
    chosen = contest.candidates.get(person__last_name="Орешков")
    assert forecast_pick["candidate"]["id"] != chosen.pk
    override(contest, organiser, "The forecast's pick withdrew", chosen)
    second = publish(duma, organiser)
    assert second.number == 2
    assert (
        json.loads(second.payload)["previous_sha256"]
        == __import__("hashlib").sha256(first.payload.encode()).hexdigest()
    )
    assert changes(second) == [
        {
            "contest": contest.name,
            "change": "changed",
            "before": forecast_pick["candidate"]["name"],
            "after": chosen.person.full_name,
            "reason": "The forecast's pick withdrew",
        }
    ]
    assert len(changes(first)) == 225 and {c["change"] for c in changes(first)} == {"added"}
    assert changes(publish(duma, organiser)) == []  # the same picks again


def rows(version):
    return {r["contest_id"]: r for r in json.loads(version.payload)["recommendations"]}


def test_a_region_is_published_alone_and_every_other_keeps_its_picks(client, duma, organiser, tmp_path):
    whole = publish(duma, organiser)
    moscow_id = next(
        k for k, r in sorted(rows(whole).items()) if r["region"] == "город Москва" and r["candidate"] is not None
    )
    moscow, spb = Contest.objects.get(pk=moscow_id), district(duma, 216)
    assert (
        rows(whole)[moscow.pk]["region"] == "город Москва" and rows(whole)[spb.pk]["region"] == "город Санкт-Петербург"
    )
    override(moscow, organiser, "The Moscow team decided", no_recommendation=True)
    override(spb, organiser, "Not agreed yet", no_recommendation=True)
    with pytest.raises(PublishError, match="no district of the forecast lies in the region Атлантида"):
        prepare(duma, organiser, "Атлантида")
    with pytest.raises(PublishError, match="names several regions"):
        prepare(duma, organiser, "область")
    assert not ListDraft.objects.exists()

    region = publish(duma, organiser, region="Москва")  # the one region whose name holds it
    document = json.loads(region.payload)
    assert region.number == 2 and document["region"] == "город Москва"
    assert len(document["recommendations"]) == 15
    assert {r["region"] for r in document["recommendations"]} == {"город Москва"}
    # Compared with what voters saw in Moscow, not with the other 210 districts it does not cover.
    assert [(c["contest"], c["change"], c["after"]) for c in changes(region)] == [(moscow.name, "changed", None)]
    now = in_force(duma)
    assert len(now.rows) == 225 and [v.number for v in now.versions] == [1, 2]
    assert now.source[moscow.pk] == region and now.rows[moscow.pk]["candidate"] is None
    assert now.source[spb.pk] == whole and now.rows[spb.pk]["candidate"] is not None  # its override waits

    # The lookup: each district's pick from the newest version covering it.
    for contest, number, has_pick in ((moscow, 2, False), (spb, 1, True)):
        precinct = contest.protocols.filter(precinct__is_remote=False).first().precinct
        answer = client.get(f"/api/lookup?uik={precinct.code}&region={precinct.region_id}").json()
        pick = next(c for c in answer["contests"] if c["contest_id"] == contest.pk)["recommendation"]
        assert pick["version"] == number and bool(pick["candidate"]) == has_pick
    page = client.get("/smartvote/duma-2021/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "only the districts of город Москва" in page
    assert client.get("/api/smartvote/duma-2021/lists/2").json()["region"] == "город Москва"

    # The signing request for St Petersburg carries the version its picks come from, and the offline tool
    # shows the one change there.
    draft = prepare(duma, organiser, "Санкт-Петербург")
    request = json.loads(signing_request(draft))
    assert [json.loads(e["payload"])["version"] for e in request["earlier"]] == [1]
    path = tmp_path / "request.json"
    path.write_bytes(signing_request(draft))
    _payload, new, before = signing._request(path, signing.chain(signing.public_of(root_key()), []), io.StringIO())
    assert [(c["contest"], c["after"]) for c in signing.list_changes(before, new)] == [(spb.name, None)]
    publish_signed(duma, sign_request(signing_request(draft)), organiser)
    # A whole version again replaces every pick.
    last = publish(duma, organiser)
    assert {v.number for v in in_force(duma).versions} == {last.number}
    assert changes(last) == []
    # The desk: a region from its list, or every region; anything else is refused and prepares nothing.
    client.force_login(organiser)
    desk = "/smartvote/duma-2021/editorial/"
    assert 'name="scope-region"' in client.get(desk).content.decode()
    response = client.post(desk, {"action": "prepare", "scope-region": "Атлантида"})
    assert response.status_code == 400 and not ListDraft.objects.exists()
    client.post(desk, {"action": "prepare", "scope-region": "город Санкт-Петербург"})
    assert ListDraft.objects.get(election=duma).region == "город Санкт-Петербург"
    assert "город Санкт-Петербург" in client.get(desk).content.decode()


def test_publishing_without_a_forecast_is_refused(organiser):
    election = Election.objects.get(slug="spb-zaks-2021")
    with pytest.raises(PublishError, match="no forecast"):
        publish(election, organiser)
    assert ListVersion.objects.count() == 0


def test_api_lists_versions_and_forecasts(client, duma, organiser):
    publish(duma, organiser)
    versions = client.get("/api/smartvote/duma-2021/lists").json()
    assert [v["number"] for v in versions] == [1]
    assert versions[0]["trusted"] is True and versions[0]["demo"] is False
    detail = client.get("/api/smartvote/duma-2021/lists/1").json()
    keys = client.get("/api/smartvote/public-key").json()
    assert keys["public_key"] == detail["public_key"] == signing.public_of(root_key())
    chain = signing.chain(keys["public_key"], keys["keyring"]["statements"])
    assert chain.check(detail["payload"].encode(), {"key": detail["public_key"], "signature": detail["signature"]})
    forecast = client.get("/api/smartvote/duma-2021/forecast").json()
    assert len(forecast["contests"]) == 225
    contest_id = forecast["contests"][0]["contest_id"]
    one = client.get(f"/api/smartvote/contests/{contest_id}/forecast").json()
    assert one["candidates"][0]["evidence"]
    assert client.get("/api/smartvote/duma-2021/lists/7").status_code == 404
    assert client.get("/api/smartvote/nowhere/lists").status_code == 404
    assert client.get("/api/smartvote/spb-zaks-2021/forecast").status_code == 404
    schema = client.get("/api/openapi.json").json()
    assert "/api/smartvote/{slug}/lists/{number}" in schema["paths"]


def test_pages_and_the_organisers_desk(client, duma, organiser):
    contest = district(duma, 214)
    assert client.get("/smartvote/duma-2021/").status_code == 200
    page = client.get(f"/smartvote/contests/{contest.pk}/").content.decode()
    assert "Драпеко" in page and "everypolitician" in page
    # The evidence in words: how many times stronger, the weight as a share, a source's site as its link's name.
    assert "логарифм" not in page.replace("прибавка к логарифму силы", "") and "сила кандидата ×" in page
    assert '">https://' not in page
    assert client.get(f"/smartvote/contests/{contest.pk}/forecast.svg").content.startswith(b"<?xml")
    desk = "/smartvote/duma-2021/editorial/"
    assert client.get(desk).status_code == 302  # to the login page
    client.force_login(User.objects.create_user("visitor"))
    assert client.get(desk).status_code == 403
    client.force_login(organiser)
    assert client.get(desk).status_code == 200
    response = client.post(desk, {"action": "override", "contest": contest.pk, "candidate": "none", "reason": ""})
    assert response.status_code == 400 and Override.objects.count() == 0
    client.post(desk, {"action": "override", "contest": contest.pk, "candidate": "none", "reason": "Not this time"})
    assert client.post(desk, {"action": "publish"}).status_code == 400  # the server has nothing to sign with
    client.post(desk, {"action": "prepare"})
    request = client.get(desk + "request.json")
    assert request["Content-Disposition"] == 'attachment; filename="duma-2021-v1.request.json"'
    wrong = signing.sign(json.loads(request.content)["payload"].encode(), signing.new_key())
    response = client.post(desk, {"action": "signature", "signature_text": json.dumps(wrong)})
    assert response.status_code == 400 and "не входит в цепочку" in response.content.decode()
    assert not ListVersion.objects.exists()
    signature = json.dumps(sign_request(request.content)).encode()
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.post(desk, {"action": "signature", "signature": SimpleUploadedFile("duma-2021-v1.request.sig", signature)})
    version = ListVersion.objects.get(election=duma)
    row = next(r for r in json.loads(version.payload)["recommendations"] if r["contest_id"] == contest.pk)
    assert row["candidate"] is None and row["reason"] == "Not this time"
    page = client.get(f"/smartvote/duma-2021/lists/{version.number}/").content.decode()
    assert "Подписано ключом организаторов" in page  # the site speaks Russian unless asked otherwise


def test_the_lookup_shows_the_published_pick(client, duma, organiser):
    contest = district(duma, 216)
    precinct = contest.protocols.first().precinct
    url = f"/api/lookup?uik={precinct.code}&region={precinct.region_id}"
    before = client.get(url).json()
    row = next(c for c in before["contests"] if c["contest_id"] == contest.pk)
    assert row["recommendation"] is None
    version = publish(duma, organiser)
    after = client.get(url).json()
    row = next(c for c in after["contests"] if c["contest_id"] == contest.pk)
    assert row["recommendation"]["version"] == version.number and row["recommendation"]["candidate"]["name"]
    # The page gives the picks first, under the station's address, before the ballot's parties and candidates.
    page = client.get(f"/lookup/?uik={precinct.code}&region={precinct.region_id}", HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    summary, ballot = html.index("Smart voting on this ballot"), html.index('id="ballot"')
    assert summary < html.index(row["recommendation"]["candidate"]["name"]) < ballot


def test_the_command_publishes_a_region_with_the_offline_signature(duma, organiser, tmp_path):
    from django.core.management import CommandError, call_command

    request = tmp_path / "duma-2021-v1.request.json"
    out = io.StringIO()
    call_command(
        "smartvote_publish",
        "duma-2021",
        "--request",
        str(request),
        "--region",
        "Москва",
        "--user",
        "organiser",
        stdout=out,
    )
    assert "Version 1 of duma-2021 (город Москва)" in out.getvalue()
    with pytest.raises(CommandError, match="exists"):
        call_command("smartvote_publish", "duma-2021", "--request", str(request), "--user", "organiser")
    signature = tmp_path / "duma-2021-v1.request.sig"
    signature.write_text(json.dumps(sign_request(request.read_bytes())))
    with pytest.raises(CommandError, match="--region goes with --request"):
        call_command(
            "smartvote_publish", "duma-2021", "--signature", str(signature), "--region", "Москва", "--user", "organiser"
        )
    with pytest.raises(CommandError, match="no such user"):
        call_command("smartvote_publish", "duma-2021", "--signature", str(signature), "--user", "nobody")
    assert not ListVersion.objects.exists()
    call_command("smartvote_publish", "duma-2021", "--signature", str(signature), "--user", "organiser", stdout=out)
    version = ListVersion.objects.get(election=duma)
    assert json.loads(version.payload)["region"] == "город Москва" and len(in_force(duma).rows) == 15
