"""The layers: the core never imports Qt or the UI; resources ship with the package.
The house: no import cycles, no private name taken from another module, no module
longer than MAX_LINES, read from the code of every package in PACKAGES."""

from __future__ import annotations

import ast
import sys
from functools import lru_cache
from pathlib import Path

import warroom
from warroom import paths

CORE = Path(warroom.__file__).parent
ROOT = CORE.parent
#: The packages whose modules are held to the house rules below.
PACKAGES = ("warroom", "ui")
MAX_LINES = 800


def test_core_never_imports_qt_or_ui():
    offenders = []
    for path in CORE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                if name.split(".")[0] in ("PySide6", "PyQt5", "PyQt6", "shiboken6", "ui"):
                    offenders.append(f"{path.relative_to(CORE)}: {name}")
    assert offenders == []


def test_core_does_not_read_the_wall_clock():
    offenders = []
    for path in CORE.rglob("*.py"):
        if path.name == "clock.py":
            continue
        text = path.read_text(encoding="utf-8")
        for needle in ("datetime.now(", "datetime.utcnow(", "date.today("):
            if needle in text:
                offenders.append(f"{path.name}: {needle}")
    assert offenders == []


def test_resources_are_found_through_importlib():
    assert paths.resource("__init__.py").is_file()
    assert paths.resource("icons", "warroom.svg").read_bytes().startswith(b"<svg")


# --------------------------------------------------------------------------- the house


@lru_cache(maxsize=None)
def modules() -> dict[str, Path]:
    """Dotted name -> file, for every module of PACKAGES (migrations are Alembic's, not ours)."""
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT).with_suffix("")
            if "migrations" in rel.parts:
                continue
            parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
            found[".".join(parts)] = path
    return found


def _known(name: str) -> str | None:
    """The module of PACKAGES that ``name`` is, or is inside of (``a.b.C`` -> ``a.b``)."""
    mods = modules()
    while name and name not in mods:
        name = name.rpartition(".")[0]
    return name or None


def _absolute(module: str, path: Path, node: ast.ImportFrom) -> str:
    """The module an ``from … import`` names, with relative imports resolved."""
    if not node.level:
        return node.module or ""
    base = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


@lru_cache(maxsize=None)
def imports() -> tuple[dict[str, frozenset[str]], tuple[str, ...]]:
    """Each module's imports of other modules of PACKAGES (inside functions too: they
    are imports all the same), and every private name one module takes from another:
    ``from m import _x`` or ``m._x`` where ``m`` is a module."""
    mods = modules()
    edges: dict[str, frozenset[str]] = {}
    private: list[str] = []
    for module, path in mods.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        targets: set[str] = set()
        aliases: dict[str, str] = {}  # a local name bound to a module of PACKAGES
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    target = _known(alias.name)
                    if target:
                        targets.add(target)
                    if alias.asname and alias.name in mods:
                        aliases[alias.asname] = alias.name
                    elif not alias.asname and alias.name.split(".")[0] in mods:
                        aliases[alias.name.split(".")[0]] = alias.name.split(".")[0]
            elif isinstance(node, ast.ImportFrom):
                source = _absolute(module, path, node)
                for alias in node.names:
                    submodule = f"{source}.{alias.name}"
                    if submodule in mods:
                        targets.add(submodule)
                        aliases[alias.asname or alias.name] = submodule
                        continue
                    target = _known(source)
                    if target:
                        targets.add(target)
                        if _is_private(alias.name):
                            private.append(f"{module} takes {alias.name} from {target}")
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and _is_private(node.attr):
                owner = aliases.get(node.value.id)
                if owner and owner != module:
                    private.append(f"{module} uses {owner}.{node.attr}")
        targets.discard(module)
        edges[module] = frozenset(targets)
    return edges, tuple(private)


def _is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def cycles(edges: dict[str, frozenset[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, without
    recursion), less those made only of a package and its own submodules: a package
    presenting its submodules' names is not a cycle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                package = min(component, key=len)
                if len(component) > 1 and not all(m == package or m.startswith(package + ".") for m in component):
                    found.append(sorted(component))
    return found


def test_no_import_cycles():
    edges, _ = imports()
    assert cycles(edges) == []


def test_no_private_name_is_used_outside_its_module():
    _, private = imports()
    assert list(private) == []


def long_modules() -> dict[str, int]:
    lengths = {m: len(p.read_text(encoding="utf-8").splitlines()) for m, p in modules().items()}
    return {m: n for m, n in lengths.items() if n > MAX_LINES}


def test_no_module_is_longer_than_the_limit():
    assert long_modules() == {}


def test_the_cycle_finder_finds_a_cycle_and_lets_a_package_present_its_modules():
    edges = {"a": frozenset({"b"}), "b": frozenset({"c"}), "c": frozenset({"a"}), "d": frozenset({"a"}),
             "p": frozenset({"p.x"}), "p.x": frozenset({"p"}), "e": frozenset()}
    assert cycles(edges) == [["a", "b", "c"]]


def test_the_rules_see_what_they_are_meant_to(tmp_path, monkeypatch):
    """Read a made-up package: an import inside a function closes a cycle, a private
    name is taken both ways, and one module is too long."""
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from pkg import b\n\ndef f():\n    return b._hidden\n")
    (pkg / "b.py").write_text("def g():\n    from pkg.a import f\n    from .c import _secret\n    return f\n")
    (pkg / "c.py").write_text("_secret = 1\n" + "x = 1\n" * MAX_LINES)
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    monkeypatch.setattr(sys.modules[__name__], "PACKAGES", ("pkg",))
    modules.cache_clear()
    imports.cache_clear()
    try:
        edges, private = imports()
        assert cycles(edges) == [["pkg.a", "pkg.b"]]
        assert sorted(private) == ["pkg.a uses pkg.b._hidden", "pkg.b takes _secret from pkg.c"]
        assert long_modules() == {"pkg.c": MAX_LINES + 1}
    finally:
        modules.cache_clear()
        imports.cache_clear()
