"""App factory: settings, engine, error handler, security headers, /api, the PWA."""

import asyncio
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from api.accounts import service as accounts
from api.core.config import Settings, get_settings
from api.core.db import WalCheckpointer, make_engine, utcnow
from api.core.errors import install_error_handlers
from api.core.security import PasswordLane
from api.door_logs.group_commit import GroupCommitter
from api.live.broker import Live
from api.ops.retention import run_if_due
from api.push.reminders import PushWorker
from api.routes import api_router
from api.routes.sync_fast_path import SyncFastPath
from api.web.admin_pages import mount_admin
from api.web.admission import Admission, StreamCaps, admission_limit
from api.web.middleware import BodySizeLimit, SecurityHeaders, UnexpectedErrors
from api.web.observability import RequestContext, metrics_router
from api.web.static import mount_pwa

logger = logging.getLogger("knacka.gallring")
push_logger = logging.getLogger("knacka.push")


class CountsChanged:
    """The live hook: api.live.events calls it after every commit that changed counts of a year."""

    def __init__(self, live: Live, engine: Engine) -> None:
        self.live = live
        self.engine = engine

    def __call__(self, year: int) -> None:
        self.live.changed(self.engine, f"totals:{year}")

    def within_transaction(self, session: Session, years: list[int]) -> bool:
        return self.live.changed_within(session, [f"totals:{year}" for year in years])


async def _gallring_loop(engine: Engine, settings: Settings) -> None:
    """Gallring by itself: try at start and then every interval (at most hourly); run_if_due
    lets one process of many do it once per interval (docs/PRIVACY.md)."""
    pause = min(settings.retention_interval_seconds, 3600.0)
    while True:
        try:
            await run_in_threadpool(run_if_due, engine=engine, settings=settings, now=utcnow())
        except Exception:  # a failed run (database away) is retried at the next tick
            logger.exception("gallring failed")
        await asyncio.sleep(pause)


async def _push_loop(worker: PushWorker, pause: float) -> None:
    """Web Push reminders and notices: a pass every few seconds in every process; claims in
    the database keep any two from sending the same one (api/push/reminders.py)."""
    while True:
        try:
            await run_in_threadpool(worker.run_pass)
        except Exception:  # database or push service away: the next tick tries again
            push_logger.exception("push pass failed")
        await asyncio.sleep(pause)


def _revoke_password_only_sessions(engine: Engine) -> None:
    with Session(engine) as session:
        revoked = accounts.revoke_password_only_sessions(session=session, now=utcnow())
        if revoked:
            accounts.audit(
                session=session,
                actor_id=None,
                action="sessions.revoke.totp_required",
                detail=f"{revoked} password-only sessions",
            )
        session.commit()


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    engine = make_engine(settings.effective_database_url, checkpoint_in_background=True)
    checkpointer = WalCheckpointer(engine)  # SQLite only; PostgreSQL checkpoints itself
    live = Live(settings.effective_database_url, settings.live_interval_seconds)
    group_committer = GroupCommitter(engine)
    push_worker = PushWorker(engine, settings)
    password_lane = PasswordLane(
        workers=settings.password_hash_workers, max_in_flight=settings.login_max_in_flight
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if engine.dialect.name == "sqlite":
            checkpointer.start()
        await live.start()
        group_committer.start()
        # What start-up made (modules, the app, the ORM's metadata) lives as long as the
        # process: a full collection walking it all stopped every request for 180-280 ms.
        gc.collect()
        gc.freeze()
        if settings.require_totp:
            await run_in_threadpool(_revoke_password_only_sessions, engine)
        gallring = None
        if settings.retention_interval_seconds > 0:
            gallring = asyncio.create_task(_gallring_loop(engine, settings))
        pushing = None
        if settings.push_interval_seconds > 0:
            pushing = asyncio.create_task(_push_loop(push_worker, settings.push_interval_seconds))
        yield
        if gallring is not None:
            gallring.cancel()
        if pushing is not None:
            pushing.cancel()
        push_worker.close()
        await run_in_threadpool(group_committer.stop)  # after the last request: queued jobs commit
        await live.stop()
        checkpointer.stop()
        password_lane.shutdown()
        engine.dispose()

    app = FastAPI(
        title="Knacka",
        version="0.1.0",
        description="Door-knocking logs and live totals against the plan's goals.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.live = live
    app.state.group_committer = group_committer
    app.state.password_lane = password_lane
    app.state.push_worker = push_worker
    app.state.stream_caps = StreamCaps(
        per_session=settings.live_streams_per_session,
        per_address=settings.live_streams_per_address,
    )
    app.state.on_counts_changed = CountsChanged(live, engine)
    install_error_handlers(app)
    app.include_router(api_router)
    app.include_router(metrics_router)
    mount_admin(app, settings.pwa_dir)
    mount_pwa(app, settings.pwa_dir)
    app.add_middleware(SyncFastPath)  # innermost: behind every middleware of ours
    app.add_middleware(BodySizeLimit)
    app.add_middleware(UnexpectedErrors)
    app.add_middleware(Admission, limit=admission_limit(engine))
    app.add_middleware(
        SecurityHeaders,
        hsts=settings.public_url.startswith("https://"),
        extra_img_src=settings.map_tile_origin,
    )
    app.add_middleware(RequestContext)
    return app
