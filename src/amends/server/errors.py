"""Every error the API returns has one shape, ``{"error": {"code", "message", "where"?}}``:
``code`` is stable for programs, ``message`` says what was wrong and what to do, ``where``
points at the request field when there is one. An unexpected failure is logged with its
traceback and answered with a 500 that carries none."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("amends.server")

# the code a bare HTTP status gets when nothing more specific raised it
STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "body_too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "too_many_requests",
    503: "overloaded",
}


class ApiError(Exception):
    """An error the client can act on: its HTTP status, a stable code, a message saying what
    was wrong and what to do, and the request field it concerns."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        where: str | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.where = where
        self.headers = headers


def error_body(code: str, message: str, where: str | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if where is not None:
        error["where"] = where
    return {"error": error}


def error_response(
    status: int,
    code: str,
    message: str,
    where: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    return JSONResponse(error_body(code, message, where), status_code=status, headers=headers)


def _where(loc: tuple[Any, ...] | list[Any]) -> str:
    """``("body", "items", 3, "text")`` as ``body.items[3].text``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _validation_message(error: dict[str, Any]) -> str:
    where = _where(error.get("loc", ()))
    if error.get("type") == "json_invalid":
        ctx = error.get("ctx") or {}
        at = error.get("loc", ("body", None))[-1]
        position = f" at character {at}" if isinstance(at, int) else ""
        return f"the body is not valid JSON: {ctx.get('error', 'cannot be parsed')}{position}"
    if error.get("type") == "missing":
        return f"{where} is required"
    return f"{where}: {error.get('msg', 'invalid')}"


async def _api_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.code, exc.message, exc.where, exc.headers)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    messages = [_validation_message(e) for e in errors[:5]]
    if len(errors) > 5:
        messages.append(f"and {len(errors) - 5} more")
    first = errors[0] if errors else {}
    where = "body" if first.get("type") == "json_invalid" else _where(first.get("loc", ()))
    return error_response(422, "invalid_request", "; ".join(messages), where or None)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = STATUS_CODES.get(exc.status_code, "http_error")
    headers = dict(exc.headers) if exc.headers else None
    message = str(exc.detail)
    # the router's own 404 and 405 say only "Not Found": say what was asked and where to look
    if exc.status_code in (404, 405) and message in ("Not Found", "Method Not Allowed"):
        what = "no such endpoint" if exc.status_code == 404 else "this method is not allowed here"
        message = f"{what}: {request.method} {request.url.path}; the endpoints are listed at /docs"
    return error_response(exc.status_code, code, message, headers=headers)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    # the traceback goes to the log, never to the client
    log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
    return error_response(
        500, "internal_error", "the server failed on this request; the error has been logged"
    )


def install(app: FastAPI) -> None:
    """Answer every error in the one JSON shape."""
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
