"""The main window: incidents on the left; the selected incident's header,
timeline and quick-entry line on the right."""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING

from warroom import __version__
from warroom.clock import SystemClock
from warroom.domain import EntryKind, Severity, Status, WRITTEN_KINDS
from warroom.errors import WarroomError
from warroom.text.timefmt import TimeFormatter
from ui.delivery import ChannelStatus, DispatchRunner, dispatch_disabled_by_env
from ui.lazy import incidents, outbox, timeline
from ui.models import IncidentListModel, TimelineModel
from ui.ops import Operations
from ui.qt import (
    QAbstractItemView,
    QAction,
    QByteArray,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QKeySequence,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QSettings,
    QSplitter,
    Qt,
    QTableView,
    QTabWidget,
    QTimer,
    QVBoxLayout,
    QWidget,
    qt_alive,
)
from ui.widgets import EditEntryDialog, IncidentHeader, NewIncidentDialog, QuickEntry

if TYPE_CHECKING:
    from ui.composer import ComposerView
    from ui.reviews import ReviewsView
    from warroom.services.incidents import IncidentView
    from warroom.store import Store
    from ui.outbox import DeliveriesView

#: How long after the database opens the window's dispatcher starts (the timeline first).
DISPATCH_START_MS = 1000

log = logging.getLogger(__name__)


def _fixed_rows(view: QTableView) -> None:
    """Fixed row heights and no per-row measuring: long tables stay instant."""
    vh = view.verticalHeader()
    vh.setVisible(False)
    vh.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    vh.setDefaultSectionSize(view.fontMetrics().height() + 8)
    view.setWordWrap(False)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setShowGrid(False)
    view.setTextElideMode(Qt.TextElideMode.ElideRight)


class MainWindow(QMainWindow):
    """The window can be built before the database is open (``store=None``) so it
    paints at once; :meth:`attach` then fills it."""

    def __init__(self, store: Store | None, actor: str, *, ops: Operations | None = None,
                 local: TimeFormatter | None = None, poll_ms: int = 1500, remember_layout: bool = True,
                 dispatch: bool = False, status_ms: int = 2000) -> None:
        """``dispatch``: send what the outbox holds from this window, on a background
        thread (the app turns it on; tests, screenshots and ``WARROOM_NO_DISPATCH=1`` leave
        it off). ``status_ms``: how often the status bar reads the channels' states."""
        super().__init__()
        self.store: Store | None = None
        self.actor = actor
        self.ops = ops or Operations(self)
        self.ops.setParent(self)
        self.ops.set_error_handler(self._report_error)
        self.local = local or TimeFormatter()
        self.utc = TimeFormatter(self.local.locale, "UTC")
        self._current: IncidentView | None = None
        self.last_report = None          # the last check's report dialog
        self._journal_check = None
        self._data_version: tuple[int, ...] = ()
        self._filter_generation = 0
        self.setWindowTitle("War room")
        clock = store.clock if store is not None else SystemClock()
        self.setObjectName("mainWindow")

        # Incident list
        self.incident_model = IncidentListModel(clock, self)
        self.incident_view = QTableView()
        self.incident_view.setObjectName("incidentList")
        self.incident_view.setModel(self.incident_model)
        _fixed_rows(self.incident_view)
        ih = self.incident_view.horizontalHeader()
        ih.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        ih.setStretchLastSection(False)
        for col, width in ((0, 48), (1, 64), (2, 100), (3, 200), (4, 86)):
            self.incident_view.setColumnWidth(col, width)
        ih.setSectionResizeMode(IncidentListModel.TITLE, QHeaderView.ResizeMode.Stretch)
        self.incident_view.setMinimumWidth(300)
        self.incident_view.selectionModel().currentRowChanged.connect(self._incident_changed)

        # Header, filters, timeline, quick entry
        self.header = IncidentHeader(clock, self.utc, self.local)
        self.header.status_requested.connect(self.change_status)
        self.header.severity_requested.connect(self.change_severity)
        self.header.reopen_requested.connect(self.reopen)

        self.kind_filter = QComboBox()
        self.kind_filter.setObjectName("kindFilter")
        self.kind_filter.addItem("All entries", None)
        for kind in EntryKind:
            self.kind_filter.addItem(kind.label, kind)
        self.kind_filter.currentIndexChanged.connect(self._apply_filter)
        self.search = QLineEdit()
        self.search.setObjectName("searchBox")
        self.search.setPlaceholderText("Search the timeline (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(150)
        self._search_timer.timeout.connect(self._apply_filter)
        self.search.textChanged.connect(self._search_timer.start)
        self.search.returnPressed.connect(self._apply_filter)
        self.match_label = QLabel()
        self.match_label.setObjectName("matchLabel")

        self.timeline_model = TimelineModel(store, self.utc, self.local, self, viewer=actor)
        self.timeline_view = QTableView()
        self.timeline_view.setObjectName("timeline")
        self.timeline_view.setModel(self.timeline_model)
        _fixed_rows(self.timeline_view)
        th = self.timeline_view.horizontalHeader()
        for col, width in ((0, 150), (1, 150), (2, 110), (3, 130)):
            self.timeline_view.setColumnWidth(col, width)
        th.setStretchLastSection(True)
        self.timeline_view.doubleClicked.connect(self.edit_selected_entry)

        self.quick = QuickEntry()
        self.quick.submitted.connect(self.log_entry)

        filters = QHBoxLayout()
        filters.addWidget(self.kind_filter)
        filters.addWidget(self.search, 1)
        filters.addWidget(self.match_label)
        timeline_page = QWidget()
        tl = QVBoxLayout(timeline_page)
        tl.setContentsMargins(0, 4, 0, 0)
        tl.addLayout(filters)
        tl.addWidget(self.timeline_view, 1)
        tl.addWidget(self.quick)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("incidentTabs")
        self.tabs.addTab(timeline_page, "Timeline")
        # The Updates and Reviews tabs are built the first time they are needed (see the
        # composer and reviews properties): the window paints sooner without them.
        self._composer: ComposerView | None = None
        self._reviews: ReviewsView | None = None
        self.composer_page, self.reviews_page = self._page("composerPage"), self._page("reviewsPage")
        self.tabs.addTab(self.composer_page, "Updates")
        self.tabs.addTab(self.reviews_page, "Reviews")
        # The outbox tab is built the first time it is shown (see show_deliveries).
        self.deliveries: DeliveriesView | None = None
        self.deliveries_page = QWidget()
        self.deliveries_page.setObjectName("deliveriesPage")
        QVBoxLayout(self.deliveries_page).setContentsMargins(0, 0, 0, 0)
        self.deliveries_index = self.tabs.addTab(self.deliveries_page, "Deliveries")
        self.tabs.setTabToolTip(self.deliveries_index, "What was sent for this incident, through which channels "
                                                       "(Ctrl+Shift+D)")
        self.tabs.currentChanged.connect(self._tab_changed)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(6, 6, 6, 6)
        rl.addWidget(self.header)
        rl.addWidget(self.tabs, 1)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(self.incident_view)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([470, 930])
        self.setCentralWidget(self.splitter)

        self.db_label = QLabel("Opening the database…")
        self.actor_label = QLabel(f"as {actor}")
        self.actor_label.setObjectName("actorLabel")
        self.channel_status = ChannelStatus()
        self.channel_status.failed_clicked.connect(self.show_failed_deliveries)
        self.channel_status.channel_clicked.connect(self.open_channels)
        self.statusBar().addPermanentWidget(self.channel_status)
        self.statusBar().addPermanentWidget(self.actor_label)
        self.statusBar().addPermanentWidget(self.db_label)
        self._build_menus()

        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self._on_tick)
        self._poll = QTimer(self)
        self._poll.setInterval(poll_ms)
        self._poll.timeout.connect(self.check_for_changes)
        self._channel_timer = QTimer(self)
        self._channel_timer.setInterval(status_ms)
        self._channel_timer.timeout.connect(self.refresh_channel_states)
        self._reading_channels = False
        self.dispatch_enabled = dispatch and not dispatch_disabled_by_env()
        self.dispatcher: DispatchRunner | None = None

        self.resize(1400, 860)
        self.remember_layout = remember_layout
        if remember_layout:
            self.restore_layout()
        self.quick.setEnabled(False)
        if store is not None:
            self.attach(store)
        else:
            self.header.title.setText("Opening the database…")

    def attach(self, store: Store) -> None:
        """Show what the database holds and start following it."""
        self.store = store
        self.setWindowTitle(f"War room — {store.path.name}")
        self.db_label.setText(str(store.path))
        self.incident_model.clock = store.clock
        self.header.clock = store.clock
        self.timeline_model.store = store
        for view in (self._composer, self._reviews):
            if view is not None:
                view.attach(store)
        self.reload_incidents(select_first=True)
        if self.tabs.currentIndex() == self.deliveries_index:
            self._build_deliveries()
        self._data_version = store.data_version()
        self._tick.start()
        self._poll.start()
        self._channel_timer.start()
        QTimer.singleShot(300, self.refresh_channel_states)  # after the timeline shows
        if self.dispatch_enabled:
            QTimer.singleShot(DISPATCH_START_MS, self.start_dispatcher)
        self.quick.line.setFocus()

    # -- menus and shortcuts -----------------------------------------------------

    def _action(self, menu, text: str, slot, shortcut=None, name: str | None = None) -> QAction:
        action = QAction(text, self)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        if name:
            action.setObjectName(name)
        menu.addAction(action)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file = bar.addMenu("&File")
        self.new_action = self._action(file, "&Declare incident…", self.new_incident, QKeySequence.StandardKey.New,
                                       "newIncident")
        self._action(file, "&Export incident as Markdown…", self.export_markdown, "Ctrl+E")
        self.archive_action = self._action(file, "Export signed &archive…", self.export_archive, "Ctrl+Shift+E",
                                           "exportArchive")
        self._action(file, "&Verify an archive…", self.verify_archive, None, "verifyArchive")
        self._action(file, "Check the &journal…", self.check_journal, None, "checkJournal")
        file.addSeparator()
        self._action(file, "&Switch person…", self.choose_person)
        file.addSeparator()
        self._action(file, "&Quit", self.close, QKeySequence.StandardKey.Quit)
        inc = bar.addMenu("&Incident")
        self.status_menu = inc.addMenu("&Status")
        for status in Status:
            action = QAction(status.label, self)
            action.setData(status)
            action.triggered.connect(self._status_from_menu)
            self.status_menu.addAction(action)
        self._action(inc, "&Reopen…", self.reopen)
        self.severity_menu = inc.addMenu("Se&verity")
        for sev in Severity:
            action = QAction(sev.value, self)
            action.setData(sev)
            action.triggered.connect(self._severity_from_menu)
            self.severity_menu.addAction(action)
        inc.addSeparator()
        self._action(inc, "Status menu", self._popup_status, "Ctrl+Alt+S")
        self._action(inc, "Severity menu", self._popup_severity, "Ctrl+Alt+V")
        self._action(inc, "&Correct selected entry…", self.edit_selected_entry, "F2")
        view = bar.addMenu("&View")
        self._action(view, "&Timeline", self.show_timeline, "Ctrl+Shift+L")
        self._action(view, "Compose &updates", self.show_composer, "Ctrl+Shift+U")
        self._action(view, "&Reviews", self.show_reviews, "Ctrl+Shift+R")
        self.deliveries_action = self._action(view, "&Deliveries", lambda: self.show_deliveries(), "Ctrl+Shift+D",
                                              "showDeliveries")
        self._action(view, "Te&mplates…", self.open_templates, "Ctrl+T")
        self.stakeholders_action = self._action(view, "Sta&keholders…", self.open_stakeholders, "Ctrl+Shift+K",
                                                "openStakeholders")
        self.matrix_action = self._action(view, "Stakeholder &matrix…", self.open_matrix, "Ctrl+Shift+M",
                                          "openMatrix")
        self.channels_action = self._action(view, "C&hannels…", lambda: self.open_channels(), "Ctrl+Shift+H",
                                           "openChannels")
        view.addSeparator()
        self._action(view, "&Find in timeline", self._focus_search, QKeySequence.StandardKey.Find)
        self._action(view, "&Log entry", self._focus_entry, "Ctrl+L")
        self._action(view, "Incident &list", self._focus_list, "Ctrl+I")
        self._action(view, "Jump to &newest entry", self.scroll_to_end, "Ctrl+End")
        self._action(view, "&Reload", self.reload_all, QKeySequence.StandardKey.Refresh)
        help_menu = bar.addMenu("&Help")
        self._action(help_menu, "&About War room", self._about)

    def show_timeline(self) -> None:
        self.tabs.setCurrentIndex(0)
        self.quick.line.setFocus()

    def _composer_message(self, text: str) -> None:
        self.statusBar().showMessage(text, 5000)

    def _composer_changed(self) -> None:
        """A submit or publish: the queue, the header's counts and the timeline follow;
        a publish queued deliveries, so the dispatcher looks now."""
        self._after_write()
        if self._reviews is not None:
            self._reviews.reload()
        self.wake_dispatcher()
        self.refresh_channel_states()

    def set_actor(self, name: str) -> None:
        """Who is using the window: their reviews, their confidential incidents."""
        self.actor = name
        self.timeline_model.viewer = name
        if self._composer is not None:
            self._composer.actor = name
        if self._reviews is not None:
            self._reviews.actor = name
        self.actor_label.setText(f"as {name}")
        QSettings().setValue("user/name", name)
        self.reload_incidents(select_first=True)
        if self._reviews is not None:
            self._reviews.reload(keep_selection=False)  # what waits for the new person comes first

    def choose_person(self) -> None:
        if self.store is None:
            return
        from warroom.services import people

        names = [p.name for p in people.list_people(self.store)]
        if self.actor not in names:
            names.insert(0, self.actor)
        name, ok = QInputDialog.getItem(self, "Who are you?", "Work in War room as:", names,
                                        names.index(self.actor), True)
        name = " ".join(name.split())
        if ok and name:
            self.set_actor(name)

    def show_reviews(self) -> None:
        self.tabs.setCurrentIndex(2)
        self.reviews.reload()
        self.reviews.table.setFocus()

    def show_composer(self) -> None:
        self.tabs.setCurrentIndex(1)
        boxes = list(self.composer.checks.values())
        if boxes:
            boxes[0].setFocus()

    def open_templates(self):
        if self.store is None:
            return None
        from ui.template_editor import TemplateEditor

        editor = getattr(self, "_template_editor", None)
        if editor is None or not qt_alive(editor):
            editor = TemplateEditor(self.store, self.actor, self.ops, incident=self._current, parent=self)
            self._template_editor = editor
        editor.set_incident(self._current)
        editor.show()
        editor.raise_()
        return editor

    def open_stakeholders(self):
        """The stakeholder register, non-modal; it writes as whoever uses the window then."""
        if self.store is None:
            return None
        from ui.stakeholders import StakeholderDialog

        dialog = getattr(self, "_stakeholder_dialog", None)
        if dialog is None or not qt_alive(dialog):
            dialog = StakeholderDialog(self.store, lambda: self.actor, self.ops, parent=self)
            self._stakeholder_dialog = dialog
        else:
            dialog.reload()  # the CLI or a sync may have changed it meanwhile
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        return dialog

    # -- delivery: the outbox tab, the matrix, the channels, the dispatcher --------

    def _tab_changed(self, index: int) -> None:
        if index == getattr(self, "deliveries_index", -1) and self.deliveries is None:
            self._build_deliveries()
        elif index == 1:
            self.composer  # noqa: B018 - built on first show
        elif index == 2:
            self.reviews  # noqa: B018

    @staticmethod
    def _page(name: str) -> QWidget:
        page = QWidget()
        page.setObjectName(name)
        QVBoxLayout(page).setContentsMargins(0, 0, 0, 0)
        return page

    @property
    def composer(self) -> ComposerView:
        """The Updates tab, built on first use."""
        if self._composer is None:
            from ui.composer import ComposerView

            view = ComposerView(self.ops, self.actor)
            view.status_message.connect(self._composer_message)
            view.changed.connect(self._composer_changed)
            self.composer_page.layout().addWidget(view)
            view.show()   # added to a page that may already be on screen
            self._composer = view
            if self.store is not None:
                view.attach(self.store)
                view.show_incident(self._current)
        return self._composer

    @property
    def reviews(self) -> ReviewsView:
        """The Reviews tab (the approval queue), built on first use."""
        if self._reviews is None:
            from ui.reviews import ReviewsView

            view = ReviewsView(self.ops, self.actor)
            self.reviews_page.layout().addWidget(view)
            view.show()
            self._reviews = view
            if self.store is not None:
                view.attach(self.store)
                view.show_incident(self._current.id if self._current else None)
        return self._reviews

    def _build_deliveries(self) -> DeliveriesView | None:
        if self.deliveries is None and self.store is not None:
            from ui.outbox import DeliveriesView

            view = DeliveriesView(self.store, lambda: self.actor, self.ops, self.local)
            view.changed.connect(self._deliveries_changed)
            self.deliveries_page.layout().addWidget(view)
            view.show()
            self.deliveries = view
            current = self._current
            view.show_incident(current.id if current else None, current.ref if current else "")
        return self.deliveries

    def show_deliveries(self, states: tuple[str, ...] | None = None) -> DeliveriesView | None:
        """The Deliveries tab (built on first use); ``states`` narrows it."""
        self.tabs.setCurrentIndex(self.deliveries_index)
        view = self._build_deliveries()
        if view is not None:
            if isinstance(states, tuple):
                view.set_filter(states)
            view.reload()
            view.table.setFocus()
        return view

    def show_failed_deliveries(self) -> None:
        """The status bar's "N failed": the incident they belong to, its failed deliveries."""
        if self.store is None:
            return
        store = self.store

        def show(rows) -> None:
            incident_ids = [r.incident_id for r in rows]
            if not incident_ids:
                self.show_deliveries()
                return
            target = self._current.id if self._current and self._current.id in incident_ids else None
            if target is None:
                target = next((i for i in reversed(incident_ids) if self.incident_model.row_of(i) is not None), None)
            if target is not None and (self._current is None or target != self._current.id):
                self.reload_incidents(select=target)
            self.show_deliveries(("failed",))
            others = len({i for i in incident_ids if i != target})
            if others:
                self.statusBar().showMessage(f"Other incidents have failed deliveries too ({others}).", 6000)

        actor = self.actor

        def failed_deliveries():
            return outbox.list_deliveries(store, viewer=actor, states=("failed",), limit=500)

        self.ops.read(failed_deliveries, show)

    def _deliveries_changed(self) -> None:
        # The data version is left for the poll: a retry or cancel writes a varying
        # number of events, so whether anything else changed cannot be told here.
        self._refresh_timeline()
        self.wake_dispatcher()
        self.refresh_channel_states()

    def open_matrix(self):
        """The stakeholder matrix, non-modal."""
        if self.store is None:
            return None
        from ui.matrix import MatrixDialog

        dialog = getattr(self, "_matrix_dialog", None)
        if dialog is None or not qt_alive(dialog):
            dialog = MatrixDialog(self.store, lambda: self.actor, self.ops, parent=self)
            dialog.channels_requested.connect(self.open_channels)
            dialog.changed.connect(self._matrix_changed)
            self._matrix_dialog = dialog
        else:
            dialog.reload()
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        return dialog

    def _matrix_changed(self) -> None:
        """A cadence or a route changed: the countdown counts to a different time."""
        if self._current is not None:
            self.header.show_incident(self._current, self._dues(self._current))

    def open_channels(self, name: str | None = None):
        """The channel settings, non-modal; ``name`` selects one."""
        if self.store is None:
            return None
        from ui.channels import ChannelsDialog

        dialog = getattr(self, "_channels_dialog", None)
        if dialog is None or not qt_alive(dialog):
            dialog = ChannelsDialog(self.store, lambda: self.actor, self.ops, self.local, parent=self)
            dialog.changed.connect(self._channels_changed)
            self._channels_dialog = dialog
        else:
            dialog.reload()
        if isinstance(name, str) and name:
            dialog.select(name)
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        return dialog

    def _channels_changed(self) -> None:
        self.refresh_channel_states()
        matrix_dialog = getattr(self, "_matrix_dialog", None)
        if matrix_dialog is not None and qt_alive(matrix_dialog) and matrix_dialog.isVisible():
            matrix_dialog.reload()
        self.wake_dispatcher()

    def refresh_channel_states(self) -> None:
        """The status bar's channel line: read in the background, at most one read at a time."""
        if self.store is None or self._reading_channels:
            return
        self._reading_channels = True
        store = self.store

        def done(states) -> None:
            self._reading_channels = False
            if qt_alive(self.channel_status):
                self.channel_status.show_states(states)

        def failed(error: BaseException) -> None:
            self._reading_channels = False
            log.warning("cannot read the channels' states: %s", error)

        actor = self.actor
        self.ops.read(lambda: outbox.channel_states(store, viewer=actor), done, failed)

    def start_dispatcher(self) -> DispatchRunner | None:
        """Send the outbox from this window, on a background thread, until it closes."""
        if self.store is None or dispatch_disabled_by_env():
            return None
        from warroom import secrets

        if secrets.vault_needed() and secrets.vault_path().exists():
            from ui.channels import ensure_secrets_unlocked

            if not ensure_secrets_unlocked(self):   # deliveries wait (they are not failed over) until unlocked
                self.statusBar().showMessage("Channel secrets are locked: deliveries wait until you unlock them "
                                             "(View > Channels…).", 10000)
        if self.dispatcher is None:
            self.dispatcher = DispatchRunner(self.store, parent=self)
            self.dispatcher.passed.connect(self._dispatch_passed)
        self.dispatcher.start()
        return self.dispatcher

    def stop_dispatcher(self, timeout: float = 3.0) -> bool:
        if self.dispatcher is None:
            return True
        return self.dispatcher.stop(timeout)

    def wake_dispatcher(self) -> None:
        if self.dispatcher is not None:
            self.dispatcher.wake()

    def _dispatch_passed(self, _summary) -> None:
        """The dispatcher sent, retried or gave up on something: show it now."""
        self.refresh_channel_states()
        self.check_for_changes()

    def _focus_search(self) -> None:
        self.tabs.setCurrentIndex(0)
        self.search.setFocus()
        self.search.selectAll()

    def _focus_entry(self) -> None:
        self.quick.line.setFocus()

    def _focus_list(self) -> None:
        self.incident_view.setFocus()

    def _popup_status(self) -> None:
        if self._current:
            self.header.status_menu.popup(self.header.status_button.mapToGlobal(self.header.status_button.rect().bottomLeft()))

    def _popup_severity(self) -> None:
        if self._current:
            self.header.severity_menu.popup(self.header.severity_button.mapToGlobal(self.header.severity_button.rect().bottomLeft()))

    def _status_from_menu(self) -> None:
        self.change_status(self.sender().data())

    def _severity_from_menu(self) -> None:
        self.change_severity(self.sender().data())

    def _about(self) -> None:
        where = self.store.path if self.store else "not open"
        QMessageBox.about(self, "About War room",
                          f"War room {__version__}\nIncident communications that keep working offline.\n\n"
                          f"Database: {where}")

    # -- loading -------------------------------------------------------------------

    def reload_incidents(self, select_first: bool = False, select: uuid.UUID | None = None) -> None:
        if self.store is None:
            return
        keep = select or (self._current.id if self._current else None)
        self.incident_model.set_incidents(incidents.list_incidents(self.store, viewer=self.actor))
        row = self.incident_model.row_of(keep) if keep else None
        if row is None and (select_first or keep) and self.incident_model.rowCount():
            row = 0
        if row is not None:
            index = self.incident_model.index(row, 0)
            if self.incident_view.currentIndex().row() != row:
                self.incident_view.setCurrentIndex(index)
            else:
                self._show_incident(self.incident_model.incident(row))
        elif self.incident_model.rowCount() == 0:
            self._show_incident(None)

    def _incident_changed(self, current, _previous) -> None:
        incident = self.incident_model.incident(current.row()) if current.isValid() else None
        switching = incident is None or self._current is None or incident.id != self._current.id
        self._show_incident(incident)
        if switching:
            self._filter_generation += 1
            self.timeline_model.set_incident(incident.id if incident else None)
            self._after_timeline_reset()
            self.scroll_to_end()

    def _dues(self, incident: IncidentView | None) -> list:
        """What the matrix owes each audience of this incident, for the countdown."""
        if incident is None or not incident.active or self.store is None:
            return []
        from warroom.services import matrix

        try:
            return matrix.update_dues(self.store, incident.id, viewer=self.actor)
        except WarroomError:
            return []

    def _show_incident(self, incident: IncidentView | None) -> None:
        self._current = incident
        self.header.show_incident(incident, self._dues(incident))
        if self._composer is not None:
            self._composer.show_incident(incident)
        if self._reviews is not None:
            self._reviews.show_incident(incident.id if incident else None)
        if self.deliveries is not None:
            self.deliveries.show_incident(incident.id if incident else None, incident.ref if incident else "")
        self._show_waiting(incident)
        self.quick.setEnabled(incident is not None)
        for action in self.status_menu.actions():
            action.setEnabled(bool(incident) and incident.active and action.data() != incident.status)
        for action in self.severity_menu.actions():
            action.setEnabled(bool(incident) and incident.active and action.data() != incident.severity)

    def _apply_filter(self) -> None:
        """Filter by kind and search; the query runs in the background and only the
        newest one is shown, so typing never waits for the database."""
        self._search_timer.stop()
        kind = self.kind_filter.currentData()
        search = self.search.text().strip() or None
        model, store = self.timeline_model, self.store
        # Every request supersedes the ones before it, even one that asks for what is
        # already shown (typing "roll" and clearing it again before it returns).
        self._filter_generation += 1
        generation = self._filter_generation
        if model.incident_id is None or store is None or (kind == model.kind and search == model.search):
            self._after_timeline_reset()
            return
        self.match_label.setText("searching…")

        def run():
            version = store.data_version()  # what the query saw; compared when it comes back
            return version, model.prepare(kind, search)

        self.ops.read(run, lambda result: self._show_query(generation, *result))

    def _show_query(self, generation: int, version, query) -> None:
        if generation != self._filter_generation:
            return  # a newer search was started meanwhile
        self.timeline_model.set_query(query)
        if self.store is not None and version != self.store.data_version():
            self.timeline_model.refresh()  # written while the query ran: catch up
        self._after_timeline_reset()
        self.scroll_to_end()

    def _after_timeline_reset(self) -> None:
        model = self.timeline_model
        if model.truncated:
            self.match_label.setText(f"newest {model.rowCount():,} matches")
            self.match_label.setToolTip("More entries match; these are the most recently recorded. "
                                        "Add words to narrow the search.")
        elif model.search or model.kind:
            self.match_label.setText(f"{model.rowCount():,} matching")
        else:
            self.match_label.setText(f"{model.rowCount():,} entries")

    def scroll_to_end(self) -> None:
        self.timeline_view.scrollToBottom()

    def reload_all(self) -> None:
        self.reload_incidents()
        self.timeline_model.refresh()
        self._after_timeline_reset()

    def _absorb_own_write(self, events: int) -> None:
        """Our own write of ``events`` journal events needs no reload; but when the
        database grew by more, someone else wrote too (a matrix edited, the CLI),
        and the next poll must still see it."""
        if self.store is None:
            return
        version = self.store.data_version()
        if len(version) == len(self._data_version) and sum(version) - sum(self._data_version) == events:
            self._data_version = version

    def check_for_changes(self) -> None:
        """Another program (the CLI, a second device's sync) wrote to the database."""
        if self.store is None or self.ops.busy():
            return
        try:
            version = self.store.data_version()
        except Exception:  # the database went away: say so once, keep the window
            log.exception("cannot poll the database")
            return
        if version != self._data_version:
            self._data_version = version
            self.reload_incidents()  # the Deliveries tab follows (see _show_incident)
            self._refresh_timeline()
            self.refresh_channel_states()
            for name in ("_channels_dialog", "_matrix_dialog"):
                dialog = getattr(self, name, None)
                if dialog is not None and qt_alive(dialog) and dialog.isVisible() and \
                        (dialog.form is None or not qt_alive(dialog.form) or not dialog.form.isVisible()):
                    dialog.reload()

    def _refresh_timeline(self, follow: bool = False) -> None:
        """Re-read the timeline; new entries scroll into view when the user was at the
        end (or ``follow``: they just logged one)."""
        sb = self.timeline_view.verticalScrollBar()
        at_end = sb.value() >= sb.maximum() - 1
        appended = self.timeline_model.refresh()
        self._after_timeline_reset()
        if appended and (at_end or follow):
            self.scroll_to_end()

    def _show_waiting(self, incident) -> None:
        """The header says how many updates wait for whom."""
        if incident is None or self.store is None:
            self.header.waiting.setText("")
            return
        from warroom.services import review

        waiting = review.waiting_summary(self.store, incident.id, viewer=self.actor)
        self.header.waiting.setText("Reviews waiting: " + ", ".join(f"{who} ({n})" for who, n in waiting.items())
                                    if waiting else "")

    def _on_tick(self) -> None:
        from warroom.services import reviewers

        self.header.tick()
        self.incident_model.tick()
        if self._reviews is not None:
            self._reviews.tick()
        if self.deliveries is not None and self.tabs.currentIndex() == self.deliveries_index:
            self.deliveries.tick()
        self._ticks = getattr(self, "_ticks", 0) + 1
        if self._ticks % 30 == 0 and self.store is not None and not self.ops.busy():
            # Lapsed review windows hand over to backups and the commander while the window is open.

            store = self.store
            self.ops.write(lambda: reviewers.sweep(store), lambda moved: None)

    # -- writes --------------------------------------------------------------------

    def _after_write(self, incident: IncidentView | None = None) -> None:
        self._data_version = self.store.data_version()
        self.reload_incidents(select=incident.id if incident else None)
        self._refresh_timeline()

    def log_entry(self, kind: EntryKind, text: str) -> None:
        incident = self._current
        if incident is None:
            return
        store, actor = self.store, self.actor

        def failed(error: BaseException) -> None:
            self.quick.restore(text)
            self.show_error(error)

        self.ops.write(lambda: timeline.log(store, actor, incident.id, text, kind=kind),
                       lambda _entry: self._entry_logged(), failed)

    def _entry_logged(self) -> None:
        self._absorb_own_write(events=1)
        self._refresh_timeline(follow=True)
        self.statusBar().showMessage("Logged.", 2000)

    def change_status(self, status: Status) -> None:
        if self._current is None:
            return
        key, store, actor = self._current.id, self.store, self.actor
        self.ops.write(lambda: incidents.set_status(store, actor, key, status), self._status_changed)

    def _status_changed(self, incident: IncidentView) -> None:
        self._after_write()
        self.statusBar().showMessage(f"{incident.ref} is now {incident.status.label}.", 4000)

    def reopen(self) -> None:
        if self._current is None or self._current.active:
            self.statusBar().showMessage("Only a resolved incident can be reopened.", 4000)
            return
        reason, ok = QInputDialog.getText(self, "Reopen incident", "Why is it reopened?")
        if not ok:
            return
        key, store, actor = self._current.id, self.store, self.actor
        self.ops.write(lambda: incidents.reopen(store, actor, key, reason), self._status_changed)

    def change_severity(self, severity: Severity) -> None:
        if self._current is None:
            return
        key, store, actor = self._current.id, self.store, self.actor
        self.ops.write(lambda: incidents.set_severity(store, actor, key, severity), self._severity_changed)

    def _severity_changed(self, incident: IncidentView) -> None:
        self._after_write()
        self.statusBar().showMessage(f"{incident.ref} is now {incident.severity.value}.", 4000)

    def new_incident(self) -> NewIncidentDialog | None:
        if self.store is None:
            return None
        dialog = NewIncidentDialog(self.store.clock.now(), self.actor, self)
        dialog.submitted.connect(self._declare)
        dialog.finished.connect(dialog.deleteLater)
        self._new_dialog = dialog
        dialog.open()
        return dialog

    def _declare(self, values: dict) -> None:
        dialog = self._new_dialog
        store, actor = self.store, self.actor
        dialog.setEnabled(False)  # one Declare at a time: no duplicate incidents

        def opened(incident: IncidentView) -> None:
            if qt_alive(dialog):
                dialog.setEnabled(True)
                dialog.finish()
            self.search.clear()
            self._after_write(incident)
            self.quick.line.setFocus()
            self.statusBar().showMessage(f"Declared {incident.ref}.", 4000)

        def failed(error: BaseException) -> None:
            if not qt_alive(dialog):
                self.show_error(error)
                return
            dialog.setEnabled(True)
            if isinstance(error, WarroomError):
                dialog.show_error(str(error))
            else:
                self.show_error(error)

        self.ops.write(lambda: incidents.open_incident(store, actor, **values), opened, failed)

    def edit_selected_entry(self) -> EditEntryDialog | None:
        index = self.timeline_view.currentIndex()
        entry = self.timeline_model.entry(index.row()) if index.isValid() else None
        if entry is None or self.store is None:
            return None
        if entry.kind not in WRITTEN_KINDS:
            self.statusBar().showMessage("Status and severity entries record what happened; they cannot be edited.",
                                         4000)
            return None
        dialog = EditEntryDialog(entry.text, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        store, actor = self.store, self.actor

        def save(text: str) -> None:
            dialog.setEnabled(False)

            def saved(_entry) -> None:
                if qt_alive(dialog):
                    dialog.setEnabled(True)
                    dialog.finish()
                self._after_write()

            def failed(error: BaseException) -> None:
                if qt_alive(dialog) and isinstance(error, WarroomError):
                    dialog.setEnabled(True)
                    dialog.show_error(str(error))
                else:
                    self.show_error(error)

            self.ops.write(lambda: timeline.edit(store, actor, entry.id, text), saved, failed)

        dialog.submitted.connect(save)
        dialog.open()
        return dialog

    def export_markdown(self) -> None:
        if self._current is None:
            return
        from warroom.services.export import export_incident
        from ui.qt import QtWidgets

        path, _ = QtWidgets.QFileDialog.getSaveFileName(self, "Export incident", f"{self._current.ref}.md",
                                                        "Markdown (*.md)")
        if not path:
            return
        key, store, actor = self._current.id, self.store, self.actor

        def write() -> str:
            from warroom.services.export import save

            save(path, export_incident(store, key, "markdown", viewer=actor))      # owner-only
            return path

        self.ops.read(write, lambda p: self.statusBar().showMessage(f"Exported to {p}.", 5000))

    # -- integrity: signed archives and the journal check -------------------------

    def export_archive(self, path=None) -> None:
        """Write the selected incident's signed, tamper-evident archive."""
        from ui import integrity
        from ui.channels import ensure_secrets_unlocked

        incident = self._current
        if incident is None or self.store is None:
            return
        if not ensure_secrets_unlocked(self):      # the signing key lives with the secrets
            return
        path = path or integrity.ask_save_path(self, incident)
        if path is None:
            return
        self.statusBar().showMessage(f"Writing the archive of {incident.ref}…")

        def done(manifest: dict) -> None:
            self.statusBar().showMessage(
                f"Archive of {incident.ref} written to {path}: {len(manifest['files'])} files, signed with key "
                f"{manifest['public_key'][:12]}…", 10_000)

        integrity.export_archive(self.store, self.ops, self.actor, incident, path, done)

    def verify_archive(self, path=None) -> None:
        """Check an archive (from this or any other War room), say what fails, and whether
        this database trusts its signer."""
        from pathlib import Path

        from ui import integrity

        path = Path(path) if path else integrity.ask_open_path(self)
        if path is None:
            return

        def show(dialog) -> None:
            self.last_report = dialog
            dialog.open()

        integrity.verify_archive(self.store, self.ops, self.actor, path, self, show)

    def check_journal(self) -> None:
        """Walk every journal chain and compare the tables with it, with progress."""
        from ui import integrity

        if self.store is None:
            return
        check = integrity.JournalCheck(self.store, self.ops, self)
        self._journal_check = check

        def done(report) -> None:
            self._journal_check = None
            if report is None:
                self.statusBar().showMessage("Journal check stopped.", 5000)
                return
            self.last_report = integrity.journal_report_dialog(report, self)
            self.last_report.open()

        check.finished.connect(done)
        check.start()

    # -- errors, layout, shutdown --------------------------------------------------

    def _report_error(self, error: BaseException) -> None:
        self.show_error(error)

    def show_error(self, error: BaseException) -> None:
        if isinstance(error, WarroomError):
            QMessageBox.warning(self, "War room", str(error))
        else:
            log.error("unexpected error", exc_info=error)
            QMessageBox.critical(self, "War room",
                                 f"Something went wrong: {error}\n\nNothing you acknowledged was lost. "
                                 "Details are in the log file; try again, and report it if it repeats.")

    def restore_layout(self) -> None:
        settings = QSettings()
        geometry = settings.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        state = settings.value("window/state")
        if isinstance(state, QByteArray):
            self.restoreState(state)
        splitter = settings.value("window/splitter")
        if isinstance(splitter, QByteArray):
            self.splitter.restoreState(splitter)
        header = settings.value("window/timelineHeader")
        if isinstance(header, QByteArray):
            self.timeline_view.horizontalHeader().restoreState(header)

    def save_layout(self) -> None:
        settings = QSettings()
        settings.setValue("window/geometry", self.saveGeometry())
        settings.setValue("window/state", self.saveState())
        settings.setValue("window/splitter", self.splitter.saveState())
        settings.setValue("window/timelineHeader", self.timeline_view.horizontalHeader().saveState())

    def closeEvent(self, event) -> None:
        if self._composer is not None:
            self._composer.flush()  # what is being typed is saved, not dropped
        self._tick.stop()
        self._poll.stop()
        self._channel_timer.stop()
        self.stop_dispatcher()
        if self.remember_layout:
            self.save_layout()
        if not self.ops.wait(10_000):
            log.warning("closing with work still running")
        event.accept()
