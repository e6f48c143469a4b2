"""Moderation: each report moves new → verified / rejected / merged → published, logged.

``act(report, action, user, reason, target)`` is the only way a report
changes state. It checks the user's role (moderators verify, reject and
merge; editors also publish and retract), moves the state with a conditional
update (two moderators clicking at once change it once) and, in the same
transaction, keeps what depends on publication: the detention counts per
city, event and day, and the person's case file and prisoner's record
(monitor.prisoners).
"""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import Count, F, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from monitor.models import Case, DetentionCount, ModerationLog, Report
from monitor.prisoners import follow

S = Report.State
# action: (states it applies to, the state it leads to, permission, reason required)
ACTIONS = {
    "verify": ([S.NEW], S.VERIFIED, "monitor.moderate_report", False),
    "reject": ([S.NEW, S.VERIFIED], S.REJECTED, "monitor.moderate_report", True),
    "merge": ([S.NEW, S.VERIFIED], S.MERGED, "monitor.moderate_report", False),
    "reopen": ([S.REJECTED, S.MERGED], S.NEW, "monitor.moderate_report", True),
    "publish": ([S.VERIFIED], S.PUBLISHED, "monitor.publish_report", False),
    "retract": ([S.PUBLISHED], S.REJECTED, "monitor.publish_report", True),
}
CUSTODY: dict[str, bool] = {
    Report.Step.ARREST: True,
    Report.Step.SENTENCE: True,
    Report.Step.ADMIN_ARREST: True,
    Report.Step.HOUSE_ARREST: False,
    Report.Step.RELEASE: False,
    Report.Step.ACQUITTAL: False,
    Report.Step.SUSPENDED: False,
}


class ModerationError(ValueError):
    """The action is not allowed: the message says why."""


def allowed_actions(report: Report, user) -> list[str]:
    return [a for a, (before, _after, perm, _r) in ACTIONS.items() if report.state in before and user.has_perm(perm)]


def act(report: Report, action: str, user, reason: str = "", target: Report | None = None) -> Report:
    if action not in ACTIONS:
        raise ModerationError(_("Unknown action."))
    before, after, perm, needs_reason = ACTIONS[action]
    if user is not None and not user.has_perm(perm):
        raise ModerationError(_("Your role does not allow this action."))
    reason = (reason or "").strip()
    if needs_reason and not reason:
        raise ModerationError(_("Say why: the reason goes into the report's log."))
    if len(reason) > 2000:
        raise ModerationError(_("The reason is longer than 2,000 characters."))
    if action == "merge":
        if (
            target is None
            or target.pk == report.pk
            or target.kind != report.kind
            or target.state in (S.REJECTED, S.MERGED)
        ):
            raise ModerationError(_("Merge into another live report of the same kind."))
    with transaction.atomic():
        current = Report.objects.select_for_update().filter(pk=report.pk).values_list("state", flat=True).first()
        if (
            current is None
            or current not in before
            or not Report.objects.filter(pk=report.pk, state=current).update(
                state=after, duplicate_of=target if action == "merge" else None
            )
        ):
            raise ModerationError(_("This report is no longer in a state that allows this; reload the page."))
        report.refresh_from_db()
        if (
            action == "merge"
            and target is not None
            and report.person_id
            and target.person_id
            and report.person_id != target.person_id
        ):
            Report.objects.filter(pk=report.pk).update(person=target.person)
        if after == S.PUBLISHED:
            _published(report, +1)
        elif action == "retract":
            _published(report, -1)
        ModerationLog.objects.create(
            report=report,
            user=user,
            action=action,
            before=current,
            after=after,
            reason=reason or (f"#{target.pk}" if target else ""),
        )
    report.refresh_from_db()
    return report


def _published(report: Report, sign: int) -> None:
    if report.kind == Report.Kind.DETENTION and report.city_id:
        count(
            report.city_id,
            report.event_id or 0,
            timezone.localdate(report.happened),
            sign * report.count,
            sign * report.journalists,
            sign * report.minors,
            sign,
        )
    elif report.kind == Report.Kind.PROSECUTION and report.person_id and sign > 0:
        case, _new = Case.objects.get_or_create(
            person_id=report.person_id,
            article=report.article,
            defaults={"kind": report.case_kind or Case.Kind.CRIMINAL, "opened": timezone.localdate(report.happened)},
        )
        Report.objects.filter(pk=report.pk).update(case=case)
        report.case = case
        person = report.person
        if person is None:
            return
        latest = not person.reports.filter(
            kind=Report.Kind.PROSECUTION, state=S.PUBLISHED, happened__gt=report.happened
        ).exists()
        if report.step in CUSTODY and latest:
            person.in_custody = CUSTODY[report.step]
            person.save(update_fields=["in_custody"])
        follow(report, latest)


def count(city_id: int, event_key: int, day, detentions: int, journalists: int, minors: int, reports: int) -> None:
    """Add to one (city, event, day) row, creating it: one statement, safe under concurrent publications."""
    if reports < 0:  # a retraction: the row exists, and the insert's values would break its checks
        DetentionCount.objects.filter(city_id=city_id, event_key=event_key, day=day).update(
            detentions=F("detentions") + detentions,
            journalists=F("journalists") + journalists,
            minors=F("minors") + minors,
            reports=F("reports") + reports,
        )
        return
    table = DetentionCount._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (city_id, event_key, day, detentions, journalists, minors, reports) "  # noqa: S608
            "VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (city_id, event_key, day) DO UPDATE SET "
            "detentions = {t}.detentions + excluded.detentions, journalists = {t}.journalists + excluded.journalists, "
            "minors = {t}.minors + excluded.minors, reports = {t}.reports + excluded.reports".replace("{t}", table),
            [city_id, event_key, day, detentions, journalists, minors, reports],
        )


def recount() -> int:
    """Rebuild the counts from the published detentions (a check, and a repair after manual edits)."""
    with transaction.atomic():
        DetentionCount.objects.all().delete()
        rows = (
            Report.objects.filter(kind=Report.Kind.DETENTION, state=S.PUBLISHED, city__isnull=False)
            .annotate(day=TruncDate("happened"))
            .values("city_id", "event_id", "day")
            .annotate(d=Sum("count"), j=Sum("journalists"), m=Sum("minors"), r=Count("id"))
        )
        objs = [
            DetentionCount(
                city_id=r["city_id"],
                event_key=r["event_id"] or 0,
                day=r["day"],
                detentions=r["d"],
                journalists=r["j"],
                minors=r["m"],
                reports=r["r"],
            )
            for r in rows
        ]
        DetentionCount.objects.bulk_create(objs, batch_size=5000)
    return len(objs)
