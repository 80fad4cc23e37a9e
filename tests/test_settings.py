"""Settings read from the environment, checked in fresh processes with a controlled environment.

Each case runs a subprocess so the module-level environment reads happen again, untouched by the
variables of the shell that runs the suite (which may point at PostgreSQL and Redis).
"""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

DUMP_SETTINGS = """
import json
from django.conf import settings
print(json.dumps({
    "database_engine": settings.DATABASES["default"]["ENGINE"],
    "channel_layer": settings.CHANNEL_LAYERS["default"]["BACKEND"],
    "channel_hosts": settings.CHANNEL_LAYERS["default"].get("CONFIG", {}).get("hosts"),
    "cache": settings.CACHES["default"]["BACKEND"],
    "cache_location": settings.CACHES["default"].get("LOCATION"),
    "broker": settings.CELERY_BROKER_URL,
    "debug": settings.DEBUG,
}))
"""


def _run(args: list[str], **env: str) -> subprocess.CompletedProcess:
    clean = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp"), **env}
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120)


def _settings(**env: str) -> dict:
    result = _run(["-c", DUMP_SETTINGS], DJANGO_SETTINGS_MODULE="valuepartner.settings.base", **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_production_refuses_to_start_without_a_secret_key():
    """Production mode with no SECRET_KEY fails fast with an error that names the missing setting."""
    result = _run(["manage.py", "check"], DJANGO_SETTINGS_MODULE="valuepartner.settings.production")

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


@pytest.mark.parametrize("key", ["too-short-key", "dev-insecure-key-do-not-use-in-production" + "x" * 20])
def test_production_refuses_a_short_or_development_secret_key(key):
    """A short key, or the development default padded to length, is refused as well."""
    result = _run(["manage.py", "check"], DJANGO_SETTINGS_MODULE="valuepartner.settings.production", SECRET_KEY=key)

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_passes_the_deploy_check():
    """With a real key and ALLOWED_HOSTS, `check --deploy` reports not even a warning."""
    result = _run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        DJANGO_SETTINGS_MODULE="valuepartner.settings.production",
        SECRET_KEY=secrets.token_urlsafe(48),
        ALLOWED_HOSTS="example.com",
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_nothing_set_runs_on_embedded_defaults():
    """A fresh clone needs no service: SQLite, the in-memory channel layer, local-memory cache and a
    filesystem Celery broker."""
    values = _settings()

    assert values["database_engine"] == "django.db.backends.sqlite3"
    assert values["channel_layer"] == "channels.layers.InMemoryChannelLayer"
    assert values["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    assert values["broker"] == "filesystem://"
    assert values["debug"] is False


def test_redis_url_moves_cache_channels_and_broker_to_redis():
    """Setting REDIS_URL switches the channel layer to channels_redis, the cache to Redis and the broker to
    the same Redis."""
    values = _settings(REDIS_URL="redis://redis.internal:6379/0")

    assert values["channel_layer"] == "channels_redis.core.RedisChannelLayer"
    assert values["channel_hosts"] == ["redis://redis.internal:6379/0"]
    assert values["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert values["cache_location"] == "redis://redis.internal:6379/0"
    assert values["broker"] == "redis://redis.internal:6379/0"


def test_database_url_selects_postgresql():
    """DATABASE_URL chooses the database; a postgres URL gives the PostgreSQL backend."""
    values = _settings(DATABASE_URL="postgres://vp:pw@db.internal:5432/valuepartner")

    assert values["database_engine"] == "django.db.backends.postgresql"
