"""The board under concurrent casts: one chain, no fork, no lost ballot; the same ballot twice at once is taken once."""

import json
import threading

import pytest
from django.db import connection, connections
from django.utils import translation

from vote import ballots
from vote.board import verify
from vote.store import VoteError, cast, lines, replay
from vote.tests.conftest import QUESTIONS, make_vote


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises writers: concurrency on PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_casts_keep_one_chain(tmp_path):
    c = make_vote(tmp_path, voters=60)
    vote = c.vote
    state = replay(vote)
    vote_id = json.loads(vote.manifest)["id"]
    built = [
        ballots.canonical(
            ballots.build(
                state.fingerprint, state.key, QUESTIONS, [[n % 2], []], ballots.credential_key(vote_id, cred)
            )[0]
        )
        for n, cred in enumerate(c.credentials)
    ]
    accepted, refused, errors = [], [], []

    def run(bodies):
        try:
            translation.activate("en")  # a thread starts in the site's language
            for body in bodies:
                try:
                    accepted.append(cast(vote, body, None, limited=False)["entry"]["seq"])
                except VoteError as exc:
                    refused.append(str(exc))
        except Exception as exc:  # anything else is a failure of the append
            errors.append(exc)
        finally:
            connections.close_all()

    try:
        threads = [threading.Thread(target=run, args=(built[i * 5 : i * 5 + 5],)) for i in range(10)]
        # …and the same ballot from ten clients at once.
        threads += [threading.Thread(target=run, args=([built[55]],)) for _ in range(10)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert len(accepted) == 51 and len(set(accepted)) == 51
        assert refused == ["This ballot is already on the board."] * 9
        report = verify(lines(vote))
        assert report.ok, report.faults
        assert report.state.ballots == 51
        vote.refresh_from_db()
        assert vote.ballots == 51 and vote.length == report.state.length
    finally:
        vote.delete()
