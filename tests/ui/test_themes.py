"""View > Theme: light, dark and high contrast from the one palette module, switched
while the window is open and kept for the next start; and ``warroom --theme``."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from warroom.domain import Severity
from ui import themes
from ui.common import palette
from ui.common.palette import Tone
from ui.qt import QApplication, QPalette, QSettings, Qt, QtGui


@pytest.fixture(autouse=True)
def desktop_look(qapp):
    """Each test starts, and leaves the application, in the desktop's own look."""
    QSettings().remove(palette.SETTING)
    yield
    palette.apply_theme(qapp, "system")
    QSettings().remove(palette.SETTING)


def _window_colour(widget) -> QtGui.QColor:
    return widget.palette().color(QPalette.ColorRole.Window)


def _severity_brush(window):
    model = window.incident_model
    return model.data(model.index(0, model.SEV), Qt.ItemDataRole.BackgroundRole)


def _severity_tone(window) -> Tone:
    return palette.SEVERITIES[window.incident_model.incident(0).severity]


def test_the_theme_switches_while_the_window_is_open(qapp, window):
    system_style = qapp.style().name()
    window.theme_menu.findChild(QtGui.QAction, "theme-dark").trigger()
    qapp.processEvents()   # the widgets hear of the new palette
    assert palette.theme() == "dark" and QSettings().value(palette.SETTING) == "dark"
    assert _window_colour(window).lightness() < 80
    assert qapp.style().name().lower() == "fusion"
    # Tables ask for their colours at each paint: the incident list's SEV1 chip is the dark variant.
    assert _severity_brush(window).color().name() == palette._TONES[_severity_tone(window)][palette.DARK]
    # The header's chips are made again, the style sheets kept by the palette too.
    assert palette._TONES[_severity_tone(window)][palette.DARK] in window.header.severity_button.styleSheet()
    assert palette._TONES[Tone.ACCENT][palette.DARK] in window.header.waiting.styleSheet()
    assert "Dark" in window.statusBar().currentMessage()

    window.theme_menu.findChild(QtGui.QAction, "theme-contrast").trigger()
    qapp.processEvents()
    assert _window_colour(window).name() == "#000000"
    assert "#ffff00" in qapp.styleSheet()          # the keyboard's focus, drawn thick and yellow
    assert _severity_brush(window).color().name() == palette._TONES[_severity_tone(window)][palette.CONTRAST]
    sev = window.incident_model.data(window.incident_model.index(0, window.incident_model.SEV),
                                     Qt.ItemDataRole.ForegroundRole)
    assert sev.color().name() == "#000000"          # black on the bright chip

    window.theme_menu.findChild(QtGui.QAction, "theme-system").trigger()
    assert qapp.style().name() == system_style and qapp.styleSheet() == ""
    assert QSettings().value(palette.SETTING) is None
    assert window.theme_menu.findChild(QtGui.QAction, "theme-system").isChecked()


def test_a_severity_is_never_shown_by_colour_alone(window):
    model = window.incident_model
    for row in range(model.rowCount()):
        text = model.data(model.index(row, model.SEV), Qt.ItemDataRole.DisplayRole)
        assert text in {s.value for s in Severity}
    assert window.header.severity_button.text() in {s.value for s in Severity}
    assert window.header.status_button.text()


def test_the_choice_is_kept_for_the_next_start(qapp):
    palette.choose_theme("contrast")
    assert palette.chosen_theme() == "contrast"
    assert themes.start(qapp) == "contrast" and palette.theme() == "contrast"
    QSettings().setValue(palette.SETTING, "sepia")     # a later version's theme: the desktop's look
    assert palette.chosen_theme() == "system"
    with pytest.raises(ValueError, match="unknown theme"):
        palette.choose_theme("sepia")


def test_a_widget_kept_by_the_palette_is_restyled_and_then_let_go(qapp):
    import gc

    from ui.qt import QLabel

    label = QLabel("x")
    palette.keep(label, lambda p: palette.error_style())
    palette.apply_theme(qapp, "dark")
    assert palette._TONES[Tone.BAD][palette.DARK] in label.styleSheet()
    palette.apply_theme(qapp, "light")
    assert palette._TONES[Tone.BAD][palette.LIGHT] in label.styleSheet()
    import weakref

    held = weakref.ref(label)
    del label
    gc.collect()
    assert held() is None                           # the palette holds no widget alive


def test_screenshot_in_the_dark_theme(tmp_path, store, seeded):
    out = tmp_path / "dark.png"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    result = subprocess.run([sys.executable, "-m", "ui.app", "--db", str(store.path), "--screenshot", str(out),
                             "--size", "1000x700", "--theme", "dark"], env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    image = QtGui.QImage(str(out))
    # the window's background, away from any text: dark
    assert QtGui.QColor(image.pixel(5, 690)).lightness() < 80
    assert QApplication.instance() is not None
