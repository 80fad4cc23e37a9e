"""A worker's database pool outlives its tasks: Celery's Django fixup does not rebuild it per task under
prefork, and each task gives its connection back to it (valuepartner.celery)."""

from types import SimpleNamespace

import pytest
from celery.fixups.django import DjangoWorkerFixup
from django.db import connection

from valuepartner.celery import _return_database_connections, app

PREFORK = SimpleNamespace(pool_cls="celery.concurrency.prefork:TaskPool")


def task(*, eager: bool) -> SimpleNamespace:
    return SimpleNamespace(request=SimpleNamespace(is_eager=eager))


@pytest.mark.django_db(transaction=True)
def test_prefork_tasks_keep_the_pool_and_return_their_connection():
    if connection.vendor != "postgresql" or connection.pool is None:
        pytest.skip("the connection pool is PostgreSQL's")
    fixup = DjangoWorkerFixup(app)
    fixup.worker = PREFORK
    connection.ensure_connection()
    pool = connection.pool

    for _ in range(3):
        fixup.on_task_prerun(sender=task(eager=False))
        connection.ensure_connection()
        fixup.on_task_postrun(sender=task(eager=False))
        _return_database_connections(sender=task(eager=False))

        assert connection.pool is pool and not pool.closed
        assert connection.connection is None  # back in the pool


@pytest.mark.django_db
def test_an_eager_task_leaves_its_callers_transaction_alone():
    connection.ensure_connection()
    held = connection.connection

    _return_database_connections(sender=task(eager=True))

    assert connection.connection is held and not connection.needs_rollback
