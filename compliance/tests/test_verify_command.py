"""`manage.py verify_audit_chain` on an intact chain, and how it walks a long one."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from compliance.selectors import chain_in_order
from compliance.services import record_event


def record(count: int) -> None:
    for number in range(count):
        record_event(action="test.event", metadata={"number": number})


def run(*args) -> str:
    out = StringIO()
    call_command("verify_audit_chain", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_intact_chain_reports_its_length():
    """An untouched chain passes (no exception, exit status 0) and the count is printed."""
    record(7)
    assert run() == "Audit chain intact: 7 events\n"


@pytest.mark.django_db
def test_empty_chain_is_intact():
    """With no events yet there is nothing to contradict."""
    assert run() == "Audit chain intact: 0 events\n"


@pytest.mark.django_db
@pytest.mark.parametrize("batch_size", [1, 2, 3, 7, 500])
def test_batches_cover_every_event_once(batch_size):
    """Whatever the batch size (smaller, a divisor, equal to or larger than the chain) every event
    is checked exactly once, in order."""
    record(6)
    assert run(f"--batch-size={batch_size}") == "Audit chain intact: 6 events\n"
    assert [row.sequence for row in chain_in_order(batch_size=batch_size)] == [1, 2, 3, 4, 5, 6]


@pytest.mark.django_db
def test_walk_reads_one_bounded_query_per_batch(django_assert_num_queries):
    """Memory stays flat on a long chain: rows come in LIMITed batches, one query each."""
    record(5)
    with django_assert_num_queries(3):
        rows = list(chain_in_order(batch_size=2))
    assert len(rows) == 5


@pytest.mark.django_db
def test_batch_size_must_be_positive():
    """A batch size of zero would never advance; it is refused up front."""
    with pytest.raises(CommandError, match="at least 1"):
        run("--batch-size=0")
