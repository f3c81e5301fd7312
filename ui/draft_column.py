"""One audience's draft in the Updates tab: its words, a live preview, the linter's
findings and the steps the core allows; and the audience's pane, which shows the
current draft first with the earlier updates of that audience in a history list."""

from __future__ import annotations

from datetime import timezone
from typing import TYPE_CHECKING


from warroom.errors import WarroomError
from warroom.text.timefmt import TimeFormatter, utc_formatter
from ui.common import palette
from ui.common.access import describe, label_for
from ui.common.palette import Tone
from ui.editors import FIELD_LABELS, ChannelEditor, FindingsList, Preview, underline
from ui.keys import RETRACT_KEYS, shown
from ui.qt import (
    plain_tip,
    QComboBox,
    QFont,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    Qt,
    QtWidgets,
    QTextCursor,
    QTimer,
    QVBoxLayout,
    Signal,
)
from ui.i18n import N_, ngettext, tr as _

if TYPE_CHECKING:
    from warroom.services.drafts import DraftView
    from warroom.services.review import Allowed

AUTOSAVE_MS = 1200
LINT_MS = 200

_KINDS = {"correction": N_("correction"), "retraction": N_("retraction notice")}
#: A draft's state as the window says it.
STATE_WORDS = {"draft": N_("draft"), "changes_requested": N_("changes requested"), "in_review": N_("in review"),
               "approved": N_("approved"), "overridden": N_("overridden"), "disputed": N_("disputed"),
               "published": N_("published"), "retracted": N_("retracted"), "withdrawn": N_("withdrawn")}
_FINAL = FINAL_STATES = ("published", "retracted", "withdrawn")
HISTORY_NOTE = N_("An earlier update, shown for reading: the current one is first in this audience's list.")
#: Narrow enough for three audiences side by side on a 1280-pixel laptop screen.
COLUMN_MIN_WIDTH = 250


def _plain_label(name: str) -> QLabel:
    """A label that shows text as text: a header never renders what a user typed as HTML."""
    label = QLabel()
    label.setObjectName(name)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


def moment_text(local: TimeFormatter, when, *, same_day_as=None) -> str:
    """A moment as a column says it, in the locale's clock (24-hour where the locale
    uses it): ``14:05 UTC, 4 Dec``, the date left out when it is ``same_day_as``'s,
    and the local time beside it where the local zone is not UTC: ``14:05 UTC (15:05 CET)``."""
    if when is None:
        return ""
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    pattern = local.time_pattern("short")
    text = f"{pattern.apply(when.astimezone(timezone.utc), local.locale)} UTC"
    if same_day_as is None or same_day_as.astimezone(timezone.utc).date() != when.astimezone(timezone.utc).date():
        text += f", {utc_formatter(str(local.locale), local.hour24).day(when)}"
    if not local.is_utc:
        text += f" ({pattern.apply(when.astimezone(local.zone), local.locale)} {local.zone_label(when)})"
    return text


class DraftColumn(QFrame):
    """One audience's draft: its words (the public title, the subject, each channel's
    text), a preview, the linter's findings, and the steps the core allows now."""

    saved = Signal(object)  # DraftView
    submit_requested = Signal(object)   # DraftColumn
    publish_requested = Signal(object)  # DraftColumn
    retract_requested = Signal(object)  # DraftColumn
    correct_requested = Signal(object)  # DraftColumn

    def __init__(self, view: DraftView, *, external: bool, status: str, lint_config, save,
                 local: TimeFormatter | None = None, parent=None) -> None:
        super().__init__(parent)
        #: How times read: the locale's clock, in UTC and the local zone.
        self.local = local or TimeFormatter()
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setObjectName(f"draft-{view.audience}")
        self.view = view
        #: What the core allows this window's person to do with the update (None until read).
        self.allowed: Allowed | None = None
        #: An earlier update of its audience, opened from the history list: read only.
        self.history = False
        self.external = external
        self.status = status
        self.lint_config = lint_config
        self._save = save
        #: Edits per field since the column was made, and saves sent and not yet back.
        self._edits = {k: 0 for k in FIELD_LABELS}
        self._in_flight = 0
        self.audience_label = _plain_label("draftAudience")
        bold = QFont(self.audience_label.font())
        bold.setBold(True)
        self.audience_label.setFont(bold)
        self.state_label = _plain_label("draftState")
        self.blocked_label = _plain_label("draftBlocked")
        self.blocked_label.setText(_("Blocked by the linter: change the words marked in red."))
        palette.keep(self.blocked_label, lambda p: palette.text_style(Tone.BAD, bold=True))
        self.blocked_label.setWordWrap(True)
        self.blocked_label.hide()
        self.header = _plain_label("draftHeader")
        self.header.setWordWrap(True)
        self.note = _plain_label("draftNote")
        self.note.setWordWrap(True)
        self.note.hide()
        self.editor = ChannelEditor(with_title=True)
        self.editor.set_texts(view.subject, view.long, view.short, view.chat, title=view.title)
        self.editor.mark_own(view.short_own, view.chat_own)
        self.editor.set_read_only(True, _("Reading what you may do with this update…"))
        self.preview = Preview()
        self.findings = FindingsList()
        self.findings.jump_field.connect(self._select)
        self.error = _plain_label("columnError")
        self.error.setWordWrap(True)
        palette.keep(self.error, lambda p: palette.error_style())
        self.error.hide()
        self.submit_button = QPushButton(_("Submit for review"))
        self.submit_button.setObjectName("submitButton")
        self.submit_button.clicked.connect(self._submit)
        self.publish_button = QPushButton(_("Publish"))
        self.publish_button.setObjectName("publishButton")
        self.publish_button.clicked.connect(self._publish)
        self.retract_button = QPushButton(_("Retract…"))
        self.retract_button.setObjectName("retractButton")
        self.retract_button.clicked.connect(lambda: self.retract_requested.emit(self))
        self.correct_button = QPushButton(_("Draft correction"))
        self.correct_button.setObjectName("correctButton")
        self.correct_button.clicked.connect(lambda: self.correct_requested.emit(self))
        for b in (self.submit_button, self.publish_button, self.retract_button, self.correct_button):
            b.setEnabled(False)  # until the core says
        top = QHBoxLayout()
        top.addWidget(self.audience_label)
        top.addWidget(self.state_label)
        top.addStretch(1)
        self.saved_label = _plain_label("draftSaved")
        palette.keep(self.saved_label, lambda p: f"color:{palette.hex_color(Tone.MUTED, p)};")
        top.addWidget(self.saved_label)
        actions = QHBoxLayout()
        actions.addStretch(1)
        for b in (self.submit_button, self.publish_button, self.retract_button, self.correct_button):
            actions.addWidget(b)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.editor)
        split.addWidget(self.preview)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.header)
        layout.addWidget(self.blocked_label)
        layout.addWidget(self.note)
        layout.addWidget(split, 1)
        layout.addWidget(self.findings)
        layout.addWidget(self.error)
        layout.addLayout(actions)
        self.setMinimumWidth(COLUMN_MIN_WIDTH)
        self._autosave = QTimer(self)
        self._autosave.setSingleShot(True)
        self._autosave.setInterval(AUTOSAVE_MS)
        self._autosave.timeout.connect(self.save_now)
        self._relint = QTimer(self)
        self._relint.setSingleShot(True)
        self._relint.setInterval(LINT_MS)
        self._relint.timeout.connect(self.refresh)
        self.editor.field_edited.connect(self._edited)
        self.editor.tabs.currentChanged.connect(self._tab_changed)
        #: The live lint found something blocking (for display: the core decides what may go on).
        self.blocking = False
        self.refresh()

    def hasHeightForWidth(self) -> bool:
        # Wrapped labels would make the scroll area size the strip for their preferred
        # height, scrolling the buttons out of sight; the column fits the space it gets.
        return False

    # -- typing ------------------------------------------------------------------

    def _edited(self, field: str) -> None:
        self._edits[field] += 1
        self.editor.clear_error(field)
        self._relint.start()
        self._autosave.start()
        self._update_header()

    def _tab_changed(self, index: int) -> None:
        self.preview.tabs.setCurrentIndex(index)

    def dirty(self) -> bool:
        """Words typed that are not saved yet (or on their way)."""
        return self._autosave.isActive() or self._in_flight > 0

    def refresh(self) -> None:
        """Preview and lint the words as they are now: the core's own judgement
        (:func:`warroom.services.wording.judge`), so window and core agree."""
        from warroom.services import wording  # loaded with the first draft, not at start-up

        texts = self.editor.texts()
        v = self.view
        when = (_("(next update time as published: {when})").format(when=moment_text(self.local, v.next_update_at))
                if v.state in _FINAL and v.next_update_at is not None else None)
        self.preview.show_texts(texts["long"], texts["short"], texts["chat"], next_update=when)
        flags = wording.judge(texts, external=self.external, status=self.status, config=self.lint_config)
        for key, editor in self.editor.editors.items():
            underline(editor, [f.finding for f in flags if f.field == key])
        self.editor.mark_lines(flags)
        self.findings.show_flags(flags, acknowledged=self.view.acknowledged)
        self.blocking = any(f.blocking for f in flags)
        self._update_header()

    # -- saving ------------------------------------------------------------------

    def save_now(self, then=None) -> None:
        """Save the words as a new revision (the core keeps them as they are when
        nothing changed); ``then`` runs once what the core allows was read again."""
        self._autosave.stop()
        self._in_flight += 1
        self._update_header()
        self._save(self, self.editor.texts(), dict(self._edits), then)

    def save_if_typing(self) -> None:
        """Save now what waits for a pause in typing (switching incidents, closing)."""
        if self._autosave.isActive():
            self.save_now()

    def revision_saved(self, view: DraftView, sent: dict[str, str] | None = None,
                       edits: dict[str, int] | None = None) -> None:
        """A save came back. An SMS or chat text the core derived again from a new
        long text goes into its editor, unless the user typed there since."""
        if sent is not None:
            self._in_flight = max(0, self._in_flight - 1)
        self.view = view
        rewritten = False
        if sent is not None and edits is not None:
            for key in ("short", "chat"):
                new = getattr(view, key)
                untouched = self._edits[key] == edits[key] and self.editor.editors[key].toPlainText() == sent[key]
                if new != sent[key] and untouched:
                    self.editor.set_field(key, new)
                    rewritten = True
        self.editor.mark_own(view.short_own, view.chat_own)
        self.editor.clear_error()
        self.say("")
        if rewritten:
            self.refresh()
        else:
            self._update_header()
        self.saved.emit(view)

    def save_failed(self, error: BaseException) -> None:
        self._in_flight = max(0, self._in_flight - 1)
        self.show_error(error)
        self._update_header()

    # -- what the core says ------------------------------------------------------

    def apply(self, view: DraftView, allowed: Allowed) -> None:
        """The update as the core has it now, and what this person may do with it:
        buttons follow ``allowed``, with the core's reason as their tooltip."""
        if view.revision < self.view.revision:
            return  # read before our own save landed: a newer read follows
        words_changed = view.content_hash != self.view.content_hash
        if words_changed and not self.dirty() and self.editor.texts() == self._texts_of(self.view):
            # Changed elsewhere (the command line, another window) while nobody typed here.
            self.editor.set_texts(view.subject, view.long, view.short, view.chat, title=view.title)
        self.view = view
        self.allowed = allowed
        a = allowed
        focus = self.window().focusWidget()  # the window's, active or not (a question may just have closed)
        focus = focus if focus is not None and self.isAncestorOf(focus) else None
        self.editor.mark_own(view.short_own, view.chat_own)
        if self.history:
            self.editor.set_read_only(True, _(HISTORY_NOTE))
        else:
            self.editor.set_read_only(not a.can_edit, a.why_not_edit)
        final = view.state in _FINAL or self.history
        self.submit_button.setVisible(not final)
        self.publish_button.setVisible(not final)
        self.submit_button.setEnabled(a.can_submit)
        self.submit_button.setToolTip(plain_tip(a.why_not_submit or self._warned(
            _("Ask for the reviews this update needs (Ctrl+Enter)."), a)))
        self.publish_button.setEnabled(a.can_publish)
        self.publish_button.setToolTip(plain_tip(a.why_not_publish or self._warned(_("Publish it now (Ctrl+Shift+P)."),
                                                                                   a)))
        self.retract_button.setVisible(view.state == "published" and view.kind != "retraction")
        self.retract_button.setEnabled(a.can_retract)
        self.retract_button.setToolTip(plain_tip(a.why_not_retract or _("Take the words back now: pages drop them, "
                                                 "and those who got them are told. Asks for a reason.")
                                                 + f" ({shown(RETRACT_KEYS)})"))
        self.correct_button.setVisible(view.state == "retracted")
        self.correct_button.setEnabled(a.can_correct)
        self.correct_button.setToolTip(plain_tip(a.why_not_correct or _("Draft the corrected update, from these "
                                                 "words, reviewed like any update.")))
        if focus is not None and not (focus.isVisible() and focus.isEnabled()):
            self._focus_next_step()
        self.refresh()

    def set_history(self, history: bool) -> None:
        """Shown as an earlier update (read only, no submit or publish), or as the current one."""
        if history == self.history:
            return
        self.history = history
        if self.allowed is not None:
            self.apply(self.view, self.allowed)
        elif history:
            self.editor.set_read_only(True, _(HISTORY_NOTE))
        self._update_header()

    def _focus_next_step(self) -> None:
        """The button that had the focus went (Publish, once published): the focus goes to
        the step the update allows now, else to its words; not out of the column."""
        steps = (self.submit_button, self.publish_button, self.retract_button, self.correct_button)
        target = next((b for b in steps if b.isVisibleTo(self) and b.isEnabled()), self.editor.editors["long"])
        target.setFocus(Qt.FocusReason.OtherFocusReason)

    @staticmethod
    def _warned(text: str, a: Allowed) -> str:
        if not a.unacknowledged:
            return text
        return text + "\n" + _("The linter warns ({count}): you are asked to acknowledge it first.").format(
            count=len(a.unacknowledged))

    @staticmethod
    def _texts_of(view: DraftView) -> dict[str, str]:
        return view.texts()

    def show_error(self, error: BaseException) -> None:
        """The core's refusal, beside the field it names, or under the column; a
        refusal of the words lists its findings."""
        from warroom.services.wording import WordsRefused

        if isinstance(error, WordsRefused):
            self.say(str(error))
            self.findings.show_flags(error.flags)
            return
        if isinstance(error, WarroomError) and error.field and self.editor.show_error(error.field, str(error)):
            return
        self.say(str(error) if isinstance(error, WarroomError) else _("Not done: {error}").format(error=error))

    def say(self, message: str) -> None:
        self.error.setText(message)
        self.error.setVisible(bool(message))

    def _update_header(self) -> None:
        v = self.view
        self.audience_label.setText(v.audience.capitalize())
        state = _(STATE_WORDS[v.state]) if v.state in STATE_WORDS else v.state.replace("_", " ")
        self.state_label.setText(state.upper() if v.state in ("retracted", "withdrawn") else state)
        self.state_label.setStyleSheet(palette.chip_style(palette.DRAFT_STATES.get(v.state))
                                       + " border-radius:3px; padding:1px 6px;"
                                       + (" font-weight:bold;" if v.state == "retracted" else ""))
        self.blocked_label.setVisible(self.blocking)
        if self._autosave.isActive():
            saved = _("editing…")
        elif self._in_flight:
            saved = _("saving…")
        else:
            saved = _("revision {revision} saved").format(revision=v.revision)
        self.saved_label.setText(saved)
        parts = [_(_KINDS[v.kind])] if v.kind in _KINDS else []
        parts += [v.locale, v.template or _("no template")]
        self.header.setText(" · ".join(parts))
        self.header.setToolTip(plain_tip(_("Revision {revision} by {author}").format(
            revision=v.revision, author=v.author)))
        note = ""
        if v.state == "retracted":
            note = _("Retracted {when} by {who}: {reason}").format(
                when=moment_text(self.local, v.retracted_at), who=v.retracted_by or _("someone"),
                reason=v.retract_reason or _("no reason given"))
        elif v.state == "published":
            note = _("Published {when}").format(when=moment_text(self.local, v.published_at))
            if v.next_update_at is not None:
                note += _(" · next update due {when}").format(
                    when=moment_text(self.local, v.next_update_at, same_day_as=v.published_at))
        elif self.history:
            note = _(HISTORY_NOTE)
        elif self.allowed is not None and not self.allowed.can_edit and v.state not in _FINAL:
            note = self.allowed.why_not_edit or ""
        self.note.setText(note)
        self.note.setVisible(bool(note))
        self.note.setStyleSheet(palette.error_style() if v.state == "retracted" else "")

    # -- steps -------------------------------------------------------------------

    def _submit(self) -> None:
        self.submit_requested.emit(self)

    def _publish(self) -> None:
        self.publish_requested.emit(self)

    def _select(self, field: str, start: int, end: int) -> None:
        if field in self.editor.editors:
            self.editor.tabs.setCurrentIndex(list(self.editor.editors).index(field))
            editor = self.editor.editors[field]
            cursor = editor.textCursor()
            cursor.setPosition(min(start, len(editor.toPlainText())))
            cursor.setPosition(min(end, len(editor.toPlainText())), QTextCursor.MoveMode.KeepAnchor)
            editor.setTextCursor(cursor)
            editor.setFocus()
            return
        line = self.editor.title if field == "title" else self.editor.subject
        if line is not None:
            line.setSelection(start, max(0, end - start))
            line.setFocus()




def current_of(views: list[DraftView]) -> DraftView | None:
    """The draft an audience's pane shows first: the newest still being worked on
    (not published, retracted or withdrawn), else the newest. ``views`` oldest first."""
    for view in reversed(views):
        if view.state not in _FINAL:
            return view
    return views[-1] if views else None


def history_text(view: DraftView, local: TimeFormatter | None = None) -> str:
    """One earlier update in the history list: when, what became of it, its title."""
    when = view.published_at or view.updated_at
    kind = f"{_(_KINDS[view.kind])} · " if view.kind in _KINDS else ""
    title = view.title or view.subject or _("(no title)")
    state = _(STATE_WORDS[view.state]) if view.state in STATE_WORDS else view.state.replace("_", " ")
    return f"{moment_text(local or TimeFormatter(), when)} · {kind}{state} · {title}"


class AudiencePane(QFrame):
    """One audience: its current draft first, and its earlier updates in a list
    above it; choosing one shows it for reading (``chosen`` carries its id, None
    for the current draft)."""

    chosen = Signal(object)  # uuid.UUID | None

    def __init__(self, audience: str, parent=None, *, local: TimeFormatter | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"pane-{audience}")
        self.local = local or TimeFormatter()
        self.audience = audience
        #: Every draft of the audience, oldest first.
        self.views: list[DraftView] = []
        self.history = QComboBox()
        self.history.setObjectName(f"history-{audience}")
        self.history.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.history.setMinimumContentsLength(12)
        # Its label on screen, for each audience alike; the description says whose updates these are.
        describe(self.history, None, _("Updates to {audience}: the current draft, or an earlier one to read")
                 .format(audience=audience))
        self.history.activated.connect(self._activated)
        self.stack = QtWidgets.QStackedWidget()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        row = QHBoxLayout()
        # The audience's name names its list (and the column below, which then leaves
        # its own out): one short label, so the list keeps its width in every language.
        self.history_label = label_for(self.history, audience.capitalize())
        self.history_label.setObjectName(f"paneAudience-{audience}")
        self.history_label.setTextFormat(Qt.TextFormat.PlainText)
        heading = QFont(self.history_label.font())
        heading.setBold(True)
        self.history_label.setFont(heading)
        row.addWidget(self.history_label)
        row.addWidget(self.history, 1)
        layout.addLayout(row)
        layout.addWidget(self.stack, 1)
        self.setMinimumWidth(COLUMN_MIN_WIDTH)

    def add(self, view: DraftView) -> None:
        """A draft of this audience, new or read again."""
        for i, known in enumerate(self.views):
            if known.id == view.id:
                self.views[i] = view
                break
        else:
            self.views.append(view)

    def current(self) -> DraftView | None:
        return current_of(self.views)

    def earlier(self) -> list[DraftView]:
        """The audience's other drafts, newest first."""
        current = self.current()
        return [v for v in reversed(self.views) if current is None or v.id != current.id]

    def refill(self, shown_id) -> None:
        """The history list as it is now, with ``shown_id`` chosen."""
        earlier = self.earlier()
        current = self.current()
        items = []
        if current is not None:
            state = _(STATE_WORDS[current.state]) if current.state in STATE_WORDS else current.state.replace("_", " ")
            items.append((_("Current · {state}").format(state=state)
                          + (ngettext(" · {count} earlier update", " · {count} earlier updates", len(earlier)).format(
                              count=len(earlier)) if earlier else _(" · no earlier update")), None))
        items += [(history_text(view, self.local), view.id) for view in earlier]
        self.history.blockSignals(True)
        if items != [(self.history.itemText(i), self.history.itemData(i)) for i in range(self.history.count())]:
            self.history.clear()  # only when something changed: a list being read stays open
            for text, draft_id in items:
                self.history.addItem(text, draft_id)
                self.history.setItemData(self.history.count() - 1, plain_tip(text), Qt.ItemDataRole.ToolTipRole)
        self.history.setEnabled(bool(earlier))
        self.history.setToolTip(_("Earlier updates to this audience: choose one to read it")
                                if earlier else _("No earlier update to this audience"))
        for i in range(self.history.count()):
            if self.history.itemData(i) == (None if current is not None and shown_id == current.id else shown_id):
                self.history.setCurrentIndex(i)
                break
        self.history.blockSignals(False)

    def _activated(self, index: int) -> None:
        self.chosen.emit(self.history.itemData(index))
