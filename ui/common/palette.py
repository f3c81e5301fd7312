"""The window's colours, defined once, and its themes.

Every state and severity colour is a *tone* (bad, warn, caution, info, good,
muted, accent, note); a tone has a light, a dark and a high-contrast variant,
chosen from the theme and the application's palette, so a dark desktop theme
gets colours that read on it. Muted text comes from the palette itself (its
placeholder colour). Text on a tone (a chip) is black or white, whichever
reads better on that tone.

A *theme* is the person's choice (View > Theme, kept in QSettings as
``ui/theme``): the desktop's own look (``system``), or Qt's Fusion style with a
light, a dark or a high-contrast palette. :func:`apply_theme` switches while
the window is open: Qt repaints what follows the palette, tables read their
colours again, and the style sheets made with :func:`keep` are made again.
Colour is never the only signal: every tone shown also comes as a word
(severity, status, state) or a shape (the underline of a lint finding)."""

from __future__ import annotations

import weakref
from collections.abc import Callable
from enum import Enum

from warroom.domain import EntryKind, Severity, Status
from ui.qt import QApplication, QBrush, QColor, QPalette, QSettings, qt_alive


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
    SLATE = "slate"        # neutral: a draft's state, confidential, secondary text


#: The themes, in the order the menu lists them.
THEMES = ("system", "light", "dark", "contrast")
#: The key of the person's choice in QSettings.
SETTING = "ui/theme"
#: The variants a tone comes in (the index into its colours).
LIGHT, DARK, CONTRAST = range(3)

#: (on a light background, on a dark one, on the high-contrast theme's black). As text
#: they read at 4.5:1 or better on their theme's window and base (WCAG AA), and at 7:1
#: or better on the high-contrast black (AAA); tests/ui/common/test_palette.py checks.
_TONES: dict[Tone, tuple[str, str, str]] = {
    Tone.BAD: ("#c62828", "#ef5350", "#ff8080"),
    Tone.WARN: ("#b04f00", "#ffa726", "#ffb347"),
    Tone.CAUTION: ("#916216", "#ffd54f", "#ffff00"),
    Tone.INFO: ("#1565c0", "#64b5f6", "#8fd0ff"),
    Tone.GOOD: ("#2c7830", "#66bb6a", "#66ff66"),
    Tone.MUTED: ("#6a6a6a", "#9e9e9e", "#c8c8c8"),
    Tone.ACCENT: ("#6a1b9a", "#ce93d8", "#ff99ff"),
    Tone.NOTE: ("#795548", "#bcaaa4", "#e8cfb0"),
    Tone.TEAL: ("#007782", "#4dd0e1", "#40f0ff"),
    Tone.SLATE: ("#546e7a", "#b0bec5", "#e0e0e0"),
}
#: Text on a tone's background (a chip, a banner): whichever of these reads better.
_ON_TONE = ("#ffffff", "#000000")
#: Quiet backgrounds (light, dark, high contrast): a neutral chip, a find highlight,
#: a read-only field.
_SURFACES: dict[str, tuple[str, str, str]] = {
    "neutral": ("#eceff1", "#37474f", "#1e1e1e"),
    "highlight": ("#e3f2fd", "#0d47a1", "#003c8f"),
    "readonly": ("#f3f3f3", "#2b2b2b", "#141414"),
}
#: The themed palettes' roles: (light, dark, high contrast). Light is Fusion's own.
_ROLES: dict[str, tuple[str, str, str]] = {
    "Window": ("#efefef", "#202124", "#000000"),
    "WindowText": ("#1a1a1a", "#e8eaed", "#ffffff"),
    "Base": ("#ffffff", "#17181a", "#000000"),
    "AlternateBase": ("#f5f5f5", "#26282b", "#1a1a1a"),
    "Text": ("#1a1a1a", "#e8eaed", "#ffffff"),
    "Button": ("#e6e6e6", "#2d2f33", "#000000"),
    "ButtonText": ("#1a1a1a", "#e8eaed", "#ffffff"),
    "BrightText": ("#ffffff", "#ffffff", "#ffff00"),
    "Highlight": ("#2a6fd6", "#3d7bd9", "#1aebff"),
    "HighlightedText": ("#ffffff", "#ffffff", "#000000"),
    "ToolTipBase": ("#ffffdc", "#2d2f33", "#000000"),
    "ToolTipText": ("#1a1a1a", "#e8eaed", "#ffffff"),
    "PlaceholderText": ("#767676", "#9aa0a6", "#c8c8c8"),
    "Link": ("#1565c0", "#8ab4f8", "#ffff00"),
    "LinkVisited": ("#6a1b9a", "#c58af9", "#ff99ff"),
    # The frames' lines: in high contrast, every edge is white.
    "Light": ("#ffffff", "#3c4043", "#ffffff"),
    "Midlight": ("#f0f0f0", "#33363a", "#ffffff"),
    "Mid": ("#b8b8b8", "#5f6368", "#ffffff"),
    "Dark": ("#9f9f9f", "#101113", "#ffffff"),
    "Shadow": ("#767676", "#000000", "#ffffff"),
}
#: Disabled text (light, dark, high contrast: green, as the desktops' high-contrast themes do).
_DISABLED = ("#9a9a9a", "#6f7377", "#3ff23f")

#: The high-contrast theme's edges: Fusion draws a field's frame a shade darker than the
#: window, which on black is black; here every field has a white edge, and the one with
#: the keyboard's focus a thick yellow one; a box ticked is filled yellow, an empty one
#: is a white outline (a shape, not only a colour).
_CONTRAST_SHEET = """
QLineEdit, QPlainTextEdit, QTextEdit, QAbstractSpinBox, QComboBox, QAbstractItemView, QTabWidget::pane {
    border: 1px solid #ffffff; }
QLineEdit:focus, QPlainTextEdit:focus, QTextEdit:focus, QAbstractSpinBox:focus, QComboBox:focus,
QAbstractItemView:focus, QPushButton:focus, QToolButton:focus {
    border: 2px solid #ffff00; }
QPushButton, QToolButton { border: 1px solid #ffffff; padding: 3px 8px; }
QCheckBox::indicator, QRadioButton::indicator, QGroupBox::indicator {
    width: 12px; height: 12px; border: 2px solid #ffffff; background: #000000; }
QCheckBox::indicator:checked, QRadioButton::indicator:checked, QGroupBox::indicator:checked {
    background: #ffff00; border: 2px solid #ffff00; }
QCheckBox::indicator:indeterminate { background: #808000; }
QCheckBox::indicator:disabled, QRadioButton::indicator:disabled { border-color: #3ff23f; }
QTabBar::tab { border: 1px solid #ffffff; padding: 4px 10px; }
QTabBar::tab:selected { background: #1aebff; color: #000000; }
"""

_state: dict = {"theme": "system", "system": None}
#: Colours and brushes made, by (tone, variant): tables ask for them on every paint.
_made: dict[tuple, object] = {}
#: Widgets whose style sheet is made from the theme (see :func:`keep`).
_kept: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

#: A channel's state in the status bar, the channel list and the matrix.
CHANNEL_STATES: dict[str, Tone] = {"ok": Tone.GOOD, "retrying": Tone.WARN, "down": Tone.BAD,
                                   "disabled": Tone.MUTED}
#: A delivery's state in the Deliveries tab.
DELIVERY_STATES: dict[str, Tone] = {"queued": Tone.INFO, "sending": Tone.INFO, "delivered": Tone.GOOD,
                                    "simulated": Tone.MUTED, "failed": Tone.BAD, "cancelled": Tone.MUTED,
                                    "failed_over": Tone.WARN}
#: A draft's state in its column's header (shown on the tone's colour; None: a neutral chip).
DRAFT_STATES: dict[str, Tone | None] = {"draft": None, "changes_requested": Tone.WARN, "in_review": Tone.INFO,
                                        "approved": Tone.GOOD, "overridden": Tone.ACCENT, "disputed": Tone.WARN,
                                        "published": Tone.GOOD, "retracted": Tone.BAD, "withdrawn": Tone.SLATE}
SEVERITIES: dict[Severity, Tone] = {Severity.SEV1: Tone.BAD, Severity.SEV2: Tone.WARN,
                                    Severity.SEV3: Tone.CAUTION, Severity.SEV4: Tone.SLATE}
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


def variant(palette: QPalette | None = None) -> int:
    """Which of a tone's colours reads on ``palette`` (default: the application's):
    :data:`LIGHT`, :data:`DARK` or, in the high-contrast theme, :data:`CONTRAST`."""
    if _state["theme"] == "contrast":
        return CONTRAST
    return DARK if is_dark(palette) else LIGHT


def hex_color(tone: Tone, palette: QPalette | None = None) -> str:
    """The tone as ``#rrggbb`` (for style sheets and rich text)."""
    if tone is Tone.MUTED and palette is not None:
        return palette.color(QPalette.ColorRole.PlaceholderText).name()
    return _TONES[tone][variant(palette)]


def color(tone: Tone, palette: QPalette | None = None) -> QColor:
    if palette is not None:
        return QColor(hex_color(tone, palette))
    key = ("color", tone, variant())
    if key not in _made:
        _made[key] = QColor(hex_color(tone))
    return _made[key]  # type: ignore[return-value]


def brush(tone: Tone, palette: QPalette | None = None) -> QBrush:
    """The tone as a brush; cheap to ask for on every paint (made once per theme)."""
    if palette is not None:
        return QBrush(color(tone, palette))
    key = ("brush", tone, variant())
    if key not in _made:
        _made[key] = QBrush(color(tone))
    return _made[key]  # type: ignore[return-value]


def _luminance(hex_rgb: str) -> float:
    """WCAG relative luminance of ``#rrggbb``."""
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(int(hex_rgb[i:i + 2], 16) / 255) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(first: str, second: str) -> float:
    """WCAG contrast ratio of two ``#rrggbb`` colours (1 to 21)."""
    a, b = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def on_tone(tone: Tone, palette: QPalette | None = None) -> str:
    """Text on the tone's colour: white or black, whichever contrasts more."""
    back = hex_color(tone, palette)
    return max(_ON_TONE, key=lambda text: contrast_ratio(text, back))


def surface(name: str, palette: QPalette | None = None) -> str:
    """A quiet background (``neutral``, ``highlight``, ``readonly``) as ``#rrggbb``."""
    return _SURFACES[name][variant(palette)]


# -- themes ---------------------------------------------------------------------------


def theme() -> str:
    """The theme in use."""
    return _state["theme"]


def chosen_theme() -> str:
    """The theme the person chose (``system`` when none, or one this version lacks)."""
    value = QSettings().value(SETTING)
    return value if isinstance(value, str) and value in THEMES else "system"


def choose_theme(name: str) -> None:
    """Remember ``name`` for the next start."""
    if name not in THEMES:
        raise ValueError(f"unknown theme {name!r}; one of {', '.join(THEMES)}")
    settings = QSettings()
    if name == "system":
        settings.remove(SETTING)
    else:
        settings.setValue(SETTING, name)


def build_palette(name: str) -> QPalette:
    """The palette of a themed look (``light``, ``dark``, ``contrast``)."""
    index = {"light": LIGHT, "dark": DARK, "contrast": CONTRAST}[name]
    made = QPalette()
    for role, colours in _ROLES.items():
        made.setColor(getattr(QPalette.ColorRole, role), QColor(colours[index]))
    disabled = QColor(_DISABLED[index])
    for role in ("WindowText", "Text", "ButtonText", "PlaceholderText"):
        made.setColor(QPalette.ColorGroup.Disabled, getattr(QPalette.ColorRole, role), disabled)
    if index == CONTRAST:
        made.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Button, QColor(_ROLES["Window"][index]))
    return made


def apply_theme(app, name: str) -> None:
    """Use theme ``name`` from now on, also while the window is open."""
    if name not in THEMES:
        raise ValueError(f"unknown theme {name!r}; one of {', '.join(THEMES)}")
    if _state["system"] is None:   # the desktop's own look, to go back to
        _state["system"] = (app.style().name(), QPalette(app.palette()))
    style, system_palette = _state["system"]
    if name == "system":
        app.setStyle(style)
        app.setPalette(system_palette)
    else:
        app.setStyle("Fusion")
        app.setPalette(build_palette(name))
    app.setStyleSheet(_CONTRAST_SHEET if name == "contrast" else "")
    _state["theme"] = name
    _made.clear()
    made = app.palette()   # widgets learn of it from an event, later: ask the application
    for widget, make in list(_kept.items()):
        if qt_alive(widget):
            widget.setStyleSheet(make(made))


def keep(widget, make: Callable[[QPalette], str]) -> None:
    """Style ``widget`` with ``make(palette)`` now and again whenever the theme changes
    (``make`` must not hold the widget: it is given the widget's palette)."""
    _kept[widget] = make
    widget.setStyleSheet(make(widget.palette()))


def text_style(tone: Tone, *, bold: bool = False) -> str:
    """A label's text in the tone."""
    return f"color:{hex_color(tone)};" + (" font-weight:bold;" if bold else "")


def chip_style(tone: Tone | None) -> str:
    """Text on the tone's colour (None: a neutral chip that follows the theme)."""
    if tone is None:
        return f"color:{hex_color(Tone.SLATE)}; background:{surface('neutral')};"
    return f"color:{on_tone(tone)}; background:{hex_color(tone)};"


def span(tone: Tone, html: str, *, bold: bool = False) -> str:
    """Rich text in the tone (``html`` is already escaped)."""
    weight = " font-weight:bold;" if bold else ""
    return f"<span style='color:{hex_color(tone)};{weight}'>{html}</span>"


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
