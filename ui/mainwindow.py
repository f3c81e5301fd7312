"""The main window: incidents on the left; the selected incident's header and
its tabs (timeline, updates, reviews, deliveries) on the right.

Views redraw from change flags (:mod:`warroom.changes`): the window's own
writes report theirs through the operations, and what another program wrote
(the command line, the dispatcher, a sync) is read from the journal events that
arrived. :attr:`MainWindow.followers` says which view follows which flags."""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING

from warroom.clock import SystemClock
from warroom.domain import EntryKind, Severity, Status
from warroom.errors import NotPermitted, WarroomError
from warroom.changes import Change, Seen
from warroom.text.timefmt import TimeFormatter
from ui.common.access import add_tab
from ui.common.context import WindowContext
from ui.delivery import ChannelStatus, DispatchRunner, dispatch_disabled_by_env
from ui import exercise as exercise_tab, person
from ui.sync_status import SyncRunner, SyncStatus
from ui.incidents.actions import IncidentActions
from ui.incidents.listview import LIST_WIDTH, incident_table
from ui.lazy import incidents, outbox
from ui.menus import build_menus
from ui.models import IncidentListModel
from ui.ops import Operations
from ui.qt import (
    QByteArray,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSettings,
    QSplitter,
    Qt,
    QTabWidget,
    QTimer,
    QVBoxLayout,
    QWidget,
    qt_alive,
)
from ui.reminders import ReminderBanner
from ui.timeline import TimelinePanel
from ui import tabs
from ui.widgets import EditEntryDialog, IncidentHeader, NewIncidentDialog
from ui.i18n import tr as _

if TYPE_CHECKING:
    from ui.composer import ComposerView
    from ui.reviews import ReviewsView
    from warroom.services.incidents import IncidentView
    from warroom.store import Store
    from ui.outbox import DeliveriesView

#: How long after the database opens the window's dispatcher starts (the timeline first).
DISPATCH_START_MS = 1000

log = logging.getLogger(__name__)


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
        self.utc = self.local.in_zone("UTC")
        self._current: IncidentView | None = None
        self.last_report = None          # the last check's report dialog
        self._journal_check = None
        #: Every device's last journal sequence number seen, and the events this window
        #: wrote itself since (their views were redrawn already).
        self._marks: dict = {}
        self._own_events: set = set()
        self.ctx: WindowContext | None = None
        self.ops.changed.connect(self._own_changes)
        self.setWindowTitle(_("War room"))
        clock = store.clock if store is not None else SystemClock()
        self.setObjectName("mainWindow")

        # Incident list
        self.incident_model = IncidentListModel(clock, self)
        self.incident_view = incident_table(self.incident_model)
        self.incident_view.selectionModel().currentRowChanged.connect(self._incident_changed)

        # Header, filters, timeline, quick entry
        self.header = IncidentHeader(clock, self.utc, self.local)
        self.header.status_requested.connect(self.change_status)
        self.header.severity_requested.connect(self.change_severity)
        self.header.reopen_requested.connect(self.reopen)

        self.timeline = TimelinePanel(self.utc, self.local, actor)
        self.timeline.message.connect(self._say)
        self.timeline.failed.connect(self.show_error)
        # The timeline's parts, by the names the menus and the tests use.
        self.timeline_model, self.timeline_view = self.timeline.model, self.timeline.view
        self.search, self.kind_filter = self.timeline.search, self.timeline.kind_filter
        self.match_label, self.quick = self.timeline.match_label, self.timeline.quick
        self.incident_actions = IncidentActions(lambda: self._current, self)
        self.incident_actions.declared.connect(self._declared)
        self.incident_actions.message.connect(self._say)
        self.incident_actions.failed.connect(self.show_error)
        self.entry_detail = self.timeline.entry_detail
        self.tabs = QTabWidget()
        self.tabs.setObjectName("incidentTabs")
        add_tab(self.tabs, self.timeline, _("Timeline"), _("What happened, as it happened (Ctrl+Shift+L)"))
        # The Updates and Reviews tabs are built the first time they are needed (see the
        # composer and reviews properties): the window paints sooner without them.
        self._composer: ComposerView | None = None
        self._reviews: ReviewsView | None = None
        self.composer_page, self.reviews_page = self._page("composerPage"), self._page("reviewsPage")
        add_tab(self.tabs, self.composer_page, _("Updates"), _("Each audience's updates (Ctrl+Shift+U)"))
        add_tab(self.tabs, self.reviews_page, _("Reviews"), _("Updates waiting for a review (Ctrl+Shift+R)"))
        # The outbox tab is built the first time it is shown (see show_deliveries).
        self.deliveries: DeliveriesView | None = None
        self.deliveries_page = QWidget()
        self.deliveries_page.setObjectName("deliveriesPage")
        QVBoxLayout(self.deliveries_page).setContentsMargins(0, 0, 0, 0)
        self.deliveries_index = add_tab(self.tabs, self.deliveries_page, _("Deliveries"),
                                        _("What was sent for this incident, through which channels (Ctrl+Shift+D)"))
        self.facilitator = exercise_tab.install(self)      # the Exercise tab, shown for exercise incidents
        self.tabs.currentChanged.connect(self._tab_changed)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(6, 6, 6, 6)
        self.reminders = ReminderBanner(self)
        rl.addWidget(self.reminders)
        rl.addWidget(self.header)
        rl.addWidget(self.tabs, 1)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(self.incident_view)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([LIST_WIDTH, 1400 - LIST_WIDTH])
        self.setCentralWidget(self.splitter)

        self.db_label = QLabel(_("Opening the database…"))
        self.actor_label = QLabel(_("as {actor}").format(actor=actor))
        self.actor_label.setObjectName("actorLabel")
        self.channel_status = ChannelStatus()
        self.channel_status.failed_clicked.connect(self.show_failed_deliveries)
        self.channel_status.channel_clicked.connect(self.open_channels)
        self.statusBar().addPermanentWidget(self.channel_status)
        self.sync_status, self.sync_runner = SyncStatus(), None
        self.statusBar().addPermanentWidget(self.sync_status)
        self.statusBar().addPermanentWidget(self.actor_label)
        self.statusBar().addPermanentWidget(self.db_label)
        build_menus(self)

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
        #: (flags, redraw): each view and what it follows. A redraw gets the flags and
        #: whether the change was this window's own write.
        self.followers: list[tuple[Change, object]] = [
            (Change.INCIDENTS | Change.PEOPLE, lambda flags, own: self.reload_incidents()),
            (Change.TIMELINE, lambda flags, own: self.timeline.refresh()),
            (Change.MATRIX | Change.SETTINGS | Change.REVIEWS | Change.DRAFTS, self._redraw_header),
            (Change.DRAFTS | Change.REVIEWS | Change.TEMPLATES, self._redraw_composer),
            (Change.REVIEWS | Change.DRAFTS | Change.PEOPLE, self._redraw_reviews),
            (Change.DELIVERIES, self._redraw_deliveries),
            (Change.CHANNELS | Change.DELIVERIES, lambda flags, own: self.refresh_channel_states()),
            (Change.DELIVERIES | Change.CHANNELS, lambda flags, own: own and self.wake_dispatcher()),
            (Change.CHANNELS | Change.DELIVERIES, lambda flags, own: self._redraw_dialog("channels_dialog")),
            (Change.MATRIX | Change.CHANNELS | Change.STAKEHOLDERS | Change.PEOPLE | Change.SETTINGS,
             lambda flags, own: self._redraw_dialog("matrix_dialog")),
            (Change.STAKEHOLDERS | Change.MATRIX, lambda flags, own: self._redraw_dialog("stakeholder_dialog")),
        ]
        self.channels_dialog = self.matrix_dialog = self.stakeholder_dialog = self.template_editor = None
        self.parts = tabs.install(self)   # Follow-ups, Retrospective…: each follows its own changes
        if store is not None:
            self.attach(store)
        else:
            self.header.title.setText(_("Opening the database…"))

    def attach(self, store: Store) -> None:
        """Show what the database holds and start following it."""
        self.store = store
        self.setWindowTitle(_("War room — {name}").format(name=store.path.name))
        self.db_label.setText(str(store.path))
        self.incident_model.clock = store.clock
        self.header.clock = store.clock
        self.ctx = WindowContext(store, self.ops, lambda: self.actor, self.local)
        self.timeline.attach(self.ctx)
        self.incident_actions.attach(self.ctx)
        for view in (self._composer, self._reviews):
            if view is not None:
                view.attach(store)
        self.reload_incidents(select_first=True)
        if self.tabs.currentIndex() == self.deliveries_index:
            self._build_deliveries()
        from warroom import changes

        self._marks = changes.heads(store)
        self._tick.start()
        self._poll.start()
        self._channel_timer.start()
        QTimer.singleShot(300, self.refresh_channel_states)  # after the timeline shows
        if self.dispatch_enabled:
            QTimer.singleShot(DISPATCH_START_MS, self.start_dispatcher)
            QTimer.singleShot(DISPATCH_START_MS, self.start_sync)
        self.quick.line.setFocus()

    @property
    def current(self) -> IncidentView | None:
        """The incident the window shows."""
        return self._current

    def show_timeline(self) -> None:
        self.tabs.setCurrentIndex(0)
        self.quick.line.setFocus()

    def _say(self, text: str, msecs: int = 5000) -> None:
        self.statusBar().showMessage(text, msecs)

    def set_actor(self, name: str) -> None:
        """Who is using the window: their reviews, their confidential incidents."""
        self.actor = name
        self.timeline_model.viewer = name
        if self._composer is not None:
            self._composer.actor = name
        if self._reviews is not None:
            self._reviews.actor = name
        self.actor_label.setText(_("as {name}").format(name=name))
        QSettings().setValue("user/name", name)
        self.reload_incidents(select_first=True)
        if self._reviews is not None:
            self._reviews.reload(keep_selection=False)  # what waits for the new person comes first

    def choose_person(self) -> None:
        person.choose(self)

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

        editor = self.template_editor
        if editor is None or not qt_alive(editor):
            editor = TemplateEditor(self.store, self.actor, self.ops, incident=self._current, parent=self)
            self.template_editor = editor
        editor.set_incident(self._current)
        editor.show()
        editor.raise_()
        return editor

    def open_stakeholders(self):
        """The stakeholder register, non-modal; it writes as whoever uses the window then."""
        if self.store is None:
            return None
        from ui.stakeholders import StakeholderDialog

        dialog = self.stakeholder_dialog
        if dialog is None or not qt_alive(dialog):
            dialog = StakeholderDialog(self.ctx, parent=self)
            self.stakeholder_dialog = dialog
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

            view = ComposerView(self.ops, self.actor, local=self.local)
            view.status_message.connect(self._say)
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
                self.statusBar().showMessage(_("Other incidents have failed deliveries too ({others}).").format(
                    others=others), 6000)

        actor = self.actor

        def failed_deliveries():
            return outbox.list_deliveries(store, viewer=actor, states=("failed",), limit=500)

        self.ops.read(failed_deliveries, show)

    def open_matrix(self):
        """The stakeholder matrix, non-modal."""
        if self.store is None:
            return None
        from ui.matrix import MatrixDialog

        dialog = self.matrix_dialog
        if dialog is None or not qt_alive(dialog):
            dialog = MatrixDialog(self.ctx, parent=self)
            dialog.channels_requested.connect(self.open_channels)
            self.matrix_dialog = dialog
        else:
            dialog.reload()
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        return dialog

    def open_channels(self, name: str | None = None):
        """The channel settings, non-modal; ``name`` selects one."""
        if self.store is None:
            return None
        from ui.channels import ChannelsDialog

        dialog = self.channels_dialog
        if dialog is None or not qt_alive(dialog):
            dialog = ChannelsDialog(self.ctx, parent=self)
            self.channels_dialog = dialog
        else:
            dialog.reload()
        if isinstance(name, str) and name:
            dialog.select(name)
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        return dialog

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
                self.statusBar().showMessage(_("Channel secrets are locked: deliveries wait until you unlock them "
                                             "(View > Channels…)."), 10000)
        if self.dispatcher is None:
            self.dispatcher = DispatchRunner(self.store, parent=self)
            self.dispatcher.passed.connect(self._dispatch_passed)
        self.dispatcher.start()
        return self.dispatcher

    def start_sync(self) -> SyncRunner | None:
        """Sync with the team server in the background (the runner idles while there is none)."""
        if self.store is None:
            return None
        if self.sync_runner is None:
            self.sync_runner = SyncRunner(self.store, parent=self)
            self.sync_runner.status.connect(self.sync_status.show_status)
            self.sync_runner.pulled.connect(lambda _n: self.check_for_changes())
        self.sync_runner.start()
        return self.sync_runner

    def stop_dispatcher(self, timeout: float = 3.0) -> bool:
        if self.dispatcher is None:
            return True
        return self.dispatcher.stop(timeout)

    def wake_dispatcher(self) -> None:
        if self.dispatcher is not None:
            self.dispatcher.wake()

    def _dispatch_passed(self, _summary) -> None:
        """The dispatcher sent, retried or gave up on something: show it now."""
        self.check_for_changes()

    # -- loading -------------------------------------------------------------------

    def reload_incidents(self, select_first: bool = False, select: uuid.UUID | None = None) -> None:
        if self.store is None:
            return
        keep = select or (self._current.id if self._current else None)
        try:
            self.incident_model.set_incidents(incidents.list_incidents(self.store, viewer=self.actor))
        except NotPermitted as exc:   # not in the register: say so, and ask who it is
            return person.not_in_register(self, exc)
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
            self.timeline.set_incident(incident.id if incident else None)

    def _dues(self, incident: IncidentView | None) -> list:
        """What the matrix owes each audience of this incident, for the countdown (nothing,
        with why, once the incident is settled: :func:`warroom.services.reminders.countdown_dues`)."""
        if incident is None or not incident.active or self.store is None:
            return []
        from warroom.services import reminders

        try:      # what the reminders owe: nothing once the exercise has ended
            return reminders.countdown_dues(self.store, incident.id, viewer=self.actor)
        except WarroomError:
            return []

    def _show_incident(self, incident: IncidentView | None) -> None:
        self._current = incident
        self.header.show_incident(incident, self._dues(incident))
        tabs.show_incident(self.parts, incident)
        if self._composer is not None:
            self._composer.show_incident(incident)
        if self._reviews is not None:
            self._reviews.show_incident(incident.id if incident else None)
        if self.deliveries is not None:
            self.deliveries.show_incident(incident.id if incident else None, incident.ref if incident else "")
        self._show_waiting(incident)
        self.facilitator.show_incident(incident)
        for action in self.status_menu.actions():
            action.setEnabled(bool(incident) and incident.active and action.data() != incident.status)
        for action in self.severity_menu.actions():
            action.setEnabled(bool(incident) and incident.active and action.data() != incident.severity)

    def scroll_to_end(self) -> None:
        self.timeline.scroll_to_end()

    def reload_all(self) -> None:
        self.reload_incidents()
        self.timeline.reload()

    # -- following changes ---------------------------------------------------------

    def redraw(self, flags: Change, own: bool = False) -> None:
        """Redraw the views that follow any of ``flags``."""
        if self.store is None or not flags:
            return
        for follows, redraw in self.followers:
            if flags & follows:
                redraw(flags, own)

    def _own_changes(self, seen: Seen) -> None:
        """This window's write: its views redraw now, and the poll will not count it again."""
        self._own_events |= seen.events
        self.redraw(seen.flags, own=True)

    def check_for_changes(self) -> None:
        """Another program (the CLI, the dispatcher, a second device's sync) wrote to the
        database: the journal events that arrived say what changed."""
        if self.store is None or self.ops.busy():
            return
        from warroom import changes

        try:
            flags, self._marks = changes.since(self.store, self._marks, skip=self._own_events)
        except Exception:  # the database went away: say so once, keep the window
            log.exception("cannot poll the database")
            return
        self._own_events.clear()
        if flags:
            self.redraw(flags)

    def _redraw_header(self, flags: Change, own: bool) -> None:
        if self._current is not None and not flags & Change.INCIDENTS:   # that one re-reads the incident
            self.header.show_incident(self._current, self._dues(self._current))
            self._show_waiting(self._current)

    def _redraw_composer(self, flags: Change, own: bool) -> None:
        # The Updates tab keeps itself current for its own writes (a revision saved as one types).
        if self._composer is not None and not flags & Change.INCIDENTS and (not own or flags & ~Change.DRAFTS):
            self._composer.show_incident(self._current)

    def _redraw_reviews(self, flags: Change, own: bool) -> None:
        if self._reviews is not None:
            self._reviews.reload()

    def _redraw_deliveries(self, flags: Change, own: bool) -> None:
        if self.deliveries is not None and not flags & Change.INCIDENTS:
            current = self._current
            self.deliveries.show_incident(current.id if current else None, current.ref if current else "")

    def _redraw_dialog(self, name: str) -> None:
        """A register open beside the window re-reads, unless its form is being filled in."""
        dialog = getattr(self, name)
        if dialog is not None and qt_alive(dialog) and dialog.isVisible() and \
                (dialog.form is None or not qt_alive(dialog.form) or not dialog.form.isVisible()):
            dialog.reload()

    def _show_waiting(self, incident) -> None:
        """The header says how many updates wait for whom."""
        if incident is None or self.store is None:
            self.header.waiting.setText("")
            return
        from warroom.services import review

        waiting = review.waiting_summary(self.store, incident.id, viewer=self.actor)
        who = ", ".join(f"{w} ({n})" for w, n in waiting.items())
        self.header.waiting.setText(_("Reviews waiting: {who}").format(who=who) if waiting else "")

    def _on_tick(self) -> None:
        from warroom.services import reviewers

        self.header.tick()
        self.reminders.tick()
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

    # -- writes: one service call each (ui.incidents.actions, ui.timeline) -----------

    def log_entry(self, kind: EntryKind, text: str) -> None:
        self.timeline.log_entry(kind, text)

    def edit_selected_entry(self, *_args) -> EditEntryDialog | None:
        return self.timeline.edit_selected_entry()

    def change_status(self, status: Status) -> None:
        self.incident_actions.change_status(status)

    def change_severity(self, severity: Severity) -> None:
        self.incident_actions.change_severity(severity)

    def reopen(self) -> None:
        self.incident_actions.reopen(self)

    def new_incident(self) -> NewIncidentDialog | None:
        return self.incident_actions.new_incident(self)

    def _declared(self, incident) -> None:
        self.search.clear()
        self.reload_incidents(select=incident.id)
        self.quick.line.setFocus()

    def export_markdown(self) -> None:
        self.incident_actions.export_markdown(self)

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
        self.statusBar().showMessage(_("Writing the archive of {ref}…").format(ref=incident.ref))

        def done(manifest: dict) -> None:
            self.statusBar().showMessage(
                _("Archive of {ref} written to {path}: {files} files, signed with key {key}…").format(
                    ref=incident.ref, path=path, files=len(manifest['files']), key=manifest['public_key'][:12]), 10_000)

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
                self.statusBar().showMessage(_("Journal check stopped."), 5000)
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
            QMessageBox.warning(self, _("War room"), str(error))
        else:
            log.error("unexpected error", exc_info=error)
            QMessageBox.critical(self, _("War room"),
                                 _("Something went wrong: {error}\n\nNothing you acknowledged was lost. Details are "
                                   "in the log file; try again, and report it if it repeats.").format(error=error))

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
        if self.sync_runner is not None:
            self.sync_runner.stop()
        if self.remember_layout:
            self.save_layout()
        if not self.ops.wait(10_000):
            log.warning("closing with work still running")
        event.accept()
