"""Known-answer vectors: every prover run on fixed randomness (a counter's SHA-512), so that the outputs are
pinned in vectors.json, and any change to the hashes, the encodings or the proofs — here or in vote.js — shows.

    python -m vote.tests.vectors > vote/tests/vectors.json     # only when the protocol's version changes
"""

import hashlib
import itertools
import json
from contextlib import contextmanager
from unittest import mock

from vote import ballots, proofs
from vote.group import L, base, challenge, hexof, scalar_hex
from vote.proofs import encrypt, prove_equal, prove_knowledge, prove_range

QUESTIONS = [
    {"question": "Да или нет?", "answers": ["Да", "Нет"], "min": 1, "max": 1},
    {"question": "Совет", "answers": ["А", "Б", "В"], "min": 0, "max": 2},
]
CONTEXT = "known-answer"
X = 0x0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDE % L
KEY = base(X)
PREVIOUS = "ab" * 32  # the tracker of a credential's last ballot, as a re-vote names it


@contextmanager
def fixed_randomness():
    counter = itertools.count()

    def next_scalar():
        return int.from_bytes(hashlib.sha512(str(next(counter)).encode()).digest(), "little") % L

    with (
        mock.patch.object(proofs, "random_scalar", next_scalar),
        mock.patch.object(ballots, "random_scalar", next_scalar),
    ):
        yield next_scalar


def vectors() -> dict:
    with fixed_randomness() as r:
        randomness = r()
        alpha, beta = encrypt(KEY, 1, randomness)
        out = {
            "key": hexof(KEY),
            "ciphertext": [hexof(alpha), hexof(beta)],
            "pok": prove_knowledge(CONTEXT, X, r()),
            "range01": prove_range(CONTEXT, KEY, alpha, beta, 1, randomness, 0, 1),
        }
        factor, proof = prove_equal(CONTEXT, X, alpha, r())
        out["decryption"] = {"factor": hexof(factor), "proof": proof}
        credential = "7sVqhmTZ3xN1aBcDeFgHiJkL"
        out["credential"] = {
            "vote": "kat-vote",
            "text": credential,
            "public": ballots.public_credential("kat-vote", credential),
        }
        voting_pass = "9xWqhmTZ3xN1aBcDeFgHiJkM"
        out["pass"] = {
            "text": voting_pass,
            "public": ballots.public_credential("kat-vote", voting_pass, "pass"),
        }
        ballot, rs = ballots.build(
            "kat-election",
            KEY,
            QUESTIONS,
            [[0], [1, 2]],
            ballots.credential_key("kat-vote", credential),
            ballots.pass_key("kat-vote", voting_pass),
            PREVIOUS,
        )
        out["ballot"], out["ballot_randomness"] = ballot, rs
        out["tracker"] = ballots.tracker(ballot)
        out["challenge"] = scalar_hex(challenge("kat", "a", 7, KEY))
    return out


if __name__ == "__main__":
    print(json.dumps(vectors(), indent=1, ensure_ascii=False))
