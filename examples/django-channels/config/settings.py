"""
Settings of the example. What a deployment changes comes from the environment (listed in the
README); the rest is what a Django + DRF + simplejwt + Channels project needs for the socket.

Written for Django 3.2 LTS (Debian 12) and unchanged on Django 4.2 / 5.x: no deprecated settings
(no USE_L10N, DEFAULT_AUTO_FIELD set, the cache backend chosen by what the Django version ships).
"""
import os
from datetime import timedelta
from pathlib import Path

import django

BASE_DIR = Path(__file__).resolve().parent.parent


def env_flag(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def env_number(name, default, kind=int):
    value = os.environ.get(name)
    return kind(value) if value else default


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "example-only-not-secret-set-DJANGO_SECRET_KEY")
DEBUG = env_flag("DJANGO_DEBUG", False)
# Also the socket's Origin allow-list: AllowedHostsOriginValidator accepts only these hosts.
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "rest_framework",
    # Refresh tokens are rotated and the old one is burnt, like the reference server's.
    "rest_framework_simplejwt.token_blacklist",
    "realtime",
]

# No session or CSRF middleware: the API authenticates with a Bearer JWT only, never a cookie.
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "realtime.control.RequestCountMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("DJANGO_DATABASE", str(BASE_DIR / "db.sqlite3")),
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

USE_TZ = True
TIME_ZONE = "UTC"
USE_I18N = False

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework_simplejwt.authentication.JWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(seconds=env_number("ACCESS_TOKEN_LIFETIME_S", 300)),
    "REFRESH_TOKEN_LIFETIME": timedelta(seconds=env_number("REFRESH_TOKEN_LIFETIME_S", 86400)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
}



def redis_caches(url):
    # Django 4.0+ ships a Redis cache backend; on 3.2 django-redis (python3-django-redis) is the one.
    backend = "django.core.cache.backends.redis.RedisCache" if django.VERSION >= (4, 0) else "django_redis.cache.RedisCache"
    return {"default": {"BACKEND": backend, "LOCATION": url}}


def redis_channel_layers(url):
    return {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [url]}}}


# Tickets live in the cache and sockets meet in the channel layer. One process: local memory for
# both. Several worker processes or hosts: Redis for both, so a ticket issued by one worker can be
# redeemed by another (still only once, see realtime/tickets.py) and a chat reaches every socket.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = redis_caches(REDIS_URL)
    CHANNEL_LAYERS = redis_channel_layers(REDIS_URL)
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# ---- the socket (prefix WS_) -----------------------------------------------------------------

# GET /ws_ticket exists; off → it answers 404 and ngx-auth-socket ('auto') falls back to
# first-message auth.
WS_TICKETS = env_flag("WS_TICKETS", True)
# A ticket is worthless after this many seconds (and never outlives the JWT it was issued for).
WS_TICKET_TTL_S = env_number("WS_TICKET_TTL_S", 30)
# A socket without a ticket must authenticate within this many seconds.
WS_AUTH_DEADLINE_S = env_number("WS_AUTH_DEADLINE_S", 5.0, float)
# Users who may use the API but not the socket: ticket 403, first-message close 4003.
WS_DENIED_USERS = env_list("WS_DENIED_USERS", "")
# Test-only endpoints (/__control/kick, /__stats) and counters. Never on in production.
WS_TEST_CONTROL = env_flag("WS_TEST_CONTROL", False)
# A built single-page app (the demo or the lab) served from / on the same origin; for the demo and
# the end-to-end tests only (Django's static view is not for production).
WS_SPA_DIR = os.environ.get("WS_SPA_DIR", "")

# Our loggers only: the root logger stays as the server (daphne) set it up.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "realtime": {"handlers": ["console"], "level": os.environ.get("WS_LOG_LEVEL", "INFO"), "propagate": False},
    },
}
