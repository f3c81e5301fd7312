"""The keyboard: keys that are not a menu action's, and the way through dialogs with a
text box of several lines.

In such a box Return starts a new line and Tab would type a tab, so on its own
the box is a trap: the only key out of it is Escape, which cancels. Here Tab
leaves the box for the buttons (Return then presses the default one), and
Ctrl+Enter finishes the dialog from inside the box."""

from __future__ import annotations

from ui.qt import QDialog, QDialogButtonBox, QInputDialog, QKeySequence, QPlainTextEdit, QShortcut
from ui.i18n import tr as _

#: The keys that finish a dialog from inside its text box.
FINISH_KEYS = ("Ctrl+Return", "Ctrl+Enter")
#: Retract the published update the cursor is in (the Updates tab; a reason is asked first).
RETRACT_KEYS = "Ctrl+Shift+Backspace"


def shown(keys: str) -> str:
    """Keys as a menu shows them, in the platform's words (Strg+Umschalt+… in German)."""
    return QKeySequence(keys).toString(QKeySequence.SequenceFormat.NativeText)


def finish_from_text_box(dialog: QDialog, box: QPlainTextEdit) -> list[QShortcut]:
    """Tab leaves ``box``; Ctrl+Enter in the dialog accepts it."""
    box.setTabChangesFocus(True)
    shortcuts = []
    for keys in FINISH_KEYS:
        shortcut = QShortcut(QKeySequence(keys), dialog)
        shortcut.activated.connect(dialog.accept)
        shortcuts.append(shortcut)
    return shortcuts


def ask_text(parent, title: str, label: str, action: str) -> str | None:
    """Ask for a text of several lines; ``action`` names the button that goes on (the
    default one). None when cancelled."""
    dialog = QInputDialog(parent)
    dialog.setObjectName("askText")
    dialog.setWindowTitle(title)
    dialog.setLabelText(label)
    dialog.setOption(QInputDialog.InputDialogOption.UsePlainTextEditForTextInput)
    dialog.setOkButtonText(action)
    box = dialog.findChild(QPlainTextEdit)
    if box is not None:
        finish_from_text_box(dialog, box)
    buttons = dialog.findChild(QDialogButtonBox)
    ok = buttons.button(QDialogButtonBox.StandardButton.Ok) if buttons is not None else None
    if ok is not None:
        ok.setToolTip(_("Ctrl+Enter in the text does the same"))
    accepted = dialog.exec() == QDialog.DialogCode.Accepted
    text = dialog.textValue()
    dialog.deleteLater()
    return text if accepted else None
