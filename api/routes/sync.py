import json
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import Field, ValidationError
from sqlmodel import Session, SQLModel

from api.accounts import service as accounts
from api.accounts.access import (
    BearerCredentials,
    CurrentManager,
    CurrentUser,
    ManagedUser,
    Principal,
    SessionDep,
    SettingsDep,
    principal_for_token,
    request_token,
    require_organiser,
)
from api.core.db import utcnow
from api.core.errors import KnackaError
from api.core.stockholm import stockholm_today
from api.core.types import AkSlug
from api.door_logs import ingest as door_logs
from api.door_logs.group_commit import Job
from api.door_logs.ingest import Caller
from api.live import events
from api.models.door_logs import BulkVoidIn, BulkVoidPublic, SkewedLogPublic, VoidPublic
from api.plan.catalogue import get_ak_by_slug, list_districts
from api.totals.queries import me_today
from api.web.observability import SYNC_ITEMS

router = APIRouter(tags=["sync"])


class SyncIn(SQLModel):
    """Items are checked one by one, so a bad item is refused alone with its own code."""

    model_config = {"extra": "forbid"}
    logs: list[Any] = Field(
        description="Door logs: {id, district_id, occurred_at, outcome, topics, new_member, "
        "left_material, shift_id?}; at most 500 (more is refused whole with 413)"
    )


class SyncResult(SQLModel):
    id: str | None
    status: str
    code: str | None = None
    warning: str | None = None


class SyncOut(SQLModel):
    results: list[SyncResult]


class TodayPublic(SQLModel):
    doors: int
    conversations: int
    new_members: int


def caller_of(principal: Principal) -> Caller:
    return Caller(user_id=principal.id, role=principal.role, aks=principal.aks)


# The phones' hot route, written without a dependency tree: FastAPI's dependency solving was
# over half the CPU of a one-log sync (docs/BENCHMARKS.md). Its work goes to the process's
# group committer (api/door_logs/group_commit.py), which commits every waiting sync in one
# transaction.
# It checks exactly what CurrentUser and a `SyncIn` body parameter would (401, TOTP, 422 with
# the body's location) and shows the same OpenAPI.
@router.post(
    "/sync",
    response_model=SyncOut,
    response_model_exclude_none=True,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": SyncIn.model_json_schema()}},
        }
    },
)
async def sync(request: Request, credentials: BearerCredentials) -> Response:
    return await answer_sync(
        request, request_token(request, credentials.credentials if credentials else None)
    )


async def answer_sync(request: Request, token: str | None) -> Response:
    body = await request.body()
    state = request.app.state
    job = sync_job(state, token, body)
    outcome: door_logs.IngestResult = await state.group_committer.run(job)
    for status, count in Counter(r["status"] for r in outcome.results).items():
        SYNC_ITEMS.labels(status).inc(count)
    # The results are plain dicts of strings, serialised once here: validating them again
    # through a response model costs more than the rest of the answer.
    content = json.dumps({"results": outcome.results}, ensure_ascii=False, separators=(",", ":"))
    return Response(content.encode(), media_type="application/json")


@dataclass(frozen=True, slots=True)
class CheckedSync:
    state: Any
    caller: Caller
    batch: door_logs.ParsedBatch


def sync_job(
    state: Any, token: str | None, body: bytes
) -> Job[CheckedSync, door_logs.IngestResult]:
    """One sync for the group committer. The body is parsed here, before the writer takes it;
    its errors (413, 422) are raised after the session's (401, 403), in the writer's check."""
    refusal: Exception | None = None
    batch = door_logs.ParsedBatch([], [])
    try:
        batch = door_logs.parse_batch(SyncIn.model_validate_json(body).logs, utcnow())
    except ValidationError as exc:
        refusal = RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in exc.errors()])
    except KnackaError as exc:
        refusal = exc

    def check(session: Session) -> CheckedSync:
        principal = principal_for_token(session, state.settings, token)
        if refusal is not None:
            raise refusal
        return CheckedSync(state, caller_of(principal), batch)

    def after(outcome: door_logs.IngestResult) -> None:
        if outcome.years:
            events.counts_changed(state, outcome.years, announced=outcome.announced)

    return Job(check=check, write=write_syncs, after=after, items=max(1, len(batch.rows)))


def write_syncs(session: Session, syncs: list[CheckedSync]) -> list[door_logs.IngestResult]:
    """Every sync of a group in one ingest, announced once inside the group's transaction."""
    outcomes = door_logs.ingest_batches(
        session=session, batches=[(sync.caller, sync.batch) for sync in syncs]
    )
    years = set().union(*(outcome.years for outcome in outcomes))
    announced = events.announce_in_transaction(syncs[0].state, session, years)
    for outcome in outcomes:
        outcome.announced = announced
    return outcomes


@router.post("/logs/{log_id}/void")
def void_log(
    log_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: CurrentUser,
) -> VoidPublic:
    voided = door_logs.void_log(
        session=session,
        caller=caller_of(principal),
        log_id=log_id,
        now=utcnow(),
        window=timedelta(minutes=settings.void_window_minutes),
    )
    if voided.changed:
        accounts.audit(
            session=session, actor_id=principal.id, action="log.void", detail=str(log_id)
        )
    events.commit_and_announce(request.app.state, session, [voided.year] if voided.changed else [])
    return VoidPublic(id=voided.id, voided_at=voided.voided_at)


@router.post("/users/{user_id}/logs/void")  # noqa: FAST003 (the id is read by ManagedUser)
def void_logs_of_volunteer(
    body: BulkVoidIn,
    target: ManagedUser,
    request: Request,
    session: SessionDep,
    principal: CurrentManager,
) -> BulkVoidPublic:
    """An organiser voids a volunteer's logs in a time range of the last 30 days (a phone
    that sent nonsense, a prank): tombstones, audited, announced live."""
    assert target.user.id is not None
    done = door_logs.void_logs_of_volunteer(
        session=session,
        caller=caller_of(principal),
        user_id=target.user.id,
        starts_at=body.starts_at,
        ends_at=body.ends_at,
        now=utcnow(),
    )
    accounts.audit(
        session=session,
        actor_id=principal.id,
        action="logs.void",
        target_user_id=target.user.id,
        detail=f"{done.voided} logs {body.starts_at.isoformat()}..{body.ends_at.isoformat()}",
    )
    events.commit_and_announce(request.app.state, session, done.years)
    return BulkVoidPublic(voided=done.voided)


@router.get("/logs/skewed")
def list_skewed_logs(
    session: SessionDep,
    principal: CurrentUser,
    ak: AkSlug,
) -> list[SkewedLogPublic]:
    """Logs whose phone clock ran more than 24 h ahead: counted by when the server got them."""
    the_ak = get_ak_by_slug(session=session, slug=ak)
    require_organiser(principal, the_ak.slug)
    ids = [d.id for d in list_districts(session=session, ak=the_ak, include_retired=True)]
    rows = door_logs.list_skewed(session=session, district_ids=[i for i in ids if i is not None])
    # Who logged when is people's data: the read is audited.
    accounts.audit(
        session=session,
        actor_id=principal.id,
        action="logs.skewed",
        ak=the_ak.slug,
        detail=f"{len(rows)} logs",
    )
    session.commit()
    return [SkewedLogPublic.model_validate(r) for r in rows]


@router.get("/me/today")
def my_today(session: SessionDep, principal: CurrentUser) -> TodayPublic:
    figures = me_today(session=session, user_id=principal.id, today=stockholm_today())
    return TodayPublic.model_validate(figures)
