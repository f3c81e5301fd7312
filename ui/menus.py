"""The main window's menus and keyboard shortcuts: every action of the window,
reachable from the keyboard. ``w`` is the :class:`ui.mainwindow.MainWindow`."""

from __future__ import annotations

from warroom import __version__
from warroom.domain import Severity, Status
from ui import i18n, themes
from ui.qt import QAction, QActionGroup, QKeySequence, QMenu, QMessageBox
from ui.i18n import tr as _


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
    where = window.store.path if window.store else _("not open")
    QMessageBox.about(window, _("About War room"),
                      _("War room {version}\nIncident communications that keep working offline.\n\nDatabase: {where}").format(
                          
                          
                          version=__version__, where=where))


def focus_search(window) -> None:
    window.tabs.setCurrentIndex(0)
    window.timeline.focus_search()


def language_menu(window, parent_menu) -> QMenu:
    """View > Language: the system's language or one of the shipped ones, applied at the
    next start (the window's words are read as its parts are built)."""
    menu = parent_menu.addMenu(_("L&anguage"))
    menu.setObjectName("languageMenu")
    group = QActionGroup(menu)
    choice = i18n.chosen()
    options = [(None, _("System language ({name})").format(name=i18n.NAMES[i18n.system_language()]))]
    options += [(lang, i18n.NAMES[lang]) for lang in i18n.LANGUAGES]
    for lang, text in options:
        action = QAction(text, menu)
        action.setCheckable(True)
        action.setChecked(lang == choice)
        action.setData(lang)
        action.triggered.connect(lambda checked=False, lang=lang: choose_language(window, lang))
        group.addAction(action)
        menu.addAction(action)
    return menu


def choose_language(window, language: str | None) -> None:
    i18n.choose(language)
    wanted = language or i18n.system_language()
    if wanted == i18n.current():
        return
    # Said in the language chosen: that is the one the person reads best.
    note = i18n.translations("ui", wanted).gettext(
        "The window will speak {language} from the next start of War room.")
    window.statusBar().showMessage(note.format(language=i18n.NAMES[wanted]), 10_000)


def build_menus(w) -> None:
    """File, Incident, View and Help; the actions the window and the tests use are kept on it."""
    bar = w.menuBar()
    file = bar.addMenu(_("&File"))
    w.new_action = add_action(w, file, _("&Declare incident…"), w.new_incident, QKeySequence.StandardKey.New,
                              "newIncident")
    add_action(w, file, _("&Export incident as Markdown…"), w.export_markdown, "Ctrl+E")
    w.archive_action = add_action(w, file, _("Export signed &archive…"), w.export_archive, "Ctrl+Shift+E",
                                  "exportArchive")
    add_action(w, file, _("&Verify an archive…"), w.verify_archive, None, "verifyArchive")
    add_action(w, file, _("Check the &journal…"), w.check_journal, None, "checkJournal")
    file.addSeparator()
    add_action(w, file, _("&Switch person…"), w.choose_person)
    file.addSeparator()
    add_action(w, file, _("&Quit"), w.close, QKeySequence.StandardKey.Quit)
    inc = bar.addMenu(_("&Incident"))
    w.status_menu = inc.addMenu(_("&Status"))
    for status in Status:
        action = QAction(status.label, w)
        action.setData(status)
        action.triggered.connect(lambda checked=False, s=status: w.change_status(s))
        w.status_menu.addAction(action)
    add_action(w, inc, _("&Reopen…"), w.reopen)
    w.severity_menu = inc.addMenu(_("Se&verity"))
    for sev in Severity:
        action = QAction(sev.value, w)
        action.setData(sev)
        action.triggered.connect(lambda checked=False, s=sev: w.change_severity(s))
        w.severity_menu.addAction(action)
    inc.addSeparator()
    header = w.header
    add_action(w, inc, _("Status menu"),
               lambda: w.current and popup_under(header.status_button, header.status_menu), "Ctrl+Alt+S")
    add_action(w, inc, _("Severity menu"),
               lambda: w.current and popup_under(header.severity_button, header.severity_menu), "Ctrl+Alt+V")
    add_action(w, inc, _("&Correct selected entry…"), w.edit_selected_entry, "F2")
    view = bar.addMenu(_("&View"))
    add_action(w, view, _("&Timeline"), w.show_timeline, "Ctrl+Shift+L")
    add_action(w, view, _("Compose &updates"), w.show_composer, "Ctrl+Shift+U")
    add_action(w, view, _("&Reviews"), w.show_reviews, "Ctrl+Shift+R")
    w.deliveries_action = add_action(w, view, _("&Deliveries"), w.show_deliveries, "Ctrl+Shift+D", "showDeliveries")
    add_action(w, view, _("Tem&plates…"), w.open_templates, "Ctrl+T")
    w.stakeholders_action = add_action(w, view, _("Sta&keholders…"), w.open_stakeholders, "Ctrl+Shift+K",
                                       "openStakeholders")
    w.matrix_action = add_action(w, view, _("Stakeholder &matrix…"), w.open_matrix, "Ctrl+Shift+M", "openMatrix")
    w.channels_action = add_action(w, view, _("C&hannels…"), w.open_channels, "Ctrl+Shift+H", "openChannels")
    view.addSeparator()
    add_action(w, view, _("&Find in timeline"), lambda: focus_search(w), QKeySequence.StandardKey.Find)
    add_action(w, view, _("&Log entry"), w.quick.line.setFocus, "Ctrl+L")
    add_action(w, view, _("&Incident list"), w.incident_view.setFocus, "Ctrl+I")
    add_action(w, view, _("Jump to &newest entry"), w.scroll_to_end, "Ctrl+End")
    add_action(w, view, _("Rel&oad"), w.reload_all, QKeySequence.StandardKey.Refresh)
    view.addSeparator()
    w.language_menu = language_menu(w, view)
    w.theme_menu = themes.theme_menu(w, view)
    help_menu = bar.addMenu(_("&Help"))
    add_action(w, help_menu, _("&About War room"), lambda: about(w))
