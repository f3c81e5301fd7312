"""The main window's menus and keyboard shortcuts: every action of the window,
reachable from the keyboard. ``w`` is the :class:`ui.mainwindow.MainWindow`."""

from __future__ import annotations

from warroom import __version__
from warroom.domain import Severity, Status
from ui.qt import QAction, QKeySequence, QMessageBox


def add_action(window, menu, text: str, slot, shortcut=None, name: str | None = None) -> QAction:
    action = QAction(text, window)
    if shortcut:
        action.setShortcut(QKeySequence(shortcut))
    action.triggered.connect(lambda checked=False: slot())
    if name:
        action.setObjectName(name)
    menu.addAction(action)
    return action


def popup_under(button, menu) -> None:
    menu.popup(button.mapToGlobal(button.rect().bottomLeft()))


def about(window) -> None:
    where = window.store.path if window.store else "not open"
    QMessageBox.about(window, "About War room",
                      f"War room {__version__}\nIncident communications that keep working offline.\n\n"
                      f"Database: {where}")


def focus_search(window) -> None:
    window.tabs.setCurrentIndex(0)
    window.timeline.focus_search()


def build_menus(w) -> None:
    """File, Incident, View and Help; the actions the window and the tests use are kept on it."""
    bar = w.menuBar()
    file = bar.addMenu("&File")
    w.new_action = add_action(w, file, "&Declare incident…", w.new_incident, QKeySequence.StandardKey.New,
                              "newIncident")
    add_action(w, file, "&Export incident as Markdown…", w.export_markdown, "Ctrl+E")
    w.archive_action = add_action(w, file, "Export signed &archive…", w.export_archive, "Ctrl+Shift+E",
                                  "exportArchive")
    add_action(w, file, "&Verify an archive…", w.verify_archive, None, "verifyArchive")
    add_action(w, file, "Check the &journal…", w.check_journal, None, "checkJournal")
    file.addSeparator()
    add_action(w, file, "&Switch person…", w.choose_person)
    file.addSeparator()
    add_action(w, file, "&Quit", w.close, QKeySequence.StandardKey.Quit)
    inc = bar.addMenu("&Incident")
    w.status_menu = inc.addMenu("&Status")
    for status in Status:
        action = QAction(status.label, w)
        action.setData(status)
        action.triggered.connect(lambda checked=False, s=status: w.change_status(s))
        w.status_menu.addAction(action)
    add_action(w, inc, "&Reopen…", w.reopen)
    w.severity_menu = inc.addMenu("Se&verity")
    for sev in Severity:
        action = QAction(sev.value, w)
        action.setData(sev)
        action.triggered.connect(lambda checked=False, s=sev: w.change_severity(s))
        w.severity_menu.addAction(action)
    inc.addSeparator()
    header = w.header
    add_action(w, inc, "Status menu",
               lambda: w.current and popup_under(header.status_button, header.status_menu), "Ctrl+Alt+S")
    add_action(w, inc, "Severity menu",
               lambda: w.current and popup_under(header.severity_button, header.severity_menu), "Ctrl+Alt+V")
    add_action(w, inc, "&Correct selected entry…", w.edit_selected_entry, "F2")
    view = bar.addMenu("&View")
    add_action(w, view, "&Timeline", w.show_timeline, "Ctrl+Shift+L")
    add_action(w, view, "Compose &updates", w.show_composer, "Ctrl+Shift+U")
    add_action(w, view, "&Reviews", w.show_reviews, "Ctrl+Shift+R")
    w.deliveries_action = add_action(w, view, "&Deliveries", w.show_deliveries, "Ctrl+Shift+D", "showDeliveries")
    add_action(w, view, "Te&mplates…", w.open_templates, "Ctrl+T")
    w.stakeholders_action = add_action(w, view, "Sta&keholders…", w.open_stakeholders, "Ctrl+Shift+K",
                                       "openStakeholders")
    w.matrix_action = add_action(w, view, "Stakeholder &matrix…", w.open_matrix, "Ctrl+Shift+M", "openMatrix")
    w.channels_action = add_action(w, view, "C&hannels…", w.open_channels, "Ctrl+Shift+H", "openChannels")
    view.addSeparator()
    add_action(w, view, "&Find in timeline", lambda: focus_search(w), QKeySequence.StandardKey.Find)
    add_action(w, view, "&Log entry", w.quick.line.setFocus, "Ctrl+L")
    add_action(w, view, "Incident &list", w.incident_view.setFocus, "Ctrl+I")
    add_action(w, view, "Jump to &newest entry", w.scroll_to_end, "Ctrl+End")
    add_action(w, view, "&Reload", w.reload_all, QKeySequence.StandardKey.Refresh)
    help_menu = bar.addMenu("&Help")
    add_action(w, help_menu, "&About War room", lambda: about(w))
