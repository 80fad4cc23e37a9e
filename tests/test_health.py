"""Probes at /healthz/: liveness, readiness of every backing service, and the migration state."""

import asyncio

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

from valuepartner import health
from valuepartner.celery import app as celery_app

PROBES = ["/healthz/live", "/healthz/ready", "/healthz/startup"]
READY_CHECKS = {"database", "cache", "channel_layer", "broker"}


def test_live_answers_without_touching_the_database(client):
    """Liveness is 200 {"status": "ok"} with no database access (no db fixture: a query would fail)."""
    response = client.get("/healthz/live")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
@pytest.mark.parametrize("url", PROBES)
def test_probes_are_never_cached(client, url):
    """Every probe tells caches and proxies not to store it: a cached 200 would hide an outage."""
    response = client.get(url)

    assert "no-store" in response["Cache-Control"]
    assert "max-age=0" in response["Cache-Control"]


@pytest.mark.django_db
def test_ready_reports_each_check_with_its_latency(client):
    """With the configured services up, readiness is 200 and names each check as ok with a latency in ms."""
    response = client.get("/healthz/ready")

    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert set(body["checks"]) == READY_CHECKS
    for result in body["checks"].values():
        assert result["ok"] is True
        assert isinstance(result["ms"], float)
        assert result["ms"] >= 0


@pytest.mark.django_db
def test_ready_fails_with_the_error_class_when_the_broker_is_unreachable(client, monkeypatch):
    """A broker that refuses connections turns readiness into a 503 naming the broker check and the
    error class only: the broker URL and its password stay out of the body."""
    connect = celery_app.connection_for_write
    monkeypatch.setattr(
        celery_app, "connection_for_write", lambda: connect(url="redis://:hunter2-broker@127.0.0.1:9/0")
    )

    response = client.get("/healthz/ready")

    body = response.json()
    assert response.status_code == 503
    assert body["status"] == "fail"
    assert body["checks"]["broker"]["ok"] is False
    assert body["checks"]["broker"]["error"]
    assert body["checks"]["database"]["ok"] is True
    assert "hunter2" not in response.content.decode()
    assert "127.0.0.1:9" not in response.content.decode()


@pytest.mark.django_db
def test_ready_fails_when_any_single_check_raises(client, monkeypatch):
    """One failing service is enough for a 503; the exception message (which may carry a host or
    secret) is not echoed, only its class."""

    def broken_cache():
        raise ConnectionError("redis://:s3cret@cache.internal:6379 refused")

    monkeypatch.setitem(health.READINESS_CHECKS, "cache", broken_cache)

    response = client.get("/healthz/ready")

    body = response.json()
    assert response.status_code == 503
    assert body["checks"]["cache"] == {"ok": False, "ms": body["checks"]["cache"]["ms"], "error": "ConnectionError"}
    assert "s3cret" not in response.content.decode()
    assert "cache.internal" not in response.content.decode()


class _LossyLayer:
    """A channel layer that accepts messages and never delivers them."""

    async def new_channel(self, prefix="specific."):
        return f"{prefix}lossy"

    async def send(self, channel, message):
        return None

    async def receive(self, channel):
        await asyncio.sleep(60)


def test_channel_layer_check_fails_when_the_message_never_arrives(monkeypatch):
    """The channel-layer check really round-trips a message: a layer that loses it fails on the timeout."""
    monkeypatch.setattr(health, "get_channel_layer", _LossyLayer)
    monkeypatch.setattr(health, "CHANNEL_TIMEOUT_SECONDS", 0.05)

    result = health._run("channel_layer", health.check_channel_layer)

    assert result == {"ok": False, "ms": result["ms"], "error": "TimeoutError"}


@pytest.mark.django_db
def test_startup_is_ok_when_every_migration_is_applied(client):
    """Startup is 200 once the database carries every migration on disk."""
    response = client.get("/healthz/startup")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_startup_names_unapplied_migrations(client):
    """A migration on disk but not applied makes startup a 503 that names it as app.migration."""
    leaf_app, leaf_name = next(node for node in MigrationLoader(connection).graph.leaf_nodes() if node[0] == "accounts")
    MigrationRecorder(connection).migration_qs.filter(app=leaf_app, name=leaf_name).delete()

    response = client.get("/healthz/startup")

    assert response.status_code == 503
    assert response.json() == {"status": "fail", "pending_migrations": [f"{leaf_app}.{leaf_name}"]}


@pytest.mark.django_db
@pytest.mark.parametrize("url", PROBES)
def test_probes_need_no_sign_in_and_skip_the_operator_two_factor_redirect(client, operator, url):
    """An operator signed in without a second factor is redirected everywhere else, but not from probes."""
    client.force_login(operator)

    response = client.get(url)

    assert response.status_code == 200


@pytest.mark.django_db
def test_operator_without_second_factor_is_redirected_from_other_pages(client, operator):
    """Guards the previous test: the same session is redirected away from the dashboard."""
    client.force_login(operator)

    response = client.get("/")

    assert response.status_code == 302


def test_probes_refuse_writes(client):
    """Probes are read-only: a POST is 405, not a silent 200."""
    response = client.post("/healthz/live")

    assert response.status_code == 405
