"""/admin: the organisers' and staff's pages (pwa/admin.html and pwa/admin/*), not the phone app."""

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse


def mount_admin(app: FastAPI, pwa_dir: Path) -> None:
    """Registered before the PWA's catch-all, which would answer /admin with the phone app."""
    router = APIRouter(include_in_schema=False)
    page = pwa_dir.resolve() / "admin.html"

    @router.get("/admin")
    def admin_page() -> FileResponse:
        return FileResponse(page, headers={"Cache-Control": "no-cache"})

    app.include_router(router)
