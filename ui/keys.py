"""The keyboard: keys that are not a menu action's, and the way through dialogs with a
text box of several lines.

In such a box Return starts a new line and Tab would type a tab, so on its own
the box is a trap: the only key out of it is Escape, which cancels. Here Tab
leaves the box for the buttons (Return then presses the default one), and
Ctrl+Enter finishes the dialog from inside the box."""

from __future__ import annotations

from ui.qt import QDialog, QDialogButtonBox, QKeySequence, QPlainTextEdit, QShortcut
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
    from ui.common.ask import lines_dialog

    dialog = lines_dialog(parent, "askText", title, label,
                          _("Several lines; Tab moves to the buttons, Ctrl+Enter finishes"),
                          _("{action}, with this text").format(action=action.replace("&", "")), action)
    finish_from_text_box(dialog, dialog.field)
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).setToolTip(_("Ctrl+Enter in the text does the same"))
    return dialog.ask()
