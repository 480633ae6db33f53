"""One error type with a stable code; one handler renders every error as {detail, code}."""

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("knacka.errors")

DATABASE_RETRY_AFTER_SECONDS = 5


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
    def __init__(
        self,
        status_code: int,
        code: str,
        detail: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.code = code
        self.detail = detail
        self.headers = headers


def not_found(code: str, detail: str) -> KnackaError:
    return KnackaError(404, code, detail)


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
    async def _knacka_error(request: Request, exc: KnackaError) -> JSONResponse:
        return JSONResponse(
            {"detail": exc.detail, "code": exc.code},
            status_code=exc.status_code,
            headers=exc.headers,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        # Only the location and message: never echo the submitted input back.
        errors = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors()
        ]
        return JSONResponse({"detail": errors, "code": "validation_error"}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        return JSONResponse(
            {"detail": exc.detail, "code": code},
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    async def _database_unavailable(request: Request, exc: Exception) -> JSONResponse:
        # The database is down or busy: nothing was stored, so the client retries the same ids.
        log.warning("database unavailable: %s: %s", type(exc).__name__, str(exc).split("\n")[0])
        return JSONResponse(
            {
                "detail": "The database is unavailable, try again shortly",
                "code": "database_unavailable",
            },
            status_code=503,
            headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)},
        )

    for exc_class in (OperationalError, InterfaceError, PoolTimeoutError):
        app.add_exception_handler(exc_class, _database_unavailable)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # A generic body: the traceback goes to the server log, never to the client.
        return JSONResponse({"detail": "Internal error", "code": "internal_error"}, status_code=500)
