"""Tables: one look for every list in the window, and one model over a list of rows.

:class:`RowTableModel` shows a Python list of rows (the core's view objects)
through column specs: each :class:`Column` says how a row reads in that column,
its colour, tooltip and sort key. The display texts are made once, when the rows
are set, so ``data()`` only looks them up."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from ui.qt import QAbstractItemView, QAbstractTableModel, QBrush, QColor, QFont, QHeaderView, QModelIndex, Qt, \
    QTableView

#: The sort key of a cell (a proxy sorts by it).
SortRole = Qt.ItemDataRole.UserRole + 2
#: The row's key (a name, an id) on every cell.
KeyRole = Qt.ItemDataRole.UserRole + 3

Row = TypeVar("Row")

_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


def fixed_rows(view: QTableView) -> None:
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
    view.setTabKeyNavigation(False)  # the arrows move in the table; Tab leaves it (it would go round it forever)


def set_widths(view: QTableView, widths: Sequence[int], stretch: int | None = None) -> None:
    """Column widths in order; ``stretch`` takes what is left."""
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setStretchLastSection(False)
    for col, width in enumerate(widths):
        view.setColumnWidth(col, width)
    if stretch is not None:
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)


@dataclass(frozen=True)
class Column(Generic[Row]):
    """How a row reads in one column."""

    title: str
    text: Callable[[Any], str]
    #: The header's tooltip.
    header_tip: str | None = None
    #: The cell's colour (None: the palette's text colour).
    color: Callable[[Any], QColor | None] | None = None
    #: The cell's tooltip (plain text; None: none).
    tip: Callable[[Any], str | None] | None = None
    #: The cell's sort key (default: its text in lower case).
    sort: Callable[[Any], Any] | None = None
    #: Numbers read right-aligned.
    right: bool = False
    #: The cell's font (None: the view's).
    font: Callable[[Any], QFont | None] | None = None


class RowTableModel(QAbstractTableModel, Generic[Row]):
    """A read-only table over a list of rows, one :class:`Column` per column.
    ``key`` names a row (for :meth:`row_of` and :data:`KeyRole`)."""

    def __init__(self, columns: Sequence[Column], parent=None, *,
                 key: Callable[[Any], Hashable] | None = None,
                 row_title: Callable[[Any], str] | None = None,
                 row_tip: Callable[[Any], str | None] | None = None) -> None:
        super().__init__(parent)
        self.columns = list(columns)
        self.key = key
        #: The vertical header: a row's title and tooltip (for grids such as the matrix).
        self.row_title, self.row_tip = row_title, row_tip
        self._rows: list[Row] = []
        self._cells: list[tuple[str, ...]] = []
        self._brushes: dict[str, QBrush] = {}

    # -- rows ------------------------------------------------------------------

    def set_rows(self, rows: Sequence[Row], columns: Sequence[Column] | None = None) -> None:
        """New rows (and, for a grid whose columns vary, new columns)."""
        self.beginResetModel()
        if columns is not None:
            self.columns = list(columns)
        self._rows = list(rows)
        self._cells = [self.texts(r) for r in self._rows]
        self.endResetModel()

    def update_rows(self, rows: Sequence[Row]) -> bool:
        """The same rows (by ``key``, in the same order) with new contents: the cells
        change in place, so a view keeps its selection and scroll position. False
        (and nothing changed) when the rows are not the same ones."""
        rows = list(rows)
        if self.key is None or not rows or [self.key(r) for r in rows] != [self.key(r) for r in self._rows]:
            return False
        self._rows = rows
        self._cells = [self.texts(r) for r in rows]
        self.dataChanged.emit(self.index(0, 0), self.index(len(rows) - 1, len(self.columns) - 1))
        return True

    def texts(self, row: Row) -> tuple[str, ...]:
        """A row's display texts, made once when the rows are set."""
        return tuple(c.text(row) or "" for c in self.columns)

    def rows(self) -> list[Row]:
        return list(self._rows)

    def row(self, i: int) -> Row | None:
        return self._rows[i] if 0 <= i < len(self._rows) else None

    def row_of(self, key: Hashable) -> int | None:
        if self.key is None:
            return None
        for i, r in enumerate(self._rows):
            if self.key(r) == key:
                return i
        return None

    def cell_text(self, row: int, col: int) -> str:
        return self._cells[row][col]

    def refresh_column(self, col: int, roles: Sequence[int] = ()) -> None:
        """Say that a column's colours or tooltips changed (its texts stay)."""
        if self._rows:
            self.dataChanged.emit(self.index(0, col), self.index(len(self._rows) - 1, col), list(roles))

    # -- Qt ------------------------------------------------------------------------

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Vertical:
            row = self.row(section)
            if row is None:
                return None
            if role == Qt.ItemDataRole.DisplayRole and self.row_title is not None:
                return self.row_title(row)
            if role == Qt.ItemDataRole.ToolTipRole and self.row_tip is not None:
                return self.row_tip(row)
            return None
        if not 0 <= section < len(self.columns):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section].title
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.columns[section].header_tip
        return None

    def _brush(self, color: QColor) -> QBrush:
        name = color.name()
        brush = self._brushes.get(name)
        if brush is None:
            brush = self._brushes[name] = QBrush(color)
        return brush

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._rows) or \
                not 0 <= index.column() < len(self.columns):
            return None
        row, col = self._rows[index.row()], self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._cells[index.row()][index.column()]
        if role == Qt.ItemDataRole.ForegroundRole:
            color = col.color(row) if col.color is not None else None
            return self._brush(color) if color is not None else None
        if role == Qt.ItemDataRole.ToolTipRole:
            return col.tip(row) if col.tip is not None else None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if col.right else None
        if role == Qt.ItemDataRole.FontRole:
            return col.font(row) if col.font is not None else None
        if role == SortRole:
            return col.sort(row) if col.sort is not None else self._cells[index.row()][index.column()].lower()
        if role == KeyRole:
            return self.key(row) if self.key is not None else None
        return None
