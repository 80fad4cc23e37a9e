"""Retries of transient provider errors: exponential backoff with full jitter (tenacity).

Full jitter (a random wait between 0 and min(cap, base * 2**attempt)) keeps many workers that failed
together from retrying together. Tests pass ``sleep`` so they never wait.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_random_exponential

from .base import TransientProviderError

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 3
    base_seconds: float = 0.5
    max_seconds: float = 8.0
    sleep: Callable[[float], None] = time.sleep

    def run(self, function: Callable[[], T]) -> T:
        """Call ``function``; retry it on TransientProviderError, re-raising the last error when out of tries."""
        retrying = Retrying(
            stop=stop_after_attempt(self.attempts),
            wait=wait_random_exponential(multiplier=self.base_seconds, max=self.max_seconds),
            retry=retry_if_exception_type(TransientProviderError),
            sleep=self.sleep,
            reraise=True,
        )
        return retrying(function)
