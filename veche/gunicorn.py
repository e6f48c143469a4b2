"""gunicorn's settings for Veche: `gunicorn -c veche/gunicorn.py veche.wsgi` (make serve does).

No access log, an error log that names no client and keeps times to the hour
(core.logs), and a unix socket, when bound to one, that only the server's
user and group (the web server in front) may open.
"""

import os
import stat

logger_class = "core.logs.GunicornLogger"
control_socket_disable = True  # no runtime-control socket in the user's home
accesslog = None
errorlog = "-"
workers = int(os.environ.get("VECHE_WORKERS", "2"))
timeout = 120
# The longest request line gunicorn takes; nginx in front answers a longer one itself (deploy/nginx.conf).
limit_request_line = 8190


def when_ready(server):
    for listener in server.LISTENERS:
        path = listener.cfg_addr if isinstance(listener.cfg_addr, str) else None
        if path and os.path.exists(path) and stat.S_ISSOCK(os.stat(path).st_mode):
            os.chmod(path, 0o660)


def post_worker_init(worker):
    """Each worker flushes the writes held in the hour that is over, a few minutes after it (core.held)."""
    from core.held import start_timer

    start_timer()
