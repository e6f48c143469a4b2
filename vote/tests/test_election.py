"""A whole election as it would run: the trustees' ceremony offline, 200 voters casting through the API (a few
voting again, a few auditing a ballot first), the tally, three of five trustees decrypting offline, vote_verify
passing — and then each way a server could cheat, each named by vote_verify."""

import copy
import hashlib
import io
import json
import random
import shutil
import subprocess

import pytest
from django.core.management import CommandError, call_command
from nacl.signing import SigningKey

from vote import ballots, ceremony
from vote.board import entry_line, verify
from vote.group import ProtocolError, base, hexof, scalar_hex
from vote.models import Vote
from vote.store import close, lines, replay
from vote.tests.conftest import QUESTIONS, make_vote, voter_keys
from vote.tests.test_protocol import NODE, js

pytestmark = pytest.mark.django_db


def cast(client, vote, ballot):
    return client.post(f"/api/vote/{vote.slug}/ballots", json.dumps(ballot), content_type="application/json")


@pytest.fixture(scope="module")
def election(tmp_path_factory, django_db_setup, django_db_blocker):
    """One election for the module (it costs ~15 s): made in a transaction that is rolled back at the end."""
    from django.db import transaction
    from django.test import Client, override_settings

    folder = tmp_path_factory.mktemp("election")
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        limits = override_settings(VOTE_RATE_LIMITS=(1000, 10000))  # one client casts for 200 voters here
        limits.enable()
        try:
            c = make_vote(folder, voters=200)
            vote = c.vote
            state = replay(vote)
            rng = random.Random(7)
            expected = [[0, 0], [0, 0, 0]]
            client = Client()
            audits, receipts = [], []
            for n in range(len(c.credentials)):
                keys = voter_keys(c, n)
                picks = [[rng.randrange(2)], rng.sample(range(3), rng.randrange(3))]
                if n % 50 == 0:  # audits one ballot first (a Benaloh challenge): never cast
                    ballot, randomness = ballots.build(state.fingerprint, state.key, QUESTIONS, picks, *keys)
                    record = {"ballot": ballots.unsigned(ballot), "randomness": randomness, "choices": picks}
                    audits.append((record, picks))
                previous = ballots.FIRST
                if n % 40 == 1:  # votes, then votes again: only the last counts
                    first = [[1 - picks[0][0]], []]
                    ballot, _r = ballots.build(state.fingerprint, state.key, QUESTIONS, first, *keys)
                    assert cast(client, vote, ballot).status_code == 201
                    previous = client.get(
                        f"/api/vote/{vote.slug}/previous", {"credential": ballot["credential"]}
                    ).json()["previous"]
                    assert previous == ballots.tracker(ballot)
                ballot, _r = ballots.build(state.fingerprint, state.key, QUESTIONS, picks, *keys, previous)
                response = cast(client, vote, ballot)
                assert response.status_code == 201, response.content
                receipts.append(response.json())
                for q, chosen in enumerate(picks):
                    for a in chosen:
                        expected[q][a] += 1
            vote.refresh_from_db()
            seen = vote.head  # what observers publish while the vote is open (the mirrors, the press)
            close(vote, early=True)
            board = c.board_file()
            for i in (2, 4, 5):
                c.run(
                    "decrypt",
                    "--board",
                    board,
                    "--key",
                    c.trustees[i - 1],
                    "--share",
                    folder / f"share{i}.json",
                    "--head",
                    seen,
                    "--out",
                    folder / f"partial{i}.json",
                )
                c.submit(folder / f"partial{i}.json")
            c.expected, c.audits, c.receipts, c.seen = expected, audits, receipts, seen
            c.lines = lines(c.vote)
            c.state = replay(c.vote)
            yield c
        finally:
            limits.disable()
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def test_the_count_is_the_ballots(election):
    assert election.vote.phase == Vote.Phase.RESULT
    assert election.state.ballots == 205  # 200 voters, 5 of whom voted twice
    assert election.state.counted == 200
    assert election.state.result == election.expected


def test_vote_verify_passes_and_says_the_result(election, tmp_path, capsys):
    call_command("vote_verify", election.vote.slug)
    out = capsys.readouterr().out
    assert "everything verifies." in out and "ballots: 205 cast, 200 counted" in out
    # The exported folder verifies too, with the receipts voters kept and the audits they made.
    call_command("vote_export", election.vote.slug, str(tmp_path / "copy"))
    receipt, audit = tmp_path / "receipt.json", tmp_path / "audit.json"
    receipt.write_text(json.dumps(election.receipts[17]))
    record, picks = election.audits[1]
    audit.write_text(json.dumps(record))
    call_command("vote_verify", str(tmp_path / "copy"), receipt=[receipt], audit=[audit])
    out = capsys.readouterr().out
    assert "everything verifies." in out
    # The folder's own keys.json is its host's word (issue 32, finding 8): said, until --root pins the organisers'.
    assert "compare that root with the one the organisers publish" in out
    from core import signing
    from veche.test_settings import OFFLINE_DIR

    root = signing.public_of(signing.read_key(OFFLINE_DIR / "root.key"))
    call_command("vote_verify", str(tmp_path / "copy"), root=root)
    assert "a key of the organisers' chain" in capsys.readouterr().out
    with pytest.raises(CommandError, match="does not start at the root you gave"):
        call_command("vote_verify", str(tmp_path / "copy"), root=signing.public_of(SigningKey.generate()))
    answers = ", ".join(QUESTIONS[1]["answers"][i] for i in sorted(picks[1])) or "—"
    assert f"audit {audit}: Совет: {answers}" in out


def faults_of(lines_, receipts=(), earlier=None):
    """What ``manage.py vote_verify`` says of this board (as a file), with the voters' receipts and an observer's
    earlier copy: each FAULT line it writes (it exits with an error when there is one)."""
    import io
    import tempfile
    from pathlib import Path

    folder = Path(tempfile.mkdtemp())

    def write(name, rows):
        (folder / name).write_text("".join(ballots.canonical(row).decode() + "\n" for row in rows))
        return folder / name

    options = {"receipt": [write(f"receipt{i}.json", [r]) for i, r in enumerate(receipts)]}
    if earlier is not None:
        options["earlier"] = write("earlier.jsonl", earlier)
    err = io.StringIO()
    try:
        call_command("vote_verify", str(write("board.jsonl", lines_)), stdout=io.StringIO(), stderr=err, **options)
    except CommandError:
        pass
    faults = [line.removeprefix("FAULT ") for line in err.getvalue().splitlines() if line.startswith("FAULT ")]
    assert faults == verify(lines_, receipts=list(receipts), earlier=earlier).faults
    return faults


def resign(lines_, key: SigningKey, start: int):
    """What a seized server can do with the board's key: rebuild the chain from ``start`` and sign it again."""
    out = lines_[:start]
    for line in lines_[start:]:
        entry = line["entry"]
        prev = out[-1]["hash"] if out else "0" * 64
        out.append(entry_line(len(out), entry["kind"], entry["payload"], prev, key))
    return out


def first_ballot(lines_):
    return next(i for i, line in enumerate(lines_) if line["entry"]["kind"] == "ballot")


def test_a_ballot_altered(election):
    changed = copy.deepcopy(election.lines)
    n = first_ballot(changed)
    choices = changed[n]["entry"]["payload"]["answers"][0]["choices"]
    choices[0], choices[1] = choices[1], choices[0]  # "yes" made "no"
    assert faults_of(changed) == [f"entry {n} (ballot): its hash is not the hash of its content: it was altered"]
    # Re-signed by a seized server: the ballot's own proofs and signature still catch it.
    resigned = resign(changed, SigningKey(bytes(election.vote.board_seed)), n)
    assert faults_of(resigned) == [f"entry {n} (ballot): the ballot's signature by its credential does not hold"]


def test_a_ballot_added_without_a_credential(election):
    outsider = SigningKey.generate()
    state = election.state
    ballot, _r = ballots.build(state.fingerprint, state.key, QUESTIONS, [[0], []], outsider, voter_keys(election, 0)[1])
    at = next(i for i, line in enumerate(election.lines) if line["entry"]["kind"] == "close")
    lines_ = election.lines[:at]
    lines_.append(entry_line(at, "ballot", ballot, lines_[-1]["hash"], SigningKey(bytes(election.vote.board_seed))))
    assert faults_of(lines_) == [
        f"entry {at} (ballot): the ballot's credential is not on the credential authority's list"
    ]


def test_a_ballot_dropped_from_the_board(election):
    n = first_ballot(election.lines) + 3
    dropped = election.lines[:n] + election.lines[n + 1 :]
    assert faults_of(dropped) == [
        f"entry {n} (ballot): entry number {n + 1} where {n} should be: entries were removed or added"
    ]
    # Re-chained and re-signed with the board's key, the board holds together: the voter's receipt does not.
    resigned = resign(dropped, SigningKey(bytes(election.vote.board_seed)), n)
    faults = faults_of(resigned, receipts=[next(r for r in election.receipts if r["entry"]["seq"] == n)])
    assert any(f.startswith(f"receipt for entry {n}: that entry is not on the board") for f in faults), faults
    # …nor does an observer's copy made before.
    faults = faults_of(resigned, earlier=election.lines[: n + 2])
    assert f"entry {n}: the board does not extend the earlier copy (it was changed or dropped)" in faults


def test_a_wrong_partial_decryption(election):
    n = next(i for i, line in enumerate(election.lines) if line["entry"]["kind"] == "partial")
    changed = copy.deepcopy(election.lines)
    document = changed[n]["entry"]["payload"]["document"]
    document["factors"][0][0] = hexof(base(12345))
    key = SigningKey(bytes(election.vote.board_seed))
    resigned = resign(changed, key, n)
    # The trustee's signature no longer holds; re-signed by the trustee, the proof does not.
    assert faults_of(resigned) == [f"entry {n} (partial): trustee 2's decryption: the signature does not hold"]
    from core import signing

    trustee = signing.read_key(election.trustees[1])
    changed[n]["entry"]["payload"] = ceremony.signed(document, trustee)
    resigned = resign(changed, key, n)
    assert faults_of(resigned) == [
        f"entry {n} (partial): question 1, answer 1: the proof of the partial decryption does not hold"
    ]


def test_a_changed_tally_or_result(election):
    key = SigningKey(bytes(election.vote.board_seed))
    n = next(i for i, line in enumerate(election.lines) if line["entry"]["kind"] == "result")
    changed = copy.deepcopy(election.lines)
    changed[n]["entry"]["payload"]["counts"][0][0] += 1
    assert faults_of(resign(changed, key, n)) == [
        f"entry {n} (result): the result is not what the tally and the trustees' decryptions give"
    ]
    t = next(i for i, line in enumerate(election.lines) if line["entry"]["kind"] == "tally")
    changed = copy.deepcopy(election.lines)
    changed[t]["entry"]["payload"]["ballots"] -= 1
    assert faults_of(resign(changed, key, t)) == [
        f"entry {t} (tally): the tally is not the product of the last ballot of each credential"
    ]


def test_vote_verify_names_the_fault_and_fails(election, tmp_path, capsys):
    n = first_ballot(election.lines)
    changed = copy.deepcopy(election.lines)
    changed[n]["entry"]["payload"]["answers"][1]["overall"][0][1] = scalar_hex(1)
    path = tmp_path / "board.jsonl"
    path.write_text(
        "".join(
            ballots.canonical(line).decode() + "\n"
            for line in resign(changed, SigningKey(bytes(election.vote.board_seed)), n)
        )
    )
    with pytest.raises(CommandError, match="does not verify: 1 fault"):
        call_command("vote_verify", str(path))
    assert (
        f"FAULT entry {n} (ballot): the ballot's signature by its credential does not hold" in capsys.readouterr().err
    )


def test_the_server_holds_no_share_seed_credential_or_voter(election):
    """Everything the vote's server stored after a whole election, searched for what must stay offline: the
    trustees' seeds and shares, the credential authority's and the registrar's seeds, the voters' private
    credentials and passes, their e-mails and names (voters.csv and the mail.csv files never reach the server)."""
    from django.conf import settings

    from core.testing import leaks
    from vote.models import Entry

    secrets = []
    for path in [*election.trustees, election.authority, election.registrar]:
        secrets.append(json.loads(path.read_text())["seed"])
    for i in range(1, len(election.trustees) + 1):
        share = json.loads((election.folder / f"share{i}.json").read_text())["share"]
        secrets += [share, str(int.from_bytes(bytes.fromhex(share), "little"))]
    secrets += election.credentials + election.passes
    secrets += [f"voter{n}@example.org" for n in range(200)] + [f"Voter {n}" for n in range(10, 200)]
    vote = Vote.objects.get(pk=election.vote.pk)
    board = list(Entry.objects.filter(vote=vote).values_list("line", flat=True))
    assert len(board) == election.state.length  # every line of the board is searched
    texts = [*board, vote.manifest, vote.head, vote.public_key, vote.fingerprint]
    var = settings.VAR_DIR
    texts += [p.read_bytes().decode("latin-1") for p in var.rglob("*") if p.is_file() and "sqlite3" not in p.name]
    assert leaks(secrets, texts) == []


def test_a_superseded_ballot_replayed_does_not_undo_the_re_vote(election):
    """Issue 32, finding 1: a voter voted, then voted again (the defence against a coercer); the coercer, or the
    server, casts the first ballot again after the second. As it was (the same tracker) or re-spelled (the
    signature in upper case, which the tracker hashed as a new ballot), every verifier refuses the board."""
    at = next(i for i, line in enumerate(election.lines) if line["entry"]["kind"] == "close")
    seen: dict[str, dict] = {}
    superseded = None
    for line in election.lines[:at]:
        entry = line["entry"]
        if entry["kind"] == "ballot":
            credential = entry["payload"]["credential"]
            if credential in seen:
                superseded = seen[credential]
                break
            seen[credential] = entry["payload"]
    assert superseded is not None  # the fixture's voters n % 40 == 1 voted twice
    key = SigningKey(bytes(election.vote.board_seed))
    respelled = {**superseded, "signature": superseded["signature"].upper()}
    for replayed, fault in (
        (superseded, "this ballot is already on the board"),
        (respelled, "the ballot's signature: 128 lower-case hex digits expected"),
    ):
        lines_ = election.lines[:at]
        lines_.append(entry_line(at, "ballot", replayed, lines_[-1]["hash"], key))
        faults = faults_of(lines_)
        assert len(faults) == 1 and faults[0].startswith(f"entry {at} (ballot): {fault}"), faults
        if NODE:  # the browser's verifier refuses the same board for the same reason
            in_browser = js("board", {"lines": lines_})["faults"]
            assert len(in_browser) == 1 and fault in in_browser[0], in_browser
    state = election.state
    with pytest.raises(ProtocolError, match="lower-case hex"):
        ballots.check(respelled, state.fingerprint, state.key, QUESTIONS)


def test_a_ballot_signed_before_the_re_vote_is_never_cast_after_it(election):
    """Issue 32, finding 1: a coercer has the voter sign a ballot and hand it over uncast; the voter then votes as
    they wish. The coerced ballot, cast after, is new to the board — but it names the state of the board before
    the voter's own ballot (``previous``), so every verifier refuses it, and so does the server."""
    state = election.state
    voter = 2  # voted once, in the fixture: its ballot on the board is its first
    coerced, _r = ballots.build(state.fingerprint, state.key, QUESTIONS, [[1], [0, 1]], *voter_keys(election, voter))
    own = next(
        line["entry"]["payload"]
        for line in election.lines
        if line["entry"]["kind"] == "ballot" and line["entry"]["payload"]["credential"] == coerced["credential"]
    )
    at = next(i for i, line in enumerate(election.lines) if line["entry"]["kind"] == "close")
    lines_ = election.lines[:at]
    lines_.append(entry_line(at, "ballot", coerced, lines_[-1]["hash"], SigningKey(bytes(election.vote.board_seed))))
    fault = (
        f"entry {at} (ballot): the ballot does not follow its credential's last ballot on the board "
        f"({ballots.tracker(own)[:16]}): one signed before a re-vote cannot be cast after it"
    )
    assert faults_of(lines_) == [fault]
    if NODE:
        assert js("board", {"lines": lines_})["faults"] == [fault]


def test_the_credential_authority_alone_casts_nothing(tmp_path):
    """Issue 32, finding 2: the credential authority holds every credential. With a voting pass of its own making
    it cast for voters who had not voted and overwrote a cast vote. Casting now needs the registrar's pass too,
    bound to the credential by the voter's first ballot: refused by the server, and by every verifier when a seized
    server puts such a ballot on the board anyway."""
    from django.test import Client

    c = make_vote(tmp_path, n_trustees=1, threshold=1, voters=4, slug="two-parties")
    vote, client = c.vote, Client()
    client.cookies["django_language"] = "en"  # the refusals compared in English
    state = replay(vote)
    vote_id = json.loads(vote.manifest)["id"]
    authority_pass = ballots.pass_key(vote_id, ballots.new_credential())  # a pass no registrar listed
    credential_0, pass_0 = voter_keys(c, 0)
    credential_1, pass_1 = voter_keys(c, 1)
    # Voter 0 votes YES.
    mine, _r = ballots.build(state.fingerprint, state.key, QUESTIONS, [[0], []], credential_0, pass_0)
    assert cast(client, vote, mine).status_code == 201
    after = ballots.tracker(mine)
    attempts = [
        # for voter 3, who has not voted, with its own pass
        (
            ballots.build(state.fingerprint, state.key, QUESTIONS, [[1], []], voter_keys(c, 3)[0], authority_pass)[0],
            403,
            "its voting pass is not on this vote's list",
        ),
        # over voter 0's YES, with its own pass
        (
            ballots.build(state.fingerprint, state.key, QUESTIONS, [[1], []], credential_0, authority_pass, after)[0],
            403,
            "its voting pass is not on this vote's list",
        ),
        # over voter 0's YES, with voter 1's real pass (voter 1 colluding, or its mail read)
        (
            ballots.build(state.fingerprint, state.key, QUESTIONS, [[1], []], credential_0, pass_1, after)[0],
            409,
            "this credential votes with another voting pass (the one of its first ballot)",
        ),
    ]
    for ballot, status, why in attempts:
        response = cast(client, vote, ballot)
        assert response.status_code == status and why in response.json()["detail"], response.content
    # Voter 1 votes with its own pass: then voter 0's pass is no use for voter 1's credential either.
    theirs, _r = ballots.build(state.fingerprint, state.key, QUESTIONS, [[0], []], credential_1, pass_1)
    assert cast(client, vote, theirs).status_code == 201
    stolen, _r = ballots.build(state.fingerprint, state.key, QUESTIONS, [[1], []], voter_keys(c, 2)[0], pass_1)
    response = cast(client, vote, stolen)
    assert (
        response.status_code == 409
        and "this voting pass has voted with another credential" in response.json()["detail"]
    )
    # A seized server puts the authority's ballots on the board anyway: every verifier names them.
    key = SigningKey(bytes(vote.board_seed))
    board_lines = lines(vote)
    for ballot, _status, why in attempts:
        forged = [*board_lines, entry_line(len(board_lines), "ballot", ballot, board_lines[-1]["hash"], key)]
        reason = why.replace(
            "its voting pass is not on this vote's list", "the ballot's voting pass is not on the registrar's list"
        )
        expected = [f"entry {len(board_lines)} (ballot): {reason}"]
        assert faults_of(forged) == expected
        if NODE:
            assert js("board", {"lines": forged})["faults"] == expected


def test_one_spelling_of_every_scalar_and_no_server_error_for_a_huge_number(election, client, monkeypatch):
    """Issue 32, findings 3 and 8: an upper-case proof scalar passed Python's check and failed the browser's; a
    JSON integer of more than 4,300 digits in a ballot answered 500."""
    from vote.group import scalar

    good = "0" * 63 + "1"
    assert scalar(good) == int.from_bytes(bytes.fromhex(good), "little")
    for bad in (good.upper().replace("0", "A", 1), 5, True, " " + good[1:]):
        with pytest.raises(ProtocolError):
            scalar(bad)
    monkeypatch.setattr("vote.store.refuse_unless_open", lambda vote: None)  # the fixture's vote is closed
    response = client.post(
        f"/api/vote/{election.vote.slug}/ballots", '{"n": ' + "9" * 5000 + "}", content_type="application/json"
    )
    assert response.status_code == 400, response.content


def test_a_fabricated_receipt_blames_no_board(election):
    """Issue 32, finding 6: a receipt anyone could type made the verifier report the honest board as having
    dropped or rewritten a ballot. Only a receipt the board's key signed, whose hash covers its entry, blames it."""
    honest = election.receipts[3]
    assert faults_of(election.lines, receipts=[honest]) == []
    fabricated = copy.deepcopy(honest)
    fabricated["entry"]["payload"]["answers"][0]["choices"].reverse()  # "I voted the other way", says someone
    forged_hash = {**fabricated, "hash": hashlib.sha256(ballots.canonical(fabricated["entry"])).hexdigest()}
    for receipt in (fabricated, forged_hash, {"entry": {"seq": 5}}, "not a receipt"):
        faults = faults_of(election.lines, receipts=[receipt])
        assert len(faults) == 1 and "not a receipt of this board" in faults[0], faults
    # A receipt the board really signed, for an entry it then dropped, still blames it (test_a_ballot_dropped…).


def test_trustees_decrypt_only_the_board_observers_saw(election, tmp_path):
    """Issue 32, finding 4: the server holds the board key. It forked a board that holds one voter's ballot only,
    self-consistent and signed, and honest trustees decrypted it — that voter's ballot. The offline tool decrypts
    only a board that holds the head observers published during the vote (or extends a copy one kept), and never a
    tally of fewer ballots than the manifest's minimum; the verifiers refuse such a decryption too."""
    import contextlib
    import io

    from vote import offline

    key = SigningKey(bytes(election.vote.board_seed))
    first = first_ballot(election.lines)
    fork = resign([*election.lines[:first], election.lines[first]], key, first)
    board_state = verify(fork).state
    fork.append(entry_line(len(fork), "close", {"closed": "2026-12-06"}, fork[-1]["hash"], key))
    board_state = verify(fork).state
    fork.append(entry_line(len(fork), "tally", board_state.tally_payload(), fork[-1]["hash"], key))
    assert verify(fork).ok  # the fork holds together: only what observers saw tells it apart
    path = tmp_path / "fork.jsonl"
    path.write_text("".join(ballots.canonical(line).decode() + "\n" for line in fork))
    earlier = tmp_path / "earlier.jsonl"
    earlier.write_text("".join(ballots.canonical(line).decode() + "\n" for line in election.lines[: first + 3]))

    def decrypt(*extra):
        err = io.StringIO()
        args = ["decrypt", "--board", path, "--key", election.trustees[0], "--share", election.folder / "share1.json"]
        with contextlib.redirect_stderr(err):
            code = offline.main([str(a) for a in [*args, "--out", tmp_path / "p.json", *extra]], out=io.StringIO())
        assert code == 2 and not (tmp_path / "p.json").exists()
        return err.getvalue()

    assert "give at least one head hash" in decrypt()
    assert "does not hold the entry" in decrypt("--head", election.seen)
    assert "does not extend the copy" in decrypt("--earlier", earlier)
    # Even a trustee shown the fork's own head (the server published it as the vote's) decrypts no single ballot.
    assert "fewer than the manifest's 5: it is not decrypted" in decrypt("--head", fork[-1]["hash"])
    # And a partial decryption of it, made anyway, fails every verifier.
    from core import signing

    trustee = signing.read_key(election.trustees[0])
    share = json.loads((election.folder / "share1.json").read_text())["share"]
    partial = ceremony.make_partial(
        board_state.fingerprint, 1, int.from_bytes(bytes.fromhex(share), "little"), verify(fork).state.tally, trustee
    )
    fork.append(entry_line(len(fork), "partial", partial, fork[-1]["hash"], key))
    fault = (
        f"entry {len(fork) - 1} (partial): a partial decryption of 1 ballots, fewer than the manifest's 5: "
        "no trustee decrypts it"
    )
    assert faults_of(fork) == [fault]
    if NODE:
        assert js("board", {"lines": fork})["faults"] == [fault]


def test_the_ballots_checked_in_parallel_give_the_same_verdict(election):
    """vote_verify checks the ballots in a process a core (a board of a million ballots in minutes, not an hour):
    the verdict, the fault and the result are those of the walk alone."""
    key = SigningKey(bytes(election.vote.board_seed))
    n = first_ballot(election.lines) + 7
    altered = copy.deepcopy(election.lines)
    altered[n]["entry"]["payload"]["answers"][0]["overall"][0][0] = scalar_hex(5)
    replayed = [*election.lines[: n + 1], election.lines[n], *election.lines[n + 1 :]]
    for lines_ in (election.lines, resign(altered, key, n), resign(replayed, key, n + 1)):
        alone, parallel = verify(lines_), verify(lines_, workers=2)
        assert parallel.faults == alone.faults
        assert parallel.state.result == alone.state.result and parallel.state.ballots == alone.state.ballots
    assert verify(election.lines, workers=2).state.result == election.expected


def test_fewer_than_t_trustees_give_no_result(election):
    """Two of the five trustees (the threshold is three) decrypted: no result follows, not even the true one."""
    key = SigningKey(bytes(election.vote.board_seed))
    partials = [i for i, line in enumerate(election.lines) if line["entry"]["kind"] == "partial"]
    lines_ = election.lines[: partials[1] + 1]
    result = {"trustees": [2, 4], "counts": election.expected}
    lines_.append(entry_line(len(lines_), "result", result, lines_[-1]["hash"], key))
    fault = f"entry {len(lines_) - 1} (result): a result before enough trustees decrypted"
    assert faults_of(lines_) == [fault]
    if NODE:
        assert js("board", {"lines": lines_})["faults"] == [fault]


def test_credentials_printed_for_people_without_a_mailbox(election, tmp_path):
    """Issue 32, beyond: a voter whose mailbox the state reads gets the credential on paper, in person: a page per
    voter with the code, the link as a QR code (the election's fingerprint in it) and the fingerprint to compare.
    The roll needs no e-mail; no mail.csv is written; the file holds secrets (mode 0600)."""
    import re
    import stat

    import segno

    from vote import offline

    roll = tmp_path / "roll.csv"
    roll.write_text("name\nАнна Петрова\nБорис <Б.>\n")
    sheets = tmp_path / "sheets.html"
    args = ["credentials", "--board", election.board_file(), "--key", election.authority, "--voters", roll]
    args += ["--out-dir", tmp_path / "ca", "--print-out", sheets]
    assert offline.main([str(a) for a in args], out=io.StringIO()) == 0
    page = sheets.read_text()
    assert stat.S_IMODE(sheets.stat().st_mode) == 0o600 and not (tmp_path / "ca" / "mail.csv").exists()
    assert page.count('class="sheet"') == 2 and "Анна Петрова" in page and "Борис &lt;Б.&gt;" in page
    codes = [code.replace(" ", "") for code in re.findall(r'class="code">([^<]+)<', page)]
    assert len(codes) == 2 and all(len(code) == 24 for code in codes)
    batch = json.loads((tmp_path / "ca" / "credentials.json").read_text())["document"]["credentials"]
    vote_id = json.loads(election.vote.manifest)["id"]
    assert sorted(ballots.public_credential(vote_id, code) for code in codes) == batch
    for code in codes:
        link = (
            f"https://veche.example/vote/{election.vote.slug}/#credential={code}&election={election.state.fingerprint}"
        )
        assert segno.make(link, error="m").svg_inline(scale=4, omitsize=False) in page


def test_a_board_of_the_earlier_protocol_takes_no_ballot_and_the_demo_remakes_its_own(settings, client):
    """Ballots and manifests changed version here (issue 32). A vote made before takes no ballot, and says so
    (not a server error); the demo's own votes of the earlier version are made again by `make run`'s demo step."""
    import datetime

    from django.core.management import call_command
    from django.utils import timezone

    from vote.models import Entry

    key = SigningKey.generate()
    old = {"format": "veche-vote/1", "id": "old", "slug": "demo-referendum", "title": "old", "questions": QUESTIONS}
    now = timezone.now()
    vote = Vote.objects.create(
        slug="demo-referendum",
        title="old",
        manifest=ballots.canonical(old).decode(),
        board_seed=bytes(key),
        opens=now - datetime.timedelta(days=1),
        closes=now + datetime.timedelta(days=1),
        phase=Vote.Phase.OPEN,
        demo=True,
    )
    line = entry_line(0, "manifest", {"manifest": old, "signature": {}}, "0" * 64, key)
    Entry.objects.create(vote=vote, seq=0, kind="manifest", line=ballots.canonical(line).decode(), hash=line["hash"])
    client.cookies["django_language"] = "en"
    response = cast(client, vote, {"format": "veche-ballot/2"})
    assert response.status_code == 409 and "earlier version of the protocol" in response.json()["detail"]
    settings.DEMO, settings.SIGNING_ROOT = True, ""
    call_command("vote_demo", stdout=io.StringIO())
    remade = Vote.objects.get(slug="demo-referendum")
    assert json.loads(remade.manifest)["format"] == ceremony.MANIFEST and remade.phase == Vote.Phase.OPEN
    assert verify(lines(remade)).ok
    # The demo voters' mails: a whole link, which the outbox page lets them tap and which fills the key in.
    from django.core import mail

    from core.models import DemoMail

    sent = next(m for m in mail.outbox if m.subject.startswith("Ваш ключ"))
    DemoMail.objects.create(to=sent.to[0], subject=sent.subject, body=sent.body)
    outbox = client.get("/demo/outbox/").content.decode()
    assert f'href="{settings.DEMO_SITE_URL}/vote/demo-referendum/#credential=' in outbox


def test_the_exported_folder_goes_to_mirrors_only_whole(election, tmp_path):
    """Issue 35: a vote's folder (board, verifier, ballot builder) is published with the lookup's command to a git
    pages branch and an rsync destination once its board replays from the pinned root; a board with one byte of a
    ballot changed, or a builder that is not this code's, goes to no host."""
    exported = tmp_path / "exported"
    call_command("vote_export", election.vote.slug, str(exported))
    bare, www = tmp_path / "pages.git", tmp_path / "www"
    subprocess.run(["git", "init", "--quiet", "--bare", str(bare)], check=True)
    out = io.StringIO()
    call_command("publish_mirror", str(exported), "--to", f"git+{bare}", "--to", f"rsync+{www}", stdout=out, stderr=out)
    assert out.getvalue().count("read back and matching") == 2, out.getvalue()
    assert f"version {len(election.lines)}" in out.getvalue()
    files = {p.relative_to(exported): p.read_bytes() for p in exported.rglob("*") if p.is_file()}
    assert {p.relative_to(www): p.read_bytes() for p in www.rglob("*") if p.is_file()} == files
    log = subprocess.run(["git", "-C", str(bare), "log", "--format=%an %at", "pages"], capture_output=True, text=True)
    name, when = log.stdout.split("\n")[0].rsplit(" ", 1)
    assert name == "Veche mirror" and int(when) % 3600 == 0  # no time finer than the hour
    board = (exported / "board.jsonl").read_text().splitlines()
    ballot = next(i for i, line in enumerate(board) if '"kind":"ballot"' in line)
    at = board[ballot].index('"signature":"') + len('"signature":"')
    altered = tmp_path / "altered"
    shutil.copytree(exported, altered)
    board[ballot] = board[ballot][:at] + ("B" if board[ballot][at] == "A" else "A") + board[ballot][at + 1 :]
    (altered / "board.jsonl").write_text("\n".join(board) + "\n")
    with pytest.raises(CommandError, match="the board does not verify"):
        call_command("publish_mirror", str(altered), "--to", f"rsync+{tmp_path / 'www2'}", stdout=io.StringIO())
    foreign = tmp_path / "foreign"
    shutil.copytree(exported, foreign)
    with (foreign / "ballot.js").open("a") as fh:
        fh.write("\n// sends the choices elsewhere\n")
    with pytest.raises(CommandError, match="not the ballot builder this code ships"):
        call_command("publish_mirror", str(foreign), "--to", f"rsync+{tmp_path / 'www2'}", stdout=io.StringIO())
    assert not (tmp_path / "www2").exists()


def test_a_votes_page_shows_its_times_as_the_clocks_where_it_is_held(client):
    """The page said "(UTC)" beside times Django had turned into Moscow's: a vote in Vladivostok that opens at
    midnight UTC opens at 10:00 there, and its page says so with the zone; a zone nobody knows is refused."""
    from core import signing
    from vote.store import VoteError, create

    def key() -> str:
        return signing.public_of(SigningKey.generate())

    definition = {
        "slug": "primorye",
        "title": "Праймериз в Приморье",
        "questions": QUESTIONS,
        "opens": "2026-12-20T00:00:00+00:00",
        "closes": "2026-12-21T11:00:00+00:00",
        "time_zone": "Asia/Vladivostok",
        "threshold": 1,
        "trustees": [{"name": "T1", "key": key()}],
        "credential_authority": key(),
        "registrar": key(),
    }
    with pytest.raises(VoteError, match="Unknown time zone"):
        create({**definition, "time_zone": "Mars/Olympus"})
    assert not Vote.objects.filter(slug="primorye").exists()
    vote = create(definition)
    Vote.objects.filter(pk=vote.pk).update(phase=Vote.Phase.SETUP)
    page = client.get("/vote/primorye/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "from 20 December 2026, 10:00 to 21 December 2026, 21:00 (Asia/Vladivostok, UTC+10:00)" in page
    assert "(UTC)" not in page
    moscow = create({**definition, "slug": "moscow", "time_zone": ""})  # none given: the site's own
    assert moscow.time_zone == "Europe/Moscow"
