"""The Clocks tab: the selected incident's regulatory clocks (regime, whom to notify,
start, due in UTC and in the regime's zone, time left, citation), and the incident's
flags set or taken off with the time that starts them. Every write is one call of
:mod:`warroom.services.obligations`; who may is the core's answer, shown when it
refuses. The header counts down to the soonest clocks (:meth:`IncidentHeader.set_clocks`)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from warroom.changes import Change
from ui.common import palette
from ui.common.access import add_tab, describe, label_for
from ui.common.tables import Column, RowTableModel, fixed_rows
from ui.lazy import LazyModule
from ui.qt import (
    QComboBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, Qt, QTableView,
    QTimer, QVBoxLayout, QWidget, Signal, qt_alive,
)
from ui.i18n import tr as _
from ui.common import sizes

if TYPE_CHECKING:
    from warroom.services.incidents import IncidentView
    from warroom.services.obligations import ClockView

obligations = LazyModule("warroom.services.obligations")
regimes = LazyModule("warroom.services.regimes")


class ClockModel(RowTableModel):
    """One incident's clocks, held in memory (a handful per incident). The time left
    moves with :meth:`tick`."""

    REGIME, NOTIFY, START, DUE, LOCAL, LEFT, CITE = range(7)

    def __init__(self, parent=None) -> None:
        states = {"overdue": palette.Tone.BAD, "late": palette.Tone.BAD, "met": palette.Tone.GOOD,
                  "none": palette.Tone.MUTED}

        def local(c: ClockView) -> str:
            when = c.due_local()
            return when.strftime("%Y-%m-%d %H:%M %Z") if when else "—"

        def left_color(c: ClockView):
            tone = states.get(self._left(c)[1])
            return palette.color(tone) if tone is not None else None

        def tip(c: ClockView) -> str:
            return (f"{c.regime.name}: {c.regime.deadline}\nStarts: {c.regime.clock_start}\nFlag: {c.flag}\n"
                    f"{c.regime.citation}\n{c.regime.url}" + (f"\n{c.regime.notes}" if c.regime.notes else ""))

        columns = [
            Column(_("Regime"), lambda c: c.regime.name + ("" if c.regime.in_force else " (proposed)")),
            Column(_("Notify"), lambda c: c.regime.notify_whom),
            Column(_("Started (UTC)"), lambda c: f"{c.start:%Y-%m-%d %H:%M}"),
            Column(_("Due (UTC)"), lambda c: f"{c.due:%Y-%m-%d %H:%M}" if c.due else "—"),
            Column(_("Due (local)"), local),
            Column(_("Left"), lambda c: self._left(c)[0], color=left_color),
            Column(_("Citation"), lambda c: c.regime.citation),
        ]
        super().__init__([replace(col, tip=tip) for col in columns], parent, key=lambda c: (c.flag, c.regime.key))
        self.now: datetime | None = None

    def clock(self, row: int) -> ClockView | None:
        return self.row(row)

    def tick(self, now: datetime) -> None:
        """The time left moves: the cells are made again, in place."""
        self.now = now
        self.update_rows(self.rows())

    def _left(self, c: ClockView) -> tuple[str, str]:
        """(text, state) as of the model's time."""
        if c.due is None:
            return (_("no deadline: {deadline}").format(deadline=c.regime.deadline), "none")
        if c.answered_at is not None:
            return (_("met") if c.answered_at <= c.due else _("sent late"), "met" if c.answered_at <= c.due else "late")
        left = c.due - (self.now or c.now)
        return (obligations.format_left(left), "running" if left.total_seconds() >= 0 else "overdue")


class ClocksPanel(QWidget):
    """``failed``: an error to show; ``message``: a line for the status bar."""

    failed = Signal(object)
    message = Signal(str, int)

    def __init__(self, window, parent=None) -> None:
        super().__init__(parent)
        self.window_ = window
        self.incident: IncidentView | None = None
        self.generation = 0
        self.model = ClockModel(self)
        self.view = QTableView()
        self.view.setObjectName("clocks")
        self.view.setModel(self.model)
        fixed_rows(self.view)
        self.view.horizontalHeader().setStretchLastSection(True)
        # A handful of rows: widths from sample texts, never from the contents.
        metrics = self.view.fontMetrics()
        for col, sample in ((ClockModel.REGIME, "NIS2 Art.23 early warning  "), (ClockModel.NOTIFY, "National CSIRT or"),
                            (ClockModel.START, "2026-12-28 22:58  "), (ClockModel.DUE, "2026-12-28 22:58  "),
                            (ClockModel.LOCAL, "2026-12-28 22:58 CEST  "), (ClockModel.LEFT, "29d 17h overdue  ")):
            self.view.horizontalHeader().resizeSection(col, metrics.horizontalAdvance(sample) + 12)
        describe(self.view, _("Regulatory clocks"), _("Each regime's deadline to notify, and the time left"))
        self.summary = QLabel()
        self.summary.setObjectName("clocksSummary")
        self.summary.setWordWrap(True)
        self.flag = QComboBox()
        self.flag.setObjectName("flagChoice")
        # Some flags' labels are long ("…covered by NYDFS 23 NYCRR 500…"): the box shows what fits
        # and its list shows them whole, rather than widening the whole window for them.
        self.flag.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.flag.setMinimumContentsLength(28)
        describe(self.flag, _("Regulatory flag"), _("What the incident involves, e.g. personal data of people in "
                                                    "the EU: it names the regimes whose clocks run"))
        self.at = QLineEdit()
        self.at.setObjectName("flagAt")
        self.at.setPlaceholderText(_("Aware since: now, 2h ago, 2026-12-05 09:30"))
        self.at.setToolTip(_("When you became aware (or determined it): it starts the clocks. Never in the future."))
        # Wide enough for its example, in any language.
        example = self.at.fontMetrics().horizontalAdvance(self.at.placeholderText())
        self.at.setMinimumWidth(example + sizes.chars(self.at, 3))
        describe(self.at, _("Aware since"))
        self.flag_button = QPushButton(_("Flag"))
        self.flag_button.setObjectName("setFlag")
        self.flag_button.setToolTip(_("Flag the incident and start the clocks of the regimes this flag names "
                                    "(again: move the start)"))
        self.flag_button.clicked.connect(self.set_flag)
        self.at.returnPressed.connect(self.set_flag)
        self.unflag_button = QPushButton(_("Remove flag"))
        self.unflag_button.setObjectName("removeFlag")
        self.unflag_button.clicked.connect(self.remove_flag)
        describe(self.unflag_button, None, _("Remove the chosen flag: its clocks no longer show"), tip=True)
        # What else a flag records, shown only for the flags that take it: when a DORA
        # incident was classified as major; how many people a US health-data breach affects.
        self.classified = QLineEdit()
        self.classified.setObjectName("flagClassified")
        self.classified.setPlaceholderText(_("e.g. 1h ago, 2026-12-05 11:00"))
        describe(self.classified, None, _("When the incident was classified as major: the initial notification is "
                                          "due 4 hours after, and never later than 24 hours after awareness"))
        self.affected = QLineEdit()
        self.affected.setObjectName("flagAffected")
        self.affected.setPlaceholderText(_("unknown"))
        self.affected.setMaximumWidth(sizes.chars(self.affected, 12))
        describe(self.affected, None, _("How many individuals the breach affects in all: 500 or more means the "
                                        "HHS notice within 60 days"))
        self.most_in_state = QLineEdit()
        self.most_in_state.setObjectName("flagMostInOneState")
        self.most_in_state.setPlaceholderText(_("unknown"))
        self.most_in_state.setMaximumWidth(sizes.chars(self.most_in_state, 12))
        describe(self.most_in_state, None, _("Residents of the most affected State: more than 500 means notifying "
                                             "the media there"))
        for box in (self.classified, self.affected, self.most_in_state):
            box.returnPressed.connect(self.set_flag)
        self.fact_fields = {"classified_at": self.classified, "affected": self.affected,
                            "most_in_one_state": self.most_in_state}
        facts = QHBoxLayout()
        self.fact_labels = {}
        for key, label, box in (("classified_at", _("Classified as ma&jor:"), self.classified),
                                ("affected", _("Individuals a&ffected:"), self.affected),
                                ("most_in_one_state", _("Most in one S&tate:"), self.most_in_state)):
            self.fact_labels[key] = label_for(box, label)
            facts.addWidget(self.fact_labels[key])
            facts.addWidget(box, 1 if box is self.classified else 0)
        facts.addStretch(1)
        form = QHBoxLayout()
        flag_label = QLabel(_("Flag:"))
        flag_label.setBuddy(self.flag)
        form.addWidget(flag_label)
        form.addWidget(self.flag, 1)
        form.addWidget(self.at, 1)
        form.addWidget(self.flag_button)
        form.addWidget(self.unflag_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.addWidget(self.summary)
        layout.addWidget(self.view, 1)
        layout.addLayout(form)
        layout.addLayout(facts)
        self.update_buttons()

    @property
    def ctx(self):
        return getattr(self.window_, "ctx", None)

    # -- reading ----------------------------------------------------------------------

    def _fill_flags(self) -> None:
        """The flags the data names (read at the first incident shown: not before the window paints)."""
        if self.flag.count():
            return
        for f in regimes.flags().values():
            self.flag.addItem(f.label, f.key)
            self.flag.setItemData(self.flag.count() - 1, f"{f.key}: the time is {f.records}",
                                  Qt.ItemDataRole.ToolTipRole)

    def show_incident(self, incident: IncidentView | None) -> None:
        if incident is not None:
            self._fill_flags()
        switching = incident is None or self.incident is None or incident.id != self.incident.id
        self.incident = incident
        if switching:
            self._show([], [])
        self.refresh()

    def refresh(self) -> None:
        ctx, incident = self.ctx, self.incident
        self.generation += 1
        if ctx is None or incident is None:
            self._show([], [])
            return
        generation, store, viewer, key = self.generation, ctx.store, ctx.actor, incident.id

        def read() -> tuple[list, list]:
            return (obligations.clocks(store, key, viewer=viewer), obligations.list_flags(store, key, viewer=viewer))

        def shown(result) -> None:
            if qt_alive(self) and generation == self.generation:
                self._show(*result)

        ctx.ops.read(read, shown, lambda error: None)

    def _show(self, rows: list, flags: list) -> None:
        self.model.set_rows(rows)
        header = getattr(self.window_, "header", None)
        if header is not None:
            header.set_clocks(rows)
        if flags:
            flagged = "; ".join(_("{label} (since {when:%Y-%m-%d %H:%M} UTC, {who})").format(
                label=f.flag.label, when=f.started_at, who=f.set_by) + _facts_text(f) for f in flags)
            self.summary.setText(_("Flags: {flags}. Every update to regulators needs a legal reviewer's approval.")
                                 .format(flags=flagged))
        else:
            self.summary.setText(_("No regulatory flag: flag the incident below when a regime applies "
                                 "(personal data, a material incident, a NIS2 or DORA entity…)."))
        self._flagged = {f.flag.key for f in flags}
        self.update_buttons()

    def tick(self, now: datetime) -> None:
        self.model.tick(now)

    def update_buttons(self) -> None:
        has = self.incident is not None
        self.flag_button.setEnabled(has)
        self.unflag_button.setEnabled(has and self.flag.currentData() in getattr(self, "_flagged", set()))
        takes = self.flag_facts()
        for key, box in self.fact_fields.items():
            box.setVisible(key in takes)
            self.fact_labels[key].setVisible(key in takes)

    def flag_facts(self) -> tuple[str, ...]:
        """What the chosen flag records besides its time (the core's list for it)."""
        key = self.flag.currentData()
        flag = regimes.flags().get(key) if key else None
        return flag.facts if flag is not None else ()

    # -- writing: one service call each ----------------------------------------------

    def set_flag(self) -> None:
        ctx, incident = self.ctx, self.incident
        if ctx is None or incident is None:
            return
        store, actor, key, flag, at = ctx.store, ctx.actor, incident.id, self.flag.currentData(), self.at.text()
        # The facts the flag takes, as typed (the core checks them; empty: not known, or kept as recorded).
        facts = {name: self.fact_fields[name].text().strip() or None for name in self.flag_facts()}
        given = {"classified": facts.get("classified_at"), "affected": facts.get("affected"),
                 "most_in_one_state": facts.get("most_in_one_state")}
        given = {name: value for name, value in given.items() if value is not None}

        def flagged(fv) -> None:
            self.at.clear()
            for box in self.fact_fields.values():
                box.clear()
            self.message.emit(_("Flagged {label}: clocks from {started_at:%Y-%m-%d %H:%M} UTC.").format(
                label=fv.flag.label, started_at=fv.started_at), 6000)

        ctx.ops.write(lambda: obligations.flag(store, actor, key, flag, at=at or None, **given), flagged,
                      self.failed.emit)

    def remove_flag(self) -> None:
        ctx, incident = self.ctx, self.incident
        if ctx is None or incident is None:
            return
        store, actor, key, flag = ctx.store, ctx.actor, incident.id, self.flag.currentData()
        ctx.ops.write(lambda: obligations.unflag(store, actor, key, flag),
                      lambda _view: self.message.emit(_("Flag {flag} removed: its clocks no longer show.").format(
                          flag=flag), 6000),
                      self.failed.emit)


def _facts_text(f) -> str:
    """What a flag recorded besides its time, as the summary says it (empty when nothing)."""
    facts, parts = f.facts, []
    if "classified_at" in f.flag.facts:
        parts.append(_("classified as major {when:%Y-%m-%d %H:%M} UTC").format(when=facts.classified_at)
                     if facts.classified_at else _("not yet classified"))
    if "affected" in f.flag.facts:
        parts.append(_("{count} affected").format(count=facts.affected) if facts.affected is not None
                     else _("number affected unknown"))
    if "most_in_one_state" in f.flag.facts and facts.most_in_one_state is not None:
        parts.append(_("{count} in the most affected State").format(count=facts.most_in_one_state))
    return f" [{', '.join(parts)}]" if parts else ""


def install(window) -> ClocksPanel:
    """Add the Clocks tab to the main window; it follows the writes that flag an
    incident or publish to regulators (both change the incident's clocks)."""
    panel = ClocksPanel(window)
    add_tab(window.tabs, panel, _("Clocks"), _("Deadlines to notify regulators, and the time left"))
    panel.failed.connect(lambda error: window.show_error(error))
    panel.message.connect(lambda text, msecs: window.statusBar().showMessage(text, msecs))
    panel.flag.currentIndexChanged.connect(lambda _i: panel.update_buttons())
    window.followers.append((Change.INCIDENTS | Change.DRAFTS, lambda flags, own: panel.refresh()))
    timer = QTimer(panel)                     # the time left moves while the tab is shown
    timer.setInterval(1000)
    timer.timeout.connect(lambda: panel.isVisible() and panel.tick(window.header.now()))
    timer.start()
    return panel
