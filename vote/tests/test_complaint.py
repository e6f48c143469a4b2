"""Issue 32, finding 8: a dealer who seals a trustee a wrong share could not be blamed — the trustee could only refuse
to accept, and the ceremony stalled with no one to name. Now the trustee's offline tool puts a complaint on the
board instead; the dealer answers with the share revealed, which every verifier checks against the dealer's
commitments; the trustee accepts with it. A dealer who does not answer, or answers with another share, stands named
on the board and the vote cannot open."""

import io
import json

import pytest
from nacl.signing import SigningKey

from core import signing
from vote import board, ceremony, offline
from vote.ballots import canonical
from vote.tests.fuzz import QUESTIONS, wrong_share
from vote.tests.test_protocol import NODE, js


class Board:
    """A board in memory, with its file for the offline tool (what the server would publish)."""

    def __init__(self, folder):
        self.folder, self.key, self.state, self.lines = folder, SigningKey.generate(), board.State(), []

    def put(self, kind: str, payload: dict) -> None:
        line = board.entry_line(self.state.length, kind, payload, self.state.head, self.key)
        board.take(self.state, line)
        self.lines.append(line)

    def file(self):
        path = self.folder / f"board-{len(self.lines)}.jsonl"
        path.write_text("".join(canonical(line).decode() + "\n" for line in self.lines))
        return path

    def refuses(self, kind: str, payload: dict) -> str:
        line = board.entry_line(self.state.length, kind, payload, self.state.head, self.key)
        faults = board.verify([*self.lines, line]).faults
        assert len(faults) == 1, faults
        if NODE:
            assert js("board", {"lines": [*self.lines, line]})["faults"] == faults
        return faults[0]


def run(*args) -> tuple[int, str]:
    out = io.StringIO()
    return offline.main([str(a) for a in args], out=out), out.getvalue()


@pytest.fixture
def dealt(tmp_path):
    """Three trustees (2 of 3); trustee 1 seals trustee 2 a share of nothing."""
    keys = []
    for i in range(3):
        path = tmp_path / f"t{i + 1}.key"
        assert run("key", "--out", path)[0] == 0
        keys.append(path)
    trustees = [signing.read_key(k) for k in keys]
    b = Board(tmp_path)
    manifest = {
        "format": ceremony.MANIFEST,
        "id": "complaint",
        "slug": "complaint",
        "title": "Complaint",
        "description": "",
        "questions": QUESTIONS,
        "opens": "2026-12-01T00:00:00+00:00",
        "closes": "2026-12-31T00:00:00+00:00",
        "threshold": 2,
        "trustees": [{"name": f"T{i}", "key": signing.public_of(k)} for i, k in enumerate(trustees, 1)],
        "credential_authority": signing.public_of(SigningKey.generate()),
        "registrar": signing.public_of(SigningKey.generate()),
        "eligibility": "",
        "min_ballots": 5,
        "board_key": signing.public_of(b.key),
        "demo": False,
    }
    b.put("manifest", {"manifest": manifest, "signature": signing.sign(canonical(manifest), signing.new_key())})
    for i, k in enumerate(trustees, 1):
        deal = ceremony.make_deal(manifest, i, k)
        if i == 1:
            deal = ceremony.signed({**deal["document"], "shares": wrong_share(manifest, deal["document"], 2)}, k)
        b.put("deal", deal)
    b.manifest, b.keys, b.trustees = manifest, keys, trustees
    return b


def test_a_wrong_share_is_complained_of_and_answered_on_the_board(dealt, tmp_path):
    b = dealt
    # Trustee 2's tool finds the share wrong: it writes a complaint, not an acceptance, and keeps no share.
    code, said = run(
        "accept", "--board", b.file(), "--key", b.keys[1], "--out", tmp_path / "c.json", "--share-out", tmp_path / "s2"
    )
    assert code == 0 and "complaint against trustee 1" in said and not (tmp_path / "s2").exists()
    complaint = json.loads((tmp_path / "c.json").read_text())
    b.put("complaint", complaint)
    # Until trustee 1 answers, trustee 2 cannot accept (its tool says so) and the vote cannot open.
    code, _said = run(
        "accept", "--board", b.file(), "--key", b.keys[1], "--out", tmp_path / "c2.json", "--share-out", tmp_path / "s2"
    )
    assert code == 2
    owed = ceremony.share_of(ceremony.polynomial(b.manifest, 1, b.trustees[0]), 2)  # as if learnt some other way
    _x, acceptance = ceremony.accept(b.manifest, b.state.deals, 2, b.trustees[1], b.state.last_deal, {1: owed})
    assert "trustee 2's complaint against trustee 1 is not answered yet" in b.refuses("accept", acceptance)
    # An answer with another share than the commitments give is refused by every verifier: the dealer stays named.
    lie = ceremony.signed(
        {**ceremony.answer(b.manifest, 1, 2, b.trustees[0])["document"], "share": "00" * 32}, b.trustees[0]
    )
    assert "the share trustee 1 revealed for trustee 2 does not match their commitments" in b.refuses("answer", lie)
    # Another trustee cannot answer for the dealer, nor answer a complaint no one made.
    assert "an answer to no complaint waiting for one" in b.refuses(
        "answer", ceremony.answer(b.manifest, 3, 2, b.trustees[2])
    )
    # Trustee 1's tool answers with the share its key's polynomial gives; trustee 2 then accepts with it.
    code, said = run("answer", "--board", b.file(), "--key", b.keys[0], "--out", tmp_path / "a.json")
    assert code == 0, said
    b.put("answer", json.loads((tmp_path / "a.json").read_text()))
    for i in (1, 2, 3):
        out = tmp_path / f"accept{i}.json"
        code, said = run(
            "accept", "--board", b.file(), "--key", b.keys[i - 1], "--out", out, "--share-out", tmp_path / f"share{i}"
        )
        assert code == 0 and "complaint" not in said, said
        b.put("accept", json.loads(out.read_text()))
    b.put("open", b.state.open_payload())
    # The key each trustee holds is the one the deals give: trustee 2's included, from the revealed share.
    from vote.group import base, scalar

    for i in (1, 2, 3):
        x = scalar(json.loads((tmp_path / f"share{i}").read_text())["share"])
        assert base(x) == b.state.verification_keys[i - 1]
    assert board.verify(b.lines).ok
    if NODE:
        assert js("board", {"lines": b.lines})["faults"] == []
