"""The layout holds by checks, not by description: no import cycle between api modules, the
entry points alone beside the domain folders, and each shared rule defined once."""

import re
import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[2]


def _cycle(graph: grimp.ImportGraph, modules: set[str]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = 1
        stack.append(module)
        for imported in sorted(graph.find_modules_directly_imported_by(module) & modules):
            if state.get(imported) == 1:
                return stack[stack.index(imported) :] + [imported]
            if imported not in state and (found := visit(imported)):
                return found
        stack.pop()
        state[module] = 2
        return None

    for module in sorted(modules):
        if module not in state and (found := visit(module)):
            return found
    return None


def test_no_module_of_api_imports_itself_back_through_others():
    graph = grimp.build_graph("api")
    assert _cycle(graph, set(graph.modules)) is None


def test_the_cycle_check_finds_a_cycle():
    graph = grimp.ImportGraph()
    for module in ("x.a", "x.b", "x.c"):
        graph.add_module(module)
    graph.add_import(importer="x.a", imported="x.b")
    graph.add_import(importer="x.b", imported="x.c")
    assert _cycle(graph, set(graph.modules)) is None
    graph.add_import(importer="x.c", imported="x.a")
    assert _cycle(graph, set(graph.modules)) == ["x.a", "x.b", "x.c", "x.a"]


def test_the_import_contracts_hold():
    linter = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(linter)], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_api_holds_only_its_entry_points_beside_the_domain_folders():
    files = sorted(p.name for p in (ROOT / "api").glob("*.py"))
    assert files == ["__init__.py", "asgi.py", "cli.py", "main.py"]


def _definitions(pattern: str) -> list[str]:
    found = []
    for path in (ROOT / "api").rglob("*.py"):
        for line in path.read_text().splitlines():
            if re.match(pattern, line):
                found.append(f"{path.relative_to(ROOT)}: {line.strip()}")
    return found


def test_the_organiser_rule_is_defined_once():
    assert len(_definitions(r"^def organises\(")) == 1
    assert len(_definitions(r"^def require_organiser\(")) == 1
    # Nobody spells the rule out again beside it.
    assert not [
        line
        for line in _definitions(r".*Role\.organiser and .* in ")
        if "accounts/access.py" not in line
    ]


def test_one_table_registry_and_one_error_renderer():
    registering = [
        p
        for p in (ROOT / "api").rglob("*.py")
        if re.search(r"^from api\.models import .*(accounts|plan|door_logs)", p.read_text(), re.M)
    ]
    assert [p.relative_to(ROOT).as_posix() for p in registering] == ["api/models/__init__.py"]
    assert len(_definitions(r"^def error_body\(")) == 1
    bodies = [
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "api").rglob("*.py")
        if re.search(r"[\"']code[\"']\s*:\s*[\"'](internal_error|payload_too_large)", p.read_text())
    ]
    assert bodies == []
