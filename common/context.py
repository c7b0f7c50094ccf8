"""Per-request context (request id, client address) that services and audit read."""

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str
    client_address: str | None
    via: str  # "web", "api", "citizen", "task" or "cli"


_current: ContextVar[RequestContext | None] = ContextVar("rehab_request_context", default=None)


def current() -> RequestContext | None:
    return _current.get()


def activate(ctx: RequestContext):
    return _current.set(ctx)


def deactivate(token) -> None:
    _current.reset(token)
