"""The incident's feature tabs after the core ones (timeline, updates, reviews,
deliveries): each feature's module has ``install(window)``, which adds its tab,
follows the changes it shows (``window.followers``) and returns its part. A part
with ``show_incident(incident)`` is told when another incident is chosen.

A new tab is one more line in :data:`TABS`; the main window does not change."""

from __future__ import annotations

from importlib import import_module

#: (the window's attribute for the part, its module), in tab order.
TABS: tuple[tuple[str, str], ...] = (
    ("followups", "ui.followups"),
    ("inquiries", "ui.inquiries"),
    ("retro", "ui.retro"),
)


def install(window) -> list[object]:
    """Add every tab to ``window``; the parts, in tab order."""
    parts = []
    for attr, module in TABS:
        part = import_module(module).install(window)
        setattr(window, attr, part)
        parts.append(part)
    return parts


def show_incident(parts: list[object], incident) -> None:
    for part in parts:
        show = getattr(part, "show_incident", None)
        if show is not None:
            show(incident)
