"""Settings for buergerbuero, read from ``BUERGERBUERO_*`` environment variables.

The defaults give the embedded installation: SQLite in the data directory, the in-memory channel layer,
one process. ``DATABASE_URL`` and ``REDIS_URL`` switch to PostgreSQL and Redis (docs/operations.md).
Per-authority and per-office policy lives in the database, not here.
"""

from __future__ import annotations

import os
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from buergerbuero.core.env import env_bool, env_int, env_list, env_str, env_url_list

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(env_str("DATA_DIR", str(BASE_DIR.parent / "var"))).resolve()

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY", "")
if not SECRET_KEY:
    # Embedded default: a key generated once and kept in the data directory, so sessions survive restarts.
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    _key_file = DATA_DIR / "secret_key"
    if not _key_file.exists():
        import secrets

        _key_file.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        _key_file.chmod(0o600)
    SECRET_KEY = _key_file.read_text(encoding="utf-8").strip()

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# Origins allowed to open our WebSockets besides the host itself (see core.origin).
WEBSOCKET_ALLOWED_ORIGINS = env_list("WEBSOCKET_ALLOWED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "buergerbuero.core",
    "buergerbuero.audit",
    "buergerbuero.authorities",
    "buergerbuero.offices",
    "buergerbuero.waitingroom",
    "buergerbuero.calls",
    "buergerbuero.appointments",
    "buergerbuero.media",
    "buergerbuero.rooms",
    "buergerbuero.trainings",
    "buergerbuero.certificates",
    "buergerbuero.events",
    "buergerbuero.stats",
    "buergerbuero.public",
    "buergerbuero.staff",
    "buergerbuero.site",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "buergerbuero.core.middleware.SecurityHeadersMiddleware",
    # Outside everything that reads the database (sessions, authentication, views).
    "buergerbuero.core.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "buergerbuero.site.urls"
ASGI_APPLICATION = "buergerbuero.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

_database_url = os.environ.get("DATABASE_URL", "").strip()
if _database_url:
    try:
        DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=0)}
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL: {exc}") from exc
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_URL: only postgres:// (PostgreSQL) is supported besides SQLite")
    # A pool per web process (psycopg_pool): Django runs each request in a thread of its own under ASGI,
    # so a burst of requests would otherwise open as many connections and run into max_connections
    # (bench/bench_booking.py: 200 bookings at once); with the pool they wait their turn instead.
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": env_int("DB_POOL_SIZE", 10, minimum=1, maximum=1000),
        "timeout": env_int("DB_POOL_TIMEOUT_SECONDS", 10, minimum=1, maximum=600),
    }
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("SQLITE_PATH", str(DATA_DIR / "buergerbuero.sqlite3")),
            # IMMEDIATE makes every transaction take SQLite's write lock at BEGIN: writers are serialised,
            # which is SQLite's equivalent of the row locks we take on PostgreSQL (docs/architecture.md).
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
            "TEST": {"NAME": env_str("SQLITE_TEST_PATH", "") or None},
            # Kept open: Channels closes a connection after every database_sync_to_async call when its
            # age is up, and the last connection to a WAL database to close checkpoints and removes the
            # WAL file, which the next one makes again. That churn was a third of the server's CPU when
            # twenty people entered a group session at once (make bench-group).
            "CONN_MAX_AGE": None,
            "CONN_HEALTH_CHECKS": True,
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

_redis_url = os.environ.get("REDIS_URL", "").strip()
if _redis_url:
    if not _redis_url.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured("REDIS_URL: must start with redis://, rediss:// or unix://")
    CHANNEL_LAYERS = {
        "default": {
            # channels_redis, its clean-up after each message watched (core/layers.py).
            "BACKEND": "buergerbuero.core.layers.RedisChannelLayer",
            "CONFIG": {
                # channels_redis waits for messages in BZPOPMIN for 5 s, and redis-py 8 stops reading after
                # a default socket_timeout of 5 s too: the read timed out first, so an idle consumer's
                # receive raised redis TimeoutError and its WebSocket dropped every ~5 s (seen in the
                # browser tests with BB_E2E_BACKENDS=postgres). A read timeout well above the blocking
                # time keeps the guard against a dead connection.
                "hosts": [{"address": _redis_url, "socket_timeout": 15}],
                "capacity": 1000,
                "expiry": 30,
            },
        }
    }
else:
    CHANNEL_LAYERS = {
        "default": {
            # Channels' own in-memory layer, with its expiry sweep throttled (core/layers.py says why).
            "BACKEND": "buergerbuero.core.layers.ThrottledInMemoryChannelLayer",
            "CONFIG": {"capacity": 1000},
        }
    }

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "staff:login"
LOGIN_REDIRECT_URL = "staff:dashboard"
LOGOUT_REDIRECT_URL = "staff:login"

LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("German")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG and bool(_database_url))
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_PROXY", False) else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_HSTS_SECONDS = env_int("HSTS_SECONDS", 0, minimum=0)
SECURE_SSL_REDIRECT = env_bool("SSL_REDIRECT", False)

# --- Product settings (docs/operations.md lists them all) -----------------------------------------
# Personal data of tickets (name, concern) is deleted after this many days; counts stay.
RETENTION_DAYS = env_int("RETENTION_DAYS", 30, minimum=1, maximum=3650)

# Booking form (appointments): the proof of work's size (about half as many SHA-256 hashes for the
# browser) and how many bookings one address / one e-mail address may make per window.
BOOKING_POW_MAX_NUMBER = env_int("BOOKING_POW_MAX_NUMBER", 50_000, minimum=1, maximum=10_000_000)
# How long a challenge may be solved and sent; a page open longer fetches a fresh one by itself.
BOOKING_POW_TTL_SECONDS = env_int("BOOKING_POW_TTL_SECONDS", 3600, minimum=60, maximum=86400)
BOOKING_RATE_PER_ADDRESS = env_int("BOOKING_RATE_PER_ADDRESS", 5, minimum=1)
BOOKING_RATE_PER_EMAIL = env_int("BOOKING_RATE_PER_EMAIL", 3, minimum=1)
BOOKING_RATE_WINDOW_SECONDS = env_int("BOOKING_RATE_WINDOW_SECONDS", 3600, minimum=1)
# Registrations for events (events/ratelimit.py), counted the same way as bookings.
EVENT_RATE_PER_ADDRESS = env_int("EVENT_RATE_PER_ADDRESS", 10, minimum=1)
EVENT_RATE_PER_EMAIL = env_int("EVENT_RATE_PER_EMAIL", 5, minimum=1)
EVENT_RATE_WINDOW_SECONDS = env_int("EVENT_RATE_WINDOW_SECONDS", 3600, minimum=1)
# A citizen whose page reloads or loses its connection keeps the place for this long.
WAITING_GRACE_SECONDS = env_int("WAITING_GRACE_SECONDS", 180, minimum=10, maximum=3600)
# An admitted citizen whose browser does not join the call within this time is expired.
INVITE_TIMEOUT_SECONDS = env_int("INVITE_TIMEOUT_SECONDS", 90, minimum=10, maximum=3600)
# A participant of a running call whose page has gone (closed, asleep, offline) is waited for this long;
# then the call ends for them (docs/operations.md, "Nobody waits for someone who has gone").
CALL_GRACE_SECONDS = env_int("CALL_GRACE_SECONDS", 30, minimum=5, maximum=600)
# An office is open only while an official of it is present: a presence whose official has had no live
# workspace page for this long ends, and with the last one the office closes (docs/operations.md).
PRESENCE_GRACE_SECONDS = env_int("PRESENCE_GRACE_SECONDS", 120, minimum=30, maximum=3600)
# A web worker that has not refreshed its liveness record for this long (killed, hanging) is dead: the
# pages it served count as gone since its last sign of life (docs/operations.md, "Dead workers").
WORKER_TIMEOUT_SECONDS = env_int("WORKER_TIMEOUT_SECONDS", 15, minimum=6, maximum=600)
# Background jobs in the web process (expiry sweep every few seconds, retention daily). Turn off when
# a separate worker runs ``manage.py run_jobs``.
RUN_JOBS_IN_PROCESS = env_bool("RUN_JOBS_IN_PROCESS", True)
# ICE: STUN/TURN URLs handed to browsers; TURN credentials follow coturn's REST scheme (use-auth-secret).
STUN_URLS = env_url_list("STUN_URLS", ("stun", "stuns"))
TURN_URLS = env_url_list("TURN_URLS", ("turn", "turns"))
TURN_SECRET = env_str("TURN_SECRET", "")
# Short-lived: the page gets fresh ones a minute before they expire while its call runs (calls/ice.py).
TURN_CREDENTIAL_TTL_SECONDS = env_int("TURN_CREDENTIAL_TTL_SECONDS", 10 * 60, minimum=60, maximum=86400)
if TURN_URLS and not TURN_SECRET:
    raise ImproperlyConfigured("BUERGERBUERO_TURN_SECRET must be set when BUERGERBUERO_TURN_URLS is set")
# Force relayed media (iceTransportPolicy "relay"); for tests and strict networks.
ICE_RELAY_ONLY = env_bool("ICE_RELAY_ONLY", False)
# WebSocket limits per connection.
WS_MAX_FRAME_BYTES = env_int("WS_MAX_FRAME_BYTES", 64 * 1024, minimum=1024)
WS_RATE_PER_SECOND = env_int("WS_RATE_PER_SECOND", 20, minimum=1)
WS_RATE_BURST = env_int("WS_RATE_BURST", 60, minimum=1)
# Per client address (IPv6 by /64), in each worker: sockets that flood past the rate above or are closed
# for an oversized or broken frame (core/sockguard.py). After WS_VIOLATION_BURST such violations the
# address gets no new socket until one is forgiven, one every WS_VIOLATION_REFILL_SECONDS.
WS_VIOLATION_BURST = env_int("WS_VIOLATION_BURST", 5, minimum=1)
WS_VIOLATION_REFILL_SECONDS = env_int("WS_VIOLATION_REFILL_SECONDS", 30, minimum=1)
CHAT_MAX_LENGTH = 2000
# Logins (staff and admin, staff/ratelimit.py): failures per username and client address (IPv6 by /64)
# before a lockout of LOGIN_LOCKOUT_SECONDS that doubles with every further failure up to
# LOGIN_LOCKOUT_MAX_SECONDS (forgotten LOGIN_FAILURE_MEMORY_SECONDS after the last one), and failures per
# address across usernames within LOGIN_LOCKOUT_SECONDS.
LOGIN_MAX_FAILURES = env_int("LOGIN_MAX_FAILURES", 5, minimum=1)
LOGIN_MAX_FAILURES_PER_ADDRESS = env_int("LOGIN_MAX_FAILURES_PER_ADDRESS", 20, minimum=1)
LOGIN_LOCKOUT_SECONDS = env_int("LOGIN_LOCKOUT_SECONDS", 900, minimum=1)
LOGIN_LOCKOUT_MAX_SECONDS = env_int("LOGIN_LOCKOUT_MAX_SECONDS", 86400, minimum=1)
LOGIN_FAILURE_MEMORY_SECONDS = env_int("LOGIN_FAILURE_MEMORY_SECONDS", 2 * 86400, minimum=60)
# Waiting area (waitingroom/ratelimit.py): entries per client address (IPv6 by /64) and per browser
# session in a window; under pressure (the queue at WAITING_POW_QUEUE_PERCENT of its maximum length, 0
# for never, or WAITING_POW_ENTRIES_PER_MINUTE entries to one office in the last minute) the form needs
# the browser's proof of work.
WAITING_ENTRIES_PER_ADDRESS = env_int("WAITING_ENTRIES_PER_ADDRESS", 10, minimum=1)
WAITING_ENTRIES_PER_SESSION = env_int("WAITING_ENTRIES_PER_SESSION", 5, minimum=1)
WAITING_ENTRY_WINDOW_SECONDS = env_int("WAITING_ENTRY_WINDOW_SECONDS", 3600, minimum=1)
WAITING_POW_QUEUE_PERCENT = env_int("WAITING_POW_QUEUE_PERCENT", 50, minimum=0, maximum=100)
WAITING_POW_ENTRIES_PER_MINUTE = env_int("WAITING_POW_ENTRIES_PER_MINUTE", 10, minimum=1)

# --- Group sessions: trainings and events on Janus (docs/operations.md, "Group sessions") -----------
# The Janus instances our server drives (WebSocket API, ws:// or wss://, on loopback or a private
# network). Each new room goes to the least loaded one. Empty: group sessions cannot go live.
JANUS_URLS = env_url_list("JANUS_URLS", ("ws", "wss"))
JANUS_API_SECRET = env_str("JANUS_API_SECRET", "")
JANUS_ADMIN_KEY = env_str("JANUS_ADMIN_KEY", "")
if JANUS_URLS and not (JANUS_API_SECRET and JANUS_ADMIN_KEY):
    raise ImproperlyConfigured(
        "BUERGERBUERO_JANUS_API_SECRET and BUERGERBUERO_JANUS_ADMIN_KEY must be set when "
        "BUERGERBUERO_JANUS_URLS is set"
    )
# Above this many viewers, a webinar's audience is served by the Streaming plugin (RTP forwarding).
GROUP_STREAMING_ABOVE = env_int("GROUP_STREAMING_ABOVE", 100, minimum=2)
# Interactive participants a conference room allows.
GROUP_CONFERENCE_MAX = env_int("GROUP_CONFERENCE_MAX", 50, minimum=2, maximum=200)
# A live group session that nobody has been inside for this many minutes is ended by the background job
# (its Janus room freed, its attendance closed); one live for longer than ROOM_MAX_LIVE_HOURS is ended too.
ROOM_IDLE_END_MINUTES = env_int("ROOM_IDLE_END_MINUTES", 30, minimum=1, maximum=24 * 60)
ROOM_MAX_LIVE_HOURS = env_int("ROOM_MAX_LIVE_HOURS", 12, minimum=1, maximum=7 * 24)
# Certificates of trainings (and the records behind their verification page) are deleted after this
# many days.
CERTIFICATE_RETENTION_DAYS = env_int("CERTIFICATE_RETENTION_DAYS", 3 * 365, minimum=30, maximum=36500)
# Look-ups on the public verification page per client address in a window (certificates/ratelimit.py).
CERTIFICATE_LOOKUPS_PER_ADDRESS = env_int("CERTIFICATE_LOOKUPS_PER_ADDRESS", 60, minimum=1)
CERTIFICATE_LOOKUP_WINDOW_SECONDS = env_int("CERTIFICATE_LOOKUP_WINDOW_SECONDS", 3600, minimum=1)
# A directory with DejaVuSans.ttf and DejaVuSans-Bold.ttf for the certificates' PDF, searched before the
# system's font directories (certificates/pdf.py).
CERTIFICATE_FONT_DIR = env_str("CERTIFICATE_FONT_DIR", "")

# --- Mail (docs/operations.md, "Mail") ---------------------------------------------------------------
# The links in mails are absolute: the address under which citizens reach this installation.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").strip().rstrip("/")
try:
    _site = urlsplit(SITE_URL)
    _site_ok = _site.scheme in ("http", "https") and bool(_site.hostname) and _site.port != 0
except ValueError:  # a port that is not a number or out of range
    _site_ok = False
if not _site_ok or _site.query or _site.fragment or "?" in SITE_URL or "#" in SITE_URL:
    raise ImproperlyConfigured(
        f"BUERGERBUERO_SITE_URL: expected http(s)://host[:port][/path] without query, got {SITE_URL!r}"
    )
if _site.username or _site.password:
    raise ImproperlyConfigured("BUERGERBUERO_SITE_URL: must not contain a user name or password")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "buergerbuero@localhost").strip()
_from_name, _from_address = parseaddr(DEFAULT_FROM_EMAIL)
try:
    validate_email(_from_address)
except ValidationError:
    raise ImproperlyConfigured(
        f"BUERGERBUERO_DEFAULT_FROM_EMAIL: expected an address such as termine@landkreis.example "
        f"or 'Landratsamt <termine@landkreis.example>', got {DEFAULT_FROM_EMAIL!r}"
    ) from None
SERVER_EMAIL = _from_address
EMAIL_HOST = env_str("EMAIL_HOST", "").strip()
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)  # STARTTLS, usually port 587
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)  # TLS from the first byte, usually port 465
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("BUERGERBUERO_EMAIL_USE_TLS and BUERGERBUERO_EMAIL_USE_SSL exclude each other")
EMAIL_PORT = env_int(
    "EMAIL_PORT", 465 if EMAIL_USE_SSL else 587 if EMAIL_USE_TLS else 25, minimum=1, maximum=65535
)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
if EMAIL_HOST_PASSWORD and not EMAIL_HOST_USER:
    raise ImproperlyConfigured(
        "BUERGERBUERO_EMAIL_HOST_PASSWORD is set but BUERGERBUERO_EMAIL_HOST_USER is not"
    )
# A mail server that does not answer must not hold up the reminder job for long.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1, maximum=300)
EMAIL_FILE_PATH = DATA_DIR / "mail"
if EMAIL_HOST:
    if any(c.isspace() for c in EMAIL_HOST) or "/" in EMAIL_HOST:
        raise ImproperlyConfigured(
            f"BUERGERBUERO_EMAIL_HOST: expected a host name or address, got {EMAIL_HOST!r}"
        )
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
else:
    # Embedded default: every mail becomes a file in <data dir>/mail/, shown to staff on /dev/mailbox/
    # while DEBUG is on. Nothing leaves the machine.
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if _redis_url:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _redis_url}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # No request path in the log: our paths carry link tokens (core/logfilters.py, docs/privacy.md).
    "filters": {"redact_paths": {"()": "buergerbuero.core.logfilters.RedactRequestPaths"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["redact_paths"]}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.channels.server": {"level": "WARNING"}},
}
