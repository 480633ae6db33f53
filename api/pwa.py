"""Serves the PWA from pwa/: the shell, its files, and /sw.js stamped with a content hash."""

import hashlib
import mimetypes
from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse, Response

from api.errors import not_found

VERSION_PLACEHOLDER = "__SW_VERSION__"
mimetypes.add_type("application/manifest+json", ".webmanifest")
mimetypes.add_type("text/javascript", ".js")


@lru_cache(maxsize=4)
def content_version(pwa_dir: Path) -> str:
    """A hash over every shell file, so any change to the app gives a new service worker."""
    digest = hashlib.sha256()
    for path in sorted(p for p in pwa_dir.rglob("*") if p.is_file()):
        digest.update(path.relative_to(pwa_dir).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def mount_pwa(app: FastAPI, pwa_dir: Path) -> None:
    router = APIRouter(include_in_schema=False)
    root = pwa_dir.resolve()

    @router.get("/sw.js")
    def service_worker() -> Response:
        source = (root / "sw.js").read_text(encoding="utf-8")
        body = source.replace(VERSION_PLACEHOLDER, content_version(root))
        return Response(
            body,
            media_type="text/javascript",
            headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/"},
        )

    @router.get("/{path:path}")
    def shell_file(path: str) -> Response:
        if path.startswith("api/"):
            raise not_found("not_found", "No such API route")
        target = (root / path).resolve() if path else root / "index.html"
        if not target.is_relative_to(root):
            raise not_found("not_found", "Not found")
        if target.is_file():
            return FileResponse(target, headers={"Cache-Control": "no-cache"})
        if "." in Path(path).name:
            raise not_found("not_found", "Not found")
        # App routes such as /join/CODE open the shell; the app reads the path itself.
        return FileResponse(root / "index.html", headers={"Cache-Control": "no-cache"})

    app.include_router(router)
