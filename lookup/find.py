"""From what a voter knows to their polling station and ballot.

Three ways in, one answer:

* a **home address**: matched against the published address ranges (which
  decide where a home votes); failing that, against the addresses of the
  polling-station buildings (someone may type the school's address);
* a **UIK number** (with a region when it is ambiguous);
* a **point** (a tap on a map, "my location"): the nearest polling-station
  buildings, through a k-d tree over their coordinates.

The answer is the precinct, its venue and the contests on its ballot at its
latest election day; or a short list to choose from; or a message saying
what was not found. Nothing typed is stored or logged.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from datetime import date

import numpy as np
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from scipy.spatial import cKDTree

from core.cache import Cached, Freshness
from core.geo import chord_km, unit_vectors
from elections.models import Candidate, Contest, Precinct, Protocol, Venue
from lookup.addresses import Address, Streets, parse
from lookup.models import AddressRange
from smartvote.publish import PublishedPick, published_picks

# How an answer was found: machine-readable in the API, translated on pages.
MATCHED_BY = [
    gettext_noop("address range"),
    gettext_noop("polling-station building"),
    gettext_noop("UIK number"),
    gettext_noop("nearest building"),
]
STREET_THRESHOLD = 0.8
# A home address the published ranges do not place: what the answer (and the mirror's) says above the street's
# stations.
NOT_PLACED = gettext_lazy(
    "Which polling station serves a home is decided by the election commission's address lists, "
    "which are not published here, so we cannot tell yours from the address. Your precinct's number "
    "is on your invitation; type it above. Polling stations on this street, by district, closest "
    "house numbers first:"
)


@dataclass(frozen=True)
class Choice:
    """A polling station to choose from when a question fits several (lookup.api.Choice is its JSON)."""

    precinct_id: int
    uik: str
    region: str
    region_id: int
    venue_id: int | None
    venue: str
    address: str
    district: str  # the city district: streets of one name apart
    distance_km: float | None


@dataclass
class Answer:
    status: str  # found, choose, not_found
    message: str = ""
    precinct: Precinct | None = None
    matched_by: str = ""  # address range, polling-station building, UIK number, nearest building
    choices: list[Choice] = field(default_factory=list)
    distance_km: float | None = None


@dataclass(frozen=True)
class BallotCandidate:
    name: str
    party: str | None
    self_nominated: bool


@dataclass(frozen=True)
class BallotContest:
    """A contest on a voter's ballot (lookup.api.BallotContestOut is its JSON), with its pick when published."""

    contest_id: int
    election: str
    election_slug: str
    date: datetime.date
    kind: str
    name: str
    area: str
    number: int
    voting_days: list[datetime.date]
    candidates: list[BallotCandidate]
    parties: list[str]  # a party-list ballot's lines in the ballot's order
    recommendation: PublishedPick | None


# -- what changes only by imports, cached per process ------------------------
# The answers hang on the imports, the venues, the address ranges, and, for their smart-voting pick, on the
# published lists and the organisers' key chain: a change to any of them is seen by every worker within a
# second (one cheap query per second and process), by this process at once.
DATA = Freshness(
    "lookup",
    ["elections.ImportRun", "elections.Venue", "lookup.AddressRange", "smartvote.ListVersion", "core.SigningStatement"],
    every=1.0,
    versioned=True,
)


# -- the venue index ----------------------------------------------------------
class VenueIndex:
    """Parsed venue addresses and a k-d tree of their coordinates.

    Built on first use and rebuilt after an import or a change in the
    venues, so new data is picked up without a restart.
    """

    def __init__(self):
        # The precincts voting in each building, with their region and venue, for the answers.
        self.precincts: dict[int, list[Precinct]] = {}
        venues: list[Venue] = []
        for p in (
            Precinct.objects.filter(venue__isnull=False).select_related("region", "venue").order_by("number", "code")
        ):
            if p.venue is None or p.venue_id is None:
                continue  # filtered out above; said again for the type checker
            if p.venue_id not in self.precincts:
                venues.append(p.venue)
            self.precincts.setdefault(p.venue_id, []).append(p)
        self.by_street: dict[tuple[str, ...], list[tuple[int, Address]]] = {}
        self.house: dict[int, int] = {}  # venue id → its house number, for "closest house numbers first"
        for v in venues:
            address = parse(f"{v.street or ''}, {v.building or ''}")
            if address.street and address.house is not None:
                self.by_street.setdefault(tuple(address.street), []).append((v.pk, address))
                self.house[v.pk] = address.house
        self.streets = Streets(self.by_street)
        located = [
            (v.pk, v.latitude, v.longitude) for v in venues if v.latitude is not None and v.longitude is not None
        ]
        self.located_ids = np.array([pk for pk, _lat, _lon in located], dtype=np.int64)
        self.points = [[round(lat, 6), round(lon, 6)] for _pk, lat, lon in located]  # for the map
        self.tree = (
            cKDTree(unit_vectors(np.array([lat for _pk, lat, _lon in located]), np.array([x[2] for x in located])))
            if located
            else None
        )

    def at(self, venue_ids) -> list[Precinct]:
        return [p for v in venue_ids for p in self.precincts.get(v, [])]

    @classmethod
    def get(cls) -> VenueIndex:
        return VENUE_INDEX.get()


VENUE_INDEX = Cached(VenueIndex, DATA, size=1)


# -- ways in --------------------------------------------------------------------
def by_point(lat: float, lon: float, limit: int = 5) -> Answer:
    index = VenueIndex.get()
    if index.tree is None:
        return Answer("not_found", _("No polling station with coordinates is imported."))
    k = min(limit, len(index.located_ids))
    chords, rows = index.tree.query(unit_vectors(np.array([lat]), np.array([lon])), k=k)
    ids = [int(index.located_ids[r]) for r in np.atleast_1d(rows[0])]
    kms = {i: round(chord_km(c), 2) for i, c in zip(ids, np.atleast_1d(chords[0]), strict=True)}
    precincts = sorted(index.at(ids), key=lambda p: (kms[p.venue_id or 0], p.number or 0))
    choices = [precinct_choice(p, p.venue, distance_km=kms[p.venue_id or 0]) for p in precincts]
    at_nearest = [p for p in precincts if p.venue_id == ids[0]]
    if len(at_nearest) == 1:
        return Answer(
            "found", precinct=at_nearest[0], matched_by="nearest building", distance_km=kms[ids[0]], choices=choices
        )
    return Answer(
        "choose",
        _("The nearest polling stations; yours is decided by your home address."),
        choices=choices,
        distance_km=kms[ids[0]],
    )


def by_uik(number: int, region_id: int | None = None) -> Answer:
    if region_id is not None:  # a real station's code is its number
        precinct = REGIONS.get(region_id).precincts.get(str(number))
        found = [precinct] if precinct else []
    else:
        found = list(
            Precinct.objects.select_related("region", "venue")
            .filter(number=number, is_remote=False)
            .order_by("region__name")[:50]
        )
    if not found:
        if region_id is not None:
            return Answer("not_found", _("No precinct (UIK) with number %(n)s in that region.") % {"n": number})
        return Answer("not_found", _("No precinct (UIK) with number %(n)s.") % {"n": number})
    if len(found) == 1:
        return current_or_said(found[0], number)
    message = _("UIK %(n)s exists in %(count)s regions: choose yours.") % {"n": number, "count": len(found)}
    return Answer("choose", message, choices=[precinct_choice(p, p.venue) for p in found])


def current_or_said(precinct: Precinct, number: int) -> Answer:
    """The precinct found by its number, if it is one of its region's at the region's latest election; a number
    that voted only at an earlier one (merged, renumbered) is said to be so, not answered with an old ballot."""
    book = REGIONS.get(precinct.region_id)
    last = book.last_day.get(precinct.pk)
    if last is not None and book.latest_day is not None and last < book.latest_day:
        return Answer(
            "not_found",
            _(
                "UIK %(n)s last voted on %(last)s: it is not among the region's precincts at its latest election "
                "(%(latest)s). Check the number on your invitation."
            )
            % {"n": number, "last": last.strftime("%d.%m.%Y"), "latest": book.latest_day.strftime("%d.%m.%Y")},
        )
    return Answer("found", precinct=precinct, matched_by="UIK number")


def by_address(text: str) -> Answer:
    return by_parsed_address(parse(text))


def by_parsed_address(address: Address) -> Answer:
    if not address:
        return Answer("not_found", _("Type a street and a house number, e.g. «Садовая 108»."))
    if address.house is None:
        numbers = [w for w in address.street if w.isdigit()]
        if numbers:  # a number was typed, but not one a house can have (too long, or part of the street's name)
            return Answer(
                "not_found",
                _("“%(n)s” is not a house number we can read: type the street, then the house, e.g. «Садовая 108».")
                % {"n": numbers[-1][:10]},
            )
        return Answer("not_found", _("Add the house number, e.g. «Садовая 108»."))
    found = match_ranges(address)
    if found:
        precincts = {r.precinct_id: r.precinct for r in found}
        if len(precincts) == 1:
            return Answer("found", precinct=next(iter(precincts.values())), matched_by="address range")
        return Answer(
            "choose",
            _("Several streets match: choose yours."),
            choices=[precinct_choice(p, p.venue) for p in precincts.values()],
        )
    return match_venues(address)


def range_streets() -> Streets:
    return Streets(
        key.split() for key in AddressRange.objects.order_by().values_list("street_key", flat=True).distinct()
    )


RANGE_STREETS = Cached(range_streets, DATA, size=1)


def match_ranges(address: Address) -> list[AddressRange]:
    scored = RANGE_STREETS.get().scored(address.street)
    if not scored or scored[0][0] < STREET_THRESHOLD:
        return []
    keys = [" ".join(street) for score, street in scored if score >= scored[0][0] - 0.02]
    house = address.house
    if house is None:
        return []
    ranges = list(
        AddressRange.objects.filter(street_key__in=keys).select_related("precinct__region", "precinct__venue")
    )
    if address.kind:
        ranges = [r for r in ranges if r.street_kind in ("", address.kind)] or ranges
    return [r for r in ranges if r.covers(house)]


def match_venues(address: Address) -> Answer:
    index = VenueIndex.get()
    house = address.house if address.house is not None else -1  # by_parsed_address asked for one already
    scored = []
    for similarity, street in index.streets.scored(address.street):
        if similarity < STREET_THRESHOLD:
            break
        for venue_id, venue in index.by_street[street]:
            if all(w.isdigit() for w in address.street) and address.kind and venue.kind != address.kind:
                continue  # "16 линия" is not "16 улица"
            score = similarity * 10
            first = venue.house if venue.house is not None else -2  # the index holds venues with a house only
            if first <= house <= (venue.house_to or first):
                score += 100
                if address.korpus or venue.korpus:
                    score += 5 if address.korpus == venue.korpus else -3
                if address.litera and address.litera == venue.litera:
                    score += 2
            scored.append((score, venue_id))
    if not scored:
        return Answer(
            "not_found",
            _(
                "No polling station or published address range matches that street. "
                "Try the UIK number from your invitation, or your location."
            ),
        )
    scored.sort(reverse=True)
    top = scored[0][0]
    if top < 100:
        # A home address without published address ranges cannot be placed: which station serves a house is
        # decided by the commission's address lists, not by distance. Say so, and list the stations on that
        # street, district by district (streets of one name lie in several: Садовая in Коломна and in Ольгино),
        # the closest house numbers first — never a guess presented as the answer.
        near = sorted(scored[:30], key=lambda sv: (-sv[0], abs(index.house[sv[1]] - house)))
        choices = [precinct_choice(p, p.venue) for p in index.at(v for _s, v in near)]
        districts = [c.district for c in choices]
        choices.sort(key=lambda c: districts.index(c.district))  # stable: within a district, nearest first
        return Answer("choose", str(NOT_PLACED), choices=choices[:12])
    precincts = index.at(v for s, v in scored if s == top)
    if len(precincts) == 1:
        return Answer("found", precinct=precincts[0], matched_by="polling-station building")
    return Answer(
        "choose",
        _("Several polling stations vote in this building; yours is on your invitation."),
        choices=[precinct_choice(p, p.venue) for p in precincts],
    )


def precinct_choice(precinct: Precinct, venue: Venue | None, distance_km: float | None = None) -> Choice:
    return Choice(
        precinct_id=precinct.pk,
        uik=precinct.code,
        region=precinct.region.name,
        region_id=precinct.region_id,
        venue_id=venue.pk if venue else None,
        venue=venue.name if venue else "",
        address=venue.address if venue else "",
        district=(venue.district if venue else "") or precinct.city_district,
        distance_km=distance_km,
    )


# -- a region's precincts and ballots -------------------------------------------
class RegionBook:
    """A region's real polling stations by code and the contests on each one's ballot.

    Loaded whole on the region's first question and kept until the data
    change: voters' questions spread over a whole city, and two queries for
    its 2,000 precincts cost less than a few dozen of them answered one by one.
    """

    def __init__(self, region_id: int):
        self.precincts = {
            p.code: p
            for p in Precinct.objects.filter(region_id=region_id, is_remote=False).select_related("region", "venue")
        }
        rows = list(
            Protocol.objects.filter(precinct__region_id=region_id).values_list(
                "precinct_id",
                "contest_id",
                "contest__election__date",
                "contest__election__level",
                "contest__kind",
                "contest__number",
            )
        )
        latest: dict[int, date] = {}  # precinct → its latest election day
        for precinct, _contest, day, *_order in rows:
            latest[precinct] = max(day, latest.get(precinct, day))
        self.last_day = latest
        # The region's latest general election: the latest day on which most of its precincts last voted (a
        # by-election in a few precincts later on does not make the others out of date).
        voted: dict[date, int] = {}
        for day in latest.values():
            voted[day] = voted.get(day, 0) + 1
        general = [day for day, n in voted.items() if n >= len(latest) / 2]
        self.latest_day = max(general, default=None)
        self.ballots: dict[int, list[int]] = {}
        for precinct, contest, day, *_order in sorted(rows, key=lambda r: r[3:]):
            if day == latest[precinct]:
                self.ballots.setdefault(precinct, []).append(contest)


REGIONS = Cached(RegionBook, DATA, size=100)


def ballot(precinct: Precinct) -> list[BallotContest]:
    """The contests on the precinct's ballot at its latest election day; precincts of one district share
    their contests, each built once."""
    return [CONTESTS.get(c) for c in REGIONS.get(precinct.region_id).ballots.get(precinct.pk, [])]


def compute_contest(contest_id: int) -> BallotContest:
    contest = Contest.objects.select_related("election").get(pk=contest_id)
    candidates = (
        # The voter's ballot: a candidate who withdrew after registration is no longer standing.
        Candidate.objects.filter(contest_id=contest_id, status=Candidate.Status.REGISTERED)
        .select_related("person", "party")
        .order_by("person__last_name", "person__first_name", "person__middle_name")
    )
    return BallotContest(
        contest_id=contest.pk,
        election=contest.election.name,
        election_slug=contest.election.slug,
        date=contest.election.date,
        kind=contest.kind,
        name=contest.name,
        area=contest.area,
        number=contest.number,
        voting_days=contest.election.voting_days,
        candidates=[
            BallotCandidate(c.person.full_name, c.party.name if c.party else None, c.self_nominated) for c in candidates
        ],
        # A party-list ballot's lines in the ballot's order (its candidates are the parties' lists).
        parties=list(contest.choices.order_by("position", "pk").values_list("name", flat=True))
        if contest.kind == Contest.Kind.PARTY_LIST
        else [],
        recommendation=published_pick(contest),
    )


def published_pick(contest: Contest) -> PublishedPick | None:
    """The contest's pick in force: its row in the newest signed list covering it (only published lists reach
    voters; a national election's are published a region at a time)."""
    return LISTS.get(contest.election_id).get(contest.pk)


CONTESTS = Cached(compute_contest, DATA)
LISTS = Cached(published_picks, DATA, size=100)
