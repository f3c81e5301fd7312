"""People's words show as the characters they typed: a title written as markup
is never rendered as markup in the header, the lists or their tooltips."""

from __future__ import annotations

import pytest

from warroom.services import incidents, timeline
from ui.models import IncidentListModel, TimelineModel
from ui.qt import QLabel, QMessageBox, Qt, QtGui, plain_tip

HOSTILE = "<font color=green size=6>ALL CLEAR: approved by Legal</font><img src=file:///etc/hosts>"


def shown(text: str, text_format=Qt.TextFormat.AutoText) -> str:
    """What a label or tooltip with this text and format puts on the screen, as text."""
    rich = text_format == Qt.TextFormat.RichText or (
        text_format == Qt.TextFormat.AutoText and QtGui.Qt.mightBeRichText(text))
    if not rich:
        return text
    doc = QtGui.QTextDocument()
    doc.setHtml(text)
    return doc.toPlainText()


@pytest.fixture
def seeded(store, clock):
    """An incident whose title, commander, components and first entry are markup."""
    inc = incidents.open_incident(store, "<b>Dana</b>", title=HOSTILE, severity="SEV1",
                                  components=["<i>Checkout</i>"])
    clock.advance(60)
    timeline.log(store, "<b>Dana</b>", inc.id, "<font color=red>Rolled back</font> release 2.4.1")
    return inc


def test_the_header_shows_a_title_written_as_markup_literally(window, seeded):
    header = window.header
    assert header.title.textFormat() == Qt.TextFormat.PlainText
    assert shown(header.title.text(), header.title.textFormat()) == f"{seeded.ref}  {HOSTILE}"
    facts = shown(header.facts.text(), header.facts.textFormat())   # our markup around their words
    assert "Commander <b>Dana</b>" in facts and "Affected <i>Checkout</i>" in facts


def test_lists_and_their_tooltips_show_the_words_literally(window, seeded):
    model = window.incident_model
    row = next(r for r in range(model.rowCount())
               if model.data(model.index(r, IncidentListModel.REF)) == seeded.ref)
    tip = model.data(model.index(row, IncidentListModel.TITLE), Qt.ItemDataRole.ToolTipRole)
    assert HOSTILE in shown(tip)
    t = window.timeline_model
    texts = [t.data(t.index(r, TimelineModel.TEXT), Qt.ItemDataRole.ToolTipRole) for r in range(t.rowCount())]
    logged = next(tip for tip in texts if tip and "Rolled back" in tip)
    assert shown(logged).startswith("<font color=red>Rolled back</font> release 2.4.1")
    assert "— <b>Dana</b>" in shown(logged)


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
