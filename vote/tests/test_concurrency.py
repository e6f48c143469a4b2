"""The board under concurrent casts: one chain, no fork, no lost ballot; the same ballot twice at once is taken once,
and of two ballots of one credential that follow the same last ballot, one."""

import json
import threading

import pytest
from django.db import connection, connections
from django.utils import translation

from vote import ballots
from vote.board import verify
from vote.store import VoteError, cast, lines, replay
from vote.tests.conftest import QUESTIONS, make_vote, voter_keys


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises writers: concurrency on PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_casts_keep_one_chain(tmp_path):
    c = make_vote(tmp_path, voters=60)
    vote = c.vote
    state = replay(vote)
    built = [
        ballots.canonical(ballots.build(state.fingerprint, state.key, QUESTIONS, [[n % 2], []], *voter_keys(c, n))[0])
        for n in range(len(c.credentials))
    ]
    # Voter 56 on two devices at once, both ballots its first: the board takes one (the other no longer follows
    # its credential's last ballot, and says so).
    twins = [
        ballots.canonical(ballots.build(state.fingerprint, state.key, QUESTIONS, [[k], []], *voter_keys(c, 56))[0])
        for k in (0, 1)
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
        threads += [threading.Thread(target=run, args=([twin],)) for twin in twins]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert len(accepted) == 52 and len(set(accepted)) == 52
        repeated = [r for r in refused if "already on the board" in r]
        assert len(repeated) == 9, refused
        twin_credential = json.loads(twins[0])["credential"]
        taken = [
            line["entry"]["payload"]
            for line in lines(vote)
            if line["entry"]["kind"] == "ballot" and line["entry"]["payload"]["credential"] == twin_credential
        ]
        assert len(taken) == 1
        assert [r for r in refused if r not in repeated] == [
            "The ballot is refused: the ballot does not follow its credential's last ballot on the board "
            f"({ballots.tracker(taken[0])[:16]}): one signed before a re-vote cannot be cast after it."
        ]
        report = verify(lines(vote))
        assert report.ok, report.faults
        assert report.state.ballots == 52
        vote.refresh_from_db()
        assert vote.ballots == 52 and vote.length == report.state.length
    finally:
        vote.delete()
