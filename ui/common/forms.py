"""Forms whose errors come with their field.

A service raises a :class:`warroom.errors.WarroomError` whose ``field`` names the
bad input; :class:`FormDialog` shows the message under the form and marks that
field (by the name the form registered it under in :attr:`FormDialog.fields`)."""

from __future__ import annotations

from ui.common.palette import error_style, field_error_style, keep
from ui.qt import QComboBox, QDialog, QLabel, QLineEdit, QWidget, Signal


class FormDialog(QDialog):
    """A form that saves through the window's operations. Saving emits ``submitted``
    and leaves the form open; the caller calls :meth:`finish` once stored, or
    :meth:`show_error` with the error (its field is marked)."""

    submitted = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.error = QLabel()
        self.error.setObjectName("formError")
        keep(self.error, lambda p: error_style())
        self.error.setWordWrap(True)
        self.error.hide()
        #: The inputs by the name a service's error gives as its ``field``.
        self.fields: dict[str, QWidget] = {}
        self.marked: str | None = None

    def accept(self) -> None:
        if not self.isEnabled():  # the previous Save is still being written
            return
        self.clear_marks()
        self.submitted.emit()

    def finish(self) -> None:
        """Stored: close the form."""
        super().accept()

    def clear_marks(self) -> None:
        self.error.hide()
        self.marked = None
        for widget in self.fields.values():
            widget.setStyleSheet("")

    def field_for(self, name: str | None) -> QWidget | None:
        return self.fields.get(name or "")

    def show_error(self, error: BaseException | str, field: str | None = None) -> None:
        """The message, and the field the error names (``field``, else the error's own) marked."""
        self.clear_marks()
        self.error.setText(self.message(str(error)))
        self.error.show()
        name = field or getattr(error, "field", None)
        widget = self.field_for(name)
        if widget is None:
            return
        self.marked = name
        widget.setStyleSheet(field_error_style())
        widget.setFocus()
        edit = widget.lineEdit() if isinstance(widget, QComboBox) and widget.isEditable() else widget
        if isinstance(edit, QLineEdit):
            edit.selectAll()

    def message(self, text: str) -> str:
        """The service's words as this form shows them (a subclass may adjust them)."""
        return text
