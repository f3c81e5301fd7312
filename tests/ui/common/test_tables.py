"""The shared parts of the window: the row table model, the form whose errors name
their field, and the palette."""

from __future__ import annotations

from dataclasses import dataclass

from warroom.errors import InputError
from ui.common import palette
from ui.common.forms import FormDialog
from ui.common.palette import Tone
from ui.common.tables import Column, KeyRole, RowTableModel, SortRole
from ui.qt import QColor, QLineEdit, QPalette, Qt, QVBoxLayout


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


def test_a_form_marks_the_field_its_error_names(qtbot):
    form = FormDialog()
    qtbot.addWidget(form)
    email, phone = QLineEdit("x@"), QLineEdit()
    layout = QVBoxLayout(form)
    for w in (email, phone, form.error):
        layout.addWidget(w)
    form.fields = {"email": email, "phone": phone}
    form.show()
    form.show_error(InputError("That e-mail address has no domain.", field="email"))
    assert form.error.isVisible() and form.error.text() == "That e-mail address has no domain."
    assert form.marked == "email" and "border" in email.styleSheet() and not phone.styleSheet()
    submitted = []
    form.submitted.connect(lambda: submitted.append(1))
    form.accept()                       # saving again clears the marks
    assert submitted == [1] and not email.styleSheet() and not form.error.isVisible()
    form.show_error("Something without a field.")
    assert form.marked is None and form.error.isVisible()


def test_one_palette_with_dark_variants(qapp):
    light, dark = QPalette(), QPalette()
    light.setColor(QPalette.ColorRole.Window, QColor("#f0f0f0"))
    dark.setColor(QPalette.ColorRole.Window, QColor("#202020"))
    assert not palette.is_dark(light) and palette.is_dark(dark)
    assert palette.hex_color(Tone.BAD, light) == "#c62828"
    assert palette.hex_color(Tone.BAD, dark) != "#c62828"
    assert palette.state_tone("retrying") is Tone.WARN and palette.state_tone("nonsense") is Tone.MUTED
    dark.setColor(QPalette.ColorRole.PlaceholderText, QColor("#777777"))
    assert palette.hex_color(Tone.MUTED, dark) == "#777777"   # muted text is the theme's own
