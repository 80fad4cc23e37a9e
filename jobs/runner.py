"""Running a job's work inside a Celery task: progress reports, the outcome, and failures.

A task calls ``run_job(job_id, work)``; ``work(progress)`` does the job and returns a
``JobOutcome``. Progress writes are throttled so a tight loop reporting every step costs a few
UPDATEs a second, not one per step.
"""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from valuepartner.errors import DomainError

from . import services

logger = logging.getLogger(__name__)

# At most this many progress writes a second from one worker; the page polls once a second.
WRITES_PER_SECOND = 4


@dataclass(frozen=True)
class JobOutcome:
    result: dict = field(default_factory=dict)
    url: str = ""


class Progress:
    """What work reports through: ``progress(done, total, message)`` or ``progress.advance()``."""

    def __init__(self, job_id: int, clock: Callable[[], float] = time.monotonic):
        self.job_id = job_id
        self._clock = clock
        self._last_write = float("-inf")

    def __call__(self, done: int, total: int | None = None, message: str = "") -> None:
        now = self._clock()
        finished = total is not None and done >= total
        if not finished and now - self._last_write < 1 / WRITES_PER_SECOND:
            return
        self._last_write = now
        services.set_progress(self.job_id, done=done, total=total, message=message)

    def advance(self, n: int = 1, message: str = "") -> None:
        """Count ``n`` more steps done; safe from several workers at once (never throttled)."""
        services.advance_progress(self.job_id, by=n, message=message)


def run_job(job_id: int, work: Callable[[Progress], JobOutcome | None]) -> bool:
    """Run ``work`` for a queued job; False (and nothing done) when the job already ran.

    A ``DomainError`` fails the job with its code and message and is not re-raised: the person
    sees why, and retrying would fail the same way. Anything else fails the job as
    ``internal_error`` and is re-raised so the worker logs it with its traceback.
    """
    if not services.start_job(job_id):
        logger.info("Job %s already started; skipping a redelivered task.", job_id)
        return False
    try:
        outcome = work(Progress(job_id)) or JobOutcome()
    except DomainError as error:
        services.fail_job(job_id, code=error.code, message=error.message)
        return True
    except Exception:
        services.fail_job(job_id, code="internal_error", message="The job stopped on an unexpected error.")
        raise
    services.finish_job(job_id, result=outcome.result, url=outcome.url)
    return True
