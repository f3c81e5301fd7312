"""The layers: the core never imports Qt or the UI; resources ship with the package."""

from __future__ import annotations

import ast
from pathlib import Path

import warroom
from warroom import paths

CORE = Path(warroom.__file__).parent


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
