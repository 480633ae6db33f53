"""Request ids, structured logs and Prometheus metrics."""

import json
import logging
import re
import time
import uuid
from contextvars import ContextVar

from fastapi import APIRouter, Request, Response
from fastapi.routing import iter_route_contexts
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.core.errors import NotFound

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")

_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

access_log = logging.getLogger("knacka.access")

REGISTRY = CollectorRegistry(auto_describe=True)

REQUEST_SECONDS = Histogram(
    "knacka_http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["method", "route", "status"],
    registry=REGISTRY,
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)

SYNC_ITEMS = Counter(
    "knacka_sync_items_total",
    "Door logs received through /api/sync, by result",
    ["status"],
    registry=REGISTRY,
)

CLIENT_ERRORS = Counter(
    "knacka_outbox_errors_total",
    "Answers that make a phone's outbox wait or retry (401, 413, 429, 503 ...)",
    ["status"],
    registry=REGISTRY,
)

SYNC_GROUP_SIZE = Histogram(
    "knacka_sync_group_size",
    "Syncs committed together in one transaction by the group committer",
    registry=REGISTRY,
    buckets=(1, 2, 4, 8, 16, 32, 64),
)

LIVE_STREAMS = Gauge("knacka_live_streams", "Open live totals streams", registry=REGISTRY)

_OUTBOX_STATUSES = {401, 413, 422, 429, 500, 503}

# The routes a phone's outbox sends to.
_OUTBOX_ROUTES = {"/api/sync", "/api/logs/{log_id}/void"}


class JsonFormatter(logging.Formatter):
    _second = -1
    _stamp = ""

    def _time(self, record: logging.LogRecord) -> str:
        # One strftime per second, not per line: the access log writes a line per request.
        second = int(record.created)
        if second != self._second:
            self._stamp = self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z")
            self._second = second
        return self._stamp

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self._time(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": request_id_var.get(),
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        record.request_id = request_id_var.get()
        return super().format(record)


def configure_logging(*, json_logs: bool, level: int = logging.INFO) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(
        JsonFormatter()
        if json_logs
        else TextFormatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    # Our own access log carries the request id; uvicorn's would duplicate it.
    logging.getLogger("uvicorn.access").disabled = True


_route_paths: dict[int, str] = {}

# Paths that carry a secret: an invite link's code never reaches a log.
_SECRET_PATH = re.compile(r"^(/join/)[^/]+")


def loggable_path(path: str) -> str:
    """The request path for a log line: invite codes redacted, control characters (a `%0a`
    decoded into a line break) escaped, so no request can forge a line of a plain-text log."""
    path = _SECRET_PATH.sub(r"\1[redacted]", path)
    if path.isprintable():
        return path
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in path)


def route_label(scope: Scope) -> str:
    """The matched route's full path template (/api/districts/{id}), never the raw path."""
    route = scope.get("route")
    if route is None:
        return "unmatched"
    if id(route) not in _route_paths and "app" in scope:
        # Included routers keep their own short paths; the contexts know the full ones.
        for context in iter_route_contexts(scope["app"].routes):
            if context.path_format:
                _route_paths[id(context.original_route)] = context.path_format
    return _route_paths.get(id(route), getattr(route, "path", "unmatched"))


class RequestContext:
    """Gives each request an id (kept from X-Request-ID when sane), times it and logs it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope.get("headers", [])).get(b"x-request-id", b"").decode("latin-1")
        request_id = given if _VALID_REQUEST_ID.match(given) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", []).append((b"x-request-id", request_id.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            label = route_label(scope)
            REQUEST_SECONDS.labels(scope["method"], label, str(status)).observe(elapsed)
            if status in _OUTBOX_STATUSES and label in _OUTBOX_ROUTES:
                CLIENT_ERRORS.labels(str(status)).inc()
            if access_log.isEnabledFor(logging.INFO):
                path = loggable_path(scope["path"])
                access_log.info(
                    "%s %s %s %.1fms",
                    scope["method"],
                    path,
                    status,
                    elapsed * 1000,
                    extra={
                        "fields": {
                            "method": scope["method"],
                            "path": path,
                            "route": label,
                            "status": status,
                            "ms": round(elapsed * 1000, 2),
                        }
                    },
                )
            request_id_var.reset(token)


metrics_router = APIRouter(include_in_schema=False)


@metrics_router.get("/metrics")
def metrics(request: Request) -> Response:
    # Scraped on each API process directly (docs/DEPLOY.md), never through the proxy: a request
    # nginx passed on carries its X-Forwarded-For and is answered as if there were no such page.
    if "x-forwarded-for" in request.headers:
        raise NotFound("not_found", "Not Found")
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
