"""The facilitator's view of a tabletop exercise: its own clock, the injects (done,
next, upcoming), the controls, the players' actions as they happen, and the score
card (each target of the scenario with a pass or a miss and why): so far while the
exercise runs, final once it has ended.

Shown as a tab for exercise incidents only. A one-second timer reads the clock and,
when an inject falls due, fires it (one more reader of the clock: an inject fires
once whoever reads first). Every control is one call of :mod:`warroom.exercise.run`;
the score card is :func:`warroom.exercise.score.card_of`, as ``exercise end`` prints it."""

from __future__ import annotations

from datetime import timedelta
from warroom.errors import WarroomError
from warroom.exercise.clock import MAX_SPEED, MIN_SPEED, offset_text
from ui.common import palette
from ui.common.access import describe
from ui.common.palette import Tone
from ui.common.tables import Column, RowTableModel, fixed_rows, set_widths
from ui.qt import (
    QFont, QHBoxLayout, QLabel, QPushButton, QSpinBox, QSplitter, Qt, QTableView, QTimer, QVBoxLayout, QWidget,
)
from ui.i18n import tr as _


def _offset(seconds: int) -> str:
    return offset_text(timedelta(seconds=seconds))


class InjectModel(RowTableModel):
    """The scenario's injects with their state."""

    def __init__(self, parent=None) -> None:
        def tone(i):
            if i.failed:
                return palette.color(Tone.BAD)     # it fired but could not be played: the room should know
            return palette.color(Tone.MUTED) if i.state == "done" else None

        def state(i) -> str:
            if i.failed:
                return _("not played")
            return {"done": _("done"), "next": _("▶ next"), "upcoming": ""}[i.state]

        def why(i) -> str | None:
            failed = i.failed
            return _("Not played: {why}").format(why=failed) if failed else None

        super().__init__([
            Column(_("At"), lambda i: _offset(i.offset_s), color=tone, right=True),
            Column(_("State"), state, color=tone, tip=why),
            Column(_("Inject"), lambda i: i.kind.replace("_", " "), color=tone),
            Column(_("What happens"), lambda i: " ".join(i.text.split()),
                   tip=lambda i: "\n\n".join(t for t in (i.text, why(i)) if t) or None, color=tone),
        ], parent, key=lambda i: i.index)


class ActionModel(RowTableModel):
    """The exercise incident's journal: the players' actions and the injects."""

    def __init__(self, parent=None) -> None:
        super().__init__([
            Column(_("At"), lambda a: _offset(a.offset_s), right=True),
            Column(_("Who"), lambda a: a.actor),
            Column(_("What"), lambda a: a.kind),
            Column(_("Detail"), lambda a: a.summary, tip=lambda a: a.summary or None),
        ], parent, key=lambda a: a.seq)


class ScoreModel(RowTableModel):
    """The score card: each target of the scenario, its figure, a pass or a miss, and why."""

    def __init__(self, parent=None) -> None:
        bold = QFont()
        bold.setBold(True)

        def tone(r):
            return palette.color(Tone.GOOD if r.passed else Tone.BAD)

        super().__init__([
            Column(_("Result"), lambda r: _("pass") if r.passed else _("MISS"), color=tone,
                   font=lambda r: None if r.passed else bold),
            Column(_("Target"), lambda r: r.target, tip=lambda r: r.target),
            Column(_("Figure"), lambda r: r.figure),
            Column(_("Why"), lambda r: r.why, tip=lambda r: r.why or None),
        ], parent, key=lambda r: r.target)


def card_summary(rows, ended: bool) -> str:
    """The score card's heading: how many targets were met, and whether that is final."""
    met = sum(1 for r in rows if r.passed)
    if ended:
        return _("Score card: {met} of {count} targets met").format(met=met, count=len(rows))
    return _("Score card so far: {met} of {count} targets met (the exercise is still running)").format(
        met=met, count=len(rows))


class FacilitatorView(QWidget):
    """The Exercise tab."""

    def __init__(self, window) -> None:
        """``window``: the main window (its store, actor, operations, tabs and time formatter)."""
        super().__init__()
        self.setObjectName("facilitatorView")
        self.window_ = window
        self.incident_id = None
        self.exercise = None   # the exercise shown (warroom.exercise.run.ExerciseView)
        layout = QVBoxLayout(self)
        self.clock_label = QLabel(_("No exercise"))
        self.clock_label.setObjectName("exerciseClock")
        self.clock_label.setTextFormat(Qt.TextFormat.PlainText)
        font = self.clock_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.clock_label.setFont(font)
        self.scenario_label = QLabel("")
        self.scenario_label.setTextFormat(Qt.TextFormat.PlainText)
        controls = QHBoxLayout()
        self.pause_button = QPushButton(_("Pause"))
        self.pause_button.clicked.connect(self.toggle_pause)
        describe(self.pause_button, None, _("Stop the exercise's clock, or start it again"), tip=True)
        self.speed = QSpinBox()
        self.speed.setRange(MIN_SPEED, MAX_SPEED)
        self.speed.setPrefix("×")
        self.speed.setToolTip(_("How many exercise minutes pass in one real minute"))
        self.speed.editingFinished.connect(lambda: self._control(speed=self.speed.value()))
        self.next_button = QPushButton(_("Next inject"))
        self.next_button.setToolTip(_("Jump the clock to the next inject and fire it"))
        self.next_button.clicked.connect(lambda: self._control(to_next=True))
        self.advance_button = QPushButton(_("+5 min"))
        self.advance_button.clicked.connect(lambda: self._control(advance=timedelta(minutes=5)))
        describe(self.advance_button, None, _("Move the exercise's clock five minutes on"), tip=True)
        self.end_button = QPushButton(_("End exercise"))
        self.end_button.clicked.connect(self.end)
        describe(self.end_button, None, _("End the exercise: its clock stops, and injects not yet fired are not "
                                          "played"), tip=True)
        speed_label = QLabel(_("Speed"))
        speed_label.setBuddy(self.speed)
        for w in (self.pause_button, speed_label, self.speed, self.next_button, self.advance_button):
            controls.addWidget(w)
        controls.addStretch(1)
        controls.addWidget(self.end_button)
        self.injects = InjectModel(self)
        self.inject_view = QTableView()
        self.inject_view.setObjectName("exerciseInjects")
        self.inject_view.setModel(self.injects)
        fixed_rows(self.inject_view)
        set_widths(self.inject_view, [80, 70, 110, 300], stretch=3)
        self.actions = ActionModel(self)
        self.action_view = QTableView()
        self.action_view.setObjectName("exerciseActions")
        self.action_view.setModel(self.actions)
        fixed_rows(self.action_view)
        set_widths(self.action_view, [80, 150, 170, 300], stretch=3)
        self.card = ScoreModel(self)
        self.card_view = QTableView()
        self.card_view.setObjectName("exerciseScoreCard")
        self.card_view.setModel(self.card)
        fixed_rows(self.card_view)
        set_widths(self.card_view, [60, 230, 150, 300], stretch=3)
        self.card_label = QLabel(_("Score card"))
        self.card_label.setObjectName("exerciseScoreSummary")
        self.split = split = QSplitter(Qt.Orientation.Vertical)
        split.setObjectName("exerciseSplitter")
        for title, view, description in (
                (QLabel(_("Injects")), self.inject_view, _("The scenario's injects: done, next and still to come")),
                (QLabel(_("What the players do")), self.action_view, _("The players' actions and the injects, as "
                                                                       "they happen")),
                (self.card_label, self.card_view, _("Each target of the scenario with its figure, a pass or a miss, "
                                                    "and why"))):
            box = QWidget()
            bl = QVBoxLayout(box)
            bl.setContentsMargins(0, 0, 0, 0)
            title.setBuddy(view)       # the heading names its table
            bl.addWidget(title)
            bl.addWidget(describe(view, None, description))
            split.addWidget(box)
        split.setChildrenCollapsible(False)
        self._card_for: tuple | None = None   # (incident, ended) the splitter was last sized for
        layout.addWidget(self.clock_label)
        layout.addWidget(self.scenario_label)
        layout.addLayout(controls)
        layout.addWidget(split, 1)
        self._seen: tuple | None = None
        self.timer = QTimer(self)
        self.timer.setInterval(1000)
        self.timer.timeout.connect(self.tick)

    # -- data -----------------------------------------------------------------------

    def show_incident(self, incident) -> None:
        """Follow ``incident``; the tab shows only while it is an exercise."""
        self.incident_id = incident.id if incident is not None and incident.exercise else None
        self._seen = None
        self.reload()

    def reload(self) -> None:
        from warroom.exercise import run

        store, actor = self.window_.store, self.window_.actor
        self.exercise = None
        if store is not None and self.incident_id is not None:
            try:
                self.exercise = run.get(store, self.incident_id, viewer=actor)
                self.actions.set_rows(run.actions(store, self.incident_id, viewer=actor))
                self.action_view.scrollToBottom()
            except WarroomError:
                self.exercise = None
        tabs = self.window_.tabs
        tabs.setTabVisible(tabs.indexOf(self), self.exercise is not None)
        if self.exercise is None:
            self.timer.stop()
            self.injects.set_rows([])
            self.actions.set_rows([])
            self.card.set_rows([])
            self.card_label.setText(_("Score card"))
            return
        if not self.injects.update_rows(list(self.exercise.injects)):
            self.injects.set_rows(list(self.exercise.injects))
        self._draw_clock()
        self._read_card()
        if not self.timer.isActive() and self.exercise.ended_at is None:
            self.timer.start()

    def _draw_clock(self) -> None:
        ex = self.exercise
        if ex is None:
            return
        local = self.window_.local
        self.clock_label.setText(_("EXERCISE {ref}  ·  {offset}  ·  {stamp}  ·  {state}").format(
            ref=ex.ref, offset=_offset(ex.elapsed_s), stamp=local.stamp(ex.sim_now), state=ex.state))
        nxt = ex.next_inject
        self.scenario_label.setText(_("{scenario}  ·  facilitated by {facilitator}").format(
            scenario=ex.scenario, facilitator=ex.facilitator) + "  ·  "
                                    + (_("next inject at {offset}: {kind}").format(
                                        offset=_offset(nxt.offset_s), kind=nxt.kind.replace("_", " "))
                                       if nxt else _("every inject has fired")))
        ended = ex.ended_at is not None
        self.pause_button.setText(_("Resume") if ex.paused else _("Pause"))
        for w in (self.pause_button, self.speed, self.next_button, self.advance_button, self.end_button):
            w.setEnabled(not ended)
        self.next_button.setEnabled(not ended and nxt is not None)
        if not self.speed.hasFocus():
            self.speed.setValue(ex.speed)

    def _read_card(self) -> None:
        """Work out the score card in the background (the retrospective of the journal so far)."""
        from warroom.exercise import score

        store, actor, incident_id = self.window_.store, self.window_.actor, self.incident_id
        ended = self.exercise.ended_at is not None
        self.window_.ops.read(lambda: score.card_of(store, incident_id, viewer=actor),
                              lambda rows: self._show_card(incident_id, ended, rows), self._no_card)

    def _show_card(self, incident_id, ended: bool, rows) -> None:
        if incident_id != self.incident_id:       # another incident was chosen meanwhile
            return
        rows = list(rows or [])
        if not self.card.update_rows(rows):
            self.card.set_rows(rows)
        self.card_label.setText(card_summary(rows, ended))
        if self._card_for != (incident_id, ended):
            self._card_for = (incident_id, ended)
            # Once it has ended, the score card is what the room looks at: give it the most room.
            total = sum(self.split.sizes()) or 600
            self.split.setSizes([total * 2 // 10, total * 2 // 10, total * 6 // 10] if ended else
                                [total * 4 // 10, total * 4 // 10, total * 2 // 10])

    def _no_card(self, error: BaseException) -> None:
        self.card.set_rows([])
        self.card_label.setText(_("Score card: not available ({why})").format(why=error))

    def tick(self) -> None:
        """Once a second: the clock moves on screen; a due inject is fired; new actions are shown."""
        from warroom.exercise import run

        store = self.window_.store
        if store is None or self.incident_id is None or not self.isVisible():
            return
        try:
            ex = run.get(store, self.incident_id, viewer=self.window_.actor)
        except WarroomError:
            return
        self.exercise = ex
        self._draw_clock()
        nxt = ex.next_inject
        if nxt is not None and ex.ended_at is None and nxt.offset_s <= ex.elapsed_s and not self.window_.ops.busy():
            incident_id = self.incident_id
            self.window_.ops.write(lambda: run.fire_due(store, incident_id), lambda _fired: self.reload())
            return
        seen = store.data_version()
        if seen != self._seen:
            self._seen = seen
            self.reload()

    # -- controls (one service call each) --------------------------------------------------

    def _control(self, **kw) -> None:
        from warroom.exercise import run

        store, actor, incident_id = self.window_.store, self.window_.actor, self.incident_id
        if store is None or incident_id is None:
            return
        if "speed" in kw and self.exercise is not None and kw["speed"] == self.exercise.speed:
            return
        self.window_.ops.write(lambda: run.control(store, actor, incident_id, **kw), lambda _v: self.reload())

    def toggle_pause(self) -> None:
        paused = self.exercise is not None and self.exercise.paused
        self._control(resume=True) if paused else self._control(pause=True)

    def end(self) -> None:
        from warroom.exercise import run

        store, actor, incident_id = self.window_.store, self.window_.actor, self.incident_id
        if store is not None and incident_id is not None:
            self.window_.ops.write(lambda: run.end(store, actor, incident_id), lambda _v: self.reload())


def install(window) -> FacilitatorView:
    """Add the Exercise tab to ``window`` (hidden until an exercise incident is shown)."""
    view = FacilitatorView(window)
    index = window.tabs.addTab(view, _("Exercise"))
    window.tabs.setTabToolTip(index, _("The facilitator's view: the exercise's clock, its injects and the players"))
    window.tabs.setTabVisible(index, False)
    # The header's countdown of an exercise incident counts on the exercise's clock.
    def clock_of(incident_id):
        from warroom.exercise import run

        return run.clock_of(window.store, incident_id) if window.store is not None else None

    window.header.clock_of = clock_of
    return view


def show_exercise(window) -> bool:
    """Select the newest exercise the actor may see and show its tab (for --view exercise)."""
    from warroom.exercise import run

    if window.store is None:
        return False
    found = run.list_exercises(window.store, viewer=window.actor)
    if not found:
        return False
    window.reload_incidents(select=found[0].incident_id)
    window.facilitator.show_incident(window.current)
    window.tabs.setCurrentWidget(window.facilitator)
    return True


def start_from_file(window, path, *, ask: bool = True) -> None:
    """A scenario file opened in War room (a double-click, or ``warroom FILE``):
    say what it is, and on yes start it as an exercise and show its tab."""
    from pathlib import Path

    from warroom.exercise import run, scenario
    from ui.qt import QMessageBox

    if window.store is None:
        return
    try:
        scen = scenario.load(Path(path))
    except WarroomError as exc:
        window.show_error(exc)
        return
    if ask and QMessageBox.question(
            window, _("Start a tabletop exercise"),
            _("Start the exercise “{name}” from {file}?\n\n{summary}\n\nNothing it sends leaves this laptop.").format(
                name=scen.name, file=Path(path).name, summary=scen.summary)) != QMessageBox.StandardButton.Yes:
        return
    store, actor = window.store, window.actor

    def shown(view) -> None:
        window.reload_incidents(select=view.incident_id)
        window.facilitator.show_incident(window.current)
        window.tabs.setCurrentWidget(window.facilitator)
        window.statusBar().showMessage(_("Exercise {ref} started: {name}").format(ref=view.ref, name=scen.name), 10_000)

    window.ops.write(lambda: run.start(store, actor, scen), shown)
