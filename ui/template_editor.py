"""The template editor: templates grouped by category and audience, an editor that
highlights placeholders and offers the variables, a live preview against an
incident with the linter's findings, and the version history with a diff."""

from __future__ import annotations

import difflib
import html
import uuid
from typing import TYPE_CHECKING

from warroom.errors import WarroomError
from warroom.text.render import FILTERS, VARIABLES
from ui.common.access import add_tab, describe
from ui.editors import ChannelEditor, FindingsList, Preview, underline
from ui.qt import (
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QKeySequence,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QShortcut,
    QSplitter,
    Qt,
    QTabWidget,
    QTimer,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)
from ui.i18n import tr as _
from ui.common import sizes

if TYPE_CHECKING:
    from warroom.services.templates import TemplateView


class TemplateEditor(QDialog):
    def __init__(self, store, actor: str, ops, *, incident=None, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Templates — War room"))
        self.setObjectName("templateEditor")
        self.setWindowFlag(Qt.WindowType.Window)
        self.store, self.actor, self.ops = store, actor, ops
        self.incident = incident
        self.current: TemplateView | None = None

        self.filter = QLineEdit()
        self.filter.setObjectName("templateFilter")
        self.filter.setPlaceholderText(_("Filter templates"))
        self.filter.textChanged.connect(self._apply_filter)
        describe(self.filter, _("Filter templates"), _("Shows only the templates with every one of these words"))
        self.tree = QTreeWidget()
        self.tree.setObjectName("templateTree")
        self.tree.setHeaderLabels([_("Template"), _("Version")])
        # The name takes the width the list has and the version what it needs: no sideways scrolling.
        tree_header = self.tree.header()
        tree_header.setStretchLastSection(False)
        tree_header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        tree_header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.currentItemChanged.connect(self._chosen)
        describe(self.tree, _("Templates"), _("The templates by category and audience: choose one to edit it"))
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(self.filter)
        ll.addWidget(self.tree, 1)

        self.meta = QLabel(_("Choose a template"))
        self.meta.setObjectName("templateMeta")
        self.meta.setTextFormat(Qt.TextFormat.RichText)  # our markup; the template's name escaped
        self.editor = ChannelEditor(highlight=True)
        self.editor.changed.connect(self._edited)
        self.editor.tabs.currentChanged.connect(self._refresh_preview)
        self.variables = QListWidget()
        self.variables.setObjectName("variables")
        for name, help_text in VARIABLES.items():
            item = QListWidgetItem(name)
            item.setToolTip(help_text)
            item.setData(Qt.ItemDataRole.UserRole, "{{ %s }}" % name)
            self.variables.addItem(item)
        for name, help_text in FILTERS.items():
            item = QListWidgetItem(f"| {name}")
            item.setToolTip(help_text)
            item.setData(Qt.ItemDataRole.UserRole, f" | {name}")
            self.variables.addItem(item)
        self.variables.itemActivated.connect(self._insert_variable)
        self.variables.setMaximumWidth(sizes.chars(self.variables, 32))
        describe(self.variables, _("Variables and filters"),
                 _("What a template can fill in: Enter puts the chosen one in at the cursor"))
        self.save_button = QPushButton(_("Save as new version (Ctrl+S)"))
        self.save_button.setObjectName("saveTemplate")
        self.save_button.clicked.connect(self.save)
        describe(self.save_button, None, _("Keep these words as the template's next version; the earlier ones stay "
                                           "in its history"), tip=True)
        self.status = QLabel()
        self.status.setObjectName("templateStatus")
        edit_row = QHBoxLayout()
        edit_row.addWidget(self.editor, 1)
        edit_row.addWidget(self.variables)

        self.preview = Preview()
        self.findings = FindingsList()
        self.history = QListWidget()
        self.history.setObjectName("history")
        self.history.currentItemChanged.connect(self._show_diff)
        describe(self.history, _("Versions"),
                 _("The template's versions: choose one to compare it with the current one"))
        self.diff = QPlainTextEdit()
        self.diff.setObjectName("diff")
        self.diff.setReadOnly(True)
        describe(self.diff, _("Changes since the chosen version"),
                 _("What changed from the chosen version to the current one, line by line"))
        history_page = QWidget()
        hl = QHBoxLayout(history_page)
        hl.addWidget(self.history)
        hl.addWidget(self.diff, 2)
        self.lower = QTabWidget()
        preview_page = QWidget()
        pl = QVBoxLayout(preview_page)
        pl.setContentsMargins(0, 0, 0, 0)
        pl.addWidget(self.preview, 1)
        pl.addWidget(self.findings)
        add_tab(self.lower, preview_page, _("Preview and linter"),
                _("The template filled in for the incident shown, and what the linter finds in it"))
        add_tab(self.lower, history_page, _("History"), _("The template's earlier versions, and what changed since"))

        right = QWidget()
        rl = QVBoxLayout(right)
        rl.addWidget(self.meta)
        rl.addLayout(edit_row, 1)
        row = QHBoxLayout()
        row.addWidget(self.status, 1)
        row.addWidget(self.save_button)
        rl.addLayout(row)
        rl.addWidget(self.lower, 1)
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(right)
        split.setSizes([320, 880])
        layout = QVBoxLayout(self)
        layout.addWidget(split)
        self.save_shortcut = QShortcut(QKeySequence.StandardKey.Save, self)
        self.save_shortcut.activated.connect(self.save)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(250)
        self._timer.timeout.connect(self._refresh_preview)
        self.resize(1200, 820)
        self.reload()

    # -- the list --------------------------------------------------------------

    def reload(self, select: uuid.UUID | None = None) -> None:
        """Rebuild the list; a template being edited stays in the editor as it is."""
        from warroom.services import templates

        rows = templates.list_templates(self.store)
        self.tree.blockSignals(True)
        self.tree.clear()
        groups: dict[str, QTreeWidgetItem] = {}
        chosen = None
        for t in rows:
            cat = groups.get(t.category)
            if cat is None:
                cat = groups[t.category] = QTreeWidgetItem(self.tree, [t.category.replace("_", " ").capitalize()])
            key = f"{t.category}/{t.audience}"
            aud = groups.get(key)
            if aud is None:
                aud = groups[key] = QTreeWidgetItem(cat, [t.audience])
            label = f"{t.phase} · {t.locale}" + (" · pre-approved" if t.preapproved else "")
            item = QTreeWidgetItem(aud, [label, f"v{t.version}"])
            item.setData(0, Qt.ItemDataRole.UserRole, t)
            item.setToolTip(0, t.name)
            if select is not None and t.id == select:
                chosen = item
        self.tree.blockSignals(False)
        self._apply_filter(self.filter.text())
        if chosen is not None:
            self.tree.setCurrentItem(chosen)

    def _apply_filter(self, text: str) -> None:
        words = text.lower().split()

        def visit(item: QTreeWidgetItem) -> bool:
            t = item.data(0, Qt.ItemDataRole.UserRole)
            if t is not None:
                hay = f"{t.name} {t.locale} {t.phase} {t.audience} {t.category}".lower()
                show = all(w in hay for w in words)
            else:
                show = any([visit(item.child(i)) for i in range(item.childCount())])
            item.setHidden(not show)
            item.setExpanded(bool(words) and show)
            return show

        for i in range(self.tree.topLevelItemCount()):
            visit(self.tree.topLevelItem(i))

    def select(self, name: str, locale: str) -> bool:
        """Choose a template by name and locale (for the keyboard and the tests)."""
        found = self.tree.findItems("*", Qt.MatchFlag.MatchWildcard | Qt.MatchFlag.MatchRecursive)
        for item in found:
            t = item.data(0, Qt.ItemDataRole.UserRole)
            if t is not None and t.name == name and t.locale == locale:
                self.tree.setCurrentItem(item)
                return True
        return False

    def dirty(self) -> bool:
        """The editor holds words that are not the current version's."""
        if self.current is None:
            return False
        t, texts = self.current, self.editor.texts()
        return (t.subject, t.long, t.short, t.chat) != (texts["subject"], texts["long"], texts["short"], texts["chat"])

    def _keep_or_discard(self) -> bool:
        """Ask before unsaved edits are dropped; True when it is fine to go on."""
        if not self.dirty():
            return True
        answer = QMessageBox.question(
            self, _("Unsaved changes"), _("Discard your changes to {name} ({locale})?").format(
                name=self.current.name, locale=self.current.locale),
            QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Cancel)
        return answer == QMessageBox.StandardButton.Discard

    def closeEvent(self, event) -> None:
        if self._keep_or_discard():
            event.accept()
        else:
            event.ignore()

    def _chosen(self, item, previous) -> None:
        t = item.data(0, Qt.ItemDataRole.UserRole) if item is not None else None
        if t is None or (self.current is not None and t.id == self.current.id and t.version == self.current.version):
            return
        if self.current is not None and previous is not None and not self._keep_or_discard():
            self.tree.blockSignals(True)
            self.tree.setCurrentItem(previous)
            self.tree.blockSignals(False)
            return
        self.current = t
        self.meta.setText(f"<b>{html.escape(t.name)}</b> · {t.locale} · {t.category} / {t.audience} / {t.phase} · "
                          + _("version {version}").format(version=t.version)
                          + (" · <i>" + _("pre-approved holding statement") + "</i>" if t.preapproved else ""))
        self.editor.set_texts(t.subject, t.long, t.short, t.chat)
        self.status.clear()
        self._load_history()
        self._refresh_preview()

    # -- editing -------------------------------------------------------------------

    def set_incident(self, incident) -> None:
        self.incident = incident
        self._refresh_preview()

    def _insert_variable(self, item: QListWidgetItem) -> None:
        editor = self.editor.editors[self.editor.current_channel()]
        editor.insertPlainText(item.data(Qt.ItemDataRole.UserRole))
        editor.setFocus()

    def _edited(self) -> None:
        if self.current is not None:
            self.status.setText(_("Unsaved changes"))
        self._timer.start()

    def _refresh_preview(self) -> None:
        if self.current is None:
            return
        from warroom.services import compose

        t = self.current
        texts = dict(self.editor.texts(), title=t.title)
        preview = compose.preview_template(self.store, texts, locale=t.locale, audience=t.audience,
                                           viewer=self.actor, incident=self.incident.id if self.incident else None)
        if preview.error is not None:
            key, message = preview.error
            self.preview.show_error(_("{key} text, {message}").format(key=key, message=message))
            self.findings.show_findings("", [])
            self.findings.clear()
            self.findings.addItem(_("⛔ {key}: {message}").format(key=key, message=message))
            return
        rendered = preview.texts
        self.preview.show_texts(rendered["long"], rendered["short"], rendered["chat"])
        channel = self.editor.current_channel()
        found = [f.finding for f in preview.flags if f.field == channel]
        self.findings.show_findings(rendered[channel], found)
        # Underlines need spans in the template's own text: mark the words the linter
        # found wherever they appear literally in it.
        editor = self.editor.editors[channel]
        literal = []
        source = texts[channel]
        for f in found:
            word = rendered[channel][f.start:f.end]
            pos = source.find(word) if word else -1
            if pos >= 0:
                literal.append(type(f)(f.rule, f.blocking, pos, pos + len(word), f.message, f.suggestion))
        underline(editor, literal)

    def save(self) -> None:
        if self.current is None:
            return
        from warroom.services import templates

        t, texts = self.current, self.editor.texts()
        data = dict(name=t.name, locale=t.locale, category=t.category, audience=t.audience, phase=t.phase,
                    preapproved=t.preapproved, title=t.title, **texts)
        store, actor = self.store, self.actor

        def saved(view) -> None:
            typed_since = self.editor.texts() != texts
            current_words = self.editor.texts()
            self.current = None  # so the list's reload loads the new version without asking
            self.reload(select=view.id)
            if typed_since:  # words typed while it was being saved stay in the editor
                self.editor.set_texts(**current_words)
                self.status.setText(_("Saved as version {version}; newer changes not saved yet.").format(
                    version=view.version))
            else:
                self.status.setText(_("Saved as version {version}.").format(version=view.version))

        def failed(error: BaseException) -> None:
            self.status.setText(str(error) if isinstance(error, WarroomError) else _("Not saved: {error}").format(
                error=error))

        self.ops.write(lambda: templates.save(store, actor, **data), saved, failed)

    # -- history ----------------------------------------------------------------------

    def _load_history(self) -> None:
        from warroom.services import templates

        self.history.clear()
        self.diff.clear()
        for v in reversed(templates.versions(self.store, self.current.id)):
            item = QListWidgetItem(_("v{version} · {author} · {updated_at:%Y-%m-%d %H:%M} UTC").format(
                version=v.version, author=v.author, updated_at=v.updated_at))
            item.setData(Qt.ItemDataRole.UserRole, v)
            self.history.addItem(item)

    def _show_diff(self, item, _previous) -> None:
        v = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        if v is None or self.current is None:
            return
        cur = self.current
        lines = []
        for field in ("subject", "long", "short", "chat"):
            lines += difflib.unified_diff(getattr(v, field).splitlines(), getattr(cur, field).splitlines(),
                                          f"v{v.version} {field}", f"v{cur.version} {field}", lineterm="")
        self.diff.setPlainText("\n".join(lines) or _("v{old} is the same as v{new}.").format(
            old=v.version, new=cur.version))
