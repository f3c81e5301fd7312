"""Pieces shared by the composer and the template editor: text editors per channel
format with placeholder highlighting and lint underlines, a preview, a findings list."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from warroom.sms import sms_length
from ui.qt import (
    QColor,
    QFont,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QSyntaxHighlighter,
    QTabWidget,
    QTextBrowser,
    QTextCharFormat,
    QTextCursor,
    QTextEdit,
    QVBoxLayout,
    QWidget,
    Qt,
    Signal,
)

if TYPE_CHECKING:
    from warroom.lint import Finding

CHANNELS = (("long", "Status page / e-mail"), ("short", "SMS"), ("chat", "Chat"))
_PLACEHOLDER = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}")


class PlaceholderHighlighter(QSyntaxHighlighter):
    """Colours ``{{ variables }}`` and ``{% tags %}`` in a template."""

    def __init__(self, document) -> None:
        super().__init__(document)
        self.fmt = QTextCharFormat()
        self.fmt.setForeground(QColor("#1565c0"))
        self.fmt.setFontWeight(QFont.Weight.DemiBold)
        self.fmt.setBackground(QColor("#e3f2fd"))

    def highlightBlock(self, text: str) -> None:
        for m in _PLACEHOLDER.finditer(text):
            self.setFormat(m.start(), m.end() - m.start(), self.fmt)


def underline(editor: QPlainTextEdit, findings: list[Finding]) -> None:
    """Wavy underlines under the findings: red when blocking, amber for warnings."""
    selections = []
    for f in findings:
        sel = QTextEdit.ExtraSelection()
        fmt = QTextCharFormat()
        fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
        fmt.setUnderlineColor(QColor("#c62828" if f.blocking else "#ef6c00"))
        fmt.setToolTip(f"{f.message}\n{f.suggestion}")
        sel.format = fmt
        cursor = QTextCursor(editor.document())
        cursor.setPosition(min(f.start, len(editor.toPlainText())))
        cursor.setPosition(min(f.end, len(editor.toPlainText())), QTextCursor.MoveMode.KeepAnchor)
        sel.cursor = cursor
        selections.append(sel)
    editor.setExtraSelections(selections)


class ChannelEditor(QWidget):
    """A subject line and one text editor per channel format."""

    changed = Signal()

    def __init__(self, *, highlight: bool = False, parent=None) -> None:
        super().__init__(parent)
        self.subject = QLineEdit()
        self.subject.setObjectName("subjectEdit")
        self.subject.setPlaceholderText("Subject")
        self.tabs = QTabWidget()
        self.editors: dict[str, QPlainTextEdit] = {}
        self._highlighters = []
        for key, title in CHANNELS:
            editor = QPlainTextEdit()
            editor.setObjectName(f"{key}Edit")
            editor.setTabChangesFocus(True)
            if highlight:
                self._highlighters.append(PlaceholderHighlighter(editor.document()))
            editor.textChanged.connect(self.changed)
            self.editors[key] = editor
            self.tabs.addTab(editor, title)
        self.subject.textChanged.connect(self.changed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.subject)
        layout.addWidget(self.tabs, 1)

    def current_channel(self) -> str:
        return CHANNELS[self.tabs.currentIndex()][0]

    def texts(self) -> dict[str, str]:
        return {"subject": self.subject.text(), **{k: e.toPlainText() for k, e in self.editors.items()}}

    def set_texts(self, subject: str, long: str, short: str, chat: str) -> None:
        self.blockSignals(True)
        try:
            self.subject.setText(subject)
            self.subject.setCursorPosition(0)
            for key, text in (("long", long), ("short", short), ("chat", chat)):
                if self.editors[key].toPlainText() != text:
                    self.editors[key].setPlainText(text)
        finally:
            self.blockSignals(False)


def _chat_html(text: str) -> str:
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    escaped = re.sub(r"\*([^*\n]+)\*", r"<b>\1</b>", escaped)
    return "<div style='font-family:sans-serif'>" + escaped.replace("\n", "<br>") + "</div>"


class Preview(QWidget):
    """What the reader will see, per channel format."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.tabs = QTabWidget()
        self.long = QTextBrowser()
        self.long.setObjectName("longPreview")
        self.long.setOpenExternalLinks(False)
        self.short = QPlainTextEdit()
        self.short.setObjectName("smsPreview")
        self.short.setReadOnly(True)
        self.sms_info = QLabel()
        self.sms_info.setObjectName("smsInfo")
        sms = QWidget()
        sl = QVBoxLayout(sms)
        sl.setContentsMargins(0, 0, 0, 0)
        sl.addWidget(self.short)
        sl.addWidget(self.sms_info)
        self.chat = QTextBrowser()
        self.chat.setObjectName("chatPreview")
        self.tabs.addTab(self.long, "Status page / e-mail")
        self.tabs.addTab(sms, "SMS")
        self.tabs.addTab(self.chat, "Chat")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)

    def show_texts(self, long: str, short: str, chat: str) -> None:
        self.long.setMarkdown(long)
        self.short.setPlainText(short.strip())
        info = sms_length(short.strip())
        self.sms_info.setText(f"{info.segments} SMS segment{'s' if info.segments != 1 else ''} · "
                              f"{info.units} {info.encoding} characters")
        self.chat.setHtml(_chat_html(chat.strip()))

    def show_error(self, message: str) -> None:
        for browser in (self.long, self.chat):
            browser.setPlainText(message)
        self.short.setPlainText(message)
        self.sms_info.setText("")


class FindingsList(QListWidget):
    """The linter's findings, blocking first; double-click selects the text."""

    jump = Signal(int, int)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("findings")
        self.itemActivated.connect(self._activated)
        self.setMaximumHeight(96)

    def show_findings(self, text: str, findings: list[Finding]) -> None:
        self.clear()
        if not findings:
            item = QListWidgetItem("✓ No findings")
            item.setForeground(QColor("#2e7d32"))
            self.addItem(item)
            return
        for f in sorted(findings, key=lambda f: (not f.blocking, f.start)):
            mark = "⛔" if f.blocking else "⚠"
            item = QListWidgetItem(f"{mark} {f.rule}: “{text[f.start:f.end][:40]}” — {f.suggestion}")
            item.setToolTip(f.message)
            item.setForeground(QColor("#c62828" if f.blocking else "#ef6c00"))
            item.setData(Qt.ItemDataRole.UserRole, (f.start, f.end))
            self.addItem(item)

    def add_findings(self, where: str, text: str, findings: list[Finding]) -> None:
        """Findings in another field (the subject), listed first."""
        if self.count() == 1 and self.item(0).data(Qt.ItemDataRole.UserRole) is None:
            self.clear()  # "No findings" no longer holds
        for f in findings:
            mark = "⛔" if f.blocking else "⚠"
            item = QListWidgetItem(f"{mark} {where} · {f.rule}: “{text[f.start:f.end][:40]}” — {f.suggestion}")
            item.setToolTip(f.message)
            item.setForeground(QColor("#c62828" if f.blocking else "#ef6c00"))
            self.insertItem(0, item)

    def _activated(self, item: QListWidgetItem) -> None:
        span = item.data(Qt.ItemDataRole.UserRole)
        if span:
            self.jump.emit(*span)
