"""WSGI entry point, served by gunicorn (`make serve`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "veche.settings")
application = get_wsgi_application()
# A server without the organisers' public key or the pepper in memory stops here, with a message, rather than
# quietly making keys of its own (outside demo mode).
from core.keys import check_startup  # noqa: E402

check_startup()
# Import every view now (with numpy, scipy, polars and matplotlib behind them: about 4 s), while the
# worker starts, rather than on its first visitor's request.
import veche.urls  # noqa: E402, F401
