"""Every main flow by keyboard alone (the issue "Ship it", Accessibility): declare, log,
compose and submit; review, approve and publish; a matrix edit; a retraction.

Only key events drive the window here: shortcuts by their keys, Tab and Shift+Tab
between controls, Space and Return to press, the arrows in lists and tables, and text
typed where the focus is. Each flow checks what the core recorded, and where the
focus is after each dialog.

The offscreen platform has no window manager: when a dialog closes, nothing hands
the activation back to the window under it as a desktop does. :func:`back_to` does
that, after checking that the window kept the focus widget it should."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest

import ui.composer
from warroom.domain import EntryKind, Severity
from warroom.identity import SYSTEM
from warroom.services import drafts, incidents, matrix, outbox, review, timeline
from ui.qt import QAction, QApplication, QKeySequence, QMenu, QShortcut, Qt, QTimer
from tests.helpers.window import declared, publish_update

K = Qt.Key
NONE = Qt.KeyboardModifier.NoModifier
CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
ALT = Qt.KeyboardModifier.AltModifier

#: The real question before publishing (the ``confirmations`` fixture answers it otherwise).
REAL_CONFIRM = ui.composer.confirm
#: How long a dialog may stay up before the test counts it as stuck.
STUCK_S = 5.0


# -- the keyboard, and where the focus is -------------------------------------------------


@pytest.fixture(autouse=True)
def no_dialog_left_open():
    """A dialog the keys cannot finish fails its test, rather than holding it forever in exec()."""
    stuck: list[str] = []
    opened: dict[int, float] = {}

    def check() -> None:
        modal = QApplication.activeModalWidget()
        if modal is None:
            opened.clear()
        elif time.monotonic() - opened.setdefault(id(modal), time.monotonic()) > STUCK_S:
            stuck.append(f"{type(modal).__name__} {modal.windowTitle()!r}")
            modal.reject()

    watch = QTimer()
    watch.timeout.connect(check)
    watch.start(100)
    yield
    watch.stop()
    assert stuck == [], f"left open, the keys could not finish it: {stuck}"


def focused():
    return QApplication.focusWidget()


def describe(widget) -> str:
    """``QLineEdit#routesEdit in CellForm#matrixCellForm``: enough to read a failure."""
    if widget is None:
        return "nothing"
    text = f"{type(widget).__name__}#{widget.objectName()}"
    if widget.window() is not widget:
        text += f" in {type(widget.window()).__name__}#{widget.window().objectName()}"
    return text


def ready(qtbot) -> None:
    """Wait until a widget has the focus in the active window, the modal dialog when one is up."""
    def settled() -> bool:
        modal = QApplication.activeModalWidget()
        return focused() is not None and (modal is None or QApplication.activeWindow() is modal)

    qtbot.waitUntil(settled, timeout=3000)


def press(qtbot, key, modifier=NONE) -> None:
    """One key, where Qt sends it: to an open menu, else to whatever has the focus (shortcuts
    included: Qt finds them from there)."""
    ready(qtbot)
    qtbot.keyClick(QApplication.activePopupWidget() or focused(), key, modifier)


def type_into_focus(qtbot, text: str) -> None:
    ready(qtbot)
    qtbot.keyClicks(focused(), text)


def assert_focus(widget) -> None:
    assert focused() is widget, f"the focus is on {describe(focused())}, not on {describe(widget)}"


def tab_to(qtbot, widget, *, backwards: bool = False, limit: int = 60) -> int:
    """Tab (Shift+Tab) until ``widget`` has the focus; returns how many presses it took."""
    for presses in range(1, limit + 1):
        press(qtbot, K.Key_Tab, SHIFT if backwards else NONE)
        if focused() is widget:
            return presses
    raise AssertionError(f"{describe(widget)} is not reached by Tab; the focus is on {describe(focused())}")


def in_modal(qtbot, *steps) -> list:
    """Press ``steps`` in the next modal dialog once it is up and has the focus: its
    exec() holds the test until it closes, so this is armed before the key that opens
    it. A step is a text to type or a (key, modifier) pair. Returns what was seen:
    the dialog's class and title, and the class, name and text of the widget that had
    the focus when it came up (the dialog is gone by the time it is read)."""
    seen: list = []

    def act() -> None:
        modal = QApplication.activeModalWidget()
        if modal is None or QApplication.activeWindow() is not modal or focused() is None:
            QTimer.singleShot(10, act)
            return
        first = focused()
        text = first.text() if hasattr(first, "text") else ""
        seen.extend([type(modal).__name__, modal.windowTitle(), (type(first).__name__, first.objectName(), text)])
        for step in steps:
            if isinstance(step, str):
                qtbot.keyClicks(focused(), step)
            else:
                qtbot.keyClick(focused(), *step)

    QTimer.singleShot(0, act)
    return seen


def back_to(qtbot, window, expected) -> None:
    """A dialog over ``window`` closed: the window kept ``expected`` as its focus widget,
    and has the focus again once active (what a window manager does, done here)."""
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None, timeout=3000)
    assert window.focusWidget() is expected, \
        f"{describe(window)} would give the focus to {describe(window.focusWidget())}, not {describe(expected)}"
    window.activateWindow()
    qtbot.waitActive(window)
    ready(qtbot)
    assert_focus(expected)


def switch_person(qtbot, window, name: str) -> None:
    """File › Switch person… by its letters (Alt+F, S); the name typed, Return. The focus
    comes back to where it was."""
    before = window.focusWidget()
    asked = in_modal(qtbot, (K.Key_A, CTRL), name, (K.Key_Return, NONE))
    press(qtbot, K.Key_F, ALT)
    assert isinstance(QApplication.activePopupWidget(), QMenu)
    press(qtbot, K.Key_S)
    assert asked[:3] == ["AskDialog", "Who are you?", ("QComboBox", "askChoice", "")]   # the names, at once
    assert window.actor == name
    back_to(qtbot, window, before)


def open_active(open_window, store, actor):
    """The window as ``actor``, active: shortcuts go to the active window."""
    return open_window(store, actor, zone="UTC", active=True, remember_layout=False)


# -- declare → log → compose → submit -------------------------------------------------------


def test_declare_log_compose_and_submit_by_keyboard(qtbot, open_window, crew, confirmations):
    store = crew[0]
    w = open_active(open_window, store, "Dana")
    ready(qtbot)
    assert_focus(w.quick.line)                      # the window opens ready to log

    press(qtbot, K.Key_N, CTRL)                     # File › Declare incident…
    dialog = w.incident_actions.new_dialog
    ready(qtbot)
    assert QApplication.activeModalWidget() is dialog
    assert_focus(dialog.title)
    type_into_focus(qtbot, "VPN down for remote staff")
    press(qtbot, K.Key_Tab)
    assert_focus(dialog.severity)
    press(qtbot, K.Key_Up)                          # SEV2 → SEV1
    press(qtbot, K.Key_Tab)
    assert_focus(dialog.category)
    press(qtbot, K.Key_Down)                        # network → application
    tab_to(qtbot, dialog.customer_facing)
    press(qtbot, K.Key_Space)
    press(qtbot, K.Key_Tab)
    assert_focus(dialog.components)
    type_into_focus(qtbot, "VPN")
    press(qtbot, K.Key_Return)                      # Declare: the default button
    back_to(qtbot, w, w.quick.line)
    inc = next(i for i in incidents.list_incidents(store, viewer=SYSTEM) if i.title == "VPN down for remote staff")
    assert (inc.severity, inc.category.value, inc.customer_facing, inc.commander) == (
        Severity.SEV1, "application", True, "Dana")
    assert list(inc.components) == ["VPN"]
    assert w.current.id == inc.id

    type_into_focus(qtbot, "/a Failed over to the standby concentrator")
    press(qtbot, K.Key_Return)
    last = timeline.entries(store, inc.id, viewer=SYSTEM)[-1]
    assert (last.kind, last.text, last.author) == (EntryKind.ACTION, "Failed over to the standby concentrator", "Dana")
    assert_focus(w.quick.line)

    press(qtbot, K.Key_U, CTRL | SHIFT)             # View › Compose updates
    composer = w.composer
    assert w.tabs.currentWidget() is w.composer_page
    boxes = composer.checks
    assert_focus(next(iter(boxes.values())))
    for name, box in boxes.items():                 # customers only: Space ticks, Tab goes on
        assert_focus(box)
        if box.isChecked() != (name == "customers"):
            press(qtbot, K.Key_Space)
        press(qtbot, K.Key_Tab)
    assert composer.selected_audiences() == ["customers"]
    assert_focus(composer.etr_on)                   # then the estimate, then Compose
    press(qtbot, K.Key_D, CTRL)                     # Compose drafts
    (col,) = composer.columns.values()
    editor = col.editor.editors["long"]
    assert_focus(editor)                            # the new draft's words, ready to edit
    press(qtbot, K.Key_End, CTRL)
    press(qtbot, K.Key_Return)                      # a new line: Return is the text's, not a button's
    type_into_focus(qtbot, "Remote staff can use the web mail meanwhile.")
    press(qtbot, K.Key_Return, CTRL)                # Submit for review
    submitted = drafts.get(store, col.view.id, viewer=SYSTEM)
    assert submitted.state == "in_review" and submitted.audience == "customers"
    assert submitted.long.endswith("\nRemote staff can use the web mail meanwhile.")
    assert {r.role.value for r in review.requests(store, submitted.id, viewer=SYSTEM)} >= {"technical_reviewer",
                                                                                            "comms_reviewer"}
    assert confirmations == []                      # nothing to acknowledge on the way
    assert_focus(editor)
    assert "In review" in w.statusBar().currentMessage()


# -- review → approve → publish --------------------------------------------------------------


@pytest.mark.qt_log_ignore("This plugin does not support grabbing the keyboard")   # the File menu
def test_review_approve_and_publish_by_keyboard(qtbot, open_window, world, monkeypatch):
    """One laptop in the war room: each reviewer takes the window over by File › Switch person."""
    inc = declared(world)
    d = drafts.compose_drafts(world, "Sam", inc.id, ["customers"])[0]
    review.submit(world, "Sam", d.id, acknowledge=True)

    w = open_active(open_window, world, "Ravi Shah")
    for reviewer, role in (("Ravi Shah", "technical_reviewer"), ("Mia Lindqvist", "comms_reviewer")):
        if w.actor != reviewer:
            switch_person(qtbot, w, reviewer)
        press(qtbot, K.Key_R, CTRL | SHIFT)         # View › Reviews
        view = w.reviews
        assert_focus(view.table)
        assert view.selected().mine and view.selected().request.role.value == role
        tab_to(qtbot, view.comment)                 # through the words under review, to the comment
        type_into_focus(qtbot, f"Reads well. {reviewer}")
        press(qtbot, K.Key_Return, CTRL)            # Approve
        (request,) = [r for r in review.requests(world, d.id, viewer=SYSTEM) if r.role.value == role]
        assert request.state == "approved" and request.comment == f"Reads well. {reviewer}"
        assert request.decided_by == reviewer
        assert_focus(view.comment)
        assert view.comment.text() == ""
    assert drafts.get(world, d.id, viewer=SYSTEM).state == "approved"

    switch_person(qtbot, w, "Dana")
    monkeypatch.setattr(ui.composer, "confirm", REAL_CONFIRM)  # the question as it is asked
    press(qtbot, K.Key_U, CTRL | SHIFT)
    col = w.composer.columns[d.id]
    tab_to(qtbot, col.editor.editors["long"])
    asked = in_modal(qtbot, (K.Key_Escape, NONE))   # Escape: not published
    press(qtbot, K.Key_P, CTRL | SHIFT)
    assert asked[:2] == ["QMessageBox", "Publish update — War room"]
    assert asked[2] == ("QPushButton", "", "&Publish")   # the action's button has the focus: the default
    back_to(qtbot, w, col.editor.editors["long"])
    assert drafts.get(world, d.id, viewer=SYSTEM).state == "approved"
    assert "Not published" in w.composer.message.text()

    tab_to(qtbot, col.publish_button)               # the button, by Tab
    asked = in_modal(qtbot, (K.Key_Return, NONE))   # Return: the default button publishes
    press(qtbot, K.Key_Space)
    assert asked[:2] == ["QMessageBox", "Publish update — War room"]
    assert drafts.get(world, d.id, viewer=SYSTEM).state == "published"
    queued = outbox.list_deliveries(world, viewer=SYSTEM, draft_id=d.id)
    assert sorted(q.channel for q in queued) == ["site", "slack"]
    back_to(qtbot, w, col.retract_button)           # Publish is gone; the next step there has the focus


# -- the matrix -------------------------------------------------------------------------------


@pytest.mark.qt_log_ignore("This plugin does not support grabbing the keyboard")   # the route completer's list
def test_matrix_cell_edited_by_keyboard(qtbot, open_window, world):
    w = open_active(open_window, world, "Tess Tester")
    ready(qtbot)
    before = focused()
    press(qtbot, K.Key_M, CTRL | SHIFT)             # View › Stakeholder matrix…
    dialog = w.matrix_dialog
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    ready(qtbot)
    assert_focus(dialog.table)
    row, col = dialog.model.position("customers", Severity.SEV2)
    here = dialog.table.currentIndex()
    for _step in range(row - here.row()):
        press(qtbot, K.Key_Down)
    for _step in range(col - here.column()):
        press(qtbot, K.Key_Right)
    cell = dialog.current_cell()
    assert (cell.audience, cell.severity) == ("customers", Severity.SEV2)
    press(qtbot, K.Key_Return)                      # Enter edits the cell
    form = dialog.form
    ready(qtbot)
    assert QApplication.activeModalWidget() is form
    assert_focus(form.routes)
    type_into_focus(qtbot, "site>slack")
    press(qtbot, K.Key_Tab)
    assert_focus(form.cadence)
    type_into_focus(qtbot, "45m")
    press(qtbot, K.Key_Tab)
    assert_focus(form.owner)
    type_into_focus(qtbot, "Dana")                  # a list chooses by the typed name
    assert form.owner.currentData() == "Dana"
    tab_to(qtbot, form.apply_to)
    press(qtbot, K.Key_Down)                        # SEV2 → SEV1–SEV2
    assert form.apply_to.currentData() == "SEV1,SEV2"
    press(qtbot, K.Key_Return)                      # Save: the default button
    back_to(qtbot, dialog, dialog.table)
    for sev in ("SEV1", "SEV2"):
        saved = matrix.cell(world, "customers", sev)
        assert saved.routes == (("site", "slack"),) and saved.cadence == timedelta(minutes=45)
        assert saved.owner == "Dana"
    assert not matrix.cell(world, "customers", "SEV3").routes
    assert "Saved" in dialog.status.text()
    assert dialog.current_cell().severity is Severity.SEV2   # the cell just edited stays chosen

    press(qtbot, K.Key_Escape)                      # closes the matrix
    assert not dialog.isVisible()
    back_to(qtbot, w, before)


# -- retract --------------------------------------------------------------------------------


def test_retract_by_keyboard(qtbot, open_window, world):
    _inc, d, planned = publish_update(world)
    assert planned.deliveries
    w = open_active(open_window, world, "Dana")
    press(qtbot, K.Key_U, CTRL | SHIFT)
    col = w.composer.columns[d.id]
    assert col.retract_button.toolTip().endswith("Asks for a reason. (Ctrl+Shift+Backspace)")
    tab_to(qtbot, col.retract_button)
    asked = in_modal(qtbot, "Wrong region named", (K.Key_Escape, NONE))
    press(qtbot, K.Key_Space)
    assert asked[:2] == ["AskDialog", "Retract update — War room"]
    assert asked[2][0] == "QPlainTextEdit"          # the reason's box has the focus
    assert drafts.get(world, d.id, viewer=SYSTEM).state == "published"
    back_to(qtbot, w, col.retract_button)
    assert "Not retracted" in w.composer.message.text()

    # Return is a new line in the reason; Tab goes on to Retract, the default button
    asked = in_modal(qtbot, "Named the wrong region.", (K.Key_Return, NONE), "Corrected below.",
                     (K.Key_Tab, NONE), (K.Key_Return, NONE))
    press(qtbot, K.Key_Space)
    gone = drafts.get(world, d.id, viewer=SYSTEM)
    assert gone.state == "retracted" and gone.retracted_by == "Dana"
    assert gone.retract_reason == "Named the wrong region.\nCorrected below."
    assert all(q.state == "cancelled" for q in outbox.list_deliveries(world, viewer=SYSTEM, draft_id=d.id))
    # The audience now shows the notice that went out, and the focus is on it.
    (notice,) = [c for c in w.composer.columns.values() if c.view.kind == "retraction"]
    back_to(qtbot, w, notice.editor.title)
    # The retracted update is the earlier one in the audience's list: the arrows open it, Tab
    # goes on to Draft correction.
    pane = w.composer.panes["customers"]
    tab_to(qtbot, pane.history, backwards=True)
    press(qtbot, K.Key_Down)
    assert pane.stack.currentWidget() is col and col.history
    tab_to(qtbot, col.correct_button)
    press(qtbot, K.Key_Space)
    (fix,) = [c for c in w.composer.columns.values() if c.view.kind == "correction"]
    assert drafts.get(world, fix.view.id, viewer=SYSTEM).state == "draft"
    assert_focus(fix.editor.editors["long"])


def test_retract_by_its_shortcut_from_the_update(qtbot, open_window, world):
    _inc, d, _planned = publish_update(world)
    w = open_active(open_window, world, "Dana")
    press(qtbot, K.Key_U, CTRL | SHIFT)
    col = w.composer.columns[d.id]
    tab_to(qtbot, col.editor.editors["long"])       # read only now, and still in the Tab order
    asked = in_modal(qtbot, "Sent too early", (K.Key_Return, CTRL))   # Ctrl+Enter retracts from the box
    press(qtbot, K.Key_Backspace, CTRL | SHIFT)
    assert asked[:2] == ["AskDialog", "Retract update — War room"]
    gone = drafts.get(world, d.id, viewer=SYSTEM)
    assert gone.state == "retracted" and gone.retract_reason == "Sent too early"
    (notice,) = [c for c in w.composer.columns.values() if c.view.kind == "retraction"]
    back_to(qtbot, w, notice.editor.title)          # on the notice that went out, shown in its place


# -- reopen ---------------------------------------------------------------------------------


@pytest.mark.qt_log_ignore("This plugin does not support grabbing the keyboard")   # the Incident menu
def test_reopen_by_keyboard(qtbot, open_window, store, seeded):
    incidents.set_status(store, "Dana", seeded.id, "resolved")
    w = open_active(open_window, store, "Dana")
    before = w.focusWidget()
    asked = in_modal(qtbot, "Not fixed after all", (K.Key_Escape, NONE))
    press(qtbot, K.Key_I, ALT)                      # Incident › Reopen…
    press(qtbot, K.Key_R)
    assert asked[:3] == ["AskDialog", "Reopen incident", ("QLineEdit", "askLine", "")]   # the reason, at once
    assert incidents.get(store, seeded.id, viewer=SYSTEM).status.value == "resolved"     # Escape: not reopened
    back_to(qtbot, w, before)

    asked = in_modal(qtbot, "Errors again after the failback", (K.Key_Return, NONE))
    press(qtbot, K.Key_I, ALT)
    press(qtbot, K.Key_R)
    assert incidents.get(store, seeded.id, viewer=SYSTEM).status.value == "investigating"
    assert timeline.entries(store, seeded.id, viewer=SYSTEM)[-1].text.endswith("Errors again after the failback")
    back_to(qtbot, w, before)


# -- shortcuts ----------------------------------------------------------------------------------


def _keys(sequences) -> list[str]:
    return [s.toString() for s in sequences if not s.isEmpty()]


def test_no_two_actions_share_a_shortcut(qtbot, crew_window):
    w = crew_window("Dana")
    w.show_reviews()     # every tab built: the composer's and the reviews' keys are there too
    w.show_deliveries()
    taken: dict[str, list[str]] = {}
    for action in w.findChildren(QAction):
        for keys in _keys(action.shortcuts()):
            taken.setdefault(keys, []).append(action.text())
    assert {k: v for k, v in taken.items() if len(v) > 1} == {}
    # A shortcut of a part of the window is never one of the window's own: that would be ambiguous.
    by_scope: dict[tuple, list[str]] = {}
    for shortcut in w.findChildren(QShortcut):
        for keys in _keys([shortcut.key()]):
            assert keys not in taken, f"{keys} is {taken.get(keys)} and a shortcut of {describe(shortcut.parent())}"
            by_scope.setdefault((id(shortcut.parent()), keys), []).append(shortcut)
    assert [k for k, v in by_scope.items() if len(v) > 1] == []


def test_the_keys_of_the_flows_are_shown_where_their_actions_are(qtbot, crew_window, crew):
    """A menu shows its actions' keys (Qt writes them beside the text); the keys of the
    Updates and Reviews tabs are on their buttons or in their tooltips."""
    store, _inc, d = crew
    w = crew_window("Sam")                          # the draft's writer: Submit is allowed
    menu = {a.text(): a.shortcut().toString() for a in w.findChildren(QAction) if not a.shortcut().isEmpty()}
    assert menu["&Declare incident…"] == QKeySequence(QKeySequence.StandardKey.New).toString()
    assert (menu["Compose &updates"], menu["&Reviews"], menu["Stakeholder &matrix…"]) == (
        "Ctrl+Shift+U", "Ctrl+Shift+R", "Ctrl+Shift+M")
    assert "(Ctrl+D)" in w.composer.compose_button.text()
    col = w.composer.columns[d.id]
    assert col.submit_button.isEnabled() and "(Ctrl+Enter)" in col.submit_button.toolTip()
    assert w.composer.retract_shortcut.key().toString() == "Ctrl+Shift+Backspace"
    w.show_reviews()
    assert "(Ctrl+Enter)" in w.reviews.approve_button.text()


# -- the timeline's correction, and the menus' letters -------------------------------------------


@pytest.mark.parametrize("keys", [[(K.Key_Return, CTRL)], [(K.Key_Tab, NONE), (K.Key_Return, NONE)]],
                         ids=["ctrl+enter", "tab-then-enter"])
def test_an_entry_is_corrected_by_keyboard(qtbot, open_window, store, seeded, keys):
    w = open_active(open_window, store, "Tess Tester")
    table = w.timeline_view
    tab_to(qtbot, table, backwards=True)            # from the quick entry back to the timeline
    press(qtbot, K.Key_Home, CTRL)                  # the first entry, then two down
    press(qtbot, K.Key_Down)
    press(qtbot, K.Key_Down)
    press(qtbot, K.Key_F2)                          # Incident › Correct selected entry…
    ready(qtbot)
    dialog = QApplication.activeModalWidget()
    assert_focus(dialog.editor)
    press(qtbot, K.Key_End, CTRL)
    type_into_focus(qtbot, " (from the vendor)")
    for key, modifier in keys:                      # Ctrl+Enter saves; or Tab goes on to Save, the default
        press(qtbot, key, modifier)
    assert timeline.entries(store, seeded.id, viewer=SYSTEM)[2].text == "Rolled back release 2.4.1 (from the vendor)"
    back_to(qtbot, w, table)


@pytest.mark.parametrize("language", ["en", "de", "fr", "es"])
def test_no_two_entries_of_a_menu_share_an_accelerator(open_window, store, seeded, language):
    """Alt+V, then a letter, runs a View entry: a letter two entries share only moves between them."""
    from ui import i18n

    i18n.set_language(language)
    w = open_window(store)
    shared = []

    def walk(actions, where: str) -> None:
        letters: dict[str, list[str]] = {}
        for action in actions:
            found = re.search(r"&(\w)", action.text())
            if found:
                letters.setdefault(found.group(1).lower(), []).append(action.text())
            if action.menu() is not None:
                walk(action.menu().actions(), f"{where} › {action.text()}")
        shared.extend((where, texts) for texts in letters.values() if len(texts) > 1)

    walk(w.menuBar().actions(), "menu bar")
    assert shared == []


def mnemonics(window, menus: bool = False) -> list[list[str]]:
    """The texts that share a letter Alt goes to in ``window`` as it shows now: its shown
    buttons and the shown labels that name a field (and, with ``menus``, its menu bar's
    entries). A letter two of them share reaches neither at once."""
    from ui.qt import QtWidgets

    texts = [a.text() for a in window.menuBar().actions()] if menus else []
    for w in window.findChildren(QtWidgets.QWidget):
        if QtWidgets.QWidget.window(w) is window and w.isVisible() and (   # a part may have its own .window
                isinstance(w, QtWidgets.QAbstractButton) or isinstance(w, QtWidgets.QLabel) and w.buddy() is not None):
            texts.append(w.text())
    letters: dict[str, list[str]] = {}
    for text in texts:
        found = re.search(r"&(\w)", text.replace("&&", ""))
        if found:
            letters.setdefault(found.group(1).lower(), []).append(text)
    return [shared for shared in letters.values() if len(shared) > 1]


@pytest.mark.parametrize("language", ["en", "de", "fr", "es"])
def test_no_two_controls_of_a_tab_or_dialog_share_a_letter(open_window, world, monkeypatch, language):
    """Alt and a letter goes to one control of the window, whichever tab shows (the menus'
    letters included), and of each dialog, in each language."""
    from ui import i18n
    from ui.qt import QDialog
    from warroom.services import channels

    i18n.set_language(language)
    inc = incidents.open_incident(world, "Dana", title="Checkout failing", severity="SEV1", category="application")
    channels.update(world, "admin", "site", enabled=False)      # its button says Enable, not Disable
    w = open_window(world, "Dana", remember_layout=False)
    w.reload_incidents(select=inc.id)
    w.composer.etr_on.setChecked(True)                          # the estimate's row shown
    shared = {}
    for index in range(w.tabs.count()):
        w.tabs.setCurrentIndex(index)
        shared[w.tabs.tabText(index)] = mnemonics(w, menus=True)
    dialogs = [w.new_incident(), w.open_stakeholders(), w.open_matrix(), w.open_channels("site")]
    dialogs += [dialogs[1].add(), dialogs[2].edit_current(), dialogs[3].add()]
    for dialog in dialogs:
        shared[dialog.windowTitle()] = mnemonics(dialog)
        dialog.close()
    # The modal ones: read as they open, then cancelled.
    asked = []

    def read_exec(dialog):
        dialog.show()
        asked.append(dialog.windowTitle())
        shared[dialog.windowTitle()] = mnemonics(dialog)
        return QDialog.DialogCode.Rejected

    monkeypatch.setattr(QDialog, "exec", read_exec)
    w.choose_person()
    incidents.set_status(world, "Dana", inc.id, "resolved")
    w.check_for_changes()
    w.reopen()
    assert len(asked) == 2 and len(shared) > 15
    clashes = {where: texts for where, texts in shared.items() if texts}
    assert clashes == {}, "\n".join(f"{where}: {texts}" for where, texts in clashes.items())
