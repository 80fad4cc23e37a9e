"""Who and what the current request is, readable anywhere below the middleware.

Logging stamps every line with the request id; the audit trail records actor, address and
request id without each service having to be handed the request.
"""

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    ip: str | None = None
    user_id: int | None = None


# RequestContext is a frozen dataclass, so sharing one default instance across contexts is safe.
_current: ContextVar[RequestContext] = ContextVar("request_context", default=RequestContext())  # noqa: B039


def current() -> RequestContext:
    return _current.get()


def bind(**changes) -> object:
    """Replace fields of the current context; returns a token for ``reset``."""
    values = {**current().__dict__, **changes}
    return _current.set(RequestContext(**values))


def reset(token) -> None:
    _current.reset(token)
