"""A vote made the way organisers make one: trustees' keys and the credential authority's offline (in a temporary
folder standing for their machines), the manifest signed offline by the organisers' root key of the test settings,
the ceremony's files carried to the server through vote_submit's door."""

import csv
import datetime
import json

import pytest
from django.utils import timezone

from core import signing
from vote import ballots, offline
from vote.models import Vote
from vote.store import create, submit

QUESTIONS = [
    {"question": "Поддерживаете ли вы требование?", "answers": ["Да", "Нет"], "min": 1, "max": 1},
    {"question": "Совет", "answers": ["Анна", "Борис", "Вера"], "min": 0, "max": 2},
]


class Ceremony:
    def __init__(self, folder, vote, trustees, authority):
        self.folder, self.vote, self.trustees, self.authority = folder, vote, trustees, authority

    def board_file(self):
        from vote.store import lines

        path = self.folder / f"board-{self.vote.length}.jsonl"
        path.write_text("".join(json.dumps(line) + "\n" for line in lines(self.vote)))
        return path

    def run(self, *args):
        code = offline.main([str(a) for a in args], out=open("/dev/null", "w"))
        assert code == 0, args

    def submit(self, path):
        self.vote.refresh_from_db()
        submit(self.vote, json.loads(path.read_text()))
        self.vote.refresh_from_db()


def make_vote(
    tmp_path, n_trustees=5, threshold=3, questions=QUESTIONS, voters=20, closes_in=30, slug="test-vote", roll=None
):
    """``roll``: the voters' CSV (email, name, check) the organisers made offline, else ``voters`` invented ones."""
    from veche.test_settings import OFFLINE_DIR

    folder = tmp_path
    trustees = []
    for i in range(n_trustees):
        key = folder / f"trustee{i + 1}.key"
        assert offline.main(["key", "--out", str(key)], out=open("/dev/null", "w")) == 0
        trustees.append(key)
    authority, registrar = folder / "authority.key", folder / "registrar.key"
    offline.main(["key", "--out", str(authority)], out=open("/dev/null", "w"))
    offline.main(["key", "--out", str(registrar)], out=open("/dev/null", "w"))
    now = timezone.now()
    vote = create(
        {
            "slug": slug,
            "title": "Тест",
            "questions": questions,
            "opens": (now - datetime.timedelta(hours=1)).isoformat(),
            "closes": (now + datetime.timedelta(days=closes_in)).isoformat(),
            "threshold": threshold,
            "trustees": [
                {"name": f"T{i + 1}", "key": signing.public_of(signing.read_key(k))} for i, k in enumerate(trustees)
            ],
            "credential_authority": signing.public_of(signing.read_key(authority)),
            "registrar": signing.public_of(signing.read_key(registrar)),
        }
    )
    # The organisers sign the manifest offline with their root key (veche/test_settings.py's offline folder).
    signature = signing.sign(vote.manifest.encode(), signing.read_key(OFFLINE_DIR / "root.key"))
    submit(vote, signature)
    c = Ceremony(folder, vote, trustees, authority)
    c.registrar = registrar
    for i, key in enumerate(trustees, 1):
        c.run("deal", "--board", c.board_file(), "--key", key, "--out", folder / f"deal{i}.json")
        c.submit(folder / f"deal{i}.json")
    board = c.board_file()
    for i, key in enumerate(trustees, 1):
        c.run(
            "accept",
            "--board",
            board,
            "--key",
            key,
            "--out",
            folder / f"accept{i}.json",
            "--share-out",
            folder / f"share{i}.json",
        )
        c.submit(folder / f"accept{i}.json")
    assert c.vote.phase == Vote.Phase.OPEN
    with open(folder / "voters.csv", "w", newline="") as fh:
        writer = csv.writer(fh)
        if roll is not None:
            fh.write(roll.read_text())
        else:
            writer.writerow(["email", "name", "check"])
            for n in range(voters):
                writer.writerow([f"voter{n}@example.org", f"Voter {n}", "pledge-email" if n % 4 else "in-person"])
    c.run(
        "credentials",
        "--board",
        c.board_file(),
        "--key",
        authority,
        "--voters",
        folder / "voters.csv",
        "--out-dir",
        folder / "ca",
    )
    c.submit(folder / "ca" / "credentials.json")
    with open(folder / "ca" / "mail.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
        c.credentials, c.credential_links = [r["credential"] for r in rows], [r["link"] for r in rows]
    # The registrar, a second party, mails each voter a voting pass of its own (the same roll, another mail).
    c.run(
        "passes",
        "--board",
        c.board_file(),
        "--key",
        registrar,
        "--voters",
        folder / "voters.csv",
        "--out-dir",
        folder / "registrar",
    )
    c.submit(folder / "registrar" / "passes.json")
    with open(folder / "registrar" / "mail.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
        c.passes, c.pass_links = [r["pass"] for r in rows], [r["link"] for r in rows]
    return c


def voter_keys(c, n: int):
    """Voter n's two keys: the credential the authority mailed and the pass the registrar mailed."""
    vote_id = json.loads(c.vote.manifest)["id"]
    return ballots.credential_key(vote_id, c.credentials[n]), ballots.pass_key(vote_id, c.passes[n])


@pytest.fixture(autouse=True)
def in_english():
    """The protocol's messages are compared in English here (they are translated: the site speaks Russian first)."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def ceremony(tmp_path, db):
    return make_vote(tmp_path)
