"""Integrity from the window: signed archives exported and verified, and the
journal check with its progress and Cancel — on a real database file."""

from __future__ import annotations

import sqlite3
import zipfile

import pytest

from warroom import journal
from warroom.services import audit, timeline
from warroom.identity import SYSTEM


def _tamper(db_path, sql, *params):
    con = sqlite3.connect(db_path)
    con.execute("DROP TRIGGER journal_event_no_update")
    con.execute(sql, params)
    con.commit()
    con.close()


def test_an_archive_exported_from_the_window_verifies_and_names_its_signer(window, seeded, tmp_path,
                                                                          memory_keyring):
    out = tmp_path / "INC-1-archive.zip"
    window.export_archive(out)
    assert not window.errors
    assert audit.verify(out).ok
    assert "Archive of INC-1 written" in window.statusBar().currentMessage()
    window.verify_archive(out)
    dialog = window.last_report
    assert dialog.ok and "is intact" in dialog.headline.text() and "INC-1" in dialog.headline.text()
    assert "this database's archive key" in dialog.details.toPlainText()
    dialog.close()


def test_a_changed_archive_fails_and_says_what_changed(window, seeded, tmp_path, memory_keyring):
    out = tmp_path / "archive.zip"
    window.export_archive(out)
    with zipfile.ZipFile(out) as z:
        items = [(i.filename, z.read(i)) for i in z.infolist()]
    items = [(n, d.replace(b"Error rate at 38%", b"Error rate at 3%")) for n, d in items]
    forged = tmp_path / "forged.zip"
    forged.write_bytes(audit.build_zip(items))
    window.verify_archive(forged)
    dialog = window.last_report
    assert not dialog.ok and "FAILED" in dialog.headline.text()
    assert "timeline.json: its SHA-256 does not match the manifest (changed)" in dialog.details.toPlainText()
    dialog.copy()
    from ui.qt import QApplication

    assert "timeline.json" in QApplication.clipboard().text()
    dialog.close()


def test_an_archive_signed_elsewhere_says_whose_key_to_compare(window, seeded, tmp_path, memory_keyring):
    out = tmp_path / "archive.zip"
    window.export_archive(out)
    memory_keyring.items.clear()          # as on another machine: this database has no archive key
    assert audit.own_public_key(window.store) is None
    window.verify_archive(out)
    text = window.last_report.details.toPlainText()
    assert window.last_report.ok and "not this database's key" in text and audit.verify(out).public_key in text
    window.last_report.close()


def test_the_journal_check_reports_an_intact_journal_with_its_count(window, seeded, store):
    window.check_journal()
    dialog = window.last_report
    with store.read() as session:
        events = journal.verify(session).events
    assert dialog.ok and f"Journal intact: {events:,} events" in dialog.headline.text()
    dialog.close()


def test_the_journal_check_names_a_changed_event(window, seeded, store, db_path):
    entry = timeline.entries(store, seeded.id, viewer=SYSTEM)[-1]
    _tamper(db_path, "UPDATE journal_event SET payload = replace(payload, 'packet loss', 'nothing') "
                     "WHERE kind = 'timeline.logged' AND payload LIKE '%packet loss%'")
    window.check_journal()
    dialog = window.last_report
    assert not dialog.ok and "FAILED" in dialog.headline.text()
    assert "first bad:" in dialog.details.toPlainText() and "changed after it was written" in dialog.details.toPlainText()
    assert entry.text == "Vendor confirms packet loss"
    dialog.close()


def test_the_journal_check_shows_progress_and_stops_on_cancel(window, seeded, monkeypatch):
    from ui import integrity
    from ui.qt import QPushButton

    monkeypatch.setattr(journal, "PROGRESS_EVERY", 2)
    seen: list[tuple[int, int]] = []
    checks: list[integrity.JournalCheck] = []
    original = integrity.JournalCheck._show

    def show(self, done, total):
        original(self, done, total)
        seen.append((self.dialog.value(), self.dialog.maximum()))
        checks.append(self)
        if done >= 4:
            self.dialog.findChild(QPushButton).click()     # the user presses Cancel part way

    monkeypatch.setattr(integrity.JournalCheck, "_show", show)
    window.check_journal()
    assert seen[0] == (0, seen[0][1]) and seen[0][1] > 4          # it knew the total before it began
    assert (4, seen[0][1]) in seen and all(done <= 4 for done, _ in seen)
    assert window.last_report is None and "stopped" in window.statusBar().currentMessage()
    assert not checks[0].dialog.isVisible()


def test_the_journal_check_on_a_progress_callback_that_raises_stops_the_walk(store, seeded, monkeypatch):
    monkeypatch.setattr(journal, "PROGRESS_EVERY", 1)
    calls = []

    def stop(done, total):
        calls.append(done)
        if done == 2:
            raise KeyboardInterrupt

    with store.read() as session, pytest.raises(KeyboardInterrupt):
        journal.verify(session, progress=stop)
    assert calls == [0, 1, 2]
