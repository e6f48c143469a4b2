"""Every proof against known answers, and each with tampered inputs (every one must fail); the browser's code
(vote.js, under node) on the same vectors."""

import copy
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from vote import ballots
from vote.group import IDENTITY, L, ProtocolError, base, hexof, lagrange_at_zero, point, scalar, scalar_hex
from vote.proofs import equal, in_range, knows
from vote.tests.vectors import CONTEXT, KEY, PREVIOUS, QUESTIONS, X, vectors

HERE = Path(__file__).parent
PINNED = json.loads((HERE / "vectors.json").read_text())

CREDENTIAL = ballots.credential_key("kat-vote", PINNED["credential"]["text"])
PASS = ballots.pass_key("kat-vote", PINNED["pass"]["text"])


def resigned(ballot: dict) -> dict:
    """A changed ballot signed again by the voter's own keys: what a cheating browser sends."""
    return ballots.sign(ballots.unsigned(ballot), CREDENTIAL, PASS)


def bumped(pair_list, branch=0, part=1):
    """A proof with one scalar changed by one."""
    changed = copy.deepcopy(pair_list)
    changed[branch][part] = scalar_hex(scalar(changed[branch][part]) + 1)
    return changed


def test_the_provers_give_the_pinned_answers():
    assert vectors() == PINNED


def test_points_from_outside_are_checked():
    point(PINNED["key"])
    small_order = "0000000000000000000000000000000000000000000000000000000000000000"  # a point of order 4
    for bad in [
        hexof(IDENTITY),
        small_order,
        "ff" * 32,
        PINNED["key"].upper(),
        PINNED["key"][:-2],
        7,
        None,
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
    ]:  # a point of order 8
        with pytest.raises(ProtocolError):
            point(bad)
    # A point on the curve but outside the prime-order subgroup: the key plus the point of order 2.
    from nacl import bindings

    order2 = bytes.fromhex("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")
    with pytest.raises(ProtocolError):
        point(order2.hex())
    with pytest.raises(ProtocolError):
        point(bindings.crypto_core_ed25519_add(KEY, order2).hex())
    with pytest.raises(ProtocolError):
        scalar(scalar_hex(0)[:-2] + "ff")  # above L
    assert scalar(scalar_hex(L - 1)) == L - 1


def test_proof_of_knowledge():
    pub = base(X)
    assert knows(CONTEXT, pub, PINNED["pok"])
    assert not knows("another context", pub, PINNED["pok"])
    assert not knows(CONTEXT, base(X + 1), PINNED["pok"])
    assert not knows(CONTEXT, pub, bumped(PINNED["pok"], part=0))
    assert not knows(CONTEXT, pub, bumped(PINNED["pok"], part=1))


def test_range_proof_zero_or_one():
    alpha, beta = (point(p) for p in PINNED["ciphertext"])
    proof = PINNED["range01"]
    assert in_range(CONTEXT, KEY, alpha, beta, 0, 1, proof)
    assert not in_range("other", KEY, alpha, beta, 0, 1, proof)
    assert not in_range(CONTEXT, KEY, beta, alpha, 0, 1, proof)
    assert not in_range(CONTEXT, KEY, alpha, base(5), 0, 1, proof)  # another ciphertext
    assert not in_range(CONTEXT, base(X + 1), alpha, beta, 0, 1, proof)  # another key
    for branch in (0, 1):
        for part in (0, 1):
            assert not in_range(CONTEXT, KEY, alpha, beta, 0, 1, bumped(proof, branch, part))
    with pytest.raises(ProtocolError):
        in_range(CONTEXT, KEY, alpha, beta, 0, 2, proof)  # three branches expected
    # A ciphertext of 2 cannot be proved to be 0 or 1.
    from vote.proofs import encrypt, prove_range

    a2, b2 = encrypt(KEY, 2, 99)
    with pytest.raises(ProtocolError):
        prove_range(CONTEXT, KEY, a2, b2, 2, 99, 0, 1)
    assert not in_range(CONTEXT, KEY, a2, b2, 0, 1, prove_range(CONTEXT, KEY, a2, b2, 2, 99, 1, 2))


def test_decryption_proof():
    alpha = point(PINNED["ciphertext"][0])
    factor = point(PINNED["decryption"]["factor"])
    proof = PINNED["decryption"]["proof"]
    vkey = base(X)
    assert equal(CONTEXT, vkey, alpha, factor, proof)
    assert not equal(CONTEXT, vkey, alpha, base(3), proof)  # a wrong factor
    assert not equal(CONTEXT, base(X + 1), alpha, factor, proof)  # another trustee's key
    assert not equal("other", vkey, alpha, factor, proof)
    assert not equal(CONTEXT, vkey, alpha, factor, bumped(proof))


def test_ballot_and_its_tampering():
    ballot = PINNED["ballot"]
    credential, _cts = ballots.check(ballot, "kat-election", KEY, QUESTIONS)
    assert credential == PINNED["credential"]["public"]
    assert ballots.tracker(ballot) == PINNED["tracker"]
    assert len(ballot["answers"][0]["proofs"]) == 1  # yes/no: the second answer's range follows from the sum
    assert len(ballot["answers"][1]["proofs"]) == 3
    with pytest.raises(ProtocolError, match="another election"):
        ballots.check(ballot, "other-election", KEY, QUESTIONS)
    for path, message in [
        (("answers", 0, "choices", 0, 0), "signature"),
        (("answers", 1, "overall", 0, 1), "signature"),
        (("signature",), "signature"),
        (("pass_signature",), "signature by its voting pass"),
        (("credential",), "signature"),
        (("pass",), "signature by its credential"),
        (("previous",), "signature by its credential"),
    ]:
        changed = copy.deepcopy(ballot)
        holder = changed
        for key in path[:-1]:
            holder = holder[key]
        holder[path[-1]] = "00" * 64 if str(path[-1]).endswith("signature") else scalar_hex(7)
        with pytest.raises(ProtocolError, match=message):
            ballots.check(changed, "kat-election", KEY, QUESTIONS)
    # Proofs are bound to the credential: the same ciphertexts and proofs under another credential do not hold.
    from nacl.signing import SigningKey

    thief = SigningKey.generate()
    body = {**ballots.unsigned(ballot), "credential": bytes(thief.verify_key).hex()}
    stolen = ballots.sign(body, thief, PASS)
    with pytest.raises(ProtocolError, match="question 1, answer 1: the proof"):
        ballots.check(stolen, "kat-election", KEY, QUESTIONS)
    # The ballot names what it follows, and both keys sign it: each in one spelling.
    assert ballot["previous"] == PREVIOUS and ballot["pass"] == PINNED["pass"]["public"]
    for field, value, message in [
        ("previous", PREVIOUS.upper(), "previous: 64 lower-case hex"),
        ("previous", PREVIOUS[:-2], "previous: 64 lower-case hex"),
        ("previous", None, "previous: 64 lower-case hex"),
        ("pass", PINNED["pass"]["public"].upper(), "64 lower-case hex"),
    ]:
        with pytest.raises(ProtocolError, match=message):
            ballots.check(resigned({**ballot, field: value}), "kat-election", KEY, QUESTIONS)
    with pytest.raises(ProtocolError, match="pass signature: 128 lower-case"):
        ballots.check({**ballot, "pass_signature": ballot["pass_signature"].upper()}, "kat-election", KEY, QUESTIONS)
    for missing in ("pass", "pass_signature", "previous"):
        with pytest.raises(ProtocolError, match="not a ballot"):
            ballots.check({k: v for k, v in ballot.items() if k != missing}, "kat-election", KEY, QUESTIONS)


def test_a_point_outside_the_group_in_a_ballot_is_named():
    """The points of an answer with its own proof are checked by the multiplications of that proof; an implied
    answer's here; either way the message names the answer."""
    from nacl import bindings

    order2 = bytes.fromhex("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")
    for q, a, part in [(0, 0, 0), (0, 0, 1), (0, 1, 0), (0, 1, 1), (1, 2, 1)]:
        changed = copy.deepcopy(PINNED["ballot"])
        mixed = bindings.crypto_core_ed25519_add(bytes.fromhex(changed["answers"][q]["choices"][a][part]), order2)
        changed["answers"][q]["choices"][a][part] = mixed.hex()
        changed = resigned(changed)
        with pytest.raises(ProtocolError, match=f"question {q + 1}, answer {a + 1}: not a point of the group"):
            ballots.check(changed, "kat-election", KEY, QUESTIONS)


def test_a_ballot_that_chooses_too_many_is_refused():
    key = ballots.credential_key("v", "7sVqhmTZ3xN1aBcDeFgHiJkL")
    with pytest.raises(ProtocolError, match="too few or too many"):
        ballots.build("e", KEY, QUESTIONS, [[0, 1], []], key, PASS)
    # A cheating browser that encrypts two "yes" cannot make the sum proof: forge it with the 0..2 range.
    from vote.proofs import encrypt, prove_range

    ballot, _r = ballots.build("e", KEY, QUESTIONS, [[0], []], key, PASS)
    cts = [encrypt(KEY, 1, 5), encrypt(KEY, 1, 6)]
    answer = ballot["answers"][0]
    answer["choices"] = [[hexof(a), hexof(b)] for a, b in cts]
    from vote.group import total

    ctx = f"e|{ballot['credential']}"
    answer["proofs"] = [prove_range(ctx, KEY, *cts[0], 1, 5, 0, 1)]
    a, b = total([c[0] for c in cts]), total([c[1] for c in cts])
    answer["overall"] = prove_range(ctx, KEY, a, b, 2, 11, 1, 2)[:1]
    ballot = ballots.sign(ballots.unsigned(ballot), key, PASS)
    with pytest.raises(ProtocolError, match="question 1: the proof of the number of answers"):
        ballots.check(ballot, "e", KEY, QUESTIONS)


def test_audit_reveals_the_choices_and_catches_a_lie():
    unsigned = ballots.unsigned(PINNED["ballot"])
    record = {"ballot": unsigned, "randomness": PINNED["ballot_randomness"], "choices": [[0], [1, 2]]}
    assert ballots.audit(record, "kat-election", KEY, QUESTIONS) == [[0], [1, 2]]
    # Issue 32, finding 5: an audit record holding the signed ballot (which could still be cast) is refused, and
    # so is one holding either signature.
    for signed in (PINNED["ballot"], {**unsigned, "signature": PINNED["ballot"]["signature"]}):
        with pytest.raises(ProtocolError, match="no signature"):
            ballots.audit({**record, "ballot": signed}, "kat-election", KEY, QUESTIONS)
    lie = {**record, "choices": [[1], [1, 2]]}
    with pytest.raises(ProtocolError, match="does not encrypt what it says"):
        ballots.audit(lie, "kat-election", KEY, QUESTIONS)


def test_lagrange_recovers_the_secret():
    coefficients = [11, 22, 33]  # f(x) = 11 + 22x + 33x²

    def f(x):
        return sum(c * x**k for k, c in enumerate(coefficients)) % L

    for chosen in ([1, 2, 3], [2, 4, 5], [1, 3, 5]):
        assert sum(lagrange_at_zero(j, chosen) * f(j) for j in chosen) % L == 11


def test_credentials():
    assert ballots.normal_credential("7sVq hmTZ-3xN1 aBcD eFgH iJkL") == "7sVqhmTZ3xN1aBcDeFgHiJkL"
    for bad in ["short", "0sVqhmTZ3xN1aBcDeFgHiJkL", "7sVqhmTZ3xN1aBcDeFgHiJkLX"]:
        with pytest.raises(ProtocolError):
            ballots.normal_credential(bad)
    assert len({ballots.new_credential() for _ in range(100)}) == 100


NODE = shutil.which("node")
# Without node the browser's verifier and ballot code are compared with nothing, and the tests that would compare
# them skip or leave their browser half out: CI installs node and sets this, so a missing one fails instead.
if NODE is None and os.environ.get("VECHE_REQUIRE_NODE"):
    raise RuntimeError("node is not installed (apt-get install nodejs): the JavaScript verifier goes untested")


def js(function, data):
    result = subprocess.run(
        ["node", str(HERE / "run.js"), function],
        input=json.dumps(data),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(result.stdout)


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_the_browser_code_agrees():
    assert js("challenge", {"tag": "kat", "items": ["a", 7, PINNED["key"]]}) == PINNED["challenge"]
    assert (
        js("credential", {"vote": "kat-vote", "text": None, "credential": PINNED["credential"]["text"]})
        == PINNED["credential"]["public"]
    )
    assert (
        js("credential", {"vote": "kat-vote", "credential": PINNED["pass"]["text"], "kind": "pass"})
        == PINNED["pass"]["public"]
    )
    good = {"ballot": PINNED["ballot"], "election": "kat-election", "key": PINNED["key"], "questions": QUESTIONS}
    assert js("check", good) == {"ok": True}
    changed = copy.deepcopy(good)
    changed["ballot"]["answers"][0]["choices"][0][0] = PINNED["ciphertext"][1]
    assert js("check", changed)["ok"] is False
    # A ballot the browser builds, Python checks.
    built = js(
        "build",
        {
            "election": "kat-election",
            "key": PINNED["key"],
            "questions": QUESTIONS,
            "picks": [[1], []],
            "vote": "kat-vote",
            "credential": PINNED["credential"]["text"],
            "pass": PINNED["pass"]["text"],
            "previous": PREVIOUS,
        },
    )
    credential, _cts = ballots.check(built["ballot"], "kat-election", KEY, QUESTIONS)
    assert credential == PINNED["credential"]["public"]
    assert built["ballot"]["pass"] == PINNED["pass"]["public"] and built["ballot"]["previous"] == PREVIOUS
    unsigned = ballots.unsigned(built["ballot"])
    record = {**built, "ballot": unsigned, "choices": [[1], []]}
    assert ballots.audit(record, "kat-election", KEY, QUESTIONS) == [[1], []]


def test_the_browser_speaks_the_visitors_language():
    """Every message vote.js and verify.js can show is one of the catalogue's, translated (the page carries them)."""
    from django.utils import translation

    from vote.views import catalogue, js_msgids

    assert len(js_msgids()) > 60
    with translation.override("ru"):
        untranslated = [m for m, text in catalogue().items() if text == m]
    assert not untranslated
