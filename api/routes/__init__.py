"""One APIRouter per resource, gathered under /api."""

from fastapi import APIRouter

from api.core.errors import ERROR_RESPONSES
from api.routes import (
    aks,
    assignments,
    audit,
    auth,
    campaigns,
    dashboard,
    district_maps,
    district_successors,
    districts,
    exports,
    goals,
    health,
    invites,
    live,
    plan_admin,
    plan_workbook,
    privacy,
    push,
    quality,
    shifts,
    sync,
    tallies,
    topics,
    totals,
    users,
)

api_router = APIRouter(prefix="/api", responses=ERROR_RESPONSES)
# FastAPI matches routes in order, router by router (about a fifth of a small request's CPU):
# the phones' hot routes (sync, void) come first.
api_router.include_router(sync.router)
# district_maps before districts: /districts/geometry must win over any /districts/{id}.
for module in (
    health,
    auth,
    aks,
    district_maps,
    district_successors,
    districts,
    goals,
    invites,
    users,
    audit,
):
    api_router.include_router(module.router)
# live before totals: /totals/stream is a route of its own, not a totals view.
for module in (
    assignments,
    tallies,
    topics,
    campaigns,
    live,
    dashboard,
    totals,
    plan_admin,
    plan_workbook,
    exports,
    shifts,
    push,
    privacy,
    quality,
):
    api_router.include_router(module.router)
