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
    ("clocks", "ui.clocks"),
    ("retro", "ui.retro"),
    ("signals", "ui.signals"),
    ("watch", "ui.watch"),      # not a tab: the watched providers' state in the status bar
    ("signals_in", "ui.inbound"),  # not a tab: the webhook receiver, and the commander told
)


def install(window) -> list[object]:
    """Add every tab to ``window``; the parts, in tab order."""
    parts = []
    for attr, module in TABS:
        part = import_module(module).install(window)
        setattr(window, attr, part)
        parts.append(part)
    return parts


def when_attached(window, fn, tries: int = 240) -> None:
    """Call ``fn()`` once the window has its database (at once if it has), looking
    again every half second while it opens (at most ``tries`` times)."""
    from ui.qt import QTimer, qt_alive

    if not qt_alive(window) or not qt_alive(window.ops):   # closed meanwhile
        return
    if window.store is not None:
        fn()
    elif tries > 0:
        QTimer.singleShot(500, window, lambda: when_attached(window, fn, tries - 1))


def show_incident(parts: list[object], incident) -> None:
    for part in parts:
        show = getattr(part, "show_incident", None)
        if show is not None:
            show(incident)
