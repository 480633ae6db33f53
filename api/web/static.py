"""Serves the PWA from pwa/: the shell files (gzip when asked), and /sw.js stamped with a
content hash and the precache list, so no version or file list is kept by hand."""

import gzip
import hashlib
import json
import mimetypes
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response

from api.core.errors import not_found

VERSION_PLACEHOLDER = "__SW_VERSION__"

PRECACHE_PLACEHOLDER = '"__SW_PRECACHE__"'

SERVICE_WORKER = "sw.js"

# Staff pages are part of the version hash but not of what every volunteer's phone keeps
# offline: it keeps the volunteer's first visit light on a mobile data plan.
STAFF_PAGES = "admin"

mimetypes.add_type("application/manifest+json", ".webmanifest")

mimetypes.add_type("text/javascript", ".js")

# Formats that are already compressed gain nothing from gzip.
COMPRESSIBLE = ("text/", "application/javascript", "application/json", "application/manifest")

NO_CACHE = "no-cache"

Signature = tuple[tuple[str, int, int], ...]


@dataclass(frozen=True)
class ShellFile:
    body: bytes
    gzipped: bytes | None
    etag: str
    media_type: str


@dataclass(frozen=True)
class Shell:
    version: str
    # What a phone keeps offline: each file's URL and the ETag of this version of it.
    precache: list[dict[str, str]]


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:20] + '"'


def _shell_paths(root: Path) -> list[Path]:
    """Every file the app is made of; hidden files are not part of it."""
    return sorted(
        p
        for p in root.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)
    )


def _signature(root: Path) -> Signature:
    out = []
    for path in _shell_paths(root):
        stat = path.stat()
        out.append((path.relative_to(root).as_posix(), stat.st_mtime_ns, stat.st_size))
    return tuple(out)


@lru_cache(maxsize=8)
def _shell(root: Path, signature: Signature) -> Shell:
    digest = hashlib.sha256()
    precache = []
    for rel, _, _ in signature:
        body = (root / rel).read_bytes()
        digest.update(rel.encode())
        digest.update(body)
        if rel != SERVICE_WORKER and not rel.startswith(STAFF_PAGES):
            precache.append({"url": "/" + rel, "etag": etag_of(body)})
    return Shell(version=digest.hexdigest()[:16], precache=precache)


def shell(pwa_dir: Path) -> Shell:
    """The app's version (a hash over every file) and the files a phone keeps offline.

    Keyed by the files' names, sizes and times, so a deploy shows up without a restart.
    """
    root = pwa_dir.resolve()
    return _shell(root, _signature(root))


@lru_cache(maxsize=256)
def _load(path: Path, mtime_ns: int, size: int) -> ShellFile:
    body = path.read_bytes()
    media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    compress = media_type.startswith(COMPRESSIBLE) or media_type.endswith("+xml")
    gzipped = gzip.compress(body, compresslevel=9, mtime=0) if compress else None
    return ShellFile(body=body, gzipped=gzipped, etag=etag_of(body), media_type=media_type)


def _file_response(request: Request, path: Path) -> Response:
    stat = path.stat()
    file = _load(path, stat.st_mtime_ns, stat.st_size)
    headers = {"Cache-Control": NO_CACHE, "ETag": file.etag, "Vary": "Accept-Encoding"}
    if request.headers.get("if-none-match") == file.etag:
        return Response(status_code=304, headers=headers)
    accepts_gzip = "gzip" in request.headers.get("accept-encoding", "")
    if file.gzipped is not None and accepts_gzip and len(file.gzipped) < len(file.body):
        headers["Content-Encoding"] = "gzip"
        return Response(file.gzipped, media_type=file.media_type, headers=headers)
    return Response(file.body, media_type=file.media_type, headers=headers)


def render_service_worker(pwa_dir: Path) -> str:
    root = pwa_dir.resolve()
    current = shell(root)
    source = (root / SERVICE_WORKER).read_text(encoding="utf-8")
    return source.replace(VERSION_PLACEHOLDER, current.version).replace(
        PRECACHE_PLACEHOLDER, json.dumps(current.precache)
    )


def mount_pwa(app: FastAPI, pwa_dir: Path) -> None:
    router = APIRouter(include_in_schema=False)
    root = pwa_dir.resolve()

    @router.get("/sw.js")
    def service_worker() -> Response:
        return Response(
            render_service_worker(root),
            media_type="text/javascript",
            headers={"Cache-Control": "no-cache, no-store", "Service-Worker-Allowed": "/"},
        )

    @router.get("/favicon.ico")
    def favicon(request: Request) -> Response:
        # Browsers ask for it unprompted; PNG under this name is understood by all of them.
        return _file_response(request, root / "icons" / "icon-192.png")

    @router.get("/{path:path}")
    def shell_file(path: str, request: Request) -> Response:
        if path.startswith("api/"):
            raise not_found("not_found", "No such API route")
        target = (root / path).resolve() if path else root / "index.html"
        if not target.is_relative_to(root):
            raise not_found("not_found", "Not found")
        if target.is_file() and not any(p.startswith(".") for p in Path(path).parts):
            return _file_response(request, target)
        if "." in Path(path).name:
            raise not_found("not_found", "Not found")
        # App routes such as /join/CODE open the shell; the app reads the path itself.
        return _file_response(request, root / "index.html")

    app.include_router(router)
