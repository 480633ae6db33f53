"""One APIRouter per resource, gathered under /api."""

from fastapi import APIRouter

from api.routes import aks, audit, auth, district_maps, districts, goals, health, invites, users

api_router = APIRouter(prefix="/api")
# district_maps before districts: /districts/geometry must win over any /districts/{id}.
for module in (health, auth, aks, district_maps, districts, goals, invites, users, audit):
    api_router.include_router(module.router)
