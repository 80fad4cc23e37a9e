"""Probes for the orchestrator: liveness, readiness (every backing service) and startup (migrations).

They need no sign-in, are exempt from the operator 2FA redirect (the middleware skips /healthz/) and
are never cached. A failing check names only the exception class: driver messages can carry hosts,
users or passwords, and the probe body is readable by anyone who can reach the port.
"""

import asyncio
import logging
import secrets
import time
from collections.abc import Callable

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.cache import caches
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.urls import path
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from .celery import app as celery_app

logger = logging.getLogger(__name__)

CHANNEL_TIMEOUT_SECONDS = 2.0
BROKER_TIMEOUT_SECONDS = 2.0


def check_database() -> None:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_cache() -> None:
    cache = caches["default"]
    key = f"healthz:{secrets.token_hex(8)}"
    value = secrets.token_hex(8)
    cache.set(key, value, timeout=10)
    try:
        if cache.get(key) != value:
            raise RuntimeError("cache returned a different value")
    finally:
        cache.delete(key)


async def _channel_round_trip() -> None:
    layer = get_channel_layer()
    if layer is None:
        raise RuntimeError("no channel layer configured")
    channel = await layer.new_channel("healthz.")
    nonce = secrets.token_hex(8)
    await layer.send(channel, {"type": "healthz.ping", "nonce": nonce})
    message = await asyncio.wait_for(layer.receive(channel), timeout=CHANNEL_TIMEOUT_SECONDS)
    if message.get("nonce") != nonce:
        raise RuntimeError("channel layer returned a different message")


def check_channel_layer() -> None:
    async_to_sync(_channel_round_trip)()


def check_broker() -> None:
    with celery_app.connection_for_write() as connection:
        # interval_start=0: retry at once, so a dead broker costs about the timeout, not 2 s more.
        connection.ensure_connection(max_retries=1, interval_start=0, timeout=BROKER_TIMEOUT_SECONDS)


READINESS_CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "cache": check_cache,
    "channel_layer": check_channel_layer,
    "broker": check_broker,
}


def _run(name: str, check: Callable[[], None]) -> dict:
    started = time.perf_counter()
    try:
        check()
    except Exception as exc:
        elapsed = round((time.perf_counter() - started) * 1000, 1)
        logger.warning("readiness check %s failed", name, exc_info=True)
        return {"ok": False, "ms": elapsed, "error": type(exc).__name__}
    return {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1)}


@never_cache
@require_safe
def live(request):
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def ready(request):
    checks = {name: _run(name, check) for name, check in READINESS_CHECKS.items()}
    healthy = all(result["ok"] for result in checks.values())
    return JsonResponse({"status": "ok" if healthy else "fail", "checks": checks}, status=200 if healthy else 503)


def pending_migrations() -> list[str]:
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


@never_cache
@require_safe
def startup(request):
    try:
        pending = pending_migrations()
    except Exception as exc:
        logger.warning("startup check could not read the migration state", exc_info=True)
        return JsonResponse({"status": "fail", "error": type(exc).__name__}, status=503)
    if pending:
        return JsonResponse({"status": "fail", "pending_migrations": pending}, status=503)
    return JsonResponse({"status": "ok"})


urlpatterns = [
    path("live", live, name="healthz-live"),
    path("ready", ready, name="healthz-ready"),
    path("startup", startup, name="healthz-startup"),
]
