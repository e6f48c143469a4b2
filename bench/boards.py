"""A vote's board built in memory up to its opening, with the vote's protocol kernel alone (no Django, no
database): the lines the server would store, for the benchmarks that time what comes after (ballots verified,
credentials issued offline)."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

from nacl.signing import SigningKey

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the project, for its kernel

from core import signing
from vote import ballots, ceremony
from vote.board import State, entry_line, take


@dataclass
class Board:
    key: SigningKey  # the board's
    authority: SigningKey
    registrar: SigningKey
    manifest: dict
    state: State = field(default_factory=State)
    lines: list[dict] = field(default_factory=list)

    def put(self, kind: str, payload: dict) -> None:
        line = entry_line(self.state.length, kind, payload, self.state.head, self.key)
        take(self.state, line)
        self.lines.append(line)


def open_board(vote_id: str, questions: list[dict], eligibility: str = "") -> Board:
    """The manifest signed by the organisers, three trustees' deals and acceptances, and the open."""
    key, organisers = SigningKey.generate(), signing.new_key()
    trustees = [SigningKey.generate() for _ in range(3)]
    authority, registrar = SigningKey.generate(), SigningKey.generate()
    manifest = {
        "format": ceremony.MANIFEST,
        "id": vote_id,
        "slug": vote_id,
        "title": "bench",
        "opens": "",
        "closes": "",
        "questions": questions,
        "threshold": 2,
        "board_key": signing.public_of(key),
        "trustees": [{"name": str(i), "key": signing.public_of(k)} for i, k in enumerate(trustees)],
        "credential_authority": signing.public_of(authority),
        "registrar": signing.public_of(registrar),
        "min_ballots": 5,
        "description": "",
        "eligibility": eligibility,
        "demo": False,
    }
    board = Board(key, authority, registrar, manifest)
    board.put("manifest", {"manifest": manifest, "signature": signing.sign(ballots.canonical(manifest), organisers)})
    for i, k in enumerate(trustees, 1):
        board.put("deal", ceremony.make_deal(manifest, i, k))
    for i, k in enumerate(trustees, 1):
        board.put("accept", ceremony.accept(manifest, board.state.deals, i, k, board.state.last_deal)[1])
    board.put("open", board.state.open_payload())
    return board
