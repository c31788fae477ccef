"""The layer rules of docs/architecture.md, checked on every import in the package.

Each module belongs to one layer; a module may import its own layer and the layers below it,
never above (and a few packages have a rule of their own). The check reads the source with
``ast`` (nothing is imported), so it also sees imports that would only run inside functions.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parents[1] / "src" / "visualner"

#: The shapes every word source produces, errors and settings: they import no other
#: visualner module but each other.
LEAF = {
    "visualner.words",
    "visualner.word_codec",
    "visualner.errors",
    "visualner.settings",
    "visualner.gc_pause",
}
#: Pure computation on pages and words (no database, no HTTP): leaves and their own package.
ENGINE_PACKAGES = ("visualner.model", "visualner.ocr.engines", "visualner.documents")
#: The edge: HTTP routes and pages, the two apps, the CLI and the wiring that builds them.
EDGE_MODULES = {
    "visualner.app",
    "visualner.deps",
    "visualner.middleware",
    "visualner.responses",
    "visualner.blob_responses",
    "visualner.system_routes",
    "visualner.runtime",
    "visualner.bootstrap",
    "visualner.__main__",
    "visualner.ocr.servers.app",
}
EDGE_PACKAGES = ("visualner.cli", "visualner.web", "visualner.migrations")
#: Packages whose job kinds ``runtime`` registers: ``jobs`` itself must not know them.
JOB_KIND_PACKAGES = (
    "visualner.imports",
    "visualner.exports",
    "visualner.ocr",
    "visualner.preannotation",
    "visualner.storages",
)
HTTP_LIBRARIES = ("fastapi", "starlette")
#: Leaf modules and engines compute on values they are given: no database.
DATABASE_LIBRARIES = ("sqlalchemy", "alembic")


@dataclass(frozen=True)
class Import:
    module: str
    target: str
    line: int


def _in(module: str, packages: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


def is_edge(module: str) -> bool:
    return (
        module in EDGE_MODULES
        or _in(module, EDGE_PACKAGES)
        or module.rsplit(".", 1)[-1] in {"routes", "schema", "migrate"}
    )


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(root: Path) -> list[Import]:
    """Every ``import``/``from … import`` in the package, resolved to module names (a name
    imported from a package is taken as its submodule when one exists)."""
    found: list[Import] = []
    for path in sorted(root.rglob("*.py")):
        module = module_name(path, root)
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                found += [Import(module, alias.name, node.lineno) for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                base_dir = root.parent.joinpath(*node.module.split("."))
                for alias in node.names:
                    submodule = base_dir / alias.name
                    is_module = submodule.is_dir() or submodule.with_suffix(".py").exists()
                    target = f"{node.module}.{alias.name}" if is_module else node.module
                    found.append(Import(module, target, node.lineno))
    return found


def violations(found: list[Import]) -> list[str]:
    """One line per import that breaks a rule, saying which rule."""
    problems: list[str] = []
    for imp in found:
        source, target = imp.module, imp.target
        where = f"{source} (line {imp.line}) imports {target}"
        ours = target == "visualner" or target.startswith("visualner.")
        if source in LEAF and ours and target not in LEAF:
            problems.append(f"{where}: leaf modules import only other leaf modules")
        elif _in(source, ENGINE_PACKAGES) and ours:
            own = next(p for p in ENGINE_PACKAGES if _in(source, (p,)))
            if not (_in(target, (own,)) or target in LEAF):
                problems.append(f"{where}: {own} imports only leaf modules and itself")
        if (source in LEAF or _in(source, ENGINE_PACKAGES)) and _in(target, DATABASE_LIBRARIES):
            problems.append(f"{where}: leaf and engine modules never touch the database")
        if is_edge(source):
            continue
        if _in(target, HTTP_LIBRARIES):
            problems.append(f"{where}: only routes and apps speak HTTP")
        elif ours and is_edge(target):
            problems.append(f"{where}: services never import the edge (routes, apps, wiring)")
        elif _in(source, ("visualner.jobs",)) and _in(target, JOB_KIND_PACKAGES):
            problems.append(f"{where}: jobs knows no job kind (runtime registers them)")
    return problems


def cycles(found: list[Import]) -> list[list[str]]:
    """Import cycles between modules (each reported once, from its smallest module)."""
    graph: dict[str, set[str]] = {}
    for imp in found:
        if imp.target.startswith("visualner.") and imp.target != imp.module:
            graph.setdefault(imp.module, set()).add(imp.target)
    loops: list[list[str]] = []
    for start in sorted(graph):
        stack: list[tuple[str, list[str]]] = [(start, [start])]
        seen: set[str] = set()
        while stack:
            node, path = stack.pop()
            for nxt in sorted(graph.get(node, ())):
                if nxt == start and min(path) == start:
                    loops.append(path)
                elif nxt not in seen and nxt > start:
                    seen.add(nxt)
                    stack.append((nxt, [*path, nxt]))
    return loops


def test_every_import_in_the_package_follows_the_layer_rules() -> None:
    assert violations(imports_of(PACKAGE_ROOT)) == []


def test_no_two_modules_import_each_other_even_indirectly() -> None:
    assert cycles(imports_of(PACKAGE_ROOT)) == []


def _package(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / "visualner" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root / "visualner"


def test_the_check_names_each_broken_rule(tmp_path: Path) -> None:
    package = _package(
        tmp_path,
        {
            "__init__.py": "",
            "words.py": "from visualner.db import Base\n",
            "db.py": "",
            "model/__init__.py": "",
            "model/store.py": "from sqlalchemy.orm import Session\n",
            "model/tagger.py": "from visualner.tasks.models import Task\n",
            "tasks/__init__.py": "",
            "tasks/models.py": "",
            "tasks/routes.py": "import fastapi\n",
            "tasks/service.py": "from fastapi import Request\nfrom visualner.tasks import routes\n",
            "jobs/__init__.py": "",
            "jobs/kinds.py": "from visualner.imports.job import ImportJob\n",
            "imports/__init__.py": "",
            "imports/job.py": "from visualner.runtime import Services\n",
            "runtime.py": "from visualner.imports.job import ImportJob\n",
        },
    )
    found = violations(imports_of(package))
    assert [line.split(": ", 1)[1] for line in found] == [
        "services never import the edge (routes, apps, wiring)",
        "jobs knows no job kind (runtime registers them)",
        "leaf and engine modules never touch the database",
        "visualner.model imports only leaf modules and itself",
        "only routes and apps speak HTTP",
        "services never import the edge (routes, apps, wiring)",
        "leaf modules import only other leaf modules",
    ]
    assert found[0].startswith("visualner.imports.job (line 1) imports visualner.runtime")


def test_the_cycle_check_finds_an_indirect_loop(tmp_path: Path) -> None:
    package = _package(
        tmp_path,
        {
            "__init__.py": "",
            "a.py": "from visualner import b\n",
            "b.py": "from visualner.c import thing\n",
            "c.py": "import visualner.a\n",
        },
    )
    assert cycles(imports_of(package)) == [["visualner.a", "visualner.b", "visualner.c"]]


JS_ROOT = PACKAGE_ROOT / "web" / "static" / "js" / "labeling"
#: The labeling page's pure layers and what each may import (relative to ``labeling/``):
#: geometry, regions and the spatial index import only each other; the store only those.
JS_PURE_LAYERS = {"model": ("model",), "state": ("model", "state")}
_JS_IMPORT = re.compile(
    r"""(?:^|\s)(?:import|export)\s[^"']*?from\s+["']([^"']+)["']|import\(["']([^"']+)["']\)"""
)
_DOM_GLOBALS = re.compile(r"\b(document|window|localStorage|fetch)\b")


def js_violations(root: Path) -> list[str]:
    """Imports (type imports included) and DOM globals that break the pure layers' rules."""
    problems: list[str] = []
    for layer, allowed in JS_PURE_LAYERS.items():
        for path in sorted((root / layer).glob("*.js")):
            text = path.read_text()
            name = f"{layer}/{path.name}"
            for match in _JS_IMPORT.finditer(text):
                target = (path.parent / (match.group(1) or match.group(2))).resolve()
                folder = target.parent.relative_to(root.resolve()).as_posix()
                if folder not in allowed:
                    only = ", ".join(f"{a}/" for a in allowed)
                    problems.append(
                        f"{name} imports {folder}/{target.name}: {layer}/ imports only {only}"
                    )
            code = "\n".join(
                line
                for line in text.splitlines()
                if not line.lstrip().startswith(("*", "/*", "//"))
            )
            if _DOM_GLOBALS.search(code):
                problems.append(
                    f"{name} uses the DOM: {layer}/ is pure (it runs under node --test)"
                )
    return problems


def test_the_labeling_page_pure_modules_import_only_their_layers() -> None:
    assert js_violations(JS_ROOT) == []


def test_the_js_check_names_an_upward_import_and_a_dom_use(tmp_path: Path) -> None:
    for folder in ("model", "state", "view"):
        (tmp_path / folder).mkdir()
    (tmp_path / "view" / "page_view.js").write_text("export const x = 1;\n")
    (tmp_path / "model" / "geometry.js").write_text(
        'import { x } from "../view/page_view.js";\nexport const y = document.title;\n'
    )
    (tmp_path / "state" / "store.js").write_text(
        '/** @typedef {import("../model/geometry.js").Y} Y */\n'
    )
    assert js_violations(tmp_path) == [
        "model/geometry.js imports view/page_view.js: model/ imports only model/",
        "model/geometry.js uses the DOM: model/ is pure (it runs under node --test)",
    ]
