"""GET /api/totals/stream: the totals as server-sent events, live across API processes."""

import time
from collections.abc import AsyncIterator
from functools import partial
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.types import Receive, Scope, Send

from api.accounts.access import ClientIp, SettingsDep, StreamingUser
from api.core.types import Year
from api.live.broker import Broker
from api.routes.totals import TotalsPublic
from api.totals import queries as totals
from api.web.admission import StreamCaps, StreamTicket
from api.web.observability import LIVE_STREAMS

router = APIRouter(tags=["totals"])
RETRY_MS = 3000
# One event of the stream: `totals`, its data the JSON body of GET /api/totals.
TOTALS_EVENT = {
    "type": "object",
    "properties": {
        "event": {"type": "string", "enum": ["totals"]},
        "data": {
            "type": "string",
            "contentMediaType": "application/json",
            "contentSchema": {"$ref": "#/components/schemas/TotalsPublic"},
        },
    },
    "required": ["event", "data"],
}


def _event(name: str, body: str) -> bytes:
    return f"event: {name}\ndata: {body}\n\n".encode()


def _read_totals(engine: Engine, year: int) -> str:
    with Session(engine) as session:
        figures = totals.totals(session=session, year=year)
    return TotalsPublic.model_validate(figures).model_dump_json()


@router.get(
    "/totals/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {"schema": TOTALS_EVENT}}}},
)
async def totals_stream(
    request: Request,
    settings: SettingsDep,
    principal: StreamingUser,
    ip: ClientIp,
    year: Year,
) -> StreamingResponse:
    """An event `totals` (the body of GET /api/totals) on connect and after every change.

    A change that leaves the totals as they were (a district renamed or retired) gives an
    event `changed` with an empty body, so dashboards re-read their other views.
    """
    broker: Broker = request.app.state.live.broker
    caps: StreamCaps = request.app.state.stream_caps
    ticket = caps.open(principal.facts.session_id, ip)  # 429 beyond the caps, before any work
    # One snapshot per interval for every stream of this year, taken off the event loop.
    read = partial(_read_totals, request.app.state.engine, year)
    follower = broker.follow(("totals", year), read)
    try:
        first = await follower.first()  # a database error answers here, before streaming starts
    except BaseException:
        follower.close()
        ticket.close()
        raise

    async def events() -> AsyncIterator[bytes]:
        LIVE_STREAMS.inc()
        last = first
        deadline = time.monotonic() + settings.stream_max_seconds
        try:
            yield f"retry: {RETRY_MS}\n\n".encode()
            yield _event("totals", first)
            while (left := deadline - time.monotonic()) > 0:
                # The latest snapshot, at most one per interval: never a backlog of changes.
                body = await follower.next(min(settings.stream_keepalive_seconds, left))
                if body is None:
                    yield b": keep-alive\n\n"
                elif body != last:
                    last = body
                    yield _event("totals", body)
                else:
                    # Districts or goals of another year changed: dashboards re-read their views.
                    yield _event("changed", "{}")
        finally:
            follower.close()
            LIVE_STREAMS.dec()

    return _ClosingStream(
        ticket,
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


class _ClosingStream(StreamingResponse):
    """Gives the stream's place back however the answer ends, also when the client left
    before the first byte (then the events generator never starts, so its finally never runs)."""

    def __init__(self, ticket: StreamTicket, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ticket = ticket

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self.ticket.close()
