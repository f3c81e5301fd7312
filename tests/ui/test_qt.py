"""Words show as the characters people typed (ui/qt.py): tooltips, labels and message
boxes are plain text unless told otherwise."""

from __future__ import annotations

import pytest

from ui.qt import plain_tip, QLabel, QMessageBox, Qt
from tests.helpers.window import HOSTILE, shown


@pytest.mark.parametrize("text", [HOSTILE, "plain words", "first line\n<b>second</b>", "a < b & c > d",
                                  "&lt;b&gt; written out", "<!DOCTYPE html><p>x"])
def test_a_tooltip_is_shown_as_written(qtbot, text):
    assert shown(plain_tip(text)) == text


def test_labels_and_message_boxes_are_plain_unless_told(qtbot):
    label = QLabel(HOSTILE)
    qtbot.addWidget(label)
    assert label.textFormat() == Qt.TextFormat.PlainText and shown(label.text(), label.textFormat()) == HOSTILE
    box = QMessageBox(QMessageBox.Icon.Warning, "War room", HOSTILE)
    qtbot.addWidget(box)
    assert box.textFormat() == Qt.TextFormat.PlainText
