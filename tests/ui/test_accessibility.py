"""Every control has an accessible name and description: the main window on the demo
(each tab, on each kind of incident the demo has) and every dialog it opens, walked
widget by widget and read through Qt's accessibility layer, which is what a screen
reader is told. A failure lists each control that misses its words, by its window,
its parents (object name or class) and the text it shows, so it can be found and fixed.

A control is a widget a person acts on: a button, a field, a list or table, a combo
or spin box, a tab. Hidden ones are checked too (a banner's button, the estimate's
row): hidden now, they show in another state. Its name is what Qt reports: a button's
text, a field's buddy label (a QFormLayout row's label is its field's buddy) or the
accessible name given; its description is the accessible description, else the
tooltip, else (for a line edit) the placeholder. A description that only repeats the
name does not count.

Two of Qt's interfaces report something else as the name, so they are read as a
screen reader on Linux reads them:

- a combo box reports its current choice and leaves its label to the "labelled by"
  relation, which Qt builds only from a label whose buddy it is (an accessible name
  is not read at all): it needs a buddy label, a sibling of it (that is where Qt looks),
  shown whenever the box is. A spin box or date and time field is held to the same,
  so that the sighted read on screen what a screen reader says;
- a tab bar reports its current tab: each tab is checked instead, its text as its
  name and its tooltip as its description.

Not checked, because Qt makes them as parts of a control that is checked: the line
edit inside a spin box or an editable combo box, a table's headers and corner button,
a tab bar's scroll arrows, a line edit's clear button, the menu bar's overflow button,
scroll bars, and what lives in a popup window (a combo box's list, a calendar). Qt's
standard dialogs (message boxes, file dialogs, the journal check's progress) are Qt's
own and not opened here. Every question the window asks in a field — who you are, why
an incident is reopened or an update retracted, the secrets' passphrase, whose key
signed an archive — is a dialog of our own (ui/common/ask.py), walked here."""

from __future__ import annotations

from pathlib import Path

import pytest

from warroom import demo
from warroom.domain import WRITTEN_KINDS
from warroom.services.audit import ArchiveReport
from ui.qt import QAbstractItemView, QComboBox, QDialog, QHeaderView, QLineEdit, QPlainTextEdit, QTextEdit, \
    QtGui, QtWidgets, QWidget

QAccessible = QtGui.QAccessible
QAbstractSpinBox, QLabel, QTabBar = QtWidgets.QAbstractSpinBox, QtWidgets.QLabel, QtWidgets.QTabBar
Name, Description = QAccessible.Text.Name, QAccessible.Text.Description

#: The widgets a person acts on.
CONTROLS = (QtWidgets.QAbstractButton, QLineEdit, QTextEdit, QPlainTextEdit, QComboBox, QAbstractSpinBox,
            QAbstractItemView, QTabBar, QtWidgets.QSlider)

#: The controls that need a label on screen, whatever their accessible name.
LABELLED = (QComboBox, QAbstractSpinBox)

#: Parts Qt builds inside another control, by their class (Qt's private classes).
QT_PARTS = {"QTableCornerButton", "QLineEditIconButton", "QComboBoxListView", "QCalendarView"}


def qt_part(w: QWidget) -> bool:
    """A part Qt makes of a control that is checked itself (see the module's docstring)."""
    parent = w.parentWidget()
    if w.metaObject().className() in QT_PARTS:
        return True
    if isinstance(w, QLineEdit) and (w.objectName() == "qt_spinbox_lineedit" or
                                     (isinstance(parent, QComboBox) and parent.lineEdit() is w)):
        return True
    if isinstance(w, QHeaderView) and isinstance(parent, QAbstractItemView):
        return True
    if w.objectName() == "qt_menubar_ext_button":      # the menu bar's » when it is too narrow
        return True
    return isinstance(parent, QTabBar) and w.objectName() in ("ScrollLeftButton", "ScrollRightButton")


def where(w: QWidget) -> str:
    """A widget as a person fixing it finds it: its window, its parents, itself, and the
    words it shows (a button's text, a field's placeholder)."""
    chain = []
    a = w
    while a is not None:
        name = a.objectName()
        cls = type(a).__name__
        chain.append(f"{cls}#{name}" if name and not name.startswith("qt_") else cls)
        if a.isWindow():
            break
        a = a.parentWidget()
    shows = w.text() if isinstance(w, QtWidgets.QAbstractButton) else \
        w.placeholderText() if isinstance(w, (QLineEdit, QPlainTextEdit)) else ""
    return " > ".join(reversed(chain)) + (f" {shows!r}" if shows else "")


def labels_of(iface) -> list[QLabel]:
    """The labels the "labelled by" relation names (a label whose buddy the control is)."""
    return [r[0].object() for r in iface.relations(QAccessible.Relation.Label)
            if r[0] is not None and isinstance(r[0].object(), QLabel) and r[0].object().text().strip()]


def label_problem(w: QWidget, iface) -> str:
    """What a box that needs a label (see the module's docstring) misses of it."""
    labels = labels_of(iface)
    if not labels:
        return "no label (a buddy QLabel)"
    if w.isVisible() and not any(label.isVisible() for label in labels):
        return "no visible label"
    return ""


def problems_of(w: QWidget) -> dict[str, str]:
    """What a screen reader misses of ``w`` (its name, its description, or both), by
    where it is. A description that only repeats the name counts as none."""
    iface = QAccessible.queryAccessibleInterface(w)
    if iface is None:
        return {where(w): "no accessible interface"}
    if isinstance(w, QTabBar):
        return {f"{where(w)} tab {w.tabText(i)!r}": missing
                for i in range(w.count()) if w.isTabVisible(i)
                for missing in [lacks(iface.child(i).text(Name), iface.child(i).text(Description))] if missing}
    if isinstance(w, LABELLED):
        name = " ".join(label.text() for label in labels_of(iface))
        missing = label_problem(w, iface) or lacks(name, iface.text(Description))
    else:
        missing = lacks(iface.text(Name), iface.text(Description))
    return {where(w): missing} if missing else {}


def lacks(name: str | None, description: str | None) -> str:
    name, description = (name or "").strip(), (description or "").strip()
    missing = [what for what, text in (("name", name), ("description", description)) if not text]
    if name and description and name.casefold() == description.casefold():
        missing.append("description other than the name")
    return "no " + " and no ".join(missing) if missing else ""


class Walk:
    """The controls seen so far and what each one misses, across windows and states
    (a control is known by where it is: the same one seen twice counts once)."""

    def __init__(self) -> None:
        self.checked: set[str] = set()
        self.problems: dict[str, str] = {}

    def __call__(self, top: QWidget) -> int:
        """Check every control of ``top``'s window; how many there were."""
        top = top.window()
        controls = [w for w in top.findChildren(QWidget)
                    if isinstance(w, CONTROLS) and w.window() is top and not qt_part(w)]
        for w in controls:
            self.checked.add(where(w))
            self.problems.update(problems_of(w))
        return len(controls)

    def report(self) -> str:
        return f"{len(self.problems)} control(s) miss their words:\n" + \
            "\n".join(f"{place}: {missing}" for place, missing in self.problems.items())


@pytest.fixture
def demo_store(db_path, clock, memory_keyring):
    from warroom.app import open_store

    store = open_store(db_path, clock=clock)
    demo.create(store)
    yield store
    store.close()


@pytest.fixture
def demo_window(open_window, demo_store):
    return open_window(demo_store, "Dana Okafor", remember_layout=False)


def test_the_walk_sees_what_a_screen_reader_misses(qtbot):
    """The check itself: a field without a label, a button without a description, a
    combo box named only by its accessible name, a combo box whose label is hidden while
    it shows, a spin box without a label, a hidden button and a tab without a tooltip
    are found; a labelled field, a combo box with a buddy, a hidden combo box with its
    hidden label and a spin box in a form's row (its inner line edit is Qt's) are not."""
    from ui.qt import QFormLayout, QPushButton, QSpinBox, QTabWidget

    dialog = QDialog()
    qtbot.addWidget(dialog)
    form = QFormLayout(dialog)
    bare, labelled, spin, unlabelled_spin = QLineEdit(), QLineEdit(), QSpinBox(), QSpinBox()
    combo, chosen, hidden_label, later = QComboBox(), QComboBox(), QComboBox(), QComboBox()
    bare.setObjectName("bare")
    labelled.setToolTip("What it expects")
    for name, box in (("combo", combo), ("chosen", chosen), ("hiddenLabel", hidden_label), ("later", later)):
        box.setObjectName(name)
        box.addItems(["first", "second"])
        box.setToolTip("What it chooses")
    combo.setAccessibleName("Named only")
    for box in (spin, unlabelled_spin):
        box.setToolTip("How many")
    hidden = QPushButton("Later")
    hidden.setToolTip("Later")           # only the name again
    tabs = QTabWidget()
    tabs.addTab(QWidget(), "Plain")
    form.addRow(bare)
    form.addRow("&Labelled", labelled)
    form.addRow(combo)
    labels = {}
    for text, box in (("&Chosen", chosen), ("&Hidden", hidden_label), ("L&ater", later)):
        labels[text] = QLabel(text)
        labels[text].setBuddy(box)
        form.addRow(labels[text], box)
    form.addRow("&Count", spin)
    form.addRow(unlabelled_spin)
    form.addRow(QPushButton("Press"))
    form.addRow(hidden)
    form.addRow(tabs)
    dialog.show()
    hidden.hide()
    labels["&Hidden"].hide()            # the box shows, its label does not
    labels["L&ater"].hide()             # neither shows: a state where both are hidden
    later.hide()
    walk = Walk()
    assert walk(dialog) == 11
    assert walk.problems == {
        "QDialog > QLineEdit#bare": "no name and no description",
        "QDialog > QComboBox#combo": "no label (a buddy QLabel)",
        "QDialog > QComboBox#hiddenLabel": "no visible label",
        "QDialog > QSpinBox": "no label (a buddy QLabel)",
        "QDialog > QPushButton 'Press'": "no description",
        "QDialog > QPushButton 'Later'": "no description other than the name",
        "QDialog > QTabWidget > QTabBar tab 'Plain'": "no description",
    }


def test_every_control_of_the_window_has_a_name_and_a_description(demo_window, clock):
    w = demo_window
    walk = Walk()
    # Every tab built, on each incident of the demo (the exercise shows its tab); the
    # estimate's row shown, with its window.
    w.show_composer()
    w.composer.etr_on.setChecked(True)
    w.composer.etr_window.setChecked(True)
    w.show_reviews()
    w.show_deliveries()
    for row in range(w.incident_model.rowCount()):
        w.incident_view.setCurrentIndex(w.incident_model.index(row, 0))
        for index in range(w.tabs.count()):
            if w.tabs.isTabVisible(index):
                w.tabs.setCurrentIndex(index)
                walk(w)
    w.reload_incidents(select=w.incident_model.incident(0).id)
    w.tabs.setCurrentIndex(0)
    # Hours later every update is overdue: the reminders' banner shows its buttons.
    clock.advance(6 * 3600)
    w.reminders.tick()
    assert w.reminders.findChildren(QtWidgets.QPushButton, "reminderCompose")
    walk(w)
    assert len(walk.checked) > 120      # 134 when written: a walk that finds nothing fails
    assert not walk.problems, walk.report()


def test_every_control_of_each_dialog_has_a_name_and_a_description(demo_window, monkeypatch):
    w = demo_window
    walk = Walk()
    walk(w.new_incident())
    written = next(r for r in range(w.timeline_model.rowCount())
                   if w.timeline_model.entry(r).kind in WRITTEN_KINDS)
    w.timeline_view.setCurrentIndex(w.timeline_model.index(written, 0))
    walk(w.edit_selected_entry())
    editor = w.open_templates()
    editor.select("network-customers-update", "en")
    walk(editor)
    stakeholders = w.open_stakeholders()
    walk(stakeholders)
    walk(stakeholders.add())
    stakeholders.form.close()
    stakeholders.table.setCurrentIndex(stakeholders.proxy.index(0, 0))
    walk(stakeholders.edit_selected())
    stakeholders.form.close()
    matrix = w.open_matrix()
    walk(matrix)
    matrix.table.setCurrentIndex(matrix.model.index(0, 0))
    walk(matrix.edit_current())
    matrix.form.close()
    channels = w.open_channels()
    walk(channels)
    form = channels.add()
    for i in range(form.kind.count()):      # each kind has its own settings
        form.kind.setCurrentIndex(i)
        walk(form)
    form.close()
    channels.table.setCurrentIndex(channels.model.index(0, 0))
    walk(channels.edit_selected())
    channels.form.close()

    # Linking the incident to a source's incident or issue (the Signals tab), once a source is set.
    w.signals.source_names = ["pagerduty"]
    link = w.signals.open_link_dialog()
    assert link is not None
    walk(link)
    link.reject()

    from ui import integrity
    from warroom.services import integrity as journal

    walk(integrity.journal_report_dialog(journal.check(w.store), w))
    # An intact archive whose signer this person may trust: the report offers to.
    unknown = ArchiveReport(problems=[], files=3, incident="INC-1", public_key="ab" * 32,
                            untrusted="its signer is not trusted here")
    archive = integrity.archive_report_dialog(unknown, Path("INC-1.warroom.zip"), w, why_not_trust=None)
    assert archive.trust_button is not None
    walk(archive)

    # The vCard import's question is modal: checked as it opens, then cancelled.
    from warroom.services.audiences import list_audiences
    from ui.stakeholders.form import ask_vcard_audience

    def walked_exec(dialog):
        walk(dialog)
        return QDialog.DialogCode.Rejected

    monkeypatch.setattr(QDialog, "exec", walked_exec)
    assert ask_vcard_audience(stakeholders, list_audiences(w.store), None) is None
    # So are the person chooser and the reason to reopen a resolved incident (the demo has one).
    checked = len(walk.checked)
    w.choose_person()
    resolved = next(w.incident_model.incident(r) for r in range(w.incident_model.rowCount())
                    if not w.incident_model.incident(r).active)
    w.reload_incidents(select=resolved.id)
    w.reopen()
    assert len(walk.checked) >= checked + 6     # each one's field, OK and Cancel
    checked = len(walk.checked)
    from ui import keys
    from ui.channels import ask_passphrase

    assert ask_passphrase(w, "This machine has no keyring.") is None
    assert integrity.ask_signer_name(w, "3f2a:91c0") is None
    assert keys.ask_text(w, "Retract update — War room", "Why is it retracted?", "&Retract") is None
    assert len(walk.checked) >= checked + 9

    assert len(walk.checked) > 100      # 120 when written
    assert not walk.problems, walk.report()
