"""One APIRouter per resource, gathered under /api."""

from fastapi import APIRouter

from api.routes import (
    aks,
    assignments,
    auth,
    districts,
    goals,
    health,
    sync,
    tallies,
    topics,
    totals,
)

api_router = APIRouter(prefix="/api")
for module in (health, auth, aks, districts, goals):
    api_router.include_router(module.router)
for module in (sync, assignments, tallies, topics, totals):
    api_router.include_router(module.router)
