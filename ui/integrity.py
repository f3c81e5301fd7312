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
from ui.qt import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QObject,
    QPlainTextEdit,
    QProgressDialog,
    Qt,
    QVBoxLayout,
    Signal,
)

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
        self.setWindowTitle(f"{title} — War room")
        self.setObjectName("reportDialog")
        self.ok = ok
        self.headline = QLabel(headline)
        self.headline.setObjectName("reportHeadline")
        self.headline.setWordWrap(True)
        self.headline.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        color = "#2e7d32" if ok else "#c62828"
        self.headline.setStyleSheet(f"color:{color}; font-weight:600;")
        self.details = QPlainTextEdit("\n".join(lines))
        self.details.setObjectName("reportDetails")
        self.details.setReadOnly(True)
        self.details.setVisible(bool(lines))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        copy = buttons.addButton("&Copy", QDialogButtonBox.ButtonRole.ActionRole)
        copy.clicked.connect(self.copy)
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
        self.dialog = QProgressDialog("Checking the journal…", "Cancel", 0, 0, parent)
        self.dialog.setObjectName("journalProgress")
        self.dialog.setWindowTitle("Check the journal — War room")
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
        self.dialog.setLabelText(f"Checking the journal… {done:,} of {total:,} events"
                                 if done < total else "Comparing the tables with the journal…")

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
        signed = " and signed by this device" if not report.notes else ""
        return ReportDialog("Check the journal", f"Journal intact: {report.events:,} events on "
                            f"{report.devices} device(s). Nothing was changed after it was written{signed}.",
                            [f"note: {n}" for n in report.notes], ok=True, parent=parent)
    lines = [f"first bad: {problems[0]}"] + [f"also: {p}" for p in problems[1:]]
    return ReportDialog("Check the journal", f"Journal check FAILED ({report.events:,} events on "
                        f"{report.devices} device(s)). Keep this database as it is and make a copy of it "
                        "before anything else: it is the evidence.", lines, ok=False, parent=parent)


# -- signed archives -----------------------------------------------------------------


def export_archive(store: Store, ops: Operations, actor: str, incident, path: Path, on_done) -> None:
    """Write the incident's signed archive on a background reader; ``on_done(manifest)``."""
    from warroom.services import audit

    ops.read(lambda: audit.export(store, actor, incident.id, path), on_done)


def archive_report_dialog(report: ArchiveReport, path: Path, own_key: str | None, parent=None) -> ReportDialog:
    if not report.ok:
        return ReportDialog("Verify an archive", f"{path.name} FAILED verification: do not rely on it.",
                            report.problems, ok=False, parent=parent)
    if own_key and report.public_key == own_key:
        signer = "Signed with this database's archive key."
    else:
        signer = (f"Signed with the key {report.public_key}. That is not this database's key: compare it with "
                  "the key of whoever exported it (warroom-cli audit key on their machine).")
    return ReportDialog("Verify an archive", f"{path.name} is intact: {report.files} files of {report.incident}, "
                        "unchanged since they were signed.", [signer], ok=True, parent=parent)


def ask_save_path(parent, incident) -> Path | None:
    path, _ = QFileDialog.getSaveFileName(parent, "Export signed archive", f"{incident.ref}-archive.zip",
                                          "War room archive (*.zip)")
    return Path(path) if path else None


def ask_open_path(parent) -> Path | None:
    path, _ = QFileDialog.getOpenFileName(parent, "Verify an archive", "", "War room archive (*.zip);;All files (*)")
    return Path(path) if path else None
