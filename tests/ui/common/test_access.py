"""The words a screen reader says of a control (ui/common/access.py), as Qt's
accessibility layer reports them."""

from __future__ import annotations

from ui.common.access import add_row, add_tab, describe, describe_buttons
from ui.qt import QDialog, QDialogButtonBox, QFormLayout, QLineEdit, QTableView, QTabWidget, QtGui, QWidget

QAccessible = QtGui.QAccessible


def said(widget) -> tuple[str, str]:
    iface = QAccessible.queryAccessibleInterface(widget)
    return iface.text(QAccessible.Text.Name), iface.text(QAccessible.Text.Description)


def test_describe_names_a_control_and_says_what_it_does(qtbot):
    table, search = QTableView(), QLineEdit()
    qtbot.addWidget(table)
    qtbot.addWidget(search)
    assert describe(table, "Timeline entries", "The incident's entries") is table
    assert said(table) == ("Timeline entries", "The incident's entries")
    assert table.toolTip() == ""                 # for a screen reader only
    describe(search, "Search", "Shows only the entries with these words", tip=True)
    assert said(search) == ("Search", "Shows only the entries with these words")
    assert search.toolTip() == "Shows only the entries with these words"   # and for the eye


def test_a_form_row_names_its_field_and_describes_it(qtbot):
    dialog = QDialog()
    qtbot.addWidget(dialog)
    form = QFormLayout(dialog)
    field = add_row(form, "&Title", QLineEdit(), "What is broken, in a few words")
    assert said(field) == ("Title", "What is broken, in a few words")


def test_a_tab_says_what_it_holds(qtbot):
    tabs = QTabWidget()
    qtbot.addWidget(tabs)
    assert add_tab(tabs, QWidget(), "Timeline", "What happened") == 0
    tab = QAccessible.queryAccessibleInterface(tabs.tabBar()).child(0)
    assert (tab.text(QAccessible.Text.Name), tab.text(QAccessible.Text.Description)) == ("Timeline", "What happened")


def test_a_dialogs_buttons_say_what_they_do(qtbot):
    Button = QDialogButtonBox.StandardButton
    box = QDialogButtonBox(Button.Save | Button.Cancel)
    qtbot.addWidget(box)
    describe_buttons(box, "Save the corrected entry")
    assert said(box.button(Button.Save))[1] == "Save the corrected entry"
    assert said(box.button(Button.Cancel))[1] == "Close without saving"
    close = QDialogButtonBox(Button.Close)
    qtbot.addWidget(close)
    describe_buttons(close)
    assert said(close.button(Button.Close))[1] == "Close this window"
    other = QDialogButtonBox(Button.Ok | Button.Cancel)
    qtbot.addWidget(other)
    describe_buttons(other, "Import the file's people", "Import nothing")
    assert said(other.button(Button.Cancel))[1] == "Import nothing"
