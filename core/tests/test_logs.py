"""Log lines carry no client address and no exact time (core/logs.py); the server's own lines stay readable."""

import logging

import pytest

from core.logs import SafeFormatter, without_addresses


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "Invalid request from ip=203.0.113.5: Invalid HTTP method",
            "Invalid request from ip=[address]: Invalid HTTP method",
        ),
        ("peer ('127.0.0.2', 51544) closed", "peer ('[address]', 51544) closed"),
        ("from [2001:db8::1]:443", "from [[address]]:443"),
        ("mapped ::ffff:10.0.0.1 here", "mapped [address] here"),
        ("scoped fe80::1%eth0", "scoped [address]"),
        ("X-Forwarded-For: 198.51.100.7, 10.0.0.3", "X-Forwarded-For: [address], [address]"),
        ("at 14:05:14 the worker 1234 timed out", "at 14:05:14 the worker 1234 timed out"),  # times and numbers stay
        ("version 1.2.3 of 12:30", "version 1.2.3 of 12:30"),
    ],
)
def test_addresses_are_masked_and_nothing_else(line, expected):
    assert without_addresses(line) == expected


def test_a_whole_record_with_its_traceback_is_masked_and_timed_to_the_hour():
    try:
        raise ConnectionError("reset by 192.0.2.44")
    except ConnectionError:
        record = logging.LogRecord(
            "x", logging.ERROR, __file__, 1, "client %s left", ("192.0.2.44",), exc_info=__import__("sys").exc_info()
        )
    text = SafeFormatter().format(record)
    assert "192.0.2.44" not in text and text.count("[address]") >= 2  # the message and the exception
    assert text[:19].endswith(":00 UTC") or ":00 UTC" in text.split("[")[0]
