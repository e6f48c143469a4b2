"""CSV written as it is read, for the streamed downloads: in chunks of about 64 KB, never the whole table in memory."""

import csv
import io
from collections.abc import Iterable, Iterator

CHUNK = 64_000


def csv_chunks(rows: Iterable[Iterable]) -> Iterator[str]:
    """The rows (the header first) as CSV text, a chunk at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow(row)
        if buffer.tell() > CHUNK:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
