"""The two verifiers, differentially: a real board (a whole election, built in memory by the same code the server
and the offline tool run), mutated thousands of ways, each mutation checked by vote/board.py and by the browser's
verifier (verify.js, under node); the two must refuse the same boards, at the same entry (issue 32, finding 3: a
board that vote_verify passed and the verifier page refused, or the reverse, lets one voter make an honest vote
look broken to everyone who checks it in a browser).

A mutation changes one value of one entry (a hex digit's case or length, a number's type, a point for the
identity or one of small order, a key removed or added, a list cut or doubled…) or moves a line, and then — as an
insider could — signs again what it changed: the organisers' manifest, a trustee's document, a batch, a ballot (by
its credential and pass), and the board's line with the board key. Both verifiers walk the base board once and
keep their state before each line; each case is walked from the state before its first line, so a case costs
one or a few entries, not the whole board.

    python -m vote.tests.fuzz [CASES] [SEED]     # a longer run than the test's (bench-sized)
"""

from __future__ import annotations

import base64
import copy
import json
import os
import random
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from nacl.public import SealedBox
from nacl.signing import SigningKey, VerifyKey

from core import signing
from vote import ballots, board, ceremony
from vote.ballots import canonical
from vote.group import IDENTITY, L, base, scalar_hex

HERE = Path(__file__).parent
QUESTIONS = [
    {"question": "Да или нет?", "answers": ["Да", "Нет"], "min": 1, "max": 1},
    {"question": "Совет", "answers": ["А", "Б", "В"], "min": 0, "max": 2},
]
SMALL_ORDER = "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa"  # a point of order 8
HEX = re.compile(r"[0-9a-f]+")
ENTRY = re.compile(r"entry (\d+) ")


@dataclass
class Party:
    """Every key of the election: the fuzzer signs again what it changes, as the party itself could."""

    board: SigningKey
    private: dict[str, SigningKey] = field(default_factory=dict)  # public key text → private key
    voters: dict[str, tuple[SigningKey, SigningKey]] = field(default_factory=dict)  # public credential → keys


def base_board(seed: int = 1) -> tuple[list[dict], Party]:
    """A whole election: manifest, 3 trustees (2 decrypt; one sealed a wrong share, was complained of and answered),
    credentials and passes for 4 voters, 4 ballots (one a re-vote), the close, the tally, two partial decryptions
    and the result."""
    rng = random.Random(seed)

    def key() -> SigningKey:
        return SigningKey(rng.randbytes(32))

    party = Party(board=key())
    org, authority, registrar = key(), key(), key()
    trustees = [key() for _ in range(3)]
    for k in [org, authority, registrar, *trustees]:
        party.private[signing.public_of(k)] = k
    manifest = {
        "format": ceremony.MANIFEST,
        "id": "fuzz-vote",
        "slug": "fuzz",
        "title": "Fuzz",
        "description": "",
        "questions": QUESTIONS,
        "opens": "2026-12-01T00:00:00+00:00",
        "closes": "2026-12-31T00:00:00+00:00",
        "threshold": 2,
        "trustees": [{"name": f"T{i}", "key": signing.public_of(k)} for i, k in enumerate(trustees, 1)],
        "credential_authority": signing.public_of(authority),
        "registrar": signing.public_of(registrar),
        "eligibility": "",
        "min_ballots": 2,
        "board_key": signing.public_of(party.board),
        "demo": False,
    }
    state, lines = board.State(), []

    def put(kind: str, payload: dict) -> None:
        line = board.entry_line(state.length, kind, payload, state.head, party.board)
        board.take(state, line)
        lines.append(line)

    put("manifest", {"manifest": manifest, "signature": signing.sign(canonical(manifest), org)})
    for i, k in enumerate(trustees, 1):
        deal = ceremony.make_deal(manifest, i, k)
        if i == 1:  # trustee 1 seals trustee 2 a wrong share: 2 complains, 1 answers with the right one
            deal = ceremony.signed({**deal["document"], "shares": wrong_share(manifest, deal["document"], 2)}, k)
        put("deal", deal)
    put("complaint", ceremony.complaint(manifest, 2, 1, trustees[1], state.last_deal))
    put("answer", ceremony.answer(manifest, 1, 2, trustees[0]))
    shares = {}
    for i, k in enumerate(trustees, 1):
        revealed = {dealer: v for (j, dealer), v in state.complaints.items() if j == i}
        shares[i], document = ceremony.accept(manifest, state.deals, i, k, state.last_deal, revealed)
        put("accept", document)
    put("open", state.open_payload())
    texts = [ballots.new_credential() for _ in range(4)]
    passes = [ballots.new_credential() for _ in range(4)]
    public = [ballots.public_credential("fuzz-vote", c) for c in texts]
    put("credentials", ceremony.credential_batch(manifest, 1, public, {"list": 4}, authority))
    listed = [ballots.public_credential("fuzz-vote", p, "pass") for p in passes]
    put("passes", ceremony.pass_batch(manifest, 1, listed, registrar))
    for c, p in zip(texts, passes, strict=True):
        keys = (ballots.credential_key("fuzz-vote", c), ballots.pass_key("fuzz-vote", p))
        party.voters[bytes(keys[0].verify_key).hex()] = keys
    for n, picks in enumerate([[[0], [1]], [[1], []], [[1], [0, 2]], [[0], [2]]]):
        voter = [0, 1, 0, 2][n]
        credential = ballots.public_credential("fuzz-vote", texts[voter])
        previous = state.latest.get(credential, ballots.FIRST)
        ballot, _r = ballots.build(state.fingerprint, state.key, QUESTIONS, picks, *party.voters[credential], previous)
        put("ballot", ballot)
    put("close", {"closed": "2026-12-31"})
    put("tally", state.tally_payload())
    for i in (1, 3):
        put("partial", ceremony.make_partial(state.fingerprint, i, shares[i], state.tally, trustees[i - 1]))
    put("result", state.result_payload())
    return lines, party


def wrong_share(manifest: dict, deal: dict, to: int) -> list[str]:
    """A deal's sealed shares with the one for trustee ``to`` replaced by a share of nothing (a cheating dealer)."""
    box = SealedBox(VerifyKey(base64.b64decode(manifest["trustees"][to - 1]["key"])).to_curve25519_public_key())
    plain = {"format": ceremony.SHARE, "election": ceremony.manifest_hash(manifest), "from": deal["trustee"], "to": to}
    shares = list(deal["shares"])
    shares[to - 1] = base64.b64encode(box.encrypt(canonical({**plain, "share": scalar_hex(12345)}))).decode()
    return shares


# -- mutations ---------------------------------------------------------------------------------------
def _hex_variants(rng: random.Random, v: str) -> list:
    flip = rng.randrange(len(v))
    digit = "0123456789abcdef"[(int(v[flip], 16) + 1 + rng.randrange(15)) % 16]
    return [
        v.upper(),
        v[:-1],
        v[:-2],
        v + "0",
        v + "00",
        v[:flip] + digit + v[flip + 1 :],
        " " + v,
        IDENTITY.hex() if len(v) == 64 else "0" * len(v),
        SMALL_ORDER if len(v) == 64 else v,
        base(rng.randrange(1, 1000)).hex() if len(v) == 64 else v,
        scalar_hex(L - 1) if len(v) == 64 else v,
        "ff" * (len(v) // 2),
        "0" * len(v),
    ]


def mutate_value(rng: random.Random, v: object) -> object:
    if isinstance(v, bool):
        return rng.choice([not v, int(v), None, str(v).lower(), 1.0])
    if isinstance(v, int):
        return rng.choice([v + 1, v - 1, v == 1, float(v), str(v), None, -v, 2**53 + v, 0, 2**60, [v]])
    if isinstance(v, str):
        if v and HEX.fullmatch(v):
            return rng.choice(_hex_variants(rng, v))
        options = ["", v + "x", v.upper(), v + "\n", " " + v, 5, None, True, [v]]
        if v.endswith("="):
            options += [v.rstrip("="), v[:-1]]
        return rng.choice(options)
    if isinstance(v, list):
        options = [v[:-1], v + v[-1:], list(reversed(v)), [], [*v, None], [v], v[1:] + v[:1], "x"]
        return rng.choice(options)
    if isinstance(v, dict):
        return rng.choice([{**v, "extra": 1}, list(v.values()), None, {}])
    return rng.choice([0, "", {}, [], False])


def nodes(value: object, path: tuple = ()) -> list[tuple]:
    """Every place in a JSON value: (path, value)."""
    found = [(path, value)]
    if isinstance(value, dict):
        for k, v in value.items():
            found += nodes(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found += nodes(v, (*path, i))
    return found


def put_at(document: object, path: tuple, value: object, delete: bool = False) -> object:
    if not path:
        return value
    holder = document
    for step in path[:-1]:
        holder = holder[step]
    if delete and isinstance(holder, dict):
        del holder[path[-1]]
    elif delete and isinstance(holder, list):
        holder.pop(path[-1])
    else:
        holder[path[-1]] = value
    return document


def resign(entry: dict, original: dict, party: Party) -> None:
    """Sign again what a mutation changed, with the key of the party that signed the original."""
    payload, kind = entry.get("payload"), original.get("kind")
    if not isinstance(payload, dict):
        return
    try:
        if kind == "manifest" and "manifest" in payload:
            signer = party.private[original["payload"]["signature"]["key"]]
            payload["signature"] = signing.sign(canonical(payload["manifest"]), signer)
        elif "document" in payload and isinstance(original["payload"].get("signature"), dict):
            signer = party.private[original["payload"]["signature"]["key"]]
            payload["signature"] = signing.sign(canonical(payload["document"]), signer)
        elif kind == "ballot" and original["payload"]["credential"] in party.voters:
            credential, voting_pass = party.voters[original["payload"]["credential"]]
            raw = canonical({k: v for k, v in payload.items() if k not in ("signature", "pass_signature")})
            if "signature" in payload:
                payload["signature"] = credential.sign(raw).signature.hex()
            if "pass_signature" in payload:
                payload["pass_signature"] = voting_pass.sign(raw).signature.hex()
    except (TypeError, ValueError, KeyError, UnicodeEncodeError):
        pass  # a value canonical JSON cannot hold: left as it is


def line_of(entry: object, key: SigningKey) -> dict:
    """A board line for any entry, as a seized server with the board key would sign it."""
    try:
        raw = canonical(entry)
    except (TypeError, ValueError, UnicodeEncodeError):
        return {"entry": entry, "hash": "0" * 64, "signature": ""}
    return {"entry": entry, "hash": board.sha256(raw), "signature": signing.sign(raw, key)["signature"]}


def rechain(first: list[dict], rest: list[dict], key: SigningKey) -> list[dict]:
    """The lines after a mutated one, with their seq and prev made to follow it (a seized server's work)."""
    out = list(first)
    for line in rest:
        entry = copy.deepcopy(line["entry"])
        before = out[-1]["entry"] if out and isinstance(out[-1].get("entry"), dict) else {}
        if isinstance(before.get("seq"), int):
            entry["seq"] = before["seq"] + 1
        entry["prev"] = out[-1]["hash"] if out else entry["prev"]
        out.append(line_of(entry, key))
    return out


def case(rng: random.Random, lines: list[dict], party: Party) -> tuple[int, list[dict], str]:
    """(the first line's number, the lines from there, what was done)."""
    k = rng.randrange(len(lines))
    roll = rng.random()
    if roll < 0.04:
        return k, rechain([], lines[k + 1 : k + 3], party.board), f"line {k} dropped"
    if roll < 0.07:
        return k, [lines[k], *lines[k : k + 2]], f"line {k} doubled"
    if roll < 0.10 and k + 1 < len(lines):
        return (
            k,
            rechain([], [lines[k + 1], lines[k], *lines[k + 2 : k + 3]], party.board),
            f"lines {k}, {k + 1} swapped",
        )
    original = lines[k]["entry"]
    entry = copy.deepcopy(original)
    places = nodes(entry)[1:]
    if roll < 0.16:
        places = [p for p in places if len(p[0]) == 1]  # seq, kind, prev, the payload whole
    path, value = rng.choice(places)
    if rng.random() < 0.08 and path:
        entry = put_at(entry, path, None, delete=True)
        what = f"line {k}: {'/'.join(map(str, path))} removed"
    else:
        changed = mutate_value(rng, value)
        entry = put_at(entry, path, changed)
        what = f"line {k}: {'/'.join(map(str, path))} {json.dumps(value)[:40]} → {json.dumps(changed)[:40]}"
    if rng.random() < 0.9:
        resign(entry, original, party)
    first = line_of(entry, party.board) if rng.random() < 0.97 else {**lines[k], "entry": entry}
    return k, rechain([first], lines[k + 1 : k + 3], party.board), what


# -- the two verifiers -----------------------------------------------------------------------------------
def python_faults(lines: list[dict], cases: list[tuple[int, list[dict], str]]) -> list[list[str]]:
    state, before = board.State(), []
    for i, line in enumerate(lines):
        before.append(copy.deepcopy(state))
        assert not board.walk(state, [line], None, i), "the base board does not verify"
    before.append(copy.deepcopy(state))
    return [board.walk(copy.deepcopy(before[start]), tail, None, start) for start, tail, _what in cases]


def browser_faults(lines: list[dict], cases: list[tuple[int, list, str]]) -> list[list[str]]:
    """verify.js under node, the cases split among the machine's cores (a node process each)."""
    workers = max(1, min(4, os.cpu_count() or 1, len(cases) // 200 or 1))
    size = -(-len(cases) // workers)
    runs = []
    for w in range(workers):
        chunk = cases[w * size : (w + 1) * size]
        data = {"base": lines, "cases": [{"start": start, "lines": tail} for start, tail, _what in chunk]}
        process = subprocess.Popen(
            ["node", str(HERE / "run.js"), "fuzz"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        process.stdin.write(json.dumps(data))
        process.stdin.close()
        runs.append(process)
    out = []
    for process in runs:
        text = process.stdout.read()
        if process.wait(timeout=3600) != 0:
            raise RuntimeError("verify.js under node failed")
        out += json.loads(text)
    return out


def verdict(faults: list[str]) -> str:
    """What the two must agree on: the board passes, or which entry it fails at."""
    if not faults:
        return "passes"
    found = ENTRY.match(faults[0])
    return f"fails at entry {found.group(1)}" if found else faults[0]


def disagreements(n: int, seed: int) -> tuple[list[str], int]:
    """Each case the two verifiers judge differently, said; and how many cases were refused by both."""
    lines, party = base_board(seed)
    rng = random.Random(seed)
    cases = [case(rng, lines, party) for _ in range(n)]
    # JSON carries the cases to node: a case whose values JSON cannot hold the same way is not one.
    # The lines go as board.jsonl holds them: canonical JSON text, which both verifiers parse themselves.
    cases = [(start, [_text(line) for line in tail], what) for start, tail, what in cases]
    cases = [c for c in cases if all(isinstance(t, str) for t in c[1])]
    from django.utils import translation

    with translation.override("en"):  # the browser's verifier speaks English under node
        py = python_faults(lines, cases)
    js = browser_faults(lines, cases)
    out = []
    for (_start, _tail, what), p, j in zip(cases, py, js, strict=True):
        if verdict(p) != verdict(j):
            out.append(f"{what}: Python {p or 'passes'}; browser {j or 'passes'}")
    return out, sum(1 for p in py if p)


def _text(line: dict) -> str | None:
    try:
        return canonical(line).decode()
    except (TypeError, ValueError, UnicodeEncodeError):
        return None  # a value no JSON file holds: not a case


if __name__ == "__main__":
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "veche.settings")
    django.setup()
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    began = time.monotonic()
    found, refused = disagreements(n, seed)
    took = time.monotonic() - began
    print(f"{n} mutations in {took:.0f} s: {refused} refused by Python, {len(found)} judged differently")
    for line in found[:50]:
        print(" ", line)
