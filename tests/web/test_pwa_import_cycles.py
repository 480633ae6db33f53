"""pwa/ stays a tree of modules: no import cycle, no dangling import, the twin helpers of the
two apps (h, ApiError, fmt, pct) live once in pwa/shared/, and every pwa/shared/ file's
header names the files that import it.

Every `import … from "…"`, `export … from "…"`, `import "…"`, dynamic `import("…")` and
`importScripts("…")` whose specifier is a path (./x.js, ../x.js, /x.js) is an edge. An
absolute path is a URL on the server, which serves pwa/ at its root."""

import re
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

import pytest

from api.core.config import REPO_ROOT

PWA = REPO_ROOT / "pwa"
# The phone's and the staff pages' own folders: neither may define these; pwa/shared/ does.
APP_FOLDERS = ("js", "admin")
SHARED = "shared"
SHARED_HELPERS = ("h", "ApiError", "fmt", "pct")

# Source code is first reduced to "code": comments blanked, every string literal replaced by a
# numbered token ("#0", '#1', `#2`), regex literals blanked. The patterns below then match
# only real statements, and the tokens give back the specifiers.
STATIC = re.compile(r"""\b(?:import|export)\s+(?:[\w$*{}\s,]*?\s*from\s*)?(["'])#(\d+)\1""")
DYNAMIC = re.compile(r"""\bimport\s*\(\s*(["'`])#(\d+)\1\s*\)""")
IMPORT_SCRIPTS = re.compile(r"""\bimportScripts\s*\(([^)]*)\)""")
TOKEN = re.compile(r"""(["'`])#(\d+)\1""")
# After one of these (or at the start), a "/" opens a regex literal, not a division.
BEFORE_REGEX = "(,=:[!&|?{};+-*%<>~^"


def reduce(source: str) -> tuple[str, list[str]]:
    """The code (see above) and the string literals' contents, in order."""
    out: list[str] = []
    literals: list[str] = []
    i, n = 0, len(source)
    last = ""  # the last significant character of code
    while i < n:
        c = source[i]
        two = source[i : i + 2]
        if two in ("//", "/*"):
            close = "\n" if two == "//" else "*/"
            end = source.find(close, i + 2)
            end = n if end < 0 else end + (0 if two == "//" else 2)
            out.append(re.sub(r"[^\n]", " ", source[i:end]))
            i = end
            continue
        if c in "\"'`" or (c == "/" and (last == "" or last in BEFORE_REGEX)):
            end = _literal_end(source, i)
            if c == "/":
                out.append(re.sub(r"[^\n]", " ", source[i:end]))
            else:
                out.append(f"{c}#{len(literals)}{c}")
                literals.append(source[i + 1 : end - 1])
            last = c
            i = end
            continue
        if not c.isspace():
            last = c
        out.append(c)
        i += 1
    return "".join(out), literals


def _literal_end(source: str, i: int) -> int:
    """The index just after the string, template or regex literal that starts at i."""
    quote = source[i]
    j = i + 1
    in_class = False
    while j < len(source):
        c = source[j]
        if c == "\\":
            j += 2
            continue
        if quote == "/":
            if c == "[":
                in_class = True
            elif c == "]":
                in_class = False
            elif c == "/" and not in_class:
                return j + 1
            elif c == "\n":
                return j  # not a regex after all (a division): leave the rest alone
        elif quote == "`" and source.startswith("${", j):
            depth = 1
            j += 2
            while j < len(source) and depth:
                if source[j] in "\"'`":
                    j = _literal_end(source, j)
                    continue
                depth += {"{": 1, "}": -1}.get(source[j], 0)
                j += 1
            continue
        elif c == quote:
            return j + 1
        j += 1
    return j


def specifiers(source: str) -> Iterator[str]:
    code, literals = reduce(source)
    for pattern in (STATIC, DYNAMIC):
        for match in pattern.finditer(code):
            yield literals[int(match.group(2))]
    for match in IMPORT_SCRIPTS.finditer(code):
        for token in TOKEN.finditer(match.group(1)):
            yield literals[int(token.group(2))]


def resolve(root: Path, importer: Path, specifier: str) -> Path | None:
    """The file a path specifier names, or None for a bare name or another origin."""
    spec = specifier.split("?")[0].split("#")[0]
    if spec.startswith("/") and not spec.startswith("//"):
        return root / spec.lstrip("/")
    if spec.startswith(("./", "../")):
        rel = importer.relative_to(root).parent
        parts: list[str] = []
        for part in PurePosixPath(rel.as_posix(), spec).parts:
            if part == "..":
                if not parts:
                    return root / ".." / spec  # leaves pwa/: reported as dangling
                parts.pop()
            elif part != ".":
                parts.append(part)
        return root.joinpath(*parts)
    return None


def import_graph(root: Path) -> tuple[dict[str, set[str]], list[str]]:
    """Edges between pwa/ files (paths relative to root) and the imports that name no file."""
    graph: dict[str, set[str]] = {}
    dangling: list[str] = []
    for path in sorted(root.rglob("*.js")):
        name = path.relative_to(root).as_posix()
        graph.setdefault(name, set())
        for spec in specifiers(path.read_text(encoding="utf-8")):
            target = resolve(root, path, spec)
            if target is None:
                continue
            if not target.is_file() or not target.resolve().is_relative_to(root.resolve()):
                dangling.append(f"{name} imports {spec!r}, which is not a file in pwa/")
                continue
            graph[name].add(target.resolve().relative_to(root.resolve()).as_posix())
    return graph, dangling


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle for every back edge a depth-first walk meets, as [a, b, …, a]."""
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append(path[path.index(nxt) :] + [nxt])
            elif nxt not in state:
                visit(nxt)
        path.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return cycles


def definitions(source: str, name: str) -> bool:
    """Whether a module defines `name` at its top level (exported or not) or exports it."""
    code, _ = reduce(source)
    declared = re.search(
        rf"^(?:export\s+)?(?:async\s+)?(?:function\*?|class|const|let|var)\s+{re.escape(name)}\b",
        code,
        re.M,
    )
    listed = any(
        re.search(rf"(?:^|,)\s*(?:\w+\s+as\s+)?{re.escape(name)}\s*(?:,|$)", group)
        for group in re.findall(r"\bexport\s*\{([^}]*)\}", code)
    )
    return bool(declared or listed)


def test_pwa_has_no_import_cycle_and_no_dangling_import():
    graph, dangling = import_graph(PWA)
    assert dangling == []
    cycles = find_cycles(graph)
    assert cycles == [], "import cycles in pwa/:\n" + "\n".join(" → ".join(c) for c in cycles)
    # The walk did see the apps: a parser that found nothing would pass the check above.
    assert "admin/organiser.js" in graph["admin/app.js"]
    assert "shared/dom.js" in graph["js/home.js"]
    assert "shared/map.js" in graph["admin/district-map.js"]  # a dynamic import()


def test_twin_helpers_live_only_in_shared():
    app_files = [p for folder in APP_FOLDERS for p in sorted((PWA / folder).rglob("*.js"))]
    app_files.append(PWA / "app.js")
    shared = sorted((PWA / SHARED).glob("*.js"))
    for name in SHARED_HELPERS:
        twins = [
            p.relative_to(PWA).as_posix()
            for p in app_files
            if definitions(p.read_text(encoding="utf-8"), name)
        ]
        assert twins == [], f"{name} is defined in {twins}: it belongs in pwa/shared/ only"
        homes = [p.name for p in shared if definitions(p.read_text(encoding="utf-8"), name)]
        assert len(homes) == 1, f"{name} should be defined once in pwa/shared/, found {homes}"


def test_each_shared_file_names_its_importers_in_its_header():
    graph, _ = import_graph(PWA)
    for path in sorted((PWA / SHARED).glob("*.js")):
        name = path.relative_to(PWA).as_posix()
        source = path.read_text(encoding="utf-8")
        header = re.match(r"(?:\s*//[^\n]*\n)+", source)
        assert header, f"pwa/{name} must start with a comment naming who imports it"
        importers = sorted(src for src, targets in graph.items() if name in targets)
        assert importers, f"pwa/{name} is imported by nothing"
        missing = [i for i in importers if PurePosixPath(i).name not in header.group(0)]
        assert missing == [], f"pwa/{name}'s header does not name {missing}"
        assert "Imported by" in header.group(0)


# --- The checker itself, on a made-up tree ----------------------------------------------------


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


@pytest.mark.parametrize(
    "files",
    [
        {"a.js": 'import { b } from "./b.js";', "b.js": 'import { a } from "./a.js";'},
        {"x/a.js": 'export { b } from "../y/b.js";', "y/b.js": 'import "/x/a.js";'},
        {"a.js": 'const m = await import("./b.js");', "b.js": "import {\n  a,\n} from './a.js';"},
        {"sw.js": 'importScripts("/c.js");', "c.js": 'import("./sw.js");'},
    ],
    ids=["static", "re-export and absolute", "dynamic and multi-line", "importScripts"],
)
def test_the_checker_finds_a_cycle(tmp_path: Path, files: dict[str, str]):
    graph, dangling = import_graph(write(tmp_path, files))
    assert dangling == []
    cycles = find_cycles(graph)
    assert len(cycles) == 1 and cycles[0][0] == cycles[0][-1]
    assert set(cycles[0]) == set(files)


def test_the_checker_ignores_comments_strings_and_bare_names(tmp_path: Path):
    root = write(
        tmp_path,
        {
            "a.js": (
                '// import { b } from "./b.js";\n'
                '/* import("./b.js") */\n'
                'const url = "http://example.org/"; // not a comment start inside the string\n'
                'const re = /\\/\\/ import/; const t = `import("./b.js")`;\n'
                'import { lib } from "some-package";\n'
            ),
            "b.js": 'import { a } from "./a.js";',
        },
    )
    graph, dangling = import_graph(root)
    assert graph == {"a.js": set(), "b.js": {"a.js"}}
    assert dangling == []
    assert find_cycles(graph) == []


def test_the_checker_reports_an_import_of_a_missing_file(tmp_path: Path):
    _, dangling = import_graph(write(tmp_path, {"a.js": 'import "./gone.js";'}))
    assert dangling == ["a.js imports './gone.js', which is not a file in pwa/"]


def test_definitions_sees_declarations_and_export_lists():
    assert definitions("export function h(tag) {}", "h")
    assert definitions("export const pct = () => 1;", "pct")
    assert definitions("function fmt() {}\nexport { fmt };", "fmt")
    assert definitions("class X {}\nexport { X as ApiError };", "ApiError")
    assert not definitions('import { h } from "../shared/dom.js";', "h")
    assert not definitions("  const h = 1; // inside a function", "h")
