"""A vote's exported folder as the mirror publisher checks it before sending it anywhere (core/mirrors.py).

``vote_export`` writes the board, the organisers' key chain, the verifier page and the ballot builder. The folder
carries no manifest for the organisers to sign: the board grows with every ballot, and it vouches for itself —
every line signed by the board's key and chained, the vote's manifest signed by the organisers. So the publisher
replays the board as ``vote_verify`` does, from the root this installation pins, and compares the builder's
scripts with the ones this code ships: an altered board, a chain from another root or a builder that encrypts
under someone else's key goes to no host.
"""

from __future__ import annotations

import hashlib
import os
from datetime import UTC, datetime
from pathlib import Path

from core import keys, mirrors, signing
from vote.board import verify
from vote.views import builder

BOARD = "board.jsonl"


def checked_folder(path: Path) -> mirrors.Folder:
    """The exported vote folder, replayed and compared; MirrorError naming what does not hold."""
    try:
        lines = [x for x in (path / BOARD).read_text(encoding="utf-8").splitlines() if x.strip()]
        root, statements = signing.read_keyring((path / "keys.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, signing.SigningError) as exc:
        why = getattr(exc, "strerror", None) or exc
        raise mirrors.MirrorError(f"{path}: {why}: export it with vote_export") from None
    pinned = keys.signing_root()
    if pinned is None or root != signing.public_key_text(pinned):
        raise mirrors.MirrorError(f"{path}: keys.json does not start at the organisers' root this installation pins")
    try:
        chain = signing.chain(root, statements)
    except signing.SigningError as exc:
        raise mirrors.MirrorError(f"{path}: the key chain does not hold: {exc}") from None
    report = verify(lines, chain, workers=os.cpu_count() or 1)
    if report.faults:
        shown = "; ".join(report.faults[:3])
        raise mirrors.MirrorError(f"{path}: the board does not verify ({len(report.faults)} fault(s)): {shown}")
    for script in builder(static=True):
        try:
            digest = hashlib.sha256((path / script["name"]).read_bytes()).hexdigest()
        except OSError as exc:
            raise mirrors.MirrorError(f"{path}: {script['name']}: {exc.strerror}") from None
        if digest != script["sha256"]:
            raise mirrors.MirrorError(f"{path}: {script['name']} is not the ballot builder this code ships")
    hour = int(datetime.now(UTC).timestamp()) // 3600 * 3600  # the commit's time: the hour, nothing finer
    return mirrors.Folder(
        path=path,
        files=mirrors.plain_files(path, (BOARD,)),
        version=report.state.length,
        signer=signing.fingerprint(report.state.signer) if report.state.signer else "?",
        last=(BOARD,),
        published=hour,
    )
