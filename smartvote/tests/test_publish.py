"""Editorial control and publication: overrides and their log, offline-signed versions, diffs, API, pages."""

import base64
import json

import pytest
from django.contrib.auth.models import Group, User
from django.utils import translation

from core import signing
from elections.models import Contest, Election
from smartvote.forecast import save
from smartvote.models import ListDraft, ListVersion, Override
from smartvote.publish import PublishError, check, diff, override, overrides_in_force, prepare, publish_signed
from smartvote.tests.offline import publish_offline as publish
from smartvote.tests.offline import root_key, sign_request

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_english():
    """Messages raised outside a request in English, as asserted (a request activates its own language)."""
    with translation.override("en"):
        yield


@pytest.fixture
def duma():
    election = Election.objects.get(slug="duma-2021")
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
    changes = diff(first, second)
    assert changes == [
        {
            "contest": contest.name,
            "change": "changed",
            "before": forecast_pick["candidate"]["name"],
            "after": chosen.person.full_name,
            "reason": "The forecast's pick withdrew",
        }
    ]
    assert diff(second, second) == []


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
