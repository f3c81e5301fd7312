"""The communication retrospective: figures computed from an incident's journal
(:func:`compute`), and the report as HTML (:mod:`warroom.retro.report`) and PDF
(:mod:`warroom.retro.pdf`).

``compute`` and ``Retrospective`` are loaded when first asked for: the window's
Retrospective tab reads the chart's colours (:mod:`warroom.retro.chart`) while the
window is built, before its first paint, and the figures bring in the database
layer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from warroom.retro.figures import Retrospective, compute

__all__ = ["Retrospective", "compute"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from warroom.retro import figures

        return getattr(figures, name)
    raise AttributeError(f"module 'warroom.retro' has no attribute {name!r}")
