"""Integrity from the window: the journal check (with progress and Cancel), and
signed archives exported and verified — what ``warroom-cli verify`` and
``warroom-cli audit export|verify`` do, for people who do not use a terminal.

The work runs on the window's background readers; a check of a million events
takes tens of seconds, so it reports progress and can be stopped."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

from warroom.errors import WarroomError
from ui.common import palette
from ui.common.access import describe, describe_buttons
from ui.common.palette import Tone
from ui.qt import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QLineEdit,
    QObject,
    QPlainTextEdit,
    QProgressDialog,
    QPushButton,
    Qt,
    QVBoxLayout,
    Signal,
)
from ui.i18n import tr as _

if TYPE_CHECKING:
    from warroom.services.integrity import Report as IntegrityReport
    from warroom.services.audit import ArchiveReport
    from warroom.store import Store
    from ui.ops import Operations


class CheckCancelled(WarroomError):
    """The user stopped a check before it finished."""


class ReportDialog(QDialog):
    """The outcome of a check: a headline, and the problems one per line (copyable)."""

    def __init__(self, title: str, headline: str, lines: list[str], *, ok: bool, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("{title} — War room").format(title=title))
        self.setObjectName("reportDialog")
        self.ok = ok
        self.headline = QLabel(headline)
        self.headline.setObjectName("reportHeadline")
        self.headline.setWordWrap(True)
        self.headline.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        color = palette.hex_color(Tone.GOOD if ok else Tone.BAD)
        self.headline.setStyleSheet(f"color:{color}; font-weight:600;")
        self.details = QPlainTextEdit("\n".join(lines))
        self.details.setObjectName("reportDetails")
        self.details.setReadOnly(True)
        self.details.setVisible(bool(lines))
        describe(self.details, _("Details"), _("What the check found, one line each"))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons = buttons
        #: "Trust this signer…" on an archive whose signer may be trusted by this person.
        self.trust_button: QPushButton | None = None
        self.public_key: str | None = None
        self.fingerprint: str | None = None
        copy = buttons.addButton(_("&Copy"), QDialogButtonBox.ButtonRole.ActionRole)
        copy.clicked.connect(self.copy)
        describe(copy, None, _("Put the outcome and its details on the clipboard"), tip=True)
        describe_buttons(buttons)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.headline)
        layout.addWidget(self.details, 1)
        layout.addWidget(buttons)
        self.resize(640, 360 if lines else 140)

    def text(self) -> str:
        return "\n".join(t for t in (self.headline.text(), self.details.toPlainText()) if t)

    def copy(self) -> None:
        QApplication.clipboard().setText(self.text())


# -- the journal check ---------------------------------------------------------------


class _Progress(QObject):
    changed = Signal(int, int)


class JournalCheck(QObject):
    """``warroom.journal.verify`` on a background reader, with a progress dialog
    whose Cancel stops it. ``finished`` carries the report (None when cancelled)."""

    finished = Signal(object)

    def __init__(self, store: Store, ops: Operations, parent=None) -> None:
        super().__init__(parent)
        self.store, self.ops = store, ops
        self.cancelled = threading.Event()
        self.dialog = QProgressDialog(_("Checking the journal…"), _("Cancel"), 0, 0, parent)
        self.dialog.setObjectName("journalProgress")
        self.dialog.setWindowTitle(_("Check the journal — War room"))
        self.dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self.dialog.setMinimumDuration(400)       # a small journal: no flash of a dialog
        self.dialog.setAutoClose(False)
        self.dialog.setAutoReset(False)
        self.dialog.canceled.connect(self.cancelled.set)
        self._progress = _Progress(self)
        self._progress.changed.connect(self._show)
        self.report: IntegrityReport | None = None

    def start(self) -> None:
        from warroom.services import integrity

        store = self.store
        self.ops.read(lambda: integrity.check(store, progress=self._report), self._done, self._failed)

    def _report(self, done: int, total: int) -> None:
        """On the worker: hand the count to the dialog, stop when asked to."""
        if self.cancelled.is_set():
            raise CheckCancelled("The journal check was cancelled.")
        self._progress.changed.emit(done, total)

    def _show(self, done: int, total: int) -> None:
        self.dialog.setMaximum(max(total, 1))
        self.dialog.setValue(min(done, total))
        self.dialog.setLabelText(_("Checking the journal… {done:,} of {total:,} events").format(done=done, total=total)
                                 if done < total else _("Comparing the tables with the journal…"))

    def _done(self, report: IntegrityReport) -> None:
        self.dialog.reset()
        self.dialog.hide()
        self.report = report
        self.finished.emit(report)

    def _failed(self, error: BaseException) -> None:
        self.dialog.reset()
        self.dialog.hide()
        if isinstance(error, CheckCancelled):
            self.finished.emit(None)
            return
        self.ops.default_error(error)
        self.finished.emit(None)


def journal_report_dialog(report: IntegrityReport, parent=None) -> ReportDialog:
    problems = list(report.problems)
    if report.ok:
        signed = _(" and signed by this device") if not report.notes else ""
        return ReportDialog(_("Check the journal"), _("Journal intact: {events:,} events on {devices} device(s). "
                                                      "Nothing was changed after it was written{signed}.").format(
            events=report.events, devices=report.devices, signed=signed),
                            [_("note: {note}").format(note=n) for n in report.notes], ok=True, parent=parent)
    lines = [_("first bad: {problem}").format(problem=problems[0])] + [_("also: {problem}").format(problem=p)
                                                                          for p in problems[1:]]
    return ReportDialog(_("Check the journal"), _("Journal check FAILED ({events:,} events on {devices} device(s)). "
                                                  "Keep this database as it is and make a copy of it before "
                                                  "anything else: it is the evidence.").format(
        events=report.events, devices=report.devices), lines, ok=False, parent=parent)


# -- signed archives -----------------------------------------------------------------


def export_archive(store: Store, ops: Operations, actor: str, incident, path: Path, on_done) -> None:
    """Write the incident's signed archive on a background reader; ``on_done(manifest)``."""
    from warroom.services import audit

    ops.read(lambda: audit.export(store, actor, incident.id, path), on_done)


def verify_archive(store: Store | None, ops: Operations, actor: str, path: Path, parent, show) -> None:
    """Verify an archive on a background reader against the signers this database
    trusts; ``show(dialog)`` with the outcome. To people allowed to, the dialog of an
    intact archive by an untrusted signer offers "Trust this signer…", which asks for
    a name, trusts the key and verifies again."""
    from warroom.services import audit, trust

    def run():
        if store is None:
            return audit.verify(path), _("No database is open.")
        return audit.verify(path, signers=trust.signers(store)), trust.why_not_trust(store, actor)

    def done(result) -> None:
        report, why_not = result
        dialog = archive_report_dialog(report, path, parent, why_not_trust=why_not)
        if dialog.trust_button is not None and store is not None:
            dialog.trust_button.clicked.connect(lambda: _trust_signer(store, ops, actor, path, dialog, show))
        show(dialog)

    ops.read(run, done)


def _trust_signer(store: Store, ops: Operations, actor: str, path: Path, dialog: ReportDialog, show) -> None:
    from warroom.services import trust

    key = dialog.public_key
    name = ask_signer_name(dialog, dialog.fingerprint or "")
    if not name or key is None:
        return

    def trusted(_signer) -> None:
        dialog.close()
        verify_archive(store, ops, actor, path, dialog.parentWidget(), show)

    ops.write(lambda: trust.trust(store, actor, key, name), trusted)


def ask_signer_name(parent, fingerprint: str) -> str | None:
    """Whose key it is, in the words the list will show ("Legal", "Berlin office")."""
    from ui.common.ask import AskDialog

    field = QLineEdit()
    field.setObjectName("signerName")
    name = AskDialog(parent, "trustSigner", _("Trust this signer — War room"), _("&Whose key:"), field,
                     _("A name the list of trusted signers shows, e.g. Legal or Berlin office"),
                     _("Trust the key under this name"),
                     intro=_("Archives signed by the key {fingerprint} will verify from now on.").format(
                         fingerprint=fingerprint)).ask()
    return name.strip() if name and name.strip() else None


def archive_report_dialog(report: ArchiveReport, path: Path, parent=None, *,
                          why_not_trust: str | None = "") -> ReportDialog:
    """The outcome: intact and trusted (green), or a failure — a changed archive, or an
    intact one whose signer this database does not trust. ``why_not_trust`` is None
    when the person may trust the signer (the dialog then offers it)."""
    if not report.intact:
        dialog = ReportDialog(_("Verify an archive"), _("{name} FAILED verification: do not rely on it.").format(
            name=path.name),
                              report.problems, ok=False, parent=parent)
    elif report.trusted:
        dialog = ReportDialog(_("Verify an archive"), _("{name} is intact: {files} files of {incident}, unchanged "
                                                        "since they were signed by {trusted_as}.").format(
            name=path.name, files=report.files, incident=report.incident, trusted_as=report.trusted_as),
                              [_("Signed by {who}: the key {fingerprint} ({key}).").format(
                                  who=report.trusted_as, fingerprint=report.fingerprint, key=report.public_key)],
                              ok=True, parent=parent)
    else:
        lines = [_("The files of {incident} hold together, but {untrusted}.").format(
                     incident=report.incident, untrusted=report.untrusted),
                 _("Anyone can sign a forged archive with a key of their own, so an archive counts only when its "
                   "signer is trusted."),
                 _("Signer's key: {key} (fingerprint {fingerprint}).").format(key=report.public_key,
                                                                               fingerprint=report.fingerprint),
                 _("Compare it with the key of whoever exported it (warroom-cli audit key on their machine).")]
        if why_not_trust is None:
            lines.append(_("If it is theirs, press Trust this signer… and say whose key it is."))
        elif why_not_trust:
            lines.append(_("To trust this signer: {why}").format(why=why_not_trust))
        dialog = ReportDialog(_("Verify an archive"), _("{name} FAILED verification: its signer is not trusted (key "
                                                        "{fingerprint}). Do not rely on it.").format(
            name=path.name, fingerprint=report.fingerprint), lines, ok=False, parent=parent)
    dialog.public_key, dialog.fingerprint = report.public_key, report.fingerprint
    if report.intact and not report.trusted and why_not_trust is None:
        dialog.trust_button = dialog.buttons.addButton(_("&Trust this signer…"), QDialogButtonBox.ButtonRole.ActionRole)
        dialog.trust_button.setObjectName("trustSigner")
        describe(dialog.trust_button, None, _("Trust archives signed with this key from now on; you say whose key "
                                              "it is"), tip=True)
    return dialog


def ask_save_path(parent, incident) -> Path | None:
    path, _filter = QFileDialog.getSaveFileName(parent, _("Export signed archive"), f"{incident.ref}.warroom.zip",
                                          _("War room archive (*.zip)"))
    return Path(path) if path else None


def ask_open_path(parent) -> Path | None:
    path, _filter = QFileDialog.getOpenFileName(parent, _("Verify an archive"), "", _("War room archive (*.zip);;All files (*)"))
    return Path(path) if path else None
