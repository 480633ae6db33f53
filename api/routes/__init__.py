"""One APIRouter per resource, gathered under /api."""

from fastapi import APIRouter

from api.routes import aks, audit, auth, districts, goals, health, invites, users

api_router = APIRouter(prefix="/api")
for module in (health, auth, aks, districts, goals, invites, users, audit):
    api_router.include_router(module.router)
