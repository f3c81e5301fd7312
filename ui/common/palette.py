"""The window's colours, defined once.

Every state and severity colour is a *tone* (bad, warn, caution, info, good,
muted, accent, note); a tone has a light and a dark variant, chosen from the
application's palette, so a dark desktop theme gets colours that read on it.
Muted text comes from the palette itself (its placeholder colour)."""

from __future__ import annotations

from enum import Enum

from warroom.domain import EntryKind, Severity, Status
from ui.qt import QApplication, QBrush, QColor, QPalette


class Tone(Enum):
    BAD = "bad"
    WARN = "warn"
    CAUTION = "caution"
    INFO = "info"
    GOOD = "good"
    MUTED = "muted"
    ACCENT = "accent"      # decisions, reviews waiting, exercises
    NOTE = "note"          # external entries
    TEAL = "teal"          # published updates


#: (on a light background, on a dark one)
_TONES: dict[Tone, tuple[str, str]] = {
    Tone.BAD: ("#c62828", "#ef5350"),
    Tone.WARN: ("#ef6c00", "#ffa726"),
    Tone.CAUTION: ("#f9a825", "#ffd54f"),
    Tone.INFO: ("#1565c0", "#64b5f6"),
    Tone.GOOD: ("#2e7d32", "#66bb6a"),
    Tone.MUTED: ("#8a8a8a", "#9e9e9e"),
    Tone.ACCENT: ("#6a1b9a", "#ce93d8"),
    Tone.NOTE: ("#795548", "#bcaaa4"),
    Tone.TEAL: ("#00838f", "#4dd0e1"),
}

#: A channel's state in the status bar, the channel list and the matrix.
CHANNEL_STATES: dict[str, Tone] = {"ok": Tone.GOOD, "retrying": Tone.WARN, "down": Tone.BAD,
                                   "disabled": Tone.MUTED}
#: A delivery's state in the Deliveries tab.
DELIVERY_STATES: dict[str, Tone] = {"queued": Tone.INFO, "sending": Tone.INFO, "delivered": Tone.GOOD,
                                    "simulated": Tone.MUTED, "failed": Tone.BAD, "cancelled": Tone.MUTED,
                                    "failed_over": Tone.WARN}
SEVERITIES: dict[Severity, Tone] = {Severity.SEV1: Tone.BAD, Severity.SEV2: Tone.WARN,
                                    Severity.SEV3: Tone.CAUTION, Severity.SEV4: Tone.MUTED}
STATUSES: dict[Status, Tone] = {Status.INVESTIGATING: Tone.BAD, Status.IDENTIFIED: Tone.WARN,
                                Status.MITIGATED: Tone.CAUTION, Status.MONITORING: Tone.INFO,
                                Status.RESOLVED: Tone.GOOD}
KINDS: dict[EntryKind, Tone] = {EntryKind.STATUS_CHANGE: Tone.INFO, EntryKind.SEVERITY_CHANGE: Tone.BAD,
                                EntryKind.DECISION: Tone.ACCENT, EntryKind.ACTION: Tone.GOOD,
                                EntryKind.EXTERNAL: Tone.NOTE, EntryKind.PUBLISHED: Tone.TEAL,
                                EntryKind.DELIVERY: Tone.WARN}


def is_dark(palette: QPalette | None = None) -> bool:
    """Is the window background dark (a dark desktop theme)?"""
    if palette is None:
        app = QApplication.instance()
        if app is None:
            return False
        palette = app.palette()
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def hex_color(tone: Tone, palette: QPalette | None = None) -> str:
    """The tone as ``#rrggbb`` (for style sheets and rich text)."""
    if tone is Tone.MUTED and palette is not None:
        return palette.color(QPalette.ColorRole.PlaceholderText).name()
    light, dark = _TONES[tone]
    return dark if is_dark(palette) else light


def color(tone: Tone, palette: QPalette | None = None) -> QColor:
    return QColor(hex_color(tone, palette))


def brush(tone: Tone, palette: QPalette | None = None) -> QBrush:
    return QBrush(color(tone, palette))


def state_tone(state: str) -> Tone:
    """A channel's or a delivery's state word as a tone (muted when unknown)."""
    return CHANNEL_STATES.get(state) or DELIVERY_STATES.get(state) or Tone.MUTED


def error_style() -> str:
    """A form's error line."""
    return f"color:{hex_color(Tone.BAD)};"


def field_error_style() -> str:
    """The field an error names."""
    return f"border:1px solid {hex_color(Tone.BAD)};"


def good_style() -> str:
    return f"color:{hex_color(Tone.GOOD)};"


def dot(tone: Tone) -> str:
    """A coloured bullet for rich text."""
    return f"<span style='color:{hex_color(tone)}'>●</span>"
