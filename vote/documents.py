"""The vote's documents as named types: what the board, the verifiers and the pages read by key.

The board's documents are signed JSON (docs/vote.md): their bytes are what the signatures cover, and the browser's
verifier reads the same objects. So they stay JSON objects, typed here as TypedDicts, which the type checker
follows through every reader without changing a byte on the wire. A document from outside (a manifest, a line of
the board) becomes one of these types only where its shape has been checked (ceremony.check_manifest,
board.check_line). Part of the protocol kernel: no Django.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict


class Question(TypedDict):
    question: str
    answers: list[str]
    min: int  # the fewest answers a ballot may choose
    max: int  # the most


class Trustee(TypedDict):
    name: str
    key: str  # Ed25519, base64


class Manifest(TypedDict):
    """What the organisers sign offline before anything else is on the board (ceremony.MANIFEST_KEYS)."""

    format: str
    id: str
    slug: str
    title: str
    description: str
    questions: list[Question]
    opens: str  # ISO 8601, UTC
    closes: str
    threshold: int  # how many trustees decrypt the tally
    trustees: list[Trustee]
    credential_authority: str  # its Ed25519 key, base64
    registrar: str  # ditto: the other half of casting
    eligibility: str
    min_ballots: int  # below this many counted ballots no trustee decrypts
    board_key: str  # the server's own key, which signs every line
    demo: bool


class Entry(TypedDict):
    """One step on the board; its hash is SHA-256 of its canonical JSON and chains the next (``prev``)."""

    seq: int
    kind: str  # board.KINDS
    payload: Mapping[str, Any]  # the step's own document, checked by its step (board.STEPS)
    prev: str


class Line(TypedDict):
    """An entry as the board (and board.jsonl) carries it: with its hash and the board key's signature."""

    entry: Entry
    hash: str
    signature: str


class OpenPayload(TypedDict):
    public_key: str  # the election key, hex
    election: str  # the election's fingerprint (manifest and key)
    verification_keys: list[str]  # each trustee's, hex, in order


class TallyPayload(TypedDict):
    ballots: int  # counted: the last of each credential
    tally: list[Any]  # per question and answer, the product of the ciphertexts (ceremony.tally)


class ResultPayload(TypedDict):
    trustees: list[int]  # whose partial decryptions were combined
    counts: list[list[int]]  # per question, per answer
