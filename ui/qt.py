"""The one module that imports Qt: everything else in ``ui`` imports from here.

What the window shows of people's words is plain text: a title such as
``<font size=6>ALL CLEAR</font><img src=…>`` reads as those characters, never as
markup. So ``QLabel`` and ``QMessageBox`` from here show plain text unless a
caller sets ``Qt.TextFormat.RichText`` for markup of its own (escaping what it
puts in with ``html.escape``), and :func:`plain_tip` keeps tooltips plain.
"""

from PySide6 import QtCore, QtGui, QtWidgets  # noqa: F401
from shiboken6 import isValid as qt_alive  # noqa: F401  (is the C++ object still there?)
from PySide6.QtCore import (  # noqa: F401
    QAbstractTableModel,
    QByteArray,
    QDateTime,
    QEvent,
    QLibraryInfo,
    QLocale,
    QLockFile,
    QModelIndex,
    QObject,
    QRunnable,
    QSettings,
    QSize,
    QSortFilterProxyModel,
    QStringListModel,
    Qt,
    QThreadPool,
    QTimer,
    QTranslator,
    Signal,
    Slot,
)
from PySide6.QtGui import (  # noqa: F401
    QAction,
    QActionGroup,
    QBrush,
    QColor,
    QFont,
    QKeySequence,
    QPalette,
    QShortcut,
    QSyntaxHighlighter,
    QTextCharFormat,
    QTextCursor,
)
from PySide6.QtWidgets import (  # noqa: F401
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QComboBox,
    QCompleter,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMenu,
    QPlainTextEdit,
    QProgressDialog,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QStatusBar,
    QTableView,
    QTabWidget,
    QTextBrowser,
    QTextEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QTreeWidgetItemIterator,
    QToolButton,
    QVBoxLayout,
    QWidget,
)


class QLabel(QtWidgets.QLabel):
    """A label that shows plain text; markup only where a caller asks for rich text."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.setTextFormat(Qt.TextFormat.PlainText)


_Button = QtWidgets.QMessageBox.StandardButton
_Icon = QtWidgets.QMessageBox.Icon


class QMessageBox(QtWidgets.QMessageBox):
    """A message box whose text is plain, also from the static ``warning``,
    ``critical``, ``information``, ``question`` and ``about``."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.setTextFormat(Qt.TextFormat.PlainText)

    @staticmethod
    def ask(icon, parent, title: str, text: str, buttons=_Button.Ok, default=_Button.NoButton):
        """What the static functions do, in plain text: the standard button clicked."""
        box = QMessageBox(icon, title, text, buttons, parent)
        if default != _Button.NoButton:
            box.setDefaultButton(default)
        box.exec()
        clicked = box.clickedButton()
        return box.standardButton(clicked) if clicked is not None else _Button.NoButton

    @staticmethod
    def warning(parent, title: str, text: str, buttons=_Button.Ok, default=_Button.NoButton):
        return QMessageBox.ask(_Icon.Warning, parent, title, text, buttons, default)

    @staticmethod
    def critical(parent, title: str, text: str, buttons=_Button.Ok, default=_Button.NoButton):
        return QMessageBox.ask(_Icon.Critical, parent, title, text, buttons, default)

    @staticmethod
    def information(parent, title: str, text: str, buttons=_Button.Ok, default=_Button.NoButton):
        return QMessageBox.ask(_Icon.Information, parent, title, text, buttons, default)

    @staticmethod
    def question(parent, title: str, text: str, buttons=_Button.Yes | _Button.No, default=_Button.NoButton):
        return QMessageBox.ask(_Icon.Question, parent, title, text, buttons, default)

    @staticmethod
    def about(parent, title: str, text: str) -> None:
        QMessageBox.ask(_Icon.Information, parent, title, text)


def plain_tip(text: str | None) -> str:
    """A tooltip showing ``text`` as it is: Qt takes a tooltip that looks like markup
    for rich text, so such a text is escaped (line breaks kept)."""
    if not text:
        return ""
    if not QtGui.Qt.mightBeRichText(text):
        return text
    return QtGui.Qt.convertFromPlainText(text, Qt.WhiteSpaceMode.WhiteSpaceNormal)

#: What the rest of ui/ takes from here (Qt's names, and the plain-text wrappers).
__all__ = [
    "QAbstractItemView", "QAbstractTableModel", "QAction", "QActionGroup", "QApplication", "QBrush", "QByteArray",
    "QCheckBox", "QColor", "QComboBox", "QCompleter", "QDateTime", "QDateTimeEdit", "QDialog", "QDialogButtonBox",
    "QEvent", "QFileDialog", "QFont", "QFormLayout", "QFrame", "QHBoxLayout", "QHeaderView", "QInputDialog",
    "QKeySequence", "QLabel", "QLibraryInfo", "QLineEdit", "QListWidget", "QListWidgetItem", "QLocale", "QLockFile",
    "QMainWindow", "QMenu", "QMessageBox", "QModelIndex", "QObject", "QPalette", "QPlainTextEdit",
    "QProgressDialog", "QPushButton", "QRunnable", "QScrollArea", "QSettings", "QShortcut", "QSize",
    "QSortFilterProxyModel", "QSpinBox", "QSplitter", "QStatusBar", "QStringListModel", "QSyntaxHighlighter",
    "QTabWidget", "QTableView", "QTextBrowser", "QTextCharFormat", "QTextCursor", "QTextEdit", "QThreadPool",
    "QTimer", "QToolButton", "QTranslator", "QTreeWidget", "QTreeWidgetItem", "QTreeWidgetItemIterator",
    "QVBoxLayout", "QWidget", "Qt", "QtCore", "QtGui", "QtWidgets", "Signal", "Slot", "plain_tip", "qt_alive",
]
