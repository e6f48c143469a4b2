"""In Debian's chromium, on a phone-sized page: vote with the credential from one mail's link and the voting pass
copied from the other, audit one ballot, cast another, find its tracker on the board, vote again (the new ballot
names the first); then the exported board's verifier passes, checks the audit, and
fails on a tampered copy."""

import json
import subprocess
import sys
import time

import pytest
from django.db import connections
from django.utils import translation

from vote.models import Vote
from vote.tests.conftest import make_vote
from vote.views import export

pytestmark = [pytest.mark.browser, pytest.mark.django_db]
PHONE = {"width": 390, "height": 844}
YES_NO = [{"question": "Поддерживаете ли вы требование?", "answers": ["Да", "Нет"], "min": 1, "max": 1}]


@pytest.fixture(scope="module")
def committed_vote(tmp_path_factory, django_db_setup, django_db_blocker):
    """Committed, so that the site's server thread (its own connection) sees it; deleted afterwards."""
    with django_db_blocker.unblock():
        ceremony = make_vote(tmp_path_factory.mktemp("vote"), n_trustees=3, threshold=2, questions=YES_NO, voters=4)
        yield ceremony
        Vote.objects.filter(pk=ceremony.vote.pk).delete()
        connections.close_all()  # after Playwright, this context's connection is a second one: not left open


def serve(folder, log):
    fh = log.open("w")
    server = subprocess.Popen(
        [sys.executable, "-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", str(folder)],
        stdout=fh,
        stderr=subprocess.STDOUT,
    )
    for _ in range(100):
        if "port " in log.read_text():
            return server, int(log.read_text().split("port ")[1].split()[0])
        time.sleep(0.05)
    server.terminate()
    raise AssertionError("the static server did not start")


def verify_in(page, url):
    page.goto(url)
    page.click("#run")
    page.wait_for_selector("#report p.ok, #report p.fault", timeout=60000)
    return page.locator("#report").inner_text()


def test_vote_audit_cast_find_and_verify(committed_vote, site, settings, tmp_path, django_db_blocker, browser):
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    vote = committed_vote.vote
    page = browser.new_page(locale="ru-RU", viewport=PHONE)
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # A server that swapped the election key: the mail's link names the fingerprint, and the page refuses.
    page.goto(f"{site}/vote/{vote.slug}/#credential={committed_vote.credentials[0]}&election={'ab' * 32}")
    assert "не то, что названо в вашем письме" in page.inner_text("#outcome") and page.is_disabled("#prepare")
    # The credential authority's mail: its link, as mailed (the site's path, the election's fingerprint).
    link = committed_vote.credential_links[0]
    assert f"&election={vote.fingerprint}" in link
    page.goto("about:blank")  # a mail's link opens a new page (the same address with another fragment would not)
    page.goto(site + link[link.index("/vote/") :])
    assert page.input_value("#credential") == committed_vote.credentials[0]
    assert "#credential" not in page.url  # taken out of the address bar and the history
    page.get_by_label("Ваш пропуск").fill(committed_vote.passes[0])  # copied from the registrar's mail
    page.get_by_label("Да", exact=True).check()
    page.get_by_role("button", name="Зашифровать бюллетень").click()
    page.wait_for_selector("#prepared:not([hidden])")
    first = page.inner_text("#tracker")
    # Audit it instead of casting: the record shows the randomness and the choice; that ballot is never cast.
    page.get_by_role("button", name="Проверить вместо отправки").click()
    page.wait_for_selector("#audit-record:not([hidden])")
    record = json.loads(page.input_value("#audit-json"))
    assert record["choices"] == [[0]] and len(record["randomness"][0]) == 2
    # An audited ballot cannot be cast by whoever holds the record.
    assert "signature" not in record["ballot"] and "pass_signature" not in record["ballot"]
    page.get_by_role("button", name="Зашифровать бюллетень").click()
    page.wait_for_selector("#prepared:not([hidden])")
    tracker = page.inner_text("#tracker")
    assert tracker != first  # a new ballot, with new randomness
    page.get_by_role("button", name="Отправить").click()
    page.wait_for_selector("#outcome.found")
    outcome = page.inner_text("#outcome")
    assert "Ваш бюллетень на доске, запись" in outcome
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # Its tracker is on the board.
    page.get_by_role("link", name="Найти на доске").click()
    assert "Ваш бюллетень на доске: запись" in page.inner_text(".found")
    assert all(url.startswith(site) for url in requests)
    assert not errors, errors

    # Someone who holds both codes (the credential authority and the registrar together) casts over it: the next
    # time the voter encrypts on this browser, the page says a ballot it did not cast came since its receipt.
    with django_db_blocker.unblock():
        from vote import ballots
        from vote.store import cast, previous_of, replay
        from vote.tests.conftest import voter_keys

        state = replay(Vote.objects.get(pk=vote.pk))
        keys = voter_keys(committed_vote, 0)
        after = previous_of(vote, bytes(keys[0].verify_key).hex())
        over, _r = ballots.build(state.fingerprint, state.key, YES_NO, [[1]], *keys, after)
        cast(Vote.objects.get(pk=vote.pk), ballots.canonical(over), None, limited=False)
        connections.close_all()
    page.goto("about:blank")
    page.goto(site + link[link.index("/vote/") :])
    page.get_by_label("Ваш пропуск").fill(committed_vote.passes[0])
    page.get_by_label("Да", exact=True).check()
    page.get_by_role("button", name="Зашифровать бюллетень").click()
    page.wait_for_selector("#prepared:not([hidden])")
    assert "бюллетень с вашим ключом" in page.inner_text("#outcome"), page.inner_text("#outcome")

    # The folder observers copy carries the ballot's page: voting again from a host the server does not serve,
    # from the registrar's link this time; the new ballot follows the first and replaces it.
    with django_db_blocker.unblock(), translation.override("ru"):
        export(Vote.objects.get(pk=vote.pk), tmp_path / "mirror", site=site)
        connections.close_all()
    builder = json.loads((tmp_path / "mirror" / "builder.json").read_text())
    assert set(builder) == {"noble-vote.js", "vote.js", "ballot.js"}
    server, port = serve(tmp_path / "mirror", tmp_path / "mirror.log")
    try:
        mirror = f"http://127.0.0.1:{port}"
        link = committed_vote.pass_links[0]
        page.goto(f"{mirror}/ballot.html{link[link.index('#') :]}")
        assert page.input_value("#pass") == committed_vote.passes[0] and "#pass" not in page.url
        page.get_by_label("Ваш ключ").fill(committed_vote.credentials[0])
        page.get_by_label("Нет", exact=True).check()
        page.get_by_role("button", name="Зашифровать бюллетень").click()
        page.wait_for_selector("#prepared:not([hidden])")
        page.get_by_role("button", name="Отправить").click()
        page.wait_for_selector("#outcome.found, #outcome.error")
        assert "Ваш бюллетень на доске, запись" in page.inner_text("#outcome"), page.inner_text("#outcome")
    finally:
        server.terminate()
        server.wait(5)
    # The mirror's page loads its scripts from beside it (their integrity checked) and talks to the site only.
    assert all(url.startswith((site, mirror)) for url in requests), [u for u in requests if not u.startswith(site)]
    assert not errors, errors

    # The board, exported as any observer copies it: the verifier passes and checks the audit record.
    with django_db_blocker.unblock(), translation.override("ru"):
        export(Vote.objects.get(pk=vote.pk), tmp_path / "copy")
        connections.close_all()  # the second connection Playwright's event loop made this query open
    server, port = serve(tmp_path / "copy", tmp_path / "copy.log")
    try:
        report = verify_in(page, f"http://127.0.0.1:{port}/")
        assert "Всё сходится." in report and "3 бюллетеней в урнах" in report
        page.fill("#audit", json.dumps(record))
        page.click("#audit-go")
        assert page.inner_text("#audited") == "В проверенном бюллетене зашифровано: Поддерживаете ли вы требование?: Да"
        page.fill("#find", tracker[:12])
        page.click("#find-go")
        assert "Ваш бюллетень на доске: запись" in page.inner_text("#found")
    finally:
        server.terminate()
        server.wait(5)

    # A tampered copy: one ballot's ciphertext changed. The verifier names the entry.
    lines = (tmp_path / "copy" / "board.jsonl").read_text().splitlines()
    n = next(i for i, line in enumerate(lines) if json.loads(line)["entry"]["kind"] == "ballot")
    changed = json.loads(lines[n])
    pair = changed["entry"]["payload"]["answers"][0]["choices"][0]
    pair[0], pair[1] = pair[1], pair[0]
    lines[n] = json.dumps(changed, ensure_ascii=False, sort_keys=True, separators=(",", ":"))  # canonical
    (tmp_path / "copy" / "board.jsonl").write_text("\n".join(lines) + "\n")
    server, port = serve(tmp_path / "copy", tmp_path / "tampered.log")
    try:
        report = verify_in(page, f"http://127.0.0.1:{port}/")
    finally:
        server.terminate()
        server.wait(5)
    assert "Доска НЕ проходит проверку:" in report
    assert f"запись {n} (ballot): её хеш — не хеш её содержимого: она изменена" in report  # in the page's language


def test_the_page_names_its_builder_and_the_election(committed_vote, client):
    """Issue 32, finding 7: the ballot's page shows the election's fingerprint (the mails name the same) and loads
    each script of the ballot builder with its integrity attribute; the exported copy carries the builder and its
    hashes, and the API's ballot doors answer a page on another host."""
    import base64
    import hashlib

    from vote.views import BUILDER, grouped

    vote = committed_vote.vote
    page = client.get(f"/vote/{vote.slug}/").content.decode()
    assert grouped(vote.fingerprint) in page
    for name, (path, _static) in BUILDER.items():
        digest = base64.b64encode(hashlib.sha384(path.read_bytes()).digest()).decode()
        assert f'integrity="sha384-{digest}"' in page, name
        assert hashlib.sha256(path.read_bytes()).hexdigest() in page
    response = client.get(f"/api/vote/{vote.slug}/previous", {"credential": "ab" * 32}, HTTP_ORIGIN="https://mirror")
    assert response["Access-Control-Allow-Origin"] == "*" and response.json() == {"previous": "0" * 64}
    response = client.post(f"/api/vote/{vote.slug}/ballots", "{}", content_type="text/plain", HTTP_ORIGIN="https://m")
    assert response.status_code == 400 and response["Access-Control-Allow-Origin"] == "*"  # refused for what it is
    # Every other write still comes from this site only.
    response = client.post("/api/reports", "{}", content_type="application/json", HTTP_ORIGIN="https://m")
    assert response.status_code == 403
