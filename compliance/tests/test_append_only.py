"""The audit table refuses changes on PostgreSQL, and tampering that gets past it is found."""

from contextlib import contextmanager

import pytest
from django.core.management import ManagementUtility, call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from compliance.models import AuditEvent
from compliance.services import record_event

postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only")


@pytest.fixture
def chain(db):
    return [record_event(action=f"test.event_{number}", metadata={"number": number}) for number in range(1, 6)]


@contextmanager
def trigger_disabled():
    """Tamper the way someone with superuser rights on PostgreSQL could: with triggers switched off."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = DEFAULT")


def raw(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def verify_error() -> str:
    with pytest.raises(CommandError) as error:
        call_command("verify_audit_chain")
    return str(error.value)


@postgresql_only
def test_update_is_refused(chain):
    """Neither the ORM nor raw SQL can change a stored event."""
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=chain[1].pk).update(object_repr="changed")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        raw("UPDATE compliance_auditevent SET action = %s WHERE id = %s", ["forged", chain[1].pk])
    assert AuditEvent.objects.get(pk=chain[1].pk).action == "test.event_2"


@postgresql_only
def test_delete_is_refused(chain):
    """Neither the ORM nor raw SQL can delete a stored event."""
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=chain[2].pk).delete()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        raw("DELETE FROM compliance_auditevent WHERE id = %s", [chain[2].pk])
    assert AuditEvent.objects.count() == 5


def test_altered_event_is_named_by_the_command(chain):
    """A value changed behind the application's back is reported at exactly that event."""
    with trigger_disabled():
        raw("UPDATE compliance_auditevent SET metadata = %s WHERE id = %s", ['{"number": 99}', chain[2].pk])
    message = verify_error()
    assert "event #3: altered" in message
    assert "after 2 intact events" in message


def test_removed_event_is_named_by_the_command(chain):
    """A deleted event is reported by its number."""
    with trigger_disabled():
        raw("DELETE FROM compliance_auditevent WHERE id = %s", [chain[1].pk])
    assert "event #2: removed" in verify_error()


def test_inserted_event_is_named_by_the_command(chain):
    """An event forged at the end of the chain without the right link is reported."""
    last = chain[-1]
    raw(
        "INSERT INTO compliance_auditevent (sequence, occurred_at, actor_label, action, object_type, object_id,"
        " object_repr, changes, metadata, request_id, previous_hash, content_hash)"
        " VALUES (%s, %s, '', 'user.deleted', '', '', '', '{}', '{}', '', %s, %s)",
        [last.sequence + 1, last.occurred_at, "e" * 64, "f" * 64],
    )
    assert "event #6: altered" in verify_error()


def test_tampering_exits_non_zero_from_the_command_line(chain, capsys):
    """Run as `manage.py verify_audit_chain`, a broken chain exits with status 1 and names the event on stderr."""
    with trigger_disabled():
        raw("UPDATE compliance_auditevent SET actor_label = %s WHERE id = %s", ["mallory", chain[3].pk])
    # System checks import the whole URLconf, which is not what this test is about.
    with pytest.raises(SystemExit) as exit_info:
        ManagementUtility(["manage.py", "verify_audit_chain", "--skip-checks"]).execute()
    assert exit_info.value.code == 1
    captured = capsys.readouterr()
    assert "event #4: altered" in captured.err
    assert captured.out == ""
