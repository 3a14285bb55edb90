"""Limits on what one client may ask of a public server: request size and request rate.

    buckets = TokenBuckets(per_minute=30, burst=60)
    buckets.take("203.0.113.7")        # raises TooManyRequests (429, retry_after) when empty
    app.add_middleware(BodyLimit, limit=262_144, refuse=handle_exception)

The client is ``request.client.host``: the peer address, or the forwarded one only when
``web.trusted_proxies`` names the proxy (``web.uvicorn_options``), so a client cannot pick
its own address with ``X-Forwarded-For``.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Awaitable, Callable

from starlette.datastructures import Headers
from starlette.requests import Request

from .errors import RequestTooLarge, TooManyRequests

# Idle clients' buckets are dropped (they are full again) once this many clients are known.
MAX_TRACKED_CLIENTS = 10_000


class TokenBuckets:
    """One token bucket per client: ``burst`` requests at once, refilled at ``per_minute``.

    Thread-safe (sync routes run in a thread pool); memory stays bounded because buckets
    that have refilled carry no state worth keeping and are pruned.
    """

    def __init__(self, per_minute: float, burst: int, clock: Callable[[], float] = time.monotonic):
        self.rate, self.burst, self.clock = per_minute / 60, burst, clock
        self._buckets: dict[str, tuple[float, float]] = {}  # client -> (tokens, at)
        self._lock = threading.Lock()

    def take(self, client: str, what: str = "requests") -> None:
        """Spend one token of ``client``'s bucket; ``TooManyRequests`` with the seconds to wait when empty."""
        with self._lock:
            now = self.clock()
            tokens, at = self._buckets.get(client, (self.burst, now))
            tokens = min(self.burst, tokens + (now - at) * self.rate)
            if tokens < 1:
                wait = math.ceil((1 - tokens) / self.rate) if self.rate else 3600
                self._buckets[client] = (tokens, now)
                raise TooManyRequests(f"Too many {what} from your address; try again in {wait} s.", wait)
            self._buckets[client] = (tokens - 1, now)
            if len(self._buckets) > MAX_TRACKED_CLIENTS:
                self._prune(now)

    def _prune(self, now: float) -> None:
        full = [c for c, (tokens, at) in self._buckets.items() if tokens + (now - at) * self.rate >= self.burst]
        for client in full:
            del self._buckets[client]


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


Refuse = Callable[[Request, Exception], Awaitable[object]]


class BodyLimit:
    """ASGI middleware: a request body over ``limit`` bytes gets 413 before the app reads it.

    A declared ``Content-Length`` over the limit is refused without reading a byte of the
    body; a body sent without one (chunked) is read only up to the limit. ``refuse`` renders
    the error (the app's one exception handler: JSON under /api/, the error page elsewhere).
    """

    def __init__(self, app, limit: int, refuse: Refuse):
        self.app, self.limit, self.refuse = app, limit, refuse

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = Headers(scope=scope).get("content-length")
        if length is not None:
            if length.strip().isdigit() and int(length) <= self.limit:
                return await self.app(scope, receive, send)  # the server holds the body to its length
            return await self._refuse(scope, receive, send)
        messages, size = [], 0
        while True:
            message = await receive()
            messages.append(message)
            size += len(message.get("body", b""))
            if size > self.limit:
                return await self._refuse(scope, receive, send)
            if message["type"] != "http.request" or not message.get("more_body"):
                break

        async def replay():
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope, receive, send):
        error = RequestTooLarge(f"The request body is larger than this server accepts ({self.limit:,} bytes); "
                                "send the question alone, without attachments.")
        response = await self.refuse(Request(scope, receive), error)
        await response(scope, receive, send)
