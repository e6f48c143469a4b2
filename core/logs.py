"""Log lines that cannot place a visitor: no IP address in them, and the time to the hour only.

Every handler of Django's logging (settings.LOGGING) and of gunicorn's
(veche/gunicorn.py) formats through ``SafeFormatter``: once a line is whole —
message, arguments and any traceback — every IPv4 or IPv6 address in it is
replaced, so that a line gunicorn writes about a malformed request
("Invalid request from ip=…") or an exception that quotes an address keeps
none. Times are cut to the hour, like every time Veche stores: a seconds-
exact error time could be matched against a provider's connection logs.
"""

import ipaddress
import logging
import re
import time
from typing import Any

from gunicorn.glogging import Logger

# Candidates only: each is masked when the ipaddress module reads it as an address. IPv6 first (with an
# IPv4 tail, as in ::ffff:10.0.0.1), then any dotted quad left, even inside a longer string: masking too
# much is harmless, too little is not.
IPV6 = re.compile(
    r"(?<![\w:])([0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){1,7}:(?:\d{1,3}\.){3}\d{1,3}"
    r"|[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?:%\w+)?)(?![\w:])"
)
IPV4 = re.compile(r"(?<!\d)(\d{1,3}(?:\.\d{1,3}){3})(?!\d)")
MASK = "[address]"
FORMAT = "%(asctime)s [%(process)d] [%(levelname)s] %(name)s: %(message)s"
HOUR = "%Y-%m-%d %H:00 UTC"


def _mask(match: re.Match) -> str:
    try:
        ipaddress.ip_address(match.group(1).split("%")[0])
    except ValueError:
        return str(match.group(0))
    return MASK


def without_addresses(text: str) -> str:
    return IPV4.sub(_mask, IPV6.sub(_mask, text))


class SafeFormatter(logging.Formatter):
    converter = time.gmtime  # type: ignore[assignment]  # one clock for every process (Django sets the workers' local zone to Moscow's)

    def __init__(self, fmt: str = FORMAT, datefmt: str = HOUR, **kwargs: Any) -> None:
        super().__init__(fmt, datefmt, **kwargs)

    def format(self, record: logging.LogRecord) -> str:
        return without_addresses(super().format(record))


class GunicornLogger(Logger):
    """gunicorn's logger with every line through SafeFormatter and no access log at all."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.setFormatter(SafeFormatter())

    def access(self, resp: Any, req: Any, environ: Any, request_time: Any) -> None:
        """Nothing: an access log is a list of who came when."""
