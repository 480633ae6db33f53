"""Staff export the plan as a workbook and import an edited one: preview, then confirm.

The upload is the .xlsx itself as the request body (no multipart). A confirm names the preview's
digest: it applies exactly the changes staff saw, or nothing (409 when the plan moved meanwhile).
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel

from api.accounts import service as accounts
from api.accounts.access import CurrentStaff, SessionDep
from api.core.errors import Conflict, error_response
from api.core.stockholm import stockholm_today
from api.live import events
from api.plan import workbook

router = APIRouter(tags=["plan"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Declared as octet-stream: the body is the .xlsx file's bytes, whatever type the client names.
_UPLOAD = {
    "requestBody": {
        "required": True,
        "description": "The .xlsx workbook itself",
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    }
}


async def _upload(request: Request) -> bytes:
    # The body size is already capped by the middleware (1 MiB).
    return await request.body()


Upload = Annotated[bytes, Depends(_upload)]


class ChangePublic(SQLModel):
    kind: str
    key: str
    before: str | None
    after: str
    description: str


class PreviewPublic(SQLModel):
    digest: str
    changes: list[ChangePublic]
    counts: dict[str, int]


class AppliedPublic(PreviewPublic):
    applied: int


def _refused(exc: workbook.WorkbookRefused) -> Response:
    problems = [
        {"sheet": p.sheet, "row": p.row, "column": p.column, "message": p.message}
        for p in exc.problems
    ]
    return error_response(422, "workbook_refused", problems)


def _preview_public(preview: workbook.Preview) -> dict[str, Any]:
    return {
        "digest": preview.digest,
        "changes": [ChangePublic(**c.__dict__) for c in preview.changes],
        "counts": preview.counts(),
    }


@router.get(
    "/plan/workbook",
    response_class=Response,
    responses={200: {"content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}}},
)
def export_workbook(session: SessionDep, _: CurrentStaff) -> Response:
    """The plan (AKs, goals, districts, topics) as an .xlsx to edit."""
    body = workbook.export_plan(session=session)
    name = f"knacka-plan-{stockholm_today().isoformat()}.xlsx"
    return Response(
        body, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.post(
    "/plan/workbook/preview",
    openapi_extra=_UPLOAD,
    response_model=PreviewPublic,
    responses={
        422: {"description": "The workbook is refused: every problem by sheet, row, column"}
    },
)
def preview_workbook(session: SessionDep, _: CurrentStaff, raw: Upload) -> Any:
    """Checks the whole file and lists every change it would make; writes nothing."""
    try:
        preview = workbook.preview(session=session, plan=workbook.read_workbook(raw))
    except workbook.WorkbookRefused as exc:
        return _refused(exc)
    return PreviewPublic.model_validate(_preview_public(preview))


@router.post(
    "/plan/workbook/apply",
    openapi_extra=_UPLOAD,
    response_model=AppliedPublic,
    responses={
        422: {"description": "The workbook is refused: every problem by sheet, row, column"}
    },
)
def apply_workbook(
    request: Request,
    session: SessionDep,
    principal: CurrentStaff,
    raw: Upload,
    digest: Annotated[
        str, Query(max_length=32, pattern=r"^[0-9a-f]{32}$", description="The preview's digest")
    ],
) -> Any:
    """Applies the previewed changes in one transaction, audited; nothing if the plan moved."""
    try:
        plan = workbook.read_workbook(raw)
        preview = workbook.preview(session=session, plan=plan)
    except workbook.WorkbookRefused as exc:
        return _refused(exc)
    if preview.digest != digest:
        raise Conflict(
            "plan_changed",
            "Planen har ändrats sedan förhandsvisningen. Läs in filen igen och granska "
            "ändringarna.",
        )
    try:
        years = workbook.apply(session=session, plan=plan, preview=preview)
        accounts.audit(
            session=session,
            actor_id=principal.id,
            action="plan.import",
            detail=workbook.summary(preview),
        )
        events.commit_and_announce(request.app.state, session, years or [stockholm_today().year])
    except IntegrityError:
        # Another import of the same AK or goal committed first: nothing of this one is kept.
        session.rollback()
        raise Conflict(
            "plan_changed",
            "Planen ändrades samtidigt av någon annan. Läs in filen igen och granska ändringarna.",
        ) from None
    return AppliedPublic.model_validate(
        _preview_public(preview) | {"applied": len(preview.changes)}
    )
