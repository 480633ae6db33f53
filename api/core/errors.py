"""One error type with a stable code; one handler renders every error as {detail, code}."""

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Send

log = logging.getLogger("knacka.errors")

DATABASE_RETRY_AFTER_SECONDS = 5
INTERNAL_ERROR = "Internal error"


class ErrorOut(BaseModel):
    """Every error: a message (or the list of invalid fields for 422) and a stable code."""

    detail: str | list[dict[str, Any]]
    code: str


# Documented on every /api route, so the schema says what clients really get.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut, "description": description}
    for status, description in {
        400: "Bad request",
        401: "Not signed in, or the session ended",
        403: "Not allowed for this person",
        404: "Not found",
        409: "Conflicts with what is stored",
        410: "Gone (an expired or used invite)",
        413: "Request too large",
        422: "Invalid input",
        429: "Too many attempts; see Retry-After",
        503: "The database is unavailable; see Retry-After",
    }.items()
}


class KnackaError(Exception):
    """An error the client should see: an HTTP status, a stable `code` and a message."""

    status_code = 400

    def __init__(
        self,
        status_code: int | None,
        code: str,
        detail: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status_code = status_code or type(self).status_code
        self.code = code
        self.detail = detail
        self.headers = headers


class _Named(KnackaError):
    """A KnackaError whose status is its class: `raise Forbidden("forbidden", "…")`."""

    def __init__(self, code: str, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(None, code, detail, headers)


class BadRequest(_Named):
    status_code = 400


class NotAuthenticated(_Named):
    status_code = 401


class Forbidden(_Named):
    status_code = 403


class NotFound(_Named):
    status_code = 404


class Conflict(_Named):
    status_code = 409


class Gone(_Named):
    status_code = 410


class PayloadTooLarge(_Named):
    status_code = 413


class Invalid(_Named):
    """Refused by a rule beyond the schema (the schema's own refusals are 422 validation_error)."""

    status_code = 422


class TooManyRequests(_Named):
    status_code = 429


def not_found(code: str, detail: str) -> KnackaError:
    return NotFound(code, detail)


def error_body(code: str, detail: Any) -> bytes:
    """Every error body Knacka sends, handlers and raw ASGI answers (413, 500) alike."""
    return json.dumps(
        {"detail": detail, "code": code}, ensure_ascii=False, separators=(",", ":")
    ).encode()


def error_response(
    status: int, code: str, detail: Any, headers: dict[str, str] | None = None
) -> Response:
    return Response(error_body(code, detail), status, headers, media_type="application/json")


async def send_error(send: Send, status: int, code: str, detail: str) -> None:
    """The same body, for middleware that answers before (or instead of) the app."""
    body = error_body(code, detail)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", b"%d" % len(body)),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


_HTTP_CODES = {
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    429: "too_many_requests",
}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(KnackaError)
    async def _knacka_error(request: Request, exc: KnackaError) -> Response:
        return error_response(exc.status_code, exc.code, exc.detail, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
        # Only the location and message: never echo the submitted input back.
        errors = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors()
        ]
        return error_response(422, "validation_error", errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        return error_response(exc.status_code, code, exc.detail, getattr(exc, "headers", None))

    async def _database_unavailable(request: Request, exc: Exception) -> Response:
        # The database is down or busy: nothing was stored, so the client retries the same ids.
        log.warning("database unavailable: %s: %s", type(exc).__name__, str(exc).split("\n")[0])
        return error_response(
            503,
            "database_unavailable",
            "The database is unavailable, try again shortly",
            {"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)},
        )

    for exc_class in (OperationalError, InterfaceError, PoolTimeoutError):
        app.add_exception_handler(exc_class, _database_unavailable)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        # A generic body: the traceback goes to the server log, never to the client.
        return error_response(500, "internal_error", INTERNAL_ERROR)
