from typing import Any

from fastapi import Request
from fastapi.routing import iter_route_contexts
from fastapi.security.utils import get_authorization_scheme_param
from starlette.types import ASGIApp, Receive, Scope, Send

from api.accounts.access import request_token
from api.routes.sync import answer_sync


class SyncFastPath:
    """ASGI: `POST /api/sync` straight to `answer_sync`, past FastAPI's router.

    Under 200 phones, FastAPI's exception and exit-stack middleware, its route matching through
    the included routers and its dependency solving were a fifth of the server's CPU, more than
    the sync itself (docs/BENCHMARKS.md). Installed innermost, so every middleware of ours
    (request id, metrics, security headers, admission, size limit) still applies; errors are
    rendered by the app's own exception handlers, and the route stays in the OpenAPI.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._route: Any = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != SYNC_PATH or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        app = scope["app"]
        scope["route"] = self._route or self._find_route(app)  # for the metrics' route label
        request = Request(scope, receive)
        try:
            response = await answer_sync(request, request_token(request, bearer_token(request)))
        except Exception as exc:
            handler = _handler_for(app, exc)
            if handler is None:
                raise  # UnexpectedErrors answers 500 and logs it
            response = await handler(request, exc)
        await response(scope, receive, send)

    def _find_route(self, app: Any) -> Any:
        for context in iter_route_contexts(app.routes):
            route = context.original_route
            if context.path_format == SYNC_PATH and "POST" in getattr(route, "methods", ()):
                self._route = route
                return route
        raise LookupError(f"no route for POST {SYNC_PATH}")


SYNC_PATH = "/api/sync"


def bearer_token(request: Request) -> str | None:
    """The token of `Authorization: Bearer …`, read as HTTPBearer(auto_error=False) reads it."""
    scheme, token = get_authorization_scheme_param(request.headers.get("authorization"))
    return token if scheme.lower() == "bearer" and token else None


def _handler_for(app: Any, exc: Exception) -> Any:
    """The app's handler for the exception's class, except the catch-all for Exception."""
    for cls in type(exc).__mro__:
        if cls is Exception:
            return None
        handler = app.exception_handlers.get(cls)
        if handler is not None:
            return handler
    return None
