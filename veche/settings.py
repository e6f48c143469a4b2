"""Settings for Veche.

Everything that differs between a laptop demo and a real deployment comes
from the environment: DATABASE_URL picks the database (SQLite in var/ by
default), secrets come from VECHE_* variables or from files under
VECHE_SECRETS_DIR that are generated on first run and never committed.
"""

import ipaddress
import os
import re
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from core.sealing import SealingError, public_key
from core.secrets import secret
from core.signing import SigningError, public_key_text

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VECHE_VAR_DIR", BASE_DIR / "var"))
# The database, the secrets and the static files: readable by the server's own user only.
VAR_DIR.mkdir(parents=True, exist_ok=True, mode=0o700)
VAR_DIR.chmod(0o700)
SHARED_DATA_DIR = Path(os.environ.get("VECHE_SHARED_DATA", BASE_DIR.parent / "shared" / "data"))

SECRET_KEY = secret("django_secret_key")

# Demo mode (VECHE_DEMO=1, as `make run` sets it): keys a real server must never hold — a signing key the
# server signs with, the monitor's private key, the pepper on disk — are made in var/secrets/ when not given,
# and every page, list and mirror says "demo". Without it the server holds public keys only and will not
# start without them (core.keys.startup_problems).
DEMO = os.environ.get("VECHE_DEMO", "") == "1"
# Where the demo is served (`make run` sets it from HOST and PORT): the demo's prepared mails link to it.
DEMO_SITE_URL = os.environ.get("VECHE_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# The region the lookup's precinct search starts on: a campaign serves one region first (its voters need not pick it
# from ninety), and "any region" stays one tap away. The region's name as imported; the demo's is St Petersburg.
LOOKUP_REGION = os.environ.get("VECHE_LOOKUP_REGION", "город Санкт-Петербург" if DEMO else "")
# Where the lookup's mirrors are (lookup.mirror), space- or comma-separated: the bot gives them with every answer.
MIRRORS = [url for url in re.split(r"[\s,]+", os.environ.get("VECHE_MIRRORS", "")) if url]
# The Telegram bot (lookup.bot, lookup.telegram): off without a secret. The secret authenticates Telegram's posts to
# the webhook; the token (from @BotFather) is needed only to set the webhook (manage.py telegram_webhook).
TELEGRAM_SECRET = os.environ.get("VECHE_TELEGRAM_SECRET", "")
if TELEGRAM_SECRET and not re.fullmatch(r"[A-Za-z0-9_-]{32,256}", TELEGRAM_SECRET):
    raise ImproperlyConfigured("VECHE_TELEGRAM_SECRET: 32 to 256 letters, digits, _ or - (Telegram's rule, and ours)")
TELEGRAM_TOKEN = os.environ.get("VECHE_TELEGRAM_TOKEN", "")
TELEGRAM_API = os.environ.get("VECHE_TELEGRAM_API", "https://api.telegram.org").rstrip("/")
# The organisers' X25519 public key the monitor seals people's details to (manage.py keygen, offline).
MONITOR_PUBLIC_KEY = os.environ.get("VECHE_MONITOR_PUBLIC_KEY", "").strip()
# The first Ed25519 key of the organisers' signing chain (core/signing.py new-root, offline).
SIGNING_ROOT = os.environ.get("VECHE_SIGNING_ROOT", "").strip()
try:
    if MONITOR_PUBLIC_KEY:
        public_key(MONITOR_PUBLIC_KEY)
    if SIGNING_ROOT:
        SIGNING_ROOT = public_key_text(SIGNING_ROOT)
except (SealingError, SigningError) as exc:
    raise ImproperlyConfigured(f"VECHE_MONITOR_PUBLIC_KEY / VECHE_SIGNING_ROOT: {exc}") from None
DEBUG = os.environ.get("VECHE_DEBUG", "") == "1"
ALLOWED_HOSTS = os.environ.get("VECHE_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",")
# The site's onion address when Tor serves it too (deploy/torrc, `deploy/stack.py up --onion`): its host is allowed,
# and its forms' Origin (http://…onion: an onion needs no TLS, and nginx tells the application it is as secure) is
# trusted. A v3 address: 56 base32 characters.
ONION = os.environ.get("VECHE_ONION", "").strip().lower()
if ONION and not re.fullmatch(r"[a-z2-7]{56}\.onion", ONION):
    raise ImproperlyConfigured("VECHE_ONION must be a v3 onion address: 56 letters and digits 2-7, then .onion")
CSRF_TRUSTED_ORIGINS = [f"http://{ONION}"] if ONION else []
if ONION:
    ALLOWED_HOSTS.append(ONION)

INSTALLED_APPS = [
    "veche",  # first: its templates (the admin's frame with the demo banner, 404) come before the apps' own
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",  # staff logins throttled (AXES_* below)
    "ninja",  # serves the API docs' Swagger UI from our own static files, not a CDN
    "core",  # the shared helpers; imports no tool
    "elections",  # the data core
    "forensics",
    "lookup",
    "smartvote",
    "pledges",
    "monitor",
    "vote",
    "actions",
    "initiatives",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.content_security_policy",
    "core.middleware.private_pages",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "core.middleware.refuse_nul",  # after the language is chosen: its page is translated
    "core.middleware.api_writes_same_site",
    "core.middleware.DatabaseUnavailable",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

# Staff logins (the admin, the organisers' desks): after 5 failures within the hour, a client is refused for the
# rest of it, and so is that client with that username. Counted in the cache (Redis when shared), by a keyed hash
# of the hour and never by address (core.clients.hashed_client_of): nothing of it reaches the database or a log.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_HANDLER = "axes.handlers.cache.AxesCacheHandler"
AXES_CLIENT_IP_CALLABLE = "core.clients.hashed_client_of"
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 1  # hour
AXES_LOCKOUT_PARAMETERS = ["ip_address", ["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "veche/locked.html"
AXES_VERBOSE = False

ROOT_URLCONF = "veche.urls"
WSGI_APPLICATION = "veche.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "veche.views.demo_mode",
                "veche.views.sections",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'veche.sqlite3'}"),
        conn_max_age=60,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the site read while an import writes; the timeout covers the rest. secure_delete overwrites
    # what is deleted or replaced with zeros, so a purged contact does not stay in the file's free space.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-262144; "
        "PRAGMA secure_delete=ON;",
    }
    # Made readable by this user only before SQLite first opens it: its -wal and -shm files take the same mode.
    SQLITE_FILE = Path(DATABASES["default"]["NAME"])
    if SQLITE_FILE.name and str(SQLITE_FILE) != ":memory:":
        os.close(os.open(SQLITE_FILE, os.O_WRONLY | os.O_CREAT, 0o600))
        for suffix in ("", "-wal", "-shm"):
            if (path := Path(f"{SQLITE_FILE}{suffix}")).exists():
                path.chmod(0o600)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", _("Russian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Moscow"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # collectstatic writes a gzip copy beside each file, which WhiteNoise serves to browsers that take it: the API
    # page's Swagger UI is 1.77 MB as is, ~0.5 MB compressed, on a phone's connection.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

LOGIN_URL = "admin:login"
SESSION_COOKIE_HTTPONLY = True
# API doors that take writes from any page and of any type (core.middleware.api_writes_same_site): a vote's ballot
# door, which the ballot's page in an exported copy on a mirror posts to (the ballot proves itself: signed by its
# credential and voting pass; no cookie is read).
API_OPEN_DOORS = (r"/api/vote/[^/]+/ballots",)
CSRF_COOKIE_SAMESITE = "Strict"
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
# same-origin, not no-referrer: with no-referrer Chromium sends "Origin: null"
# on form posts and Django's CSRF check refuses them. Other hosts get nothing.
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# HTTPS only, on a real server: over plain HTTP the network sees every address typed into a pledge. The web
# server in front terminates TLS and says so in X-Forwarded-Proto (deploy/); Django redirects plain requests,
# sends HSTS, and keeps its cookies off plain connections. Off in the demo and for the tests' loopback servers
# (VECHE_HTTPS=0).
HTTPS = os.environ.get("VECHE_HTTPS", "0" if DEMO else "1") == "1"
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = int(os.environ.get("VECHE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# Logs go to stderr only and carry no request data: Django's own loggers are
# kept, but the request logger (which prints paths and, behind proxies, may
# carry addresses) is limited to errors without the request attached. Every
# line is formatted by core.logs: any IP address in it is masked and its time
# is kept to the hour (gunicorn's own log goes through the same, veche/gunicorn.py).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"safe": {"()": "core.logs.SafeFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "safe"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False}},
}

# Map tiles for the lookup's map. None by default: the map then shows the
# polling stations as dots and loads nothing from any other host. A tile
# server sees which area a voter looks at, so use one the organisers run or
# trust, e.g. VECHE_TILE_URL=https://tiles.example.org/{z}/{x}/{y}.png and
# VECHE_TILE_ATTRIBUTION="© OpenStreetMap contributors".
TILE_URL = os.environ.get("VECHE_TILE_URL", "").strip()
TILE_ATTRIBUTION = os.environ.get("VECHE_TILE_ATTRIBUTION", "")
if TILE_URL and not (
    re.fullmatch(r"https?://[^/\s\"'<>]+/[^\s\"'<>]*", TILE_URL)
    and all(part in TILE_URL for part in ("{z}", "{x}", "{y}"))
):
    raise ImproperlyConfigured(
        "VECHE_TILE_URL must be an http(s) address with {z}, {x} and {y} in it, "
        "e.g. https://tiles.example.org/{z}/{x}/{y}.png"
    )

# The cache holds the rate limits' expiring keyed hashes (core.ratelimit) and
# short-lived copies of counts. Without VECHE_REDIS_URL each worker process
# keeps its own, which is right for the demo but counts a client's hourly
# limit per worker (two workers: twice the limit). With several workers or
# hosts give them one Redis, e.g. VECHE_REDIS_URL=redis://127.0.0.1:6379/0,
# one that keeps nothing on disk: everything in it expires within the hour.
# The web server in front, from which alone X-Forwarded-For is believed (core.clients): addresses or networks,
# and "unix" for a unix socket, e.g. VECHE_TRUSTED_PROXIES=127.0.0.1,::1,unix. None by default (gunicorn alone,
# make serve): REMOTE_ADDR is the client.
TRUSTED_PROXIES = [p.strip() for p in os.environ.get("VECHE_TRUSTED_PROXIES", "").split(",") if p.strip()]
try:
    for _proxy in TRUSTED_PROXIES:
        if _proxy != "unix":
            ipaddress.ip_network(_proxy, strict=False)
except ValueError as exc:
    raise ImproperlyConfigured(f"VECHE_TRUSTED_PROXIES: {exc}") from None
REDIS_URL = os.environ.get("VECHE_REDIS_URL", "").strip()
if REDIS_URL and not re.fullmatch(r"(rediss?|unix)://[^\s\"'<>]+", REDIS_URL):
    raise ImproperlyConfigured(
        "VECHE_REDIS_URL must be a redis://, rediss:// or unix:// address, e.g. redis://127.0.0.1:6379/0"
    )
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": "veche"}
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}
# Without Redis each worker counts logins (and rate limits) alone: django-axes says so (axes.W001), rightly for a
# real server, which is told to use Redis; the demo is one machine's try-out and need not hear it.
SILENCED_SYSTEM_CHECKS = ["axes.W001"] if DEMO and not REDIS_URL else []

# Mail goes out from memory. Without VECHE_EMAIL_HOST it stays in this process's outbox (locmem, the tests),
# never printed or written; the demo's goes to its outbox page.
EMAIL_HOST = os.environ.get("VECHE_EMAIL_HOST", "")
# The demo (no mail server) keeps its last mails for its outbox page (/demo/outbox/, core.outbox).
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "core.outbox.DemoOutbox"
    if DEMO
    else "django.core.mail.backends.locmem.EmailBackend"
)
EMAIL_PORT = int(os.environ.get("VECHE_EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("VECHE_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("VECHE_EMAIL_PASSWORD", "")
# STARTTLS to the mail server; "0" only for a relay on the same host (the seizure test's).
EMAIL_USE_TLS = os.environ.get("VECHE_EMAIL_TLS", "1") != "0"
DEFAULT_FROM_EMAIL = os.environ.get("VECHE_EMAIL_FROM", "Veche <noreply@localhost>")

NINJA_PAGINATION_PER_PAGE = 100
NINJA_PAGINATION_MAX_LIMIT = 1000
# Ballots per hour from one client and from its network (vote.store.cast): re-voting is allowed, flooding is not; a
# university or a mobile operator puts many voters behind one address, hence the network's larger share.
VOTE_RATE_LIMITS = (
    int(os.environ.get("VECHE_VOTE_PER_CLIENT", 60)),
    int(os.environ.get("VECHE_VOTE_PER_NETWORK", 5000)),
)
NINJA_PAGINATION_CLASS = "core.pagination.Pagination"  # the offset bounded
