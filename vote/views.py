"""The vote's pages: the vote (and its ballot, built in the browser), the board, the verifier; and the export.

The ballot is encrypted, proved and signed in the voter's browser (vote/static/vote/vote.js): the page never
sends the credential or the choices, only the finished ballot, to POST /api/vote/SLUG/ballots. The credential
comes in the credential authority's mail, the voting pass in the registrar's, each as a link whose fragment
(#credential=…, #pass=…) the browser never sends to any server.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.core.paginator import Paginator
from django.http import Http404, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.templatetags.static import static as static_url
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from core import keys, signing
from core.charts import with_bars
from core.hours import wall_clock
from vote.models import Entry, Vote
from vote.store import manifest_of

# The words the pages' scripts show, in the visitor's language.
BALLOT_MESSAGES = {
    "credential": gettext_lazy("This is not a credential: 24 letters and digits, as in the mail."),
    "pass": gettext_lazy("This is not a voting pass: 24 letters and digits, as in the registrar's mail."),
    "foreign": gettext_lazy(
        "A ballot was cast with your credential after the last one you cast from this browser: from another device "
        "of yours, or by someone who holds your codes. Casting this one replaces it; if it was not you, tell the "
        "organisers."
    ),
    "swapped": gettext_lazy(
        "This page's election is not the one your mail names (its fingerprint differs): do not vote here. The key "
        "it would encrypt your ballot under may not be the trustees'. Tell the organisers."
    ),
    "overtaken": gettext_lazy(
        "Another ballot of your credential reached the board first (from another device?). Encrypt again: "
        "the new ballot replaces it."
    ),
    "count": gettext_lazy("Choose the number of answers the question asks for."),
    "cast": gettext_lazy("Your ballot is on the board as entry"),
    "find": gettext_lazy("Find it on the board"),
    "refused": gettext_lazy("The ballot was refused:"),
    "working": gettext_lazy("Encrypting…"),
    "sending": gettext_lazy("Sending…"),
    "offline": gettext_lazy("The server could not be reached; nothing was cast. Try again."),
    "receipt": gettext_lazy("Your receipt (keep it: it proves the board took your ballot):"),
}


VERIFIER_MESSAGES = {
    "ok": gettext_lazy("Everything verifies."),
    "faults": gettext_lazy("The board does NOT verify:"),
    "entries": gettext_lazy("entries"),
    "ballots": gettext_lazy("ballots cast"),
    "counted": gettext_lazy("counted"),
    "working": gettext_lazy("Checking… (a few seconds per hundred ballots)"),
    "found": gettext_lazy("Your ballot is on the board: entry"),
    "missing": gettext_lazy("No ballot with this tracker is on the board."),
    "audited": gettext_lazy("The audited ballot encrypts:"),
    "bad_audit": gettext_lazy("The audit does not hold:"),
    "first": gettext_lazy("Verify the board first."),
    "result": gettext_lazy("Result"),
}


STATIC = Path(__file__).resolve().parent / "static" / "vote"
# What only the browser's code says (every other message of vote.js and verify.js is one of the Python code's).
JS_ONLY = (gettext_noop("the key chain does not start at the pinned root"),)
MSGID = re.compile(r'(?:\bfail|\bM)\("((?:[^"\\]|\\.)*)"')


@cache
def js_msgids() -> tuple[str, ...]:
    """The msgids vote.js and verify.js format their messages from (M, fail): the Python code's own."""
    found = set()
    for name in ("vote.js", "verify.js"):
        found.update(MSGID.findall((STATIC / name).read_text()))
    return tuple(sorted(found))


def catalogue() -> dict[str, str]:
    """The browser's messages in the visitor's language (the page carries them as <script id="vote-catalogue">)."""
    return {msgid: _(msgid) for msgid in js_msgids()}


SCRIPTS = {
    "noble-vote.js": STATIC / "vendor" / "noble-vote-2.4.0.js",
    "vote.js": STATIC / "vote.js",
    "verify.js": STATIC / "verify.js",
}
# The ballot builder: what encrypts and signs a ballot in the voter's browser (issue 32, finding 7: its hashes are
# on the page, as integrity attributes and in every exported copy, which carries the builder too).
BUILDER = {
    "noble-vote.js": (STATIC / "vendor" / "noble-vote-2.4.0.js", "vote/vendor/noble-vote-2.4.0.js"),
    "vote.js": (STATIC / "vote.js", "vote/vote.js"),
    "ballot.js": (STATIC / "ballot.js", "vote/ballot.js"),
}


@cache
def _digests(path: Path) -> tuple[str, str]:
    raw = path.read_bytes()
    return hashlib.sha256(raw).hexdigest(), "sha384-" + base64.b64encode(hashlib.sha384(raw).digest()).decode()


def builder(static: bool) -> list[dict]:
    """The builder's scripts: name, where the page loads it from, its SHA-256 and its integrity attribute."""
    out = []
    for name, (path, static_path) in BUILDER.items():
        sha256, integrity = _digests(path)
        src = name if static else static_url(static_path)
        out.append({"name": name, "src": src, "sha256": sha256, "integrity": integrity})
    return out


def grouped(fingerprint: str) -> str:
    """An election fingerprint as people compare it (and as the credential mail shows it): 5 groups of 4."""
    return " ".join(fingerprint[i : i + 4] for i in range(0, 20, 4)).upper()


def summary(vote: Vote) -> dict:
    """What the vote's page and API say: the manifest, trustees, credentials by identity check, the result. Read
    from the board's entries other than ballots (their number is on the vote's row)."""
    manifest = manifest_of(vote)
    checks: dict[str, int] = {}
    result, partials, tally, passes = None, 0, None, 0
    for kind, line in Entry.objects.filter(vote=vote).exclude(kind="ballot").values_list("kind", "line"):
        payload = json.loads(line)["entry"]["payload"]
        if kind == "credentials":
            for check, n in payload["document"]["checks"].items():
                checks[check] = checks.get(check, 0) + n
        elif kind == "passes":
            passes += len(payload["document"]["passes"])
        elif kind == "result":
            result = payload
        elif kind == "partial":
            partials += 1
        elif kind == "tally":
            tally = payload
    questions = []
    for q, question in enumerate(manifest["questions"]):
        counted = tally["ballots"] if tally else 0  # a share of the ballots counted (several answers may be chosen)
        rows = [
            {
                "answer": a,
                "votes": result["counts"][q][i] if result else None,
                "share": 100 * result["counts"][q][i] / counted if result and counted else 0,
            }
            for i, a in enumerate(question["answers"])
        ]
        questions.append({**question, "rows": with_bars(rows) if result else rows})
    return {
        "manifest": manifest,
        "phase": vote.phase,
        "trustees": [{"name": t["name"], "fingerprint": signing.fingerprint(t["key"])} for t in manifest["trustees"]],
        "threshold": manifest["threshold"],
        "checks": sorted(checks.items()),
        "credentials": sum(checks.values()),
        "passes": passes,
        "ballots": vote.ballots,
        "counted": tally["ballots"] if tally else None,
        "partials": partials,
        "questions": questions,
        "result": result,
        "head": vote.head,
        "length": vote.length,
    }


def index(request):
    votes = Vote.objects.exclude(phase=Vote.Phase.DRAFT)
    return render(request, "vote/index.html", {"votes": votes})


def vote_page(request, slug):
    vote = get_object_or_404(Vote.objects.exclude(phase=Vote.Phase.DRAFT), slug=slug)
    context = summary(vote)
    context.update(ballot_context(vote, None))
    context.update(local_times(vote))
    return render(request, "vote/vote.html", context)


def local_times(vote: Vote) -> dict[str, Any]:
    """When the vote opens and closes as the clocks where it is held show it, and that zone as people read it
    ("Asia/Vladivostok, UTC+10:00"): the page said "(UTC)" beside the site's own Moscow time."""
    zone = ZoneInfo(vote.time_zone)
    opens, closes = wall_clock(vote.opens, zone), wall_clock(vote.closes, zone)
    return {"opens": opens, "closes": closes, "zone": f"{vote.time_zone}, UTC{opens.isoformat()[-6:]}"}


def ballot_context(vote: Vote, site: str | None) -> dict:
    """What the ballot's page needs, on the site (``site`` None: its own doors) or in an exported copy (the
    ballot's doors at ``site``, the scripts beside the page)."""
    if site:
        base = site.rstrip("/")
        doors = {
            "cast": base + reverse("api:cast_ballot", args=[vote.slug]),
            "previous": base + reverse("api:previous_ballot", args=[vote.slug]),
            "board": base + reverse("vote:board", args=[vote.slug]),
        }
    else:
        doors = {
            "cast": reverse("api:cast_ballot", args=[vote.slug]),
            "previous": reverse("api:previous_ballot", args=[vote.slug]),
            "board": reverse("vote:board", args=[vote.slug]),
        }
    return {
        "vote": vote,
        "doors": doors,
        "builder": builder(static=bool(site)),
        "election_fingerprint": grouped(vote.fingerprint),
        "ballot_messages": {k: str(v) for k, v in BALLOT_MESSAGES.items()},
        "catalogue": catalogue(),
    }


# What each kind of board entry is, for people; the board file and the verifier keep the kinds as written.
ENTRY_KINDS = {
    "manifest": gettext_lazy("the vote's description, signed"),
    "deal": gettext_lazy("a trustee's key shares"),
    "accept": gettext_lazy("a trustee accepts the shares"),
    "complaint": gettext_lazy("a trustee's complaint"),
    "answer": gettext_lazy("the answer to a complaint"),
    "open": gettext_lazy("voting opens"),
    "credentials": gettext_lazy("voters' public keys"),
    "passes": gettext_lazy("voting passes"),
    "ballot": gettext_lazy("a ballot"),
    "close": gettext_lazy("voting closes"),
    "tally": gettext_lazy("the encrypted tally"),
    "partial": gettext_lazy("a trustee's part of the decryption"),
    "result": gettext_lazy("the result"),
}


def board_page(request, slug):
    vote = get_object_or_404(Vote.objects.exclude(phase=Vote.Phase.DRAFT), slug=slug)
    rows = Entry.objects.filter(vote=vote).only("seq", "kind", "hash", "tracker").order_by("seq")
    wanted = "".join(ch for ch in request.GET.get("tracker", "").lower() if ch in "0123456789abcdef")[:64]
    found = None
    if wanted:
        found = rows.filter(tracker__startswith=wanted).first() if len(wanted) >= 8 else False
    page = Paginator(rows, 100).get_page(request.GET.get("page"))
    entries = [(e, ENTRY_KINDS.get(e.kind, e.kind)) for e in page]
    return render(
        request, "vote/board.html", {"vote": vote, "page": page, "entries": entries, "wanted": wanted, "found": found}
    )


def board_file(request, slug):
    """board.jsonl: the whole board, a line per entry, as observers copy it and the verifier reads it."""
    vote = get_object_or_404(Vote.objects.exclude(phase=Vote.Phase.DRAFT), slug=slug)
    rows = Entry.objects.filter(vote=vote).order_by("seq").values_list("line", flat=True).iterator(chunk_size=2000)
    response = StreamingHttpResponse((line + "\n" for line in rows), content_type="application/x-ndjson")
    response["Content-Disposition"] = f'inline; filename="{vote.slug}-board.jsonl"'
    return response


def keyring_document() -> signing.Keyring | dict[str, Any]:
    """The organisers' key chain for the verifier (keys.json), or an empty object when there is none."""
    current = keys.chain()
    return current.document() if current else {}


def keys_file(request, slug):
    get_object_or_404(Vote, slug=slug)
    return JsonResponse(keyring_document())


def verifier(request, slug):
    vote = get_object_or_404(Vote.objects.exclude(phase=Vote.Phase.DRAFT), slug=slug)
    return render(request, "vote/verifier.html", verifier_context(vote, static=False))


def verifier_context(vote: Vote, static: bool) -> dict:
    root = keys.signing_root()
    if static:
        scripts = list(SCRIPTS)
        board, keyring = "board.jsonl", "keys.json"
    else:
        scripts = [
            static_url(f"vote/{name}" if name != "noble-vote.js" else "vote/vendor/noble-vote-2.4.0.js")
            for name in SCRIPTS
        ]
        board, keyring = reverse("vote:board_file", args=[vote.slug]), reverse("vote:keys", args=[vote.slug])
    return {
        "vote": vote,
        "scripts": scripts,
        "board_url": board,
        "keys_url": keyring,
        "root": root or "",
        "root_fingerprint": signing.fingerprint(root) if root else "",
        "static": static,
        "demo": vote.demo,
        "verifier_messages": {k: str(v) for k, v in VERIFIER_MESSAGES.items()},
        "catalogue": catalogue(),
    }


def export(vote: Vote, out: Path, site: str | None = None) -> int:
    """The board and the verifier as a folder any static host can serve (vote_export); with ``site`` (the ballot's
    door, the vote's site or another that accepts its ballots) and while the vote is open, the ballot's page too."""
    if vote.phase == Vote.Phase.DRAFT:
        raise Http404(_("The vote has no board yet."))
    out.mkdir(parents=True, exist_ok=True)
    count = 0
    with open(out / "board.jsonl", "w") as fh:
        for line in Entry.objects.filter(vote=vote).order_by("seq").values_list("line", flat=True).iterator():
            fh.write(line + "\n")
            count += 1
    (out / "keys.json").write_text(json.dumps(keyring_document()))
    for name, source in SCRIPTS.items():
        shutil.copyfile(source, out / name)
    shutil.copyfile(STATIC / "vendor" / "LICENSE-noble.txt", out / "LICENSE-noble.txt")
    (out / "index.html").write_text(render_to_string("vote/verifier_static.html", verifier_context(vote, static=True)))
    for script in builder(static=True):
        shutil.copyfile(BUILDER[script["name"]][0], out / script["name"])
    (out / "builder.json").write_text(json.dumps({s["name"]: s["sha256"] for s in builder(static=True)}, indent=1))
    if site and vote.phase == Vote.Phase.OPEN:
        context = {**summary(vote), **ballot_context(vote, site), "site": site, "demo": vote.demo}
        (out / "ballot.html").write_text(render_to_string("vote/ballot_static.html", context))
    return count
