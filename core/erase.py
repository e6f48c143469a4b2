"""Erasing for real: what a purge deletes must not stay in the database's files.

Deleting a row only marks its space as free. SQLite keeps the bytes in the
page and in its -wal file; PostgreSQL keeps the old row version in the
table's file (plain VACUUM only marks it reusable), in the indexes and TOAST
tables, and in pg_wal. ``scrub(tables)`` runs after a purge has committed:

* SQLite: every connection runs with ``secure_delete`` (settings), so freed
  space is zeroed as it is freed; scrub analyses the tables again (where
  SQLite keeps samples of indexed values, they are replaced), checkpoints the
  WAL into the database file and truncates the -wal to nothing.
* PostgreSQL: ``VACUUM (FULL, ANALYZE)`` of each table (a new file without
  the old versions; indexes and TOAST rebuilt; the old file unlinked; the
  planner's samples of its values replaced), ``VACUUM FULL`` of
  ``pg_statistic`` where the role may (the superuser), a ``CHECKPOINT`` and a
  switch to a new WAL segment, so that the segments that held the rows are
  no longer needed.

What neither can promise is in docs/threat-model.md: a filesystem's free
blocks, an SSD's spare sectors and recycled WAL segments may keep old bytes
until overwritten; full-disk encryption covers them, and backups made before
the purge still hold everything.
"""

import time

from django.db import connection

TRIES = 20


class EraseError(RuntimeError):
    """The rows are gone from the tables, but not yet from every file; the message says what to do."""


def scrub(tables: list[str]) -> list[str]:
    """Erase the free space of these tables; the steps done, or EraseError for a step that could not be."""
    if connection.in_atomic_block:
        raise EraseError("scrub runs after the purge's transaction has committed, not inside it")
    if connection.vendor == "sqlite":
        return _sqlite(tables)
    if connection.vendor == "postgresql":
        return _postgresql(tables)
    raise EraseError(f"no erasure is known for {connection.vendor}")


def _sqlite(tables: list[str]) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA secure_delete")
        if not cursor.fetchone()[0]:
            raise EraseError("this SQLite connection runs without secure_delete: freed space keeps its bytes")
        for table in tables:
            cursor.execute(f'ANALYZE "{table}"')  # names from the code, or checked against the database's tables
        for _attempt in range(TRIES):
            # (busy, pages in the WAL, pages checkpointed); TRUNCATE leaves the -wal empty when not busy.
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            busy, _log, _done = cursor.fetchone()
            if not busy:
                return ["secure_delete", "ANALYZE", "wal_checkpoint(TRUNCATE)"]
            time.sleep(0.25)
    raise EraseError(
        "the SQLite WAL could not be truncated: a reader held it for 5 s. Stop the server and run "
        "`manage.py erase` to finish."
    )


def _postgresql(tables: list[str]) -> list[str]:
    done = []
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f'VACUUM (FULL, ANALYZE) "{table}"')  # names from the code, or checked (manage.py erase)
        done.append("VACUUM (FULL, ANALYZE) " + ", ".join(tables))
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if cursor.fetchone()[0]:
            cursor.execute("VACUUM FULL pg_catalog.pg_statistic")  # old samples of the purged values
            done.append("VACUUM FULL pg_statistic")
        else:
            done.append("pg_statistic left to autovacuum (only the superuser may rewrite it)")
        try:
            cursor.execute("CHECKPOINT")
            cursor.execute("SELECT pg_switch_wal()")
            cursor.execute("CHECKPOINT")
        except Exception as exc:
            raise EraseError(
                f"the tables are rewritten, but PostgreSQL refused the checkpoint and WAL switch "
                f"({exc}); give the server's role pg_checkpoint and EXECUTE on pg_switch_wal, or run "
                f"`manage.py erase` as the database superuser"
            ) from None
        done += ["CHECKPOINT", "pg_switch_wal()", "CHECKPOINT"]
    return done
