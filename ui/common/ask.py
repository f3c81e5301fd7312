"""One question, one answer: a small dialog of our own where Qt's QInputDialog would do,
so that a screen reader is told what its field and its buttons are for.

The field is named by its label (with a mnemonic) and described; OK and Cancel say
what they do (:func:`ui.common.access.describe_buttons`). The field has the focus
when the dialog opens, Return accepts it and Escape cancels it."""

from __future__ import annotations

from ui.common.access import add_row, describe_buttons
from ui.qt import (
    QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QPlainTextEdit, Qt, QVBoxLayout, QWidget,
)
from ui.common import sizes


class AskDialog(QDialog):
    """``label`` names ``field`` and ``description`` says what it expects; ``accept``
    and ``reject`` describe OK and Cancel. ``name``: the dialog's object name."""

    def __init__(self, parent: QWidget | None, name: str, title: str, label: str, field: QWidget, description: str,
                 accept: str, reject: str | None = None, *, intro: str | None = None,
                 ok_text: str | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setWindowTitle(title)
        self.field = field
        field.setMinimumWidth(sizes.chars(field, 36))
        form = QFormLayout()
        add_row(form, label, field, description)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        if ok_text:
            self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(ok_text)
        describe_buttons(self.buttons, accept, reject)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        self.intro = None
        if intro:   # what the question is about, read before the field (plain text)
            self.intro = QLabel(intro)
            self.intro.setObjectName("askIntro")
            self.intro.setTextFormat(Qt.TextFormat.PlainText)
            self.intro.setWordWrap(True)
            layout.addWidget(self.intro)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        field.setFocus()

    def text(self) -> str:
        """What the field holds: the typed text, or the choice."""
        field = self.field
        if isinstance(field, QComboBox):
            return field.currentText()
        return field.toPlainText() if isinstance(field, QPlainTextEdit) else field.text()

    def ask(self) -> str | None:
        """The answer once the dialog closes (None when cancelled); the dialog is gone after."""
        try:
            return self.text() if self.exec() == QDialog.DialogCode.Accepted else None
        finally:
            self.deleteLater()


def ask_line(parent: QWidget | None, name: str, title: str, label: str, description: str, accept: str,
             reject: str | None = None) -> str | None:
    """A line of text; None when cancelled."""
    field = QLineEdit()
    field.setObjectName("askLine")
    return AskDialog(parent, name, title, label, field, description, accept, reject).ask()


def ask_choice(parent: QWidget | None, name: str, title: str, label: str, items: list[str], current: int,
               description: str, accept: str, reject: str | None = None) -> str | None:
    """One of ``items`` (``current`` chosen first), or a text typed instead; None when cancelled."""
    field = QComboBox()
    field.setObjectName("askChoice")
    field.setEditable(True)
    field.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
    field.addItems(items)
    field.setCurrentIndex(current)
    return AskDialog(parent, name, title, label, field, description, accept, reject).ask()


def ask_secret(parent: QWidget | None, name: str, title: str, intro: str, label: str, description: str,
               accept: str, reject: str | None = None) -> str | None:
    """A passphrase, shown as dots; None when cancelled."""
    field = QLineEdit()
    field.setObjectName("askSecret")
    field.setEchoMode(QLineEdit.EchoMode.Password)
    return AskDialog(parent, name, title, label, field, description, accept, reject, intro=intro).ask()


def lines_dialog(parent: QWidget | None, name: str, title: str, label: str, description: str, accept: str,
                 ok_text: str, reject: str | None = None) -> AskDialog:
    """A dialog asking for a text of several lines (its caller adds the keys out of the box)."""
    field = QPlainTextEdit()
    field.setObjectName("askLines")
    field.setTabChangesFocus(True)
    field.setMinimumHeight(sizes.lines(field, 4))
    return AskDialog(parent, name, title, label, field, description, accept, reject, ok_text=ok_text)
