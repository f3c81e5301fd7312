"""Pieces shared by the composer and the template editor: text editors per channel
format with placeholder highlighting and lint underlines, a preview, a findings list."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from warroom.text.render import NEXT_UPDATE
from warroom.text.smslength import sms_length
from ui.common import palette
from ui.common.access import add_tab, describe
from ui.common.palette import Tone
from ui.qt import (
    plain_tip,
    QColor,
    QFont,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QSyntaxHighlighter,
    Qt,
    QTabWidget,
    QTextBrowser,
    QTextCharFormat,
    QTextCursor,
    QTextEdit,
    QtGui,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ui.i18n import N_, ngettext, tr as _
from ui.common import sizes

if TYPE_CHECKING:
    from warroom.text.lint import Finding
    from warroom.services.wording import Flag

CHANNELS = (("long", N_("Status page / e-mail")), ("short", N_("SMS")), ("chat", N_("Chat")))
#: Every field of an update that goes out, in reading order, as the window names it.
FIELD_LABELS = {"title": N_("Public title"), "subject": N_("Subject"), **dict(CHANNELS)}
#: Each channel's editor, as a screen reader names and describes it (its tab says the same to the eye).
EDITOR_WORDS = {"long": (N_("Status page / e-mail text"), N_("The full update, for status pages and e-mail")),
                "short": (N_("SMS text"), N_("The update as one or two text messages")),
                "chat": (N_("Chat text"), N_("The update as a chat message, for Slack or Teams"))}
SUBJECT_WORDS = N_("The subject line of the e-mail")
#: Each channel's preview, named and described the same way.
PREVIEW_WORDS = {"long": (N_("Status page / e-mail preview"), N_("The update as status pages and e-mail will show it")),
                 "short": (N_("SMS preview"), N_("The text messages as phones will show them")),
                 "chat": (N_("Chat preview"), N_("The chat message as it will be posted"))}
#: How a preview shows the next update's time, which is written in only at publish.
NEXT_UPDATE_SHOWN = N_("(next update time: set at publish)")
#: Beside the SMS / chat tab when its text no longer follows the long text.
OWN_WORDS = N_("(written on its own)")
_MARKDOWN = (QtGui.QTextDocument.MarkdownFeature.MarkdownDialectGitHub
             | QtGui.QTextDocument.MarkdownFeature.MarkdownNoHTML)
_PLACEHOLDER = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}")


class PlaceholderHighlighter(QSyntaxHighlighter):
    """Colours ``{{ variables }}`` and ``{% tags %}`` in a template."""

    def __init__(self, document) -> None:
        super().__init__(document)
        self._made: tuple[int, QTextCharFormat] | None = None

    @property
    def fmt(self) -> QTextCharFormat:
        """The placeholders' look in the theme in use (made again after a switch)."""
        variant = palette.variant()
        if self._made is None or self._made[0] != variant:
            fmt = QTextCharFormat()
            fmt.setForeground(palette.color(Tone.INFO))
            fmt.setFontWeight(QFont.Weight.DemiBold)
            fmt.setBackground(QColor(palette.surface("highlight")))
            self._made = (variant, fmt)
        return self._made[1]

    def highlightBlock(self, text: str) -> None:
        fmt = self.fmt
        for m in _PLACEHOLDER.finditer(text):
            self.setFormat(m.start(), m.end() - m.start(), fmt)


def underline(editor: QPlainTextEdit, findings: list[Finding]) -> None:
    """Wavy underlines under the findings: red when blocking, amber for warnings."""
    selections = []
    for f in findings:
        sel = QTextEdit.ExtraSelection()
        fmt = QTextCharFormat()
        fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
        fmt.setUnderlineColor(palette.color(Tone.BAD if f.blocking else Tone.WARN))
        fmt.setToolTip(plain_tip(f"{f.message}\n{f.suggestion}"))
        sel.format = fmt
        cursor = QTextCursor(editor.document())
        cursor.setPosition(min(f.start, len(editor.toPlainText())))
        cursor.setPosition(min(f.end, len(editor.toPlainText())), QTextCursor.MoveMode.KeepAnchor)
        sel.cursor = cursor
        selections.append(sel)
    editor.setExtraSelections(selections)


class ChannelEditor(QWidget):
    """A subject line and one text editor per channel format; with ``with_title``, the
    public title above the subject, and a place for an error beside every field."""

    changed = Signal()
    #: Which field the user changed: title, subject, long, short or chat.
    field_edited = Signal(str)

    def __init__(self, *, highlight: bool = False, with_title: bool = False, parent=None) -> None:
        super().__init__(parent)
        self.with_title = with_title
        self.title: QLineEdit | None = None
        self.subject = QLineEdit()
        self.subject.setObjectName("subjectEdit")
        self.subject.setPlaceholderText(_("Subject"))
        describe(self.subject, _("Subject"), _(SUBJECT_WORDS))
        self.tabs = QTabWidget()
        self.editors: dict[str, QPlainTextEdit] = {}
        self._highlighters = []
        for key, title in CHANNELS:
            editor = QPlainTextEdit()
            editor.setObjectName(f"{key}Edit")
            editor.setTabChangesFocus(True)
            if highlight:
                self._highlighters.append(PlaceholderHighlighter(editor.document()))
            editor.textChanged.connect(lambda key=key: self._field_changed(key))
            self.editors[key] = editor
            name, description = EDITOR_WORDS[key]
            describe(editor, _(name), _(description))
            add_tab(self.tabs, editor, _(title), _(description))
        self.subject.textChanged.connect(lambda _text: self._field_changed("subject"))
        #: field -> the label that shows an error about it (the core names the field).
        self.errors: dict[str, QLabel] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        if with_title:
            # A narrow column: tab names shorten rather than scroll ("(written on its own)" is long).
            self.tabs.setUsesScrollButtons(False)
            self.tabs.setElideMode(Qt.TextElideMode.ElideRight)
            self.title = QLineEdit()
            self.title.setObjectName("titleEdit")
            self.title.setPlaceholderText(_("What status pages and e-mail subjects show"))
            self.title.setToolTip(_("The public title: what this audience sees as the update's title. Reviewed and "
                                  "linted with the words."))
            self.title.textChanged.connect(lambda _text: self._field_changed("title"))
            self.subject.setPlaceholderText(_("Subject of the message"))
            form = QFormLayout()
            form.setContentsMargins(0, 0, 0, 0)
            form.setVerticalSpacing(2)
            form.addRow(_("Public title"), self.title)
            form.addRow(self._error_label("title"))
            form.addRow(_("Subject"), self.subject)
            form.addRow(self._error_label("subject"))
            layout.addLayout(form)
        else:
            layout.addWidget(self.subject)
            layout.addWidget(self._error_label("subject"))
        layout.addWidget(self.tabs, 1)
        for key, _label in CHANNELS:
            layout.addWidget(self._error_label(key))

    def _error_label(self, field: str) -> QLabel:
        label = QLabel()
        label.setObjectName(f"{field}Error")
        label.setTextFormat(Qt.TextFormat.PlainText)  # the core's words may quote the user's
        label.setWordWrap(True)
        palette.keep(label, lambda p: palette.error_style())
        label.hide()
        self.errors[field] = label
        return label

    def _field_changed(self, field: str) -> None:
        self.changed.emit()
        self.field_edited.emit(field)

    def current_channel(self) -> str:
        return CHANNELS[self.tabs.currentIndex()][0]

    def texts(self) -> dict[str, str]:
        texts = {"subject": self.subject.text(), **{k: e.toPlainText() for k, e in self.editors.items()}}
        if self.title is not None:
            texts["title"] = self.title.text()
        return texts

    def set_texts(self, subject: str, long: str, short: str, chat: str, title: str | None = None) -> None:
        self.blockSignals(True)
        try:
            if self.title is not None and title is not None and self.title.text() != title:
                self.title.setText(title)
                self.title.setCursorPosition(0)
            if self.subject.text() != subject:
                self.subject.setText(subject)
                self.subject.setCursorPosition(0)
            for key, text in (("long", long), ("short", short), ("chat", chat)):
                if self.editors[key].toPlainText() != text:
                    self.editors[key].setPlainText(text)
        finally:
            self.blockSignals(False)

    def set_field(self, field: str, text: str) -> None:
        """Put ``text`` in one field without telling anyone it was edited (the core
        wrote it: a re-derived SMS or chat text)."""
        self.blockSignals(True)
        try:
            widget = self.editors.get(field)
            if widget is not None:
                widget.setPlainText(text)
            elif field == "subject":
                self.subject.setText(text)
            elif field == "title" and self.title is not None:
                self.title.setText(text)
        finally:
            self.blockSignals(False)

    def mark_own(self, short_own: bool, chat_own: bool) -> None:
        """Say beside the SMS and chat tabs when their text was written on its own
        (a new long text no longer rewrites it)."""
        for index, (key, label) in enumerate(CHANNELS):
            own = {"short": short_own, "chat": chat_own}.get(key, False)
            self.tabs.setTabText(index, f"{_(label)} {_(OWN_WORDS)}" if own else _(label))
            self.tabs.setTabToolTip(index, _("Edited on its own: a new long text no longer rewrites it.") if own else
                                    _("Follows the long text until you edit it here.") if key != "long" else
                                    _(EDITOR_WORDS["long"][1]))

    _TITLE_TIP = N_("The public title: what this audience sees as the update's title. Reviewed and linted with the words.")

    def set_read_only(self, read_only: bool, why: str | None = None) -> None:
        """Words that may not be changed stay readable (and their tabs switchable)."""
        if getattr(self, "_read_only", None) == (read_only, why):
            return
        self._read_only = (read_only, why)
        for w in (self.title, self.subject, *self.editors.values()):
            if w is None:
                continue
            w.setReadOnly(read_only)
            w.setToolTip((why or "") if read_only else _(self._TITLE_TIP) if w is self.title else "")
            self._style(w)
        # A screen reader hears why the words are read only, as the tooltip says it to the eye.
        for w, words in ((self.subject, SUBJECT_WORDS), *((e, EDITOR_WORDS[k][1]) for k, e in self.editors.items())):
            w.setAccessibleDescription(why if read_only and why else _(words))

    def mark_lines(self, flags: list[Flag]) -> None:
        """The one-line fields have no underlines: a coloured frame, and the findings as a tooltip."""
        for field, widget in (("title", self.title), ("subject", self.subject)):
            if widget is None:
                continue
            mine = [f for f in flags if f.field == field]
            widget.setProperty("lint", "blocking" if any(f.blocking for f in mine) else "warning" if mine else "")
            if mine:
                widget.setToolTip("\n".join(f"{f.finding.message} {f.finding.suggestion}" for f in mine))
            elif not widget.isReadOnly():
                widget.setToolTip(_(self._TITLE_TIP) if widget is self.title else "")
            self._style(widget)

    @staticmethod
    def _style(widget) -> None:
        rules = [f"background:{palette.surface('readonly')};"] if widget.isReadOnly() else []
        lint = widget.property("lint")
        if lint:
            rules.append(f"border:2px solid {palette.hex_color(Tone.BAD if lint == 'blocking' else Tone.WARN)};")
        widget.setStyleSheet(" ".join(rules))

    def show_error(self, field: str, message: str) -> bool:
        """Show the core's message beside the field it is about; False when this
        editor has no such field."""
        label = self.errors.get(field)
        if label is None or (field == "title" and self.title is None):
            return False
        label.setText(message)
        label.show()
        if field in self.editors:
            self.tabs.setCurrentIndex([k for k, _label in CHANNELS].index(field))
        return True

    def clear_error(self, field: str | None = None) -> None:
        for name, label in self.errors.items():
            if field is None or name == field:
                label.clear()
                label.hide()


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
        self.sms_info.setWordWrap(True)
        sms = QWidget()
        sl = QVBoxLayout(sms)
        sl.setContentsMargins(0, 0, 0, 0)
        sl.addWidget(self.short)
        sl.addWidget(self.sms_info)
        self.chat = QTextBrowser()
        self.chat.setObjectName("chatPreview")
        for (key, title), page, shown in zip(CHANNELS, (self.long, sms, self.chat), (self.long, self.short, self.chat)):
            name, description = PREVIEW_WORDS[key]
            describe(shown, _(name), _(description))
            add_tab(self.tabs, page, _(title), _(description))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)

    def show_texts(self, long: str, short: str, chat: str, *, next_update: str | None = None) -> None:
        """The words as they will read. The next update's time is written in only at
        publish: shown as :data:`NEXT_UPDATE_SHOWN` (or ``next_update``, once known)."""
        shown = next_update or _(NEXT_UPDATE_SHOWN)
        # Markdown as the status page renders it: raw HTML in the words stays text.
        self.long.document().setMarkdown(long.replace(NEXT_UPDATE, shown), _MARKDOWN)
        self.short.setPlainText(short.strip().replace(NEXT_UPDATE, shown))
        info = sms_length(short.strip())  # counted as the linter counts it
        self.sms_info.setText(ngettext("{count} SMS segment", "{count} SMS segments", info.segments).format(
            count=info.segments) + " · " + _("{units} {encoding} characters").format(
            units=info.units, encoding=info.encoding)
                              + (_(" (before the time is written in)") if NEXT_UPDATE in short else ""))
        self.chat.setHtml(_chat_html(chat.strip()).replace(NEXT_UPDATE, shown.replace("<", "&lt;")))

    def show_error(self, message: str) -> None:
        for browser in (self.long, self.chat):
            browser.setPlainText(message)
        self.short.setPlainText(message)
        self.sms_info.setText("")


class FindingsList(QListWidget):
    """The linter's findings, blocking first; double-click selects the text."""

    jump = Signal(int, int)
    #: A finding in a named field was chosen: (field, start, end).
    jump_field = Signal(str, int, int)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("findings")
        describe(self, _("Linter findings"), _("What the linter found in the words, blocking first: Enter selects the "
                                               "words a finding is about"))
        self.itemActivated.connect(self._activated)
        self.setMaximumHeight(sizes.lines(self, 5) + 2 * self.frameWidth())

    def show_findings(self, text: str, findings: list[Finding]) -> None:
        self.clear()
        if not findings:
            item = QListWidgetItem(_("✓ No findings"))
            item.setForeground(palette.color(Tone.GOOD))
            self.addItem(item)
            return
        for f in sorted(findings, key=lambda f: (not f.blocking, f.start)):
            mark = "⛔" if f.blocking else "⚠"
            item = QListWidgetItem(_("{mark} {rule}: “{text}” — {suggestion}").format(
                mark=mark, rule=f.rule, text=text[f.start:f.end][:40], suggestion=f.suggestion))
            item.setToolTip(plain_tip(f.message))
            item.setForeground(palette.color(Tone.BAD if f.blocking else Tone.WARN))
            item.setData(Qt.ItemDataRole.UserRole, (f.start, f.end))
            self.addItem(item)

    def add_findings(self, where: str, text: str, findings: list[Finding]) -> None:
        """Findings in another field (the subject), listed first."""
        if self.count() == 1 and self.item(0).data(Qt.ItemDataRole.UserRole) is None:
            self.clear()  # "No findings" no longer holds
        for f in findings:
            mark = "⛔" if f.blocking else "⚠"
            item = QListWidgetItem(_("{mark} {where} · {rule}: “{text}” — {suggestion}").format(
                mark=mark, where=where, rule=f.rule, text=text[f.start:f.end][:40], suggestion=f.suggestion))
            item.setToolTip(plain_tip(f.message))
            item.setForeground(palette.color(Tone.BAD if f.blocking else Tone.WARN))
            self.insertItem(0, item)

    def show_flags(self, flags: list[Flag], *, acknowledged: tuple[str, ...] | set[str] = ()) -> None:
        """Findings of the core's judgement (:class:`warroom.services.wording.Flag`),
        each naming its field; blocking first, as given."""
        self.clear()
        if not flags:
            item = QListWidgetItem(_("✓ No findings"))
            item.setForeground(palette.color(Tone.GOOD))
            self.addItem(item)
            self._fit()
            return
        done = set(acknowledged)
        for f in sorted(flags, key=lambda f: not f.blocking):  # stable: the given order within each
            mark = "⛔" if f.blocking else "⚠"
            where = _(FIELD_LABELS.get(f.field, f.field))
            ack = _(" (acknowledged)") if f.key in done else ""
            item = QListWidgetItem(_("{mark} {where} · {rule}: “{text}” — {suggestion}{ack}").format(
                mark=mark, where=where, rule=f.finding.rule, text=f.text.strip()[:40], suggestion=f.finding.suggestion, ack=ack))
            item.setToolTip(plain_tip(f"{item.text()}\n\n{f.finding.message}"))
            item.setForeground(palette.color(Tone.BAD if f.blocking else Tone.WARN))
            item.setData(Qt.ItemDataRole.UserRole, (f.field, f.finding.start, f.finding.end))
            self.addItem(item)
        self._fit()

    def _fit(self) -> None:
        """As tall as its rows, up to four: "No findings" takes one line, not a box."""
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)  # the whole finding is in its tooltip
        rows = max(1, min(self.count(), 4))
        row = self.sizeHintForRow(0) if self.count() else self.fontMetrics().height() + 4
        self.setFixedHeight(rows * max(row, 1) + 2 * self.frameWidth() + 4)

    def _activated(self, item: QListWidgetItem) -> None:
        span = item.data(Qt.ItemDataRole.UserRole)
        if span and len(span) == 3:
            self.jump_field.emit(*span)
        elif span:
            self.jump.emit(*span)
