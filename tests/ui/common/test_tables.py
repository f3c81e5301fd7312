"""The row table model every list of the window shows its rows through (ui/common/tables.py)."""

from __future__ import annotations

from dataclasses import dataclass

from ui.common.tables import Column, KeyRole, RowTableModel, SortRole
from ui.qt import QColor, Qt


@dataclass
class Row:
    name: str
    count: int


def _model():
    return RowTableModel([
        Column("Name", lambda r: r.name, header_tip="who", tip=lambda r: f"all about {r.name}"),
        Column("Count", lambda r: str(r.count), right=True, sort=lambda r: r.count,
               color=lambda r: QColor("#c62828") if r.count > 9 else None),
    ], key=lambda r: r.name)


def test_the_row_model_is_a_well_behaved_model(qtmodeltester):
    model = _model()
    model.set_rows([Row("b", 2), Row("a", 10)])
    qtmodeltester.check(model, force_py=True)
    model.set_rows([Row("c", 1)])
    assert model.rowCount() == 1 and model.index(0, 0).data() == "c"


def test_cells_read_through_their_columns(qapp):
    model = _model()
    model.set_rows([Row("b", 2), Row("a", 10)])
    assert model.headerData(1, Qt.Orientation.Horizontal) == "Count"
    assert model.headerData(0, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole) == "who"
    assert model.index(1, 1).data() == "10" and model.index(1, 1).data(SortRole) == 10
    assert model.index(0, 0).data(SortRole) == "b" and model.index(1, 0).data(KeyRole) == "a"
    assert model.index(1, 1).data(Qt.ItemDataRole.ForegroundRole).color() == QColor("#c62828")
    assert model.index(0, 1).data(Qt.ItemDataRole.ForegroundRole) is None
    assert model.index(0, 0).data(Qt.ItemDataRole.ToolTipRole) == "all about b"
    assert model.index(0, 1).data(Qt.ItemDataRole.TextAlignmentRole) is not None
    assert model.row_of("a") == 1 and model.row_of("zz") is None and model.row(5) is None


def test_the_same_rows_again_change_in_place_and_other_rows_reset(qtbot):
    model = _model()
    model.set_rows([Row("b", 2), Row("a", 10)])
    resets, changes = [], []
    model.modelReset.connect(lambda: resets.append(1))
    model.dataChanged.connect(lambda *args: changes.append(1))
    assert model.update_rows([Row("b", 3), Row("a", 11)])     # same keys, same order: in place
    assert resets == [] and changes == [1] and model.index(0, 1).data() == "3"
    assert not model.update_rows([Row("a", 11), Row("b", 3)])  # another order: the caller resets
    assert model.index(0, 0).data() == "b" and resets == []
