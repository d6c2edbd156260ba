"""Limits, as plain ASGI middleware in front of the app: a body larger than the setting is
refused with 413 before the app reads it, and a request beyond the concurrency limit is turned
away at once with 503 and ``Retry-After`` rather than queued until the client times out."""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import error_body

RETRY_AFTER_SECONDS = 1
UNLIMITED = ("/v1/health",)  # a load balancer's probe must get through when busy


async def _send_error(
    send: Send, status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> None:
    body = json.dumps(error_body(code, message)).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    """Refuse a request body over ``max_bytes`` with 413, whether it says its length or is sent
    in chunks; a body within the limit is read here and handed on unchanged."""

    def __init__(self, app: ASGIApp, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        too_large = (
            f"the body is larger than this server accepts ({self.max_bytes:,} bytes); "
            "send less at a time (split a batch or an import)"
        )
        headers = dict(scope.get("headers") or ())
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await _send_error(send, 413, "body_too_large", too_large)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await _send_error(send, 413, "body_too_large", too_large)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # after the body: wait for the disconnect, as the server does

        await self.app(scope, replay, send)


class ConcurrencyLimit:
    """At most ``limit`` requests in the app at once; the next is answered 503 with
    Retry-After straight away (shedding load keeps latency bounded for the rest)."""

    def __init__(self, app: ASGIApp, limit: int):
        self.app = app
        self.limit = limit
        self.active = 0  # one event loop per process: no lock needed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in UNLIMITED:
            await self.app(scope, receive, send)
            return
        if self.active >= self.limit:
            await _send_error(
                send,
                503,
                "overloaded",
                f"the server is handling {self.limit} requests already; retry in "
                f"{RETRY_AFTER_SECONDS} s",
                {"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
            return
        self.active += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.active -= 1


def install(app: Any, max_bytes: int, concurrency: int, cors_origins: tuple[str, ...]) -> None:
    """Add the limits (and CORS, only when origins are configured) to ``app``. The last added
    runs first: shedding load costs nothing, then the body is bounded."""
    if cors_origins:
        from starlette.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "X-API-Key", "Content-Type"],
        )
    app.add_middleware(BodyLimit, max_bytes=max_bytes)
    app.add_middleware(ConcurrencyLimit, limit=concurrency)
