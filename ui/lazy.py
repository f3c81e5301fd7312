"""Core modules imported on first use.

The window paints before SQLAlchemy and the services are imported (a quarter of
a second on a laptop); they load while the database opens."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class LazyModule:
    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attr: str) -> Any:
        if self._module is None:
            self._module = importlib.import_module(self._name)
        return getattr(self._module, attr)


incidents = LazyModule("warroom.services.incidents")
timeline = LazyModule("warroom.services.timeline")
outbox = LazyModule("warroom.services.outbox")
