"""Verify a vote's board as anyone can: every signature, proof and credential, the chain, the tally, the
decryption and the result; each fault named by its entry.

    python manage.py vote_verify SLUG                         # the board this server holds
    python manage.py vote_verify FOLDER_OR_board.jsonl [--keyring keys.json]
        [--receipt RECEIPT.json …] [--earlier OLD_board.jsonl] [--audit AUDIT.json]

A receipt is the board line the voter's browser was given when the ballot was accepted; an earlier copy is an
observer's. Both catch a server that drops or rewrites entries and signs the board again with its own key. An
audit record is what "audit this ballot" shows (a Benaloh challenge): the verifier says what the ballot encrypts.
Exit status 1 when anything fails.
"""

import json
import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from core import keys, signing
from vote import ballots
from vote.board import State, verify
from vote.group import ProtocolError
from vote.models import Vote
from vote.store import lines


def read_lines(path: Path) -> list:
    """The lines of a board.jsonl as text: the verifier takes each only in its canonical form, as verify.js does."""
    return [x for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


class Command(BaseCommand):
    help = "Verify a vote's board: every signature, proof, credential, the tally and the result."

    def add_arguments(self, parser):
        parser.add_argument("board", help="a vote's slug, an exported folder or a board.jsonl")
        parser.add_argument("--keyring", type=Path, help="the organisers' key chain (keys.json)")
        parser.add_argument(
            "--root",
            help="the organisers' root public key as they publish it: a folder's keys.json must start at it",
        )
        parser.add_argument("--receipt", type=Path, action="append", default=[])
        parser.add_argument("--earlier", type=Path)
        parser.add_argument("--audit", type=Path, action="append", default=[])
        parser.add_argument(
            "--workers", type=int, default=os.cpu_count() or 1, help="processes checking ballots (default: one a core)"
        )

    def board(self, options: dict) -> tuple[list, signing.Chain | None, bool]:
        """(the board's lines, the organisers' key chain to check it with, whether that chain is pinned from
        elsewhere): a vote's slug gives the server's own; a folder or a file, its keys.json or --keyring."""
        where = Path(options["board"])
        if not where.exists():
            vote = Vote.objects.filter(slug=options["board"]).first()
            if vote is None:
                raise CommandError(f"no vote {options['board']!r} and no such file")
            return lines(vote), keys.chain(), True  # the server's own chain
        board_lines = read_lines(where / "board.jsonl" if where.is_dir() else where)
        keyring = options["keyring"] or (where / "keys.json" if where.is_dir() else None)
        if not (keyring and keyring.exists()):
            if options["root"]:
                raise CommandError(_("--root needs the organisers' key chain: --keyring keys.json"))
            return board_lines, None, True
        root, statements = signing.read_keyring(keyring.read_text())
        # A folder's own keys.json is whatever its host put there: only a root pinned from elsewhere makes the
        # manifest's signature the organisers' (issue 32).
        if options["root"] and signing.public_key_text(options["root"]) != root:
            raise CommandError(
                _("the key chain in %(k)s does not start at the root you gave (%(f)s): not the organisers'")
                % {"k": keyring, "f": signing.fingerprint(options["root"])}
            )
        return board_lines, signing.chain(root, statements), bool(options["root"] or options["keyring"])

    @staticmethod
    def signed_by(state: State, chain: signing.Chain | None, pinned: bool) -> str:
        """Who signed the manifest, and how far that is checked."""
        who = signing.fingerprint(state.signer) if state.signer else "?"
        if chain and not pinned:
            return _(
                "manifest signed by %(f)s, a key of the chain from root %(r)s that came with the board: "
                "compare that root with the one the organisers publish, or give it with --root"
            ) % {"f": who, "r": signing.fingerprint(chain.root)}
        if chain:
            return _("manifest signed by %(f)s, a key of the organisers' chain") % {"f": who}
        return _("manifest signed by %(f)s (NOT checked against the organisers' key chain)") % {"f": who}

    def handle(self, *args, **options):
        try:
            board_lines, chain, pinned = self.board(options)
            receipts = [json.loads(p.read_text()) for p in options["receipt"]]
            earlier = read_lines(options["earlier"]) if options["earlier"] else None
        except (OSError, ValueError, signing.SigningError) as exc:
            raise CommandError(str(exc)) from None
        report = verify(board_lines, chain, receipts, earlier, workers=max(1, options["workers"]))
        state = report.state
        out = self.stdout.write
        if state.manifest:
            out(_("vote: %(t)s (%(s)s)") % {"t": state.manifest["title"], "s": state.manifest["slug"]})
            out(self.signed_by(state, chain, pinned))
        out(_("entries: %(n)s of %(m)s; phase: %(p)s") % {"n": state.length, "m": len(board_lines), "p": state.phase})
        out(
            _("trustees: %(d)s dealt, %(a)s accepted; credentials: %(c)s")
            % {"d": len(state.deals), "a": len(state.accepted), "c": len(state.credentials)}
        )
        for (j, i), share in sorted(state.complaints.items()):
            if share is None:
                out(
                    _("complaint by trustee %(j)s against trustee %(i)s: NOT answered (the vote cannot open)")
                    % {"j": j, "i": i}
                )
            else:
                said = _("complaint by trustee %(j)s against trustee %(i)s: answered, the share revealed")
                out(said % {"j": j, "i": i})
        out(
            _("ballots: %(n)s cast, %(c)s counted (the last of each credential)")
            % {"n": state.ballots, "c": len(state.last)}
        )
        if state.result is not None:
            for question, counts in zip(state.questions, state.result, strict=True):
                out(f"{question['question']}")
                for answer, n in zip(question["answers"], counts, strict=True):
                    out(f"  {answer}: {n}")
        for path in options["audit"]:
            try:
                if state.key is None:
                    raise ProtocolError(_("the vote never opened: no ballot was made for it"))
                picks = ballots.audit(json.loads(path.read_text()), state.fingerprint, state.key, state.questions)
            except (OSError, ValueError, ProtocolError, TypeError) as exc:
                report.faults.append(_("audit %(p)s: %(why)s") % {"p": path, "why": exc})
                continue
            for question, chosen in zip(state.questions, picks, strict=True):
                answers = ", ".join(question["answers"][i] for i in chosen) or "—"
                out(_("audit %(p)s: %(q)s: %(a)s") % {"p": path, "q": question["question"], "a": answers})
        if report.faults:
            for fault in report.faults:
                self.stderr.write(_("FAULT %(f)s") % {"f": fault})
            raise CommandError(_("the board does not verify: %(n)s fault(s)") % {"n": len(report.faults)})
        out(_("everything verifies."))
