"""The lookup as a static site anyone can mirror when Veche is blocked.

    python manage.py export_lookup OUT_DIR [--election SLUG …]

The folder holds an HTML page, its script, and the data as JSON: one file per
region (its precincts, polling-station buildings with their parsed
addresses and coordinates, address ranges, which contests each precinct
votes in), the contests with their candidates, and each election's latest
published list exactly as signed. Matching happens in the browser: the page
fetches whole files chosen by the voter's region, never by what they type,
so the address never leaves the browser, and the server that hosts the copy
learns nothing a visitor typed.

A mirror could be altered, so the folder carries a manifest (every file's
SHA-512) that the organisers sign offline (core/signing.py sign
OUT_DIR/manifest.json, which checks every file against it first), and the
organisers' key chain (keys.json). The page pins the chain's root (the key
whose fingerprint the organisers publish), follows the chain from it,
checks the manifest's signature, each file's hash and each list's own
signature, and refuses to answer if anything does not hold; it also
remembers the chain it saw, and refuses one that drops or forks it.

A hostile mirror could also serve an older copy, correctly signed, whose
lists have since been replaced (issue 35). The manifest carries a version
(the export's time in seconds, and always above the folder's previous one)
and an expiry: the page remembers the highest version it has seen for the
same root key and elections and refuses a lower one, and refuses a copy
past its expiry. The memory is the browser's, per site: a voter sent to
another host, never seen, is protected by the expiry alone. The
server never signs a manifest, except the demo's, with its demo key, and
then the manifest and the page say "demo".
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from actions.letters import LetterSheet, letter_sheet
from core import keys, mirrors, signing
from core.geo import tile_server
from core.signing import canonical, fingerprint
from elections.models import Candidate, Contest, Election, Precinct, Protocol, Region
from elections.names import latin_slug
from lookup import addresses
from lookup.addresses import parse
from lookup.find import NOT_PLACED, STREET_THRESHOLD
from lookup.models import AddressRange
from smartvote.publish import in_force, last_published_day

FORMAT = "veche-lookup-export/1"
STATIC = Path(__file__).resolve().parent / "static" / "lookup"
SCRIPTS = {
    "mirror.js": STATIC / "mirror.js",
    "lists.js": STATIC / "lists.js",
    "nacl-fast.min.js": STATIC / "vendor/tweetnacl-1.0.3/nacl-fast.min.js",
    "map.js": STATIC / "map.js",
    "leaflet.js": STATIC / "vendor/leaflet-1.9.4/leaflet.js",
    "leaflet.css": STATIC / "vendor/leaflet-1.9.4/leaflet.css",
}


class ExportError(Exception):
    pass


def default_elections() -> list[Election]:
    """The elections of the latest election day that has a published list, else of the latest day."""
    day = (
        last_published_day() or Election.objects.filter(contests__protocols__isnull=False).aggregate(d=Max("date"))["d"]
    )
    return list(Election.objects.filter(date=day)) if day else []


def write_json(out: Path, name: str, data) -> str:
    path = out / name
    path.parent.mkdir(parents=True, exist_ok=True)
    body = canonical(data)
    path.write_bytes(body)
    return name


def region_data(region: Region, contest_ids: set[int]) -> dict:
    """Everything the page needs to answer for one region's voters."""
    protocols = (
        Protocol.objects.filter(contest_id__in=contest_ids, precinct__region=region)
        .values_list("precinct_id", "contest_id")
        .order_by("precinct_id", "contest_id")
    )
    ballots: dict[int, list[int]] = {}
    for precinct_id, contest_id in protocols:
        ballots.setdefault(precinct_id, []).append(contest_id)
    precincts = list(Precinct.objects.filter(pk__in=ballots).select_related("venue").order_by("number", "code"))
    venues: dict[int, int] = {}
    venue_rows: list[dict] = []
    for p in precincts:
        v = p.venue
        if v is None or v.pk in venues:
            continue
        venues[v.pk] = len(venue_rows)
        address = parse(f"{v.street or ''}, {v.building or ''}")
        venue_rows.append(
            {
                "name": v.name,
                "address": v.address,
                "lat": v.latitude,
                "lon": v.longitude,
                "street": address.street,
                "kind": address.kind,
                "house": address.house,
                "house_to": address.house_to,
                "korpus": address.korpus,
                "litera": address.litera,
            }
        )
    ranges = [
        {
            "street": r.street,
            "words": r.street_key.split(),
            "kind": r.street_kind,
            "from": r.house_from,
            "to": r.house_to,
            "parity": r.parity,
            "precinct": r.precinct_id,
        }
        for r in AddressRange.objects.filter(region=region, precinct_id__in=ballots).order_by("id")
    ]
    return {
        "region": region.name,
        "precincts": [
            {
                "id": p.pk,
                "uik": p.code,
                "number": p.number,
                "venue": venues.get(p.venue_id or 0),
                "contests": ballots[p.pk],
            }
            for p in precincts
        ],
        "venues": venue_rows,
        "ranges": ranges,
    }


def contests_data(contest_ids: set[int]) -> dict:
    contests = (
        Contest.objects.filter(pk__in=contest_ids)
        .select_related("election")
        .order_by("election__level", "kind", "number")
    )
    candidates: dict[int, list] = {}
    for c in (
        Candidate.objects.filter(contest_id__in=contest_ids, status=Candidate.Status.REGISTERED)
        .select_related("person", "party")
        .order_by("person__last_name", "person__first_name")
    ):
        candidates.setdefault(c.contest_id, []).append(
            {
                "id": c.pk,
                "name": c.person.full_name,
                "party": c.party.name if c.party else None,
                "self_nominated": c.self_nominated,
            }
        )
    return {
        str(c.pk): {
            "election": c.election.name,
            "election_slug": c.election.slug,
            "date": c.election.date.isoformat(),
            "kind": c.kind,
            "name": c.name,
            "area": c.area,
            "number": c.number,
            "candidates": candidates.get(c.pk, []),
        }
        for c in contests
    }


PRISONERS = "prisoners.json"


def prisoners_data(sheet: LetterSheet, day: date) -> dict:
    return {
        "as_of": day.isoformat(),
        "prisoners": [
            {
                **dataclasses.asdict(p),
                "term_end": p.term_end.isoformat() if p.term_end else None,
                "strike_started": p.strike_started.isoformat() if p.strike_started else None,
            }
            for p in sheet.prisoners
        ],
        "how_to_send": sheet.how_to_send,
        "what_not_to_write": sheet.what_not_to_write,
        "template": sheet.template,
    }


VALID_DAYS = 30  # a copy's life: after it the page refuses to answer and asks for a newer mirror


def export(out: Path, elections: list[Election], valid_days: int = VALID_DAYS) -> dict:
    """Write the static lookup for these elections into ``out``; returns the manifest."""
    if valid_days < 1:
        raise ExportError("a copy must be valid for at least one day (--valid-days)")
    if not elections:
        raise ExportError("no election to export: import one first, or name it with --election")
    root = keys.signing_root()
    try:
        chain = keys.chain()
    except signing.SigningError as exc:
        raise ExportError(f"the key chain stored on this server does not hold: {exc}") from None
    if root is None or chain is None:
        raise ExportError(
            "no signing root: set VECHE_SIGNING_ROOT to the organisers' first public key "
            "(core/signing.py new-root), or run the demo with VECHE_DEMO=1"
        )
    out.mkdir(parents=True, exist_ok=True)
    if any(out.iterdir()) and not (out / "manifest.json").exists():
        raise ExportError(f"{out} is not empty and holds no earlier export: choose an empty folder")
    now = timezone.now().replace(microsecond=0)
    counter = max(int(now.timestamp()), earlier_version(out) + 1)  # above the folder's last, even within a second
    for old in ("data", "lists"):
        shutil.rmtree(out / old, ignore_errors=True)
    contest_ids = set(
        Contest.objects.filter(election__in=elections, protocols__isnull=False).values_list("id", flat=True).distinct()
    )
    files = [write_json(out, "contests.json", contests_data(contest_ids))]
    regions = []
    for region in Region.objects.filter(precincts__protocols__contest_id__in=contest_ids).distinct().order_by("name"):
        name = f"data/{latin_slug(region.name) or region.pk}-{region.pk}.json"
        files.append(write_json(out, name, region_data(region, contest_ids)))
        regions.append({"name": region.name, "file": name})
    files.append(write_json(out, "keys.json", chain.document()))
    # Where to write to political prisoners, and how (issue 35): signed with the rest, so a hostile mirror can
    # neither send letters elsewhere nor change the advice that keeps them from the censor's bin.
    sheet = letter_sheet()
    if sheet.prisoners:
        files.append(write_json(out, PRISONERS, prisoners_data(sheet, now.date())))
    lists = []
    for election in elections:
        # Every signed version still giving a pick: a national list is published a region at a time, and the
        # page folds them as the server does (core.signing.in_force).
        for version in in_force(election).versions:
            name = f"lists/{election.slug}-v{version.number}.json"
            files.append(
                write_json(
                    out,
                    name,
                    {
                        "election": election.slug,
                        "number": version.number,
                        "payload": version.payload,
                        "signature": version.signature,
                        "public_key": version.public_key,
                    },
                )
            )
            lists.append(name)
    # The page and its scripts are not hashed: a copy that alters them can
    # alter the key they check with too. Voters compare the key's fingerprint
    # shown on the page with the one the organisers publish elsewhere.
    for name, source in SCRIPTS.items():
        shutil.copyfile(source, out / name)
    demo = keys.demo_signing_key()
    index = render_to_string(
        "lookup/mirror.html",
        {
            "root": root,
            "fingerprint": fingerprint(root),
            "created": timezone.now(),
            "elections": elections,
            "vocabulary": vocabulary(),
            "texts": texts(),
            "tiles": tile_server(),
            # The page opens on the site's region (VECHE_LOOKUP_REGION), as the site's own search does.
            "start_region": settings.LOOKUP_REGION,
        },
    )
    (out / "index.html").write_text(index, encoding="utf-8")
    manifest = {
        "format": FORMAT,
        "version": counter,
        "created": now.isoformat(),
        "expires": (now + timedelta(days=valid_days)).isoformat(),
        "elections": [{"slug": e.slug, "name": e.name, "date": e.date.isoformat()} for e in elections],
        "regions": regions,
        "lists": lists,
        **({"prisoners": PRISONERS} if PRISONERS in files else {}),
        "files": {name: signing.sha512((out / name).read_bytes()) for name in sorted(files)},
    }
    if demo:
        manifest["demo"] = True
    body = canonical(manifest)
    for old in ("manifest.sig", "public-key.txt"):
        (out / old).unlink(missing_ok=True)
    (out / "manifest.json").write_bytes(body)
    if demo:
        attach_signature(out, signing.sign(body, demo))
    return manifest


def earlier_version(out: Path) -> int:
    """The version of the export already in ``out`` (0: none, or one from before versions)."""
    try:
        version = json.loads((out / "manifest.json").read_bytes()).get("version", 0)
    except (OSError, ValueError, AttributeError):
        return 0
    return version if isinstance(version, int) else 0


def attach_signature(out: Path, signature) -> str:
    """Check the organisers' signature of the folder's manifest (and every file against it), then put it in the
    folder as manifest.sig; the signer's fingerprint, or ExportError saying what does not hold."""
    try:
        manifest_bytes = (out / "manifest.json").read_bytes()
        manifest = signing.load_canonical(manifest_bytes)
        record = signing.parse_signature(signature)
        chain = keys.chain()
        if chain is None:
            raise signing.SigningError("no signing root is configured")
        signer = chain.check(manifest_bytes, record)
    except OSError as exc:
        raise ExportError(f"{out}: {exc.strerror} (export first)") from None
    except signing.SigningError as exc:
        raise ExportError(str(exc)) from None
    problems = signing.check_folder(out, manifest)
    if problems:
        raise ExportError("the folder does not match its manifest: " + "; ".join(problems))
    (out / "manifest.sig").write_text(json.dumps(record) + "\n")
    return fingerprint(signer)


BUNDLE_LIMIT = 20_000_000  # bytes: a file people pass along in a messenger; St Petersburg's is ~1 MB


def bundle(folder: Path, out: Path) -> int:
    """One HTML file holding a signed export whole — the page, its scripts and every file the manifest names — that
    checks its own signature and answers from ``file://``, with no server: small enough to pass along in a
    messenger when the network is cut to a whitelist (issue 35). The files go in as they were signed, byte for
    byte (as UTF-8 text in one JSON object), so the page's checks are the mirror's own. Returns its size."""
    try:
        mirrors.signed_folder(folder)
    except mirrors.MirrorError as exc:
        raise ExportError(str(exc)) from None
    manifest_bytes = (folder / "manifest.json").read_bytes()
    signature = (folder / "manifest.sig").read_text()
    manifest = signing.load_canonical(manifest_bytes)
    files = {"manifest.json": manifest_bytes.decode(), "manifest.sig": signature}
    files.update({name: (folder / name).read_text(encoding="utf-8") for name in manifest["files"]})
    page = (folder / "index.html").read_text(encoding="utf-8")
    for name in SCRIPTS:
        if not name.endswith(".js"):
            continue
        # A script's text can hold "</script" (in a string): written "<\/script", the same to JavaScript.
        code = (folder / name).read_text(encoding="utf-8").replace("</script", "<\\/script")
        page = page.replace(f'<script src="{name}"></script>', f"<script>{code}</script>")
    style = (folder / "leaflet.css").read_text(encoding="utf-8")
    page = page.replace('<link rel="stylesheet" href="leaflet.css">', f"<style>{style}</style>")
    # The files as one JSON object, "</" written "<\/" (the same string to JSON.parse) so no file ends the element.
    data = json.dumps(files, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    # Before the scripts: mirror.js reads it as it starts.
    element = f'<script type="application/json" id="bundle">{data}</script>\n'
    page = page.replace('<script id="vocabulary"', element + '<script id="vocabulary"', 1)
    body = page.encode()
    if len(body) > BUNDLE_LIMIT:
        raise ExportError(f"the bundle would be {len(body) / 1e6:.1f} MB: export fewer elections or regions")
    out.write_bytes(body)
    return len(body)


def vocabulary() -> dict:
    """The address parser's word lists, so the page's parser reads the same ones."""
    return {
        "kinds": addresses.KIND_OF,
        "place": sorted(addresses.PLACE_WORDS),
        "house": sorted(addresses.HOUSE_WORDS),
        "korpus": sorted(addresses.KORPUS_WORDS),
        "litera": sorted(addresses.LITERA_WORDS),
        "building": sorted(addresses.BUILDING_WORDS),
        "max_length": addresses.MAX_LENGTH,
    }


def texts() -> dict:
    """The page's messages, in the export's language."""
    return {
        "bad_manifest": _("This copy has been altered: its signature does not match. Do not trust it."),
        "no_signature": _("This copy is not signed by the organisers yet: do not trust it."),
        "bad_keys": _("This copy's key chain does not descend from the organisers' root key. Do not trust it."),
        "keys_changed": _(
            "The organisers' key chain in this copy differs from the one this browser saw before: "
            "a key was dropped or someone else holds one. Do not trust this copy; ask the organisers "
            "on their channels."
        ),
        "demo": _("Demo copy: signed with the demo's own key, not by organisers. Its recommendations mean nothing."),
        "bad_file": _("This copy has been altered: a data file does not match its signed hash. Do not trust it."),
        "bad_list": _(
            "This copy has been altered: a recommendation list is not signed by the organisers. Do not trust it."
        ),
        "ready": _("Signature checked: this copy is as the organisers exported it."),
        "older": _(
            "This copy is older than one this browser has already seen: its lists may have been replaced since. "
            "Do not trust it; open another mirror or the organisers' channels."
        ),
        "unversioned": _(
            "This copy carries no version or expiry date: it was made before mirrors had them. Open a newer "
            "mirror, or the organisers' channels."
        ),
        "expired": _(
            "This copy expired on %(date)s: its lists may have been replaced since. Open a newer mirror, or the "
            "organisers' channels."
        ),
        "as_of": _(
            "Addresses for letters as of %(date)s, signed by the organisers with the rest of this copy. A letter "
            "tells a prisoner they are not forgotten."
        ),
        "term_ends": _("Term ends"),
        "strike": _("Hunger strike since %(since)s: day %(d)s"),
        "time_there": _("It is %(there)s there (%(zone)s)."),
        "loading": _("Loading…"),
        "no_street": _("Type a street and a house number, e.g. «Садовая 108»."),
        "no_house": _("Add the house number, e.g. «Садовая 108»."),
        "not_found": _(
            "No polling station or published address range matches that street. "
            "Try the UIK number from your invitation, or your location."
        ),
        "no_uik": _("No precinct (UIK) with that number in this region."),
        "bad_uik": _("A precinct number is digits only, e.g. 1545."),
        "choose": _("Several precincts match: choose yours."),
        "nearest": _("The nearest polling stations; yours is decided by your home address."),
        "not_placed": str(NOT_PLACED),
        "no_location": _("Your browser did not give a location."),
        "uik": _("Precinct (UIK)"),
        "ballot": _("On your ballot"),
        "smart": _("Smart voting"),
        "no_pick": _("Smart voting: no recommendation in this district."),
        "no_list": _("No smart-voting recommendation is published for this contest yet."),
        "version": _("list version"),
        "probability": _("probability of being the strongest non-ruling candidate"),
        "self": _("self-nominated"),
        "km": _("km"),
        "threshold": STREET_THRESHOLD,
    }
