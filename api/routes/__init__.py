"""One APIRouter per resource, gathered under /api."""

from fastapi import APIRouter

from api.routes import aks, auth, districts, goals, health

api_router = APIRouter(prefix="/api")
for module in (health, auth, aks, districts, goals):
    api_router.include_router(module.router)
