"""The PWA as the server delivers it: /sw.js carries a content hash and the precache list,
shell files go out gzip-compressed with ETags, app routes open the shell, the manifest
and icons are complete, and the first load stays within its budget."""

import gzip
import json
import posixpath
import re
import shutil
import struct
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.core.config import REPO_ROOT
from api.main import create_app
from api.web.static import shell
from tests.conftest import make_settings

PWA = REPO_ROOT / "pwa"
FIRST_LOAD_BUDGET = 60 * 1024
SHELL_BUDGET = 100 * 1024


@pytest.fixture
def pwa_copy(tmp_path: Path) -> Path:
    target = tmp_path / "pwa"
    shutil.copytree(PWA, target)
    return target


@pytest.fixture
def pwa_client(database_url: str, pwa_copy: Path) -> Iterator[TestClient]:
    with TestClient(create_app(make_settings(database_url, pwa_dir=pwa_copy))) as client:
        yield client


def precache_entries(sw_source: str) -> list[dict[str, str]]:
    match = re.search(r"const PRECACHE = (\[.*\]);", sw_source)
    assert match, "the precache list was not written into /sw.js"
    return list(json.loads(match.group(1)))


def precache_of(sw_source: str) -> list[str]:
    return [entry["url"] for entry in precache_entries(sw_source)]


def version_of(sw_source: str) -> str:
    match = re.search(r'const VERSION = "([0-9a-f]{16})";', sw_source)
    assert match, "the version was not written into /sw.js"
    return match.group(1)


def test_sw_carries_the_content_hash_and_every_shell_file(pwa_client: TestClient, pwa_copy):
    response = pwa_client.get("/sw.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert "no-cache" in response.headers["cache-control"]
    assert version_of(response.text) == shell(pwa_copy).version
    files = {"/" + p.relative_to(pwa_copy).as_posix() for p in pwa_copy.rglob("*") if p.is_file()}
    staff = {f for f in files if f.startswith("/admin")}
    assert set(precache_of(response.text)) == files - {"/sw.js"} - staff
    for needed in ("/index.html", "/app.js", "/js/outbox.js", "/css/app.css"):
        assert needed in precache_of(response.text)
    assert "__SW_" not in response.text
    # Each entry names the ETag the server gives that file, so the worker can verify it.
    for entry in precache_entries(response.text):
        served = pwa_client.get(entry["url"])
        assert served.headers["etag"] == entry["etag"]


def test_staff_pages_change_the_version_but_are_not_kept_on_every_phone(
    pwa_client: TestClient, pwa_copy: Path
):
    before = version_of(pwa_client.get("/sw.js").text)
    (pwa_copy / "admin.html").write_text("<!doctype html><title>Admin</title>", encoding="utf-8")
    after = pwa_client.get("/sw.js").text
    assert version_of(after) != before
    assert "/admin.html" not in precache_of(after)


def test_a_deploy_changes_the_version_and_the_list_without_a_restart(
    pwa_client: TestClient, pwa_copy: Path
):
    before = pwa_client.get("/sw.js").text
    (pwa_copy / "js" / "extra.js").write_text("export const x = 1;\n", encoding="utf-8")
    after = pwa_client.get("/sw.js").text
    assert version_of(after) != version_of(before)
    assert "/js/extra.js" in precache_of(after)
    css = pwa_copy / "css" / "app.css"
    css.write_text(css.read_text(encoding="utf-8") + "/* 2 */", encoding="utf-8")
    assert version_of(pwa_client.get("/sw.js").text) != version_of(after)


def test_shell_files_are_gzipped_with_an_etag(pwa_client: TestClient):
    response = pwa_client.get("/js/outbox.js", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["vary"] == "Accept-Encoding"
    assert "export const outbox" in response.text  # the client unpacked it
    etag = response.headers["etag"]
    again = pwa_client.get("/js/outbox.js", headers={"If-None-Match": etag})
    assert again.status_code == 304
    plain = pwa_client.get("/js/outbox.js", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert plain.text == response.text


def test_app_routes_open_the_shell_and_unknown_files_do_not(pwa_client: TestClient):
    for path in ("/", "/join/ABC123", "/d/42"):
        response = pwa_client.get(path)
        assert response.status_code == 200
        assert '<script type="module" src="/app.js">' in response.text
    assert pwa_client.get("/js/missing.js").status_code == 404
    assert pwa_client.get("/api/nothing-here").status_code == 404


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_manifest_is_installable():
    manifest = json.loads((PWA / "manifest.webmanifest").read_text(encoding="utf-8"))
    assert manifest["name"] and manifest["short_name"] == "Knacka"
    assert manifest["display"] == "standalone"
    assert manifest["lang"] == "sv"
    assert manifest["start_url"] == "/"
    assert re.fullmatch(r"#[0-9a-f]{6}", manifest["theme_color"])
    icons = {(i["sizes"], i.get("purpose", "any")): i["src"] for i in manifest["icons"]}
    assert set(icons) == {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")}
    for (sizes, _), src in icons.items():
        width, height = png_size(PWA / src.lstrip("/"))
        assert f"{width}x{height}" == sizes


def _wire(name: str) -> int:
    body = (PWA / name.lstrip("/")).read_bytes()
    return len(body) if name.endswith(".png") else len(gzip.compress(body, 9))


STATIC_IMPORT = re.compile(
    r'^\s*(?:import|export)\b[^;(]*?from\s*"([^"]+)"|^\s*import\s*"([^"]+)"', re.M
)


def first_load_files() -> set[str]:
    """What the browser fetches before the first screen is usable: the page, its manifest,
    icon and style sheet, and app.js with everything it imports statically. Modules loaded
    with import() come later, from the network or the service worker's cache."""
    files = {"/index.html", "/manifest.webmanifest", "/icons/icon-192.png", "/css/app.css"}
    todo = ["/app.js"]
    while todo:
        name = todo.pop()
        if name in files:
            continue
        files.add(name)
        source = (PWA / name.lstrip("/")).read_text(encoding="utf-8")
        base = name.rsplit("/", 1)[0] + "/"
        for match in STATIC_IMPORT.finditer(source):
            target = match.group(1) or match.group(2)
            todo.append(posixpath.normpath(base + target))
    return files


def test_first_load_fits_the_budget():
    """The first load (gzip-compressed as served) stays under 60 KB on the wire."""
    files = first_load_files()
    assert "/js/outbox.js" in files and "/js/push.js" not in files  # the walk follows imports
    total = sum(_wire(name) for name in files)
    assert total <= FIRST_LOAD_BUDGET, f"{total} bytes: {sorted(files)}"


def test_the_offline_shell_fits_its_budget():
    """Everything the service worker keeps for offline use, fetched in the background after the
    first screen, stays under 100 KB on the wire."""
    files = [entry["url"] for entry in shell(PWA).precache] + ["/sw.js"]
    total = sum(_wire(name) for name in files)
    assert total <= SHELL_BUDGET, f"{total} bytes"


def test_the_browsers_favicon_request_gets_the_app_icon(pwa_client: TestClient):
    response = pwa_client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert response.content.startswith(b"\x89PNG")
