#!/usr/bin/env python3
"""The trustees' and the credential authority's tool, for their offline machines: no key of theirs ever reaches
the server. It needs Python 3.11+, PyNaCl and a copy of this repository (it imports core/signing.py and vote/'s
protocol files, none of which imports Django). ``python3 vote/offline.py --help``.

    key          a trustee's, the credential authority's or the registrar's key (Ed25519), its public half to give
                 the organisers
    deal         a trustee's deal: commitments to a random polynomial and a share sealed to each trustee
    accept       open the shares sealed to you, check each, keep your share of the key (a file, offline); a share
                 that does not match its dealer's commitments makes a complaint instead, for the board
    answer       a dealer's answer to a complaint: the share it owed, revealed on the board
    credentials  the credential authority: one credential per voter of a list (a pledges export, a roll), the
                 public list for the board and the mail-merge file to send each voter theirs, yourself
    passes       the registrar (a second party, never the credential authority): one voting pass per voter of the
                 same list, the public list for the board and the registrar's own mail-merge file
    decrypt      a trustee's partial decryption of the tally, with its proofs: only of the board observers saw
                 (--head, --earlier) and of no fewer ballots than the manifest's minimum

Each step reads the board as the server publishes it (board.jsonl: /vote/SLUG/board.jsonl) and checks all of it
first (vote/board.py, the verifier's code): a trustee never decrypts anything but the tally the board's ballots
give, so a server cannot make the trustees open one voter's ballot. The file each step writes is carried to the
server (``manage.py vote_submit SLUG FILE``).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from pathlib import Path
from typing import Literal

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nacl.signing import SigningKey

from core import signing
from core.signing import _
from vote import ballots, board, ceremony
from vote.group import ProtocolError, base, scalar, scalar_hex

SHARE_FORMAT = "veche-vote-trustee-share/1"


def read_board(path: Path, keyring: Path | None) -> board.State:
    lines = [json.loads(x) for x in Path(path).read_text().splitlines() if x.strip()]
    chain = None
    if keyring:
        root, statements = signing.read_keyring(Path(keyring).read_text())
        chain = signing.chain(root, statements)
    report = board.verify(lines, chain)
    if not report.ok:
        raise ProtocolError(_("the board does not verify; do nothing with it:") + "\n" + "\n".join(report.faults))
    return report.state


def index_of(state: board.State, key) -> int:
    public = signing.public_of(key)
    for i, trustee in enumerate(state.trustees, 1):
        if trustee["key"] == public:
            return i
    raise ProtocolError(_("your key is not one of this vote's trustees in the manifest"))


def write_new(path: Path, data: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(data)


def cmd_key(args, out) -> None:
    key = signing.new_key()
    signing.write_key(Path(args.out), key)
    public = signing.public_of(key)
    out.write(_("public key: %(k)s\nfingerprint: %(f)s\n") % {"k": public, "f": signing.fingerprint(public)})


def cmd_deal(args, out) -> None:
    state = read_board(args.board, args.keyring)
    key = signing.read_key(Path(args.key))
    index = index_of(state, key)
    if len(state.deals) != index - 1:
        raise ProtocolError(
            _("trustees deal in the manifest's order: the board has %(n)s deals") % {"n": len(state.deals)}
        )
    write_new(Path(args.out), json.dumps(ceremony.make_deal(state.vote, index, key)) + "\n")
    out.write(_("deal of trustee %(i)s written to %(p)s: submit it to the server\n") % {"i": index, "p": args.out})


def cmd_accept(args, out) -> None:
    state = read_board(args.board, args.keyring)
    key = signing.read_key(Path(args.key))
    index = index_of(state, key)
    if len(state.deals) != len(state.trustees):
        raise ProtocolError(_("not every trustee has dealt yet"))
    waiting = sorted(i for (j, i), share in state.complaints.items() if j == index and share is None)
    if waiting:
        raise ProtocolError(
            _("your complaint against trustee %(i)s is not answered yet: wait for their answer on the board")
            % {"i": waiting[0]}
        )
    revealed = {i: share for (j, i), share in state.complaints.items() if j == index and share is not None}
    try:
        x, document = ceremony.accept(state.vote, state.deals, index, key, state.last_deal, revealed)
    except ceremony.BadShare as exc:
        # Not accepted: the complaint goes on the board instead, and the dealer must answer it there.
        write_new(
            Path(args.out),
            json.dumps(ceremony.complaint(state.vote, index, exc.dealer, key, state.last_deal)) + "\n",
        )
        out.write(
            _(
                "%(why)s. A complaint against trustee %(i)s is written to %(p)s: submit it; once trustee %(i)s has "
                "answered it on the board (offline.py answer), run accept again\n"
            )
            % {"why": exc, "i": exc.dealer, "p": args.out}
        )
        return
    share = {
        "format": SHARE_FORMAT,
        "election": ceremony.manifest_hash(state.vote),
        "trustee": index,
        "share": scalar_hex(x),
    }
    write_new(Path(args.share_out), json.dumps(share) + "\n")
    write_new(Path(args.out), json.dumps(document) + "\n")
    out.write(
        _("your share is in %(s)s (keep it offline, with a copy); submit %(p)s\n")
        % {"s": args.share_out, "p": args.out}
    )


def read_voters(path: Path, printed: bool = False) -> list[dict]:
    """The voters' roll (a pledges export, an organisers' list): rows with an e-mail each, none repeated. Printed
    (``--print-out``, handed over in person, no mailbox needed): a name or an e-mail per row, none repeated."""
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    if not rows or ("email" not in rows[0] and not (printed and "name" in rows[0])):
        raise ProtocolError(_("the voters' file is a CSV with an email column (and optionally name, check)"))
    seen = set()
    for number, row in enumerate(rows, 2):
        email = (row.get("email") or "").strip()
        label = email or ((row.get("name") or "").strip() if printed else "")
        if not label or label.lower() in seen:
            raise ProtocolError(_("line %(number)s: an e-mail is missing or repeated") % {"number": number})
        seen.add(label.lower())
        row["email"], row["label"] = email, label
    return rows


def write_sheets(path: Path, title: str, shown: str, items: list[dict], field: str) -> None:
    """One printed page per voter: the code, its link as a QR code (the election's fingerprint in it), the
    fingerprint to compare with the page. For people without a mailbox the state cannot read: handed over in
    person. The file holds every code: print it offline, then destroy it."""
    import html

    import segno

    what = _("Your credential") if field == "credential" else _("Your voting pass")
    other = (
        _("You also need the voting pass the registrar gives you.")
        if field == "credential"
        else _("You also need the credential the credential authority gives you.")
    )
    fingerprint = _("Election fingerprint (the vote page shows the same):")
    hidden = _(
        "Keep this sheet hidden: with both codes anyone can vote in your place (you can vote again: the last "
        "ballot counts)."
    )
    pages = []
    for item in items:
        code = item[field]
        qr = segno.make(item["link"], error="m").svg_inline(scale=4, omitsize=False)
        pages.append(
            '<section class="sheet">'
            f"<h1>{html.escape(title)}</h1>"
            f"<p>{html.escape(item['label'])}</p>"
            f"<h2>{html.escape(what)}</h2>"
            f'<p class="code">{" ".join(code[i : i + 4] for i in range(0, len(code), 4))}</p>'
            f'<div class="qr">{qr}</div>'
            f"<p>{html.escape(fingerprint)} <b>{html.escape(shown)}</b></p>"
            f"<p>{html.escape(other)} {html.escape(hidden)}</p>"
            "</section>"
        )
    document = (
        '<!doctype html><html><head><meta charset="utf-8"><title>'
        + html.escape(title)
        + "</title><style>body{font:14pt/1.4 sans-serif}.sheet{page-break-after:always;padding:1cm}"
        ".code{font:bold 20pt monospace;letter-spacing:.1em}.qr svg{width:6cm;height:6cm}</style></head><body>"
        + "".join(pages)
        + "</body></html>\n"
    )
    write_new(path, document)


def election_of(state: board.State) -> tuple[str, str]:
    """The election's fingerprint (its manifest and key) as a link names it and as people compare it: the voter's
    page refuses to encrypt under a key whose fingerprint is not the mail's (issue 32)."""
    if state.key is None:
        raise ProtocolError(_("the election key is not on the board yet: issue these after the trustees' ceremony"))
    fp = state.fingerprint
    return fp, " ".join(fp[i : i + 4] for i in range(0, 20, 4)).upper()


def write_mail(folder: Path, mail: list[dict], field: str) -> None:
    with open(os.open(folder / "mail.csv", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w", newline="") as fh:
        writer = csv.DictWriter(fh, ["email", "name", field, "fingerprint", "link"], extrasaction="ignore")
        writer.writeheader()
        writer.writerows(mail)


def cmd_answer(args, out) -> None:
    """A dealer answers a complaint against it: the share it owed the complainer, revealed on the board."""
    state = read_board(args.board, args.keyring)
    key = signing.read_key(Path(args.key))
    index = index_of(state, key)
    waiting = sorted(j for (j, i), share in state.complaints.items() if i == index and share is None)
    if args.to is not None:
        waiting = [j for j in waiting if j == args.to]
    if not waiting:
        raise ProtocolError(_("no complaint against you waits for an answer"))
    if len(waiting) > 1:
        raise ProtocolError(
            _("complaints by trustees %(js)s: answer each with --to") % {"js": ", ".join(map(str, waiting))}
        )
    coefficients = ceremony.polynomial(state.vote, index, key)
    if [base(a) for a in coefficients] != state.commitments[index - 1]:
        raise ProtocolError(_("your deal on the board is not the one your key makes: you cannot answer for it"))
    write_new(Path(args.out), json.dumps(ceremony.answer(state.vote, index, waiting[0], key)) + "\n")
    out.write(
        _("the share for trustee %(j)s, revealed, is written to %(p)s: submit it\n") % {"j": waiting[0], "p": args.out}
    )


def issue(
    args, kind: str, role: Literal["registrar", "credential_authority"]
) -> tuple[board.State, SigningKey, list[dict], list[str], str]:
    """A credential or a voting pass per voter of the roll, for the party whose key the manifest names as
    ``role``: (the board, the key, each voter's row with its code and link, the public codes, the fingerprint as
    shown). The codes go out through ``deliver``, never through the server."""
    state = read_board(args.board, args.keyring)
    key = signing.read_key(Path(args.key))
    party = state.vote["registrar"] if role == "registrar" else state.vote["credential_authority"]
    if signing.public_of(key) != party:
        if role == "registrar":
            raise ProtocolError(_("your key is not this vote's registrar in the manifest"))
        raise ProtocolError(_("your key is not this vote's credential authority in the manifest"))
    rows = read_voters(args.voters, printed=bool(args.print_out))
    election, shown = election_of(state)
    page = f"{args.site.rstrip('/')}/vote/{state.vote['slug']}/"
    public, mail = [], []
    for row in rows:
        code = ballots.new_credential()
        public.append(ballots.public_credential(state.vote["id"], code, kind))
        link = f"{page}#{kind}={code}&election={election}"
        fields = {"email": row["email"], "name": row.get("name", ""), "fingerprint": shown, "link": link}
        mail.append({**fields, kind: code, "label": row["label"], "check": row.get("check")})
    return state, key, mail, public, shown


def deliver(args, state: board.State, batch: dict, name: str, mail: list[dict], shown: str, kind: str) -> Path:
    """The batch for the board, and the codes as mail.csv for a mail merge or as printed pages."""
    folder = Path(args.out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    write_new(folder / name, json.dumps(batch) + "\n")
    if args.print_out:
        write_sheets(Path(args.print_out), state.vote["title"], shown, mail, kind)
    else:
        write_mail(folder, mail, kind)
    return folder


def cmd_credentials(args, out) -> None:
    state, key, mail, public, shown = issue(args, "credential", "credential_authority")
    checks: dict[str, int] = {}
    for row in mail:
        check = (row["check"] or args.check).strip()
        checks[check] = checks.get(check, 0) + 1
    batch = ceremony.credential_batch(state.vote, state.batches + 1, public, checks, key)
    folder = deliver(args, state, batch, "credentials.json", mail, shown, "credential")
    out.write(
        _(
            "%(n)s credentials: submit %(c)s; send each voter their line of %(m)s yourself (never through the "
            "server), then destroy the file\n"
        )
        % {"n": len(public), "c": folder / "credentials.json", "m": folder / "mail.csv"}
    )


def cmd_passes(args, out) -> None:
    """The registrar's half of casting: a voting pass per voter. The registrar never sees a credential and the
    credential authority never sees a pass, so neither casts a ballot alone (docs/vote.md, who can do what)."""
    state, key, mail, public, shown = issue(args, "pass", "registrar")
    batch = ceremony.pass_batch(state.vote, state.pass_batches + 1, public, key)
    folder = deliver(args, state, batch, "passes.json", mail, shown, "pass")
    out.write(
        _(
            "%(n)s voting passes: submit %(c)s; send each voter their line of %(m)s yourself, in a mail of your "
            "own (never with the credential, never through the server), then destroy the file\n"
        )
        % {"n": len(public), "c": folder / "passes.json", "m": folder / "mail.csv"}
    )


def cmd_decrypt(args, out) -> None:
    state = read_board(args.board, args.keyring)
    key = signing.read_key(Path(args.key))
    index = index_of(state, key)
    share = json.loads(Path(args.share).read_text())
    if share.get("format") != SHARE_FORMAT or share.get("trustee") != index:
        raise ProtocolError(_("this is not your share of this vote's key"))
    if share.get("election") != ceremony.manifest_hash(state.vote):
        raise ProtocolError(_("this share is of another vote"))
    if state.tally is None:
        raise ProtocolError(_("the board has no tally yet: nothing to decrypt"))
    observed(args.board, args.head, args.earlier)
    if state.counted < state.vote["min_ballots"]:
        raise ProtocolError(
            _("the tally holds %(n)s ballots, fewer than the manifest's %(min)s: it is not decrypted")
            % {"n": state.counted, "min": state.vote["min_ballots"]}
        )
    out.write(
        _(
            "decrypting the tally of %(n)s ballots (of %(cast)s cast); the board has %(entries)s entries, "
            "its head %(head)s\n"
        )
        % {"n": state.counted, "cast": state.ballots, "entries": state.length, "head": state.head}
    )
    partial = ceremony.make_partial(state.fingerprint, index, scalar(share["share"]), state.tally, key)
    write_new(Path(args.out), json.dumps(partial) + "\n")
    out.write(
        _("partial decryption of the tally of %(n)s ballots written to %(p)s: submit it\n")
        % {"n": state.counted, "p": args.out}
    )


def observed(path: Path, heads: list[str], earlier: list[Path]) -> None:
    """The board is the one observers saw while the vote was open: every head hash they published (on the
    mirrors, in the press) is one of its lines, and every copy they kept is its beginning. A server holds the board
    key: it can sign a whole other board, self-consistent — one holding a single voter's ballot, say — and have the
    trustees decrypt it (issue 32). Only what was seen outside tells the two apart."""
    if not heads and not earlier:
        raise ProtocolError(
            _(
                "give at least one head hash that observers published during the vote (--head) or a copy of the "
                "board one of them kept (--earlier): the server alone could show you a board made for you"
            )
        )
    text = [x for x in Path(path).read_text(encoding="utf-8").splitlines() if x.strip()]
    lines = [json.loads(x) for x in text]
    hashes = {line.get("hash") for line in lines if isinstance(line, dict)}
    for head in heads:
        if head.strip().lower() not in hashes:
            raise ProtocolError(
                _("the board does not hold the entry %(head)s observers saw: it is not their board; decrypt nothing")
                % {"head": head.strip()[:16]}
            )
    for copy in earlier:
        kept = [json.loads(x) for x in Path(copy).read_text(encoding="utf-8").splitlines() if x.strip()]
        if lines[: len(kept)] != kept:
            raise ProtocolError(
                _("the board does not extend the copy %(copy)s: it is not the board observers saw; decrypt nothing")
                % {"copy": copy}
            )


def main(argv: list[str] | None = None, out=sys.stdout) -> int:
    parser = argparse.ArgumentParser(prog="offline.py", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("key", help="make a trustee's, the credential authority's or the registrar's key")
    p.add_argument("--out", required=True)
    for name in ("deal", "accept", "answer", "credentials", "passes", "decrypt"):
        p = sub.add_parser(name)
        p.add_argument("--board", required=True, help="board.jsonl as the server publishes it")
        p.add_argument("--key", required=True)
        p.add_argument("--keyring", help="the organisers' key chain (keys.json) to check the manifest against")
        p.add_argument("--out", required=name not in ("credentials", "passes"))
        if name == "accept":
            p.add_argument("--share-out", required=True)
        if name == "answer":
            p.add_argument("--to", type=int, help="the complaining trustee, when there are several")
        if name in ("credentials", "passes"):
            p.add_argument("--voters", required=True, help="CSV: email[,name][,check]")
            p.add_argument(
                "--print-out",
                help="a printable page per voter (code, QR of the link) instead of mail.csv: handed over in person",
            )
            p.add_argument("--site", default="https://veche.example")
            p.add_argument("--out-dir", required=True)
        if name == "credentials":
            p.add_argument("--check", default="list", help="the identity check of voters whose row names none")
        if name == "decrypt":
            p.add_argument("--share", required=True)
            p.add_argument(
                "--head", action="append", default=[], help="a head hash observers published during the vote"
            )
            p.add_argument(
                "--earlier", action="append", default=[], type=Path, help="a copy of the board an observer kept"
            )
    args = parser.parse_args(argv)
    try:
        {
            "key": cmd_key,
            "deal": cmd_deal,
            "accept": cmd_accept,
            "answer": cmd_answer,
            "credentials": cmd_credentials,
            "passes": cmd_passes,
            "decrypt": cmd_decrypt,
        }[args.command](args, out)
    except (ProtocolError, signing.SigningError, OSError, ValueError) as exc:
        sys.stderr.write(f"offline.py {args.command}: {exc}\n")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
