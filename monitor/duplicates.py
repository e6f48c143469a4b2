"""Likely duplicates of named people, found where the names can be read: on the organisers' offline machine.

The server keeps no trace of a name it could compare (monitor.people), so
this runs on a copy of the database beside the private key: it opens the
sealed names of live detention and prosecution reports and flags a report
when an earlier one is probably the same person — detained in the same city
on the same day, or at the same step of a case under the same article. What
it writes holds report numbers only; the server takes it back with
``monitor_flag_duplicates`` and the moderators see the flags as before.
"""

import json

from django.db import transaction
from django.utils import timezone

from core.sealing import unseal
from monitor.models import Report
from monitor.people import name_keys, same_person

FORMAT = "veche-monitor-flags/1"


class FlagsError(ValueError):
    pass


def find(private_key: str) -> list[tuple[int, int]]:
    """(report, the earlier report it probably repeats) for live named reports; SealingError for a wrong key."""
    live = (
        Report.objects.filter(kind__in=["detention", "prosecution"], person__sealed__isnull=False)
        .exclude(state__in=[Report.State.REJECTED, Report.State.MERGED])
        .select_related("person")
        .order_by("pk")
    )
    groups: dict[tuple, list[tuple[int, list]]] = {}
    pairs = []
    for report in live.iterator(chunk_size=1000):
        sealed = report.person.sealed if report.person else None
        if not sealed:
            continue  # filtered out above (person__sealed__isnull=False)
        name = json.loads(unseal(sealed, private_key)).get("name") or ""
        keys = name_keys(name)
        if not keys:
            continue
        group = (
            (report.kind, report.city_id, timezone.localdate(report.happened))
            if report.kind == "detention"
            else (report.kind, report.article.lower(), report.step)
        )
        earlier = groups.setdefault(group, [])
        match = next((pk for pk, other in earlier if same_person(keys, other)), None)
        if match is not None:
            pairs.append((report.pk, match))
        earlier.append((report.pk, keys))
    return pairs


def document(pairs: list[tuple[int, int]]) -> dict:
    return {"format": FORMAT, "flags": [list(pair) for pair in pairs]}


def apply(data) -> tuple[int, int]:
    """Flag the pairs on the server; (flagged now, left as they were). FlagsError for a bad file: nothing changes.
    A report already flagged or decided keeps its flag; a pair of unknown or unlike reports is refused."""
    try:
        if data.get("format") != FORMAT:
            raise ValueError
        pairs = [(int(a), int(b)) for a, b in data["flags"]]
    except (AttributeError, KeyError, TypeError, ValueError):
        raise FlagsError("not a flags file made by monitor_duplicates (veche-monitor-flags/1)") from None
    ids = {pk for pair in pairs for pk in pair}
    kinds = dict(Report.objects.filter(pk__in=ids).values_list("pk", "kind"))
    for report, other in pairs:
        if report == other or report not in kinds or other not in kinds or kinds[report] != kinds[other]:
            raise FlagsError(f"the pair {report}, {other} does not name two reports of one kind on this server")
    flagged = 0
    with transaction.atomic():
        for report, other in pairs:
            flagged += Report.objects.filter(pk=report, similar_to__isnull=True, state=Report.State.NEW).update(
                similar_to=other
            )
    return flagged, len(pairs) - flagged
