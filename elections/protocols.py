"""The control relations printed on every protocol form.

A protocol whose numbers break them was published that way: importers keep
it as published and report it (counted and listed with source, line and
columns), so that moderators and analysts can look. The relations need the
lines to be present; a source without them is not checked for that
relation.
"""

import polars as pl

RELATIONS = [
    ("valid + invalid = ballots in boxes", ["valid", "invalid"], ["in_portable_boxes", "in_stationary_boxes"]),
    ("votes for all choices = valid ballots", ["vote_sum"], ["valid"]),
    (
        "ballots received = issued + cancelled + lost − not accounted",
        ["ballots_received", "unaccounted"],
        ["issued_early", "issued_at_station", "issued_outside", "cancelled", "lost"],
    ),
]


def control_breaks(frame: pl.DataFrame, labels: dict[str, str], source) -> list[str]:
    """Messages for the protocols of ``frame`` that break a relation.

    ``frame`` has ``line``, ``region``, ``code``, ``has_result``, the protocol
    lines and ``vote_sum``; ``labels`` maps a line to the name it has in the
    source (a column header, a JSON path), for the message. Only relations
    whose every line the source has (a key of ``labels``) are checked.
    """
    labels = {**labels, "vote_sum": labels.get("vote_sum", "votes")}
    found = []
    for relation, left, right in RELATIONS:
        if not all(name in labels for name in left + right):
            continue
        bad = frame.with_columns(lhs=pl.sum_horizontal(left), rhs=pl.sum_horizontal(right)).filter(
            pl.col("has_result") & (pl.col("lhs") != pl.col("rhs"))
        )
        names = "; ".join(f"«{labels[n]}»" for n in left + right)
        for row in bad.iter_rows(named=True):
            found.append(
                (
                    row["line"],
                    f"{source}, line {row['line']} ({row['region']}, УИК {row['code']}): "
                    f"{relation}: {row['lhs']} ≠ {row['rhs']} [{names}]",
                )
            )
    return [message for _line, message in sorted(found, key=lambda item: item[0])]
