"""The Retrospective tab: the selected incident's figures, computed by the core from
its journal (:mod:`warroom.retro`), a chart of the updates per audience against
their due times with the review waits as bars, and Export… to HTML or PDF (an
exercise's led by its score card, through the same core call as the command line).

The tab only shows what the core computes; it reads nothing else. It is computed
when shown and again when the incident's record changes while it is shown.
"""

from __future__ import annotations

import logging
from typing import Any

from ui.common.access import add_tab, describe
from ui.qt import (
    QAbstractTableModel, QFileDialog, QFont, QHBoxLayout, QHeaderView, QLabel, QModelIndex, QPlainTextEdit,
    QPushButton, QSplitter, Qt, QTableView, QVBoxLayout, QWidget, QtCore, QtGui, QtWidgets,
)
from warroom.changes import Change
from ui.i18n import N_, tr as _
from ui.common import sizes

log = logging.getLogger(__name__)
QPainter, QFontDatabase, QSizePolicy = QtGui.QPainter, QtGui.QFontDatabase, QtWidgets.QSizePolicy

#: What the tab follows: anything that can change an incident's record.
FOLLOWS = (Change.INCIDENTS | Change.TIMELINE | Change.DRAFTS | Change.REVIEWS | Change.DELIVERIES
           | Change.MATRIX | Change.SETTINGS)

LABEL_W, LANE_H, AXIS_H, PAD = 150, 20, 24, 6
#: Room right of the plot for the last time label.
RIGHT = 24


class FiguresModel(QAbstractTableModel):
    """The headline figures, one row each: section, figure, value."""

    HEADERS = (N_("Section"), N_("Figure"), N_("Value"))

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._rows: list[tuple[str, str, str]] = []

    def set_rows(self, rows: list[tuple[str, str, str]]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._rows[index.row()][index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == 2:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section: int, orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole and \
                0 <= section < len(self.HEADERS):
            return _(self.HEADERS[section])
        return None


class ChartWidget(QWidget):
    """The chart of :mod:`warroom.retro.chart`, drawn with QPainter."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("retroChart")
        self.chart = None
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMouseTracking(True)
        self._tips: list[tuple[QtCore.QRectF, str]] = []

    def set_chart(self, chart) -> None:
        self.chart = chart
        self.updateGeometry()
        self.setMinimumHeight(self.sizeHint().height())
        self.update()

    def _rows(self) -> tuple[dict[int, float], list[tuple[float, str]], float]:
        rows: dict[int, float] = {}
        headings = []
        y = float(PAD)
        if self.chart is None:
            return rows, headings, y
        for name, group in ((_("Updates per audience"), "audience"), (_("Review waits"), "review")):
            lanes = self.chart.group_lanes(group)
            if not lanes:
                continue
            headings.append((y, name))
            y += LANE_H
            for i in lanes:
                rows[i] = y
                y += LANE_H
            y += 4
        return rows, headings, y

    def sizeHint(self) -> QtCore.QSize:
        return QtCore.QSize(640, int(self._rows()[2] + AXIS_H))

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), self.palette().base())
        chart = self.chart
        if chart is None:
            p.setPen(self.palette().placeholderText().color())
            p.drawText(self.rect(), int(Qt.AlignmentFlag.AlignCenter), _("No incident chosen."))
            return
        from warroom.retro.chart import COLOURS

        rows, headings, bottom = self._rows()
        left, right = LABEL_W + PAD, self.width() - RIGHT
        width = max(right - left, 10)
        text = self.palette().text().color()
        bold = QFont(self.font())
        bold.setBold(True)
        for y, name in headings:
            p.setFont(bold)
            p.setPen(text)
            p.drawText(QtCore.QRectF(PAD, y, LABEL_W + width, LANE_H), int(Qt.AlignmentFlag.AlignVCenter), name)
        p.setFont(self.font())
        for n, (i, y) in enumerate(sorted(rows.items(), key=lambda kv: kv[1])):
            if n % 2 == 0:
                p.fillRect(QtCore.QRectF(0, y, self.width(), LANE_H), self.palette().alternateBase())
            p.setPen(text)
            label = self.fontMetrics().elidedText(chart.lanes[i].label, Qt.TextElideMode.ElideRight, LABEL_W - 6)
            p.drawText(QtCore.QRectF(PAD, y, LABEL_W - 6, LANE_H),
                       int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), label)
        grid = QtGui.QPen(QtGui.QColor(COLOURS["grid"]))
        muted = QtGui.QColor(COLOURS["muted"])
        for t, label in chart.ticks:
            x = chart.x(t, left, width)
            p.setPen(grid)
            p.drawLine(QtCore.QPointF(x, PAD + LANE_H), QtCore.QPointF(x, bottom))
            p.setPen(muted)
            p.drawText(QtCore.QRectF(x - 40, bottom + 2, 80, AXIS_H - 4), int(Qt.AlignmentFlag.AlignHCenter), label)
        self._tips = []
        for m in chart.marks:
            x0 = chart.x(m.start, left, width)
            x1 = chart.x(m.end, left, width) if m.end is not None else x0
            y = rows[m.lane]
            mid = y + LANE_H / 2
            colour = QtGui.QColor(m.colour)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(colour)
            if m.kind in ("silence", "overdue"):
                rect = QtCore.QRectF(x0, mid - 3, max(x1 - x0, 1.5), 6)
                p.drawRect(rect)
            elif m.kind == "review":
                rect = QtCore.QRectF(x0, y + 4, max(x1 - x0, 2), LANE_H - 8)
                p.drawRoundedRect(rect, 2, 2)
            elif m.kind == "due":
                pen = QtGui.QPen(colour, 2, Qt.PenStyle.DashLine)
                p.setPen(pen)
                p.drawLine(QtCore.QPointF(x0, y + 3), QtCore.QPointF(x0, y + LANE_H - 3))
                rect = QtCore.QRectF(x0 - 3, y, 6, LANE_H)
            elif m.kind == "update":
                p.setPen(QtGui.QPen(QtGui.QColor("white"), 1.5))
                p.drawEllipse(QtCore.QPointF(x0, mid), 5, 5)
                rect = QtCore.QRectF(x0 - 5, mid - 5, 10, 10)
            else:    # a hand-over
                p.drawPolygon(QtGui.QPolygonF([QtCore.QPointF(x0, y + 2), QtCore.QPointF(x0 + 4, mid),
                                               QtCore.QPointF(x0, y + LANE_H - 2), QtCore.QPointF(x0 - 4, mid)]))
                rect = QtCore.QRectF(x0 - 4, y, 8, LANE_H)
            self._tips.append((rect, m.tip))
        p.setPen(muted)
        p.drawLine(QtCore.QPointF(left, bottom), QtCore.QPointF(left + width, bottom))
        p.end()

    def where(self, mark) -> QtCore.QPointF:
        """The middle of ``mark`` on the widget as last painted (its start for a span)."""
        rows = self._rows()[0]
        left = LABEL_W + PAD
        x = self.chart.x(mark.start, left, max(self.width() - RIGHT - left, 10))
        return QtCore.QPointF(x, rows[mark.lane] + LANE_H / 2)

    def tip_at(self, point: QtCore.QPointF) -> str | None:
        """What the shape under ``point`` means (the smallest shape wins: a dot over its silence)."""
        hits = [(r.width() * r.height(), tip) for r, tip in self._tips if r.contains(point)]
        return min(hits)[1] if hits else None

    def event(self, event) -> bool:
        if event.type() == QtCore.QEvent.Type.ToolTip:
            tip = self.tip_at(QtCore.QPointF(event.pos()))
            # Plain text: tips hold audience names typed by people.
            QtWidgets.QToolTip.showText(event.globalPos(), tip.replace("<", "‹") if tip else "", self)
            if not tip:
                event.ignore()
            return True
        return super().event(event)


class RetroTab(QWidget):
    """The tab itself; ``source()`` gives (store, actor, incident) when it is drawn."""

    def __init__(self, source, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("retroPage")
        self.source = source
        self.retro = None
        #: The incident whose retrospective is shown.
        self.incident_id = None
        self.error: str | None = None
        self.title = QLabel("")
        self.title.setObjectName("retroTitle")
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setWordWrap(True)
        self.export_button = QPushButton(_("Export…"))
        self.export_button.setToolTip(_("Write this retrospective as HTML or PDF"))
        self.export_button.clicked.connect(self.choose_export)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.export_button)
        self.chart = ChartWidget()
        self.model = FiguresModel(self)
        self.table = QTableView()
        self.table.setObjectName("retroFigures")
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setColumnWidth(0, 105)
        self.table.setColumnWidth(1, 140)
        self.table.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)  # arrows move in it, Tab leaves it
        self.details = QPlainTextEdit()
        self.details.setObjectName("retroDetails")
        self.details.setReadOnly(True)
        self.details.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.details.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        describe(self.table, _("Headline figures"), _("The incident's communication figures, one per row"))
        describe(self.details, _("Retrospective report"), _("The whole retrospective as text, section by section"))
        lower = QSplitter(Qt.Orientation.Horizontal)
        lower.addWidget(self.table)
        lower.addWidget(self.details)
        lower.setStretchFactor(0, 1)
        lower.setStretchFactor(1, 1)
        self.legend = QLabel(_legend())
        self.legend.setObjectName("retroLegend")
        self.legend.setTextFormat(Qt.TextFormat.RichText)      # our own words and colours only
        self.legend.setWordWrap(True)
        scroll = QtWidgets.QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        scroll.setWidget(self.chart)
        scroll.setMinimumHeight(sizes.lines(scroll, 6))
        upper = QWidget()
        ul = QVBoxLayout(upper)
        ul.setContentsMargins(0, 0, 0, 0)
        ul.addWidget(scroll, 1)
        ul.addWidget(self.legend)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setObjectName("retroSplitter")
        self.splitter.addWidget(upper)
        self.splitter.addWidget(lower)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)
        lower.setMinimumHeight(sizes.lines(lower, 8))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top)
        layout.addWidget(self.splitter, 1)
        self.show_nothing(_("No incident chosen."))

    def show_nothing(self, why: str) -> None:
        self.retro = None
        self.title.setText(why)
        self.chart.set_chart(None)
        self.model.set_rows([])
        self.details.setPlainText("")
        self.export_button.setEnabled(False)

    def refresh(self) -> None:
        """Compute the retrospective of the incident the window shows, through the core."""
        store, actor, incident = self.source()
        if store is None or incident is None:
            self.show_nothing(_("No incident chosen."))
            return
        from warroom import retro
        from warroom.errors import WarroomError
        from warroom.retro.chart import chart_of
        from warroom.retro.summary import facts_line, sections, text_report, title_line

        try:
            result = retro.compute(store, incident.id, viewer=actor)
        except WarroomError as exc:
            self.error = str(exc)
            self.show_nothing(str(exc))
            return
        self.error = None
        self.retro, self.incident_id = result, incident.id
        self.title.setText(_("{title_line}\n{facts_line}").format(
            title_line=title_line(result), facts_line=facts_line(result)))
        self.chart.set_chart(chart_of(result))
        self.model.set_rows([(s.title, label, value) for s in sections(result) for label, value in s.headline])
        report = text_report(result)
        self.details.setPlainText(report.split("\n", 3)[3] if report.count("\n") > 3 else report)
        self.export_button.setEnabled(True)

    def export_to(self, path: str) -> str:
        """Write the shown retrospective to ``path`` (HTML or PDF by its suffix), an
        exercise's led by its score card as ``exercise end --out`` writes it; returns
        what was written."""
        from warroom.exercise.score import write_report

        if self.retro is None:
            raise RuntimeError("no retrospective is shown")
        store, actor, _incident = self.source()
        return str(write_report(store, self.retro, path, incident=self.incident_id, viewer=actor))

    def choose_export(self) -> None:
        if self.retro is None:
            return
        from warroom.errors import WarroomError

        name = f"{self.retro.ref}-retrospective.pdf"
        path, _filter = QFileDialog.getSaveFileName(self, _("Export the retrospective"), name,
                                                    _("PDF (*.pdf);;HTML (*.html)"))
        if not path:
            return
        try:
            written = self.export_to(path)
        except WarroomError as exc:
            from ui.qt import QMessageBox

            QMessageBox.warning(self, _("Export the retrospective"), str(exc))
            return
        window = self.window()
        if hasattr(window, "statusBar"):
            window.statusBar().showMessage(_("Wrote {written}").format(written=written), 5000)


def _legend() -> str:
    from warroom.retro.chart import COLOURS

    items = [("update", _("update published")), ("due", _("next update due")), ("silence", _("silence")),
             ("overdue", _("overdue")), ("approved", _("review approved")), ("changes_requested", _("changes asked")),
             ("rejected", _("rejected")), ("pending", _("waiting")), ("overridden", _("overridden")),
             ("handover", _("handed over"))]
    return "&nbsp;&nbsp;".join(f'<span style="color:{COLOURS[k]}">&#9632;</span>&nbsp;{label}' for k, label in items) \
        + "&nbsp;&nbsp;· " + _("times in UTC")


def install(window) -> RetroTab:
    """Add the tab to the main window: computed when shown, and again when the
    record changes or another incident is chosen while it is shown."""
    tab = RetroTab(lambda: (window.store, window.actor, window.current))
    add_tab(window.tabs, tab, _("Retrospective"), _("How the incident's communication went: figures and a chart"))

    def if_shown(*_args) -> None:
        if window.tabs.currentWidget() is tab:
            tab.refresh()

    window.tabs.currentChanged.connect(if_shown)
    window.incident_view.selectionModel().currentRowChanged.connect(if_shown)
    window.followers.append((FOLLOWS, lambda flags, own: if_shown()))
    return tab
