"""Integrity from the window: signed archives exported and verified, and the
journal check with its progress and Cancel — on a real database file."""

from __future__ import annotations

import sqlite3
import zipfile

import pytest

from warroom import journal
from tests.helpers.team import team
from warroom.services import audit, timeline, trust
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
    assert audit.verify(out).intact
    assert "Archive of INC-1 written" in window.statusBar().currentMessage()
    window.verify_archive(out)
    dialog = window.last_report
    assert dialog.ok and "is intact" in dialog.headline.text() and "INC-1" in dialog.headline.text()
    assert "signed by this database's own key" in dialog.headline.text()
    assert audit.verify(out).fingerprint in dialog.details.toPlainText() and dialog.trust_button is None
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


def test_an_archive_signed_elsewhere_fails_until_its_signer_is_trusted(window, seeded, tmp_path, memory_keyring,
                                                                      monkeypatch):
    from ui import integrity

    out = tmp_path / "archive.zip"
    window.export_archive(out)
    memory_keyring.items.clear()          # as on another machine: this database has no archive key
    assert audit.own_public_key(window.store) is None
    window.verify_archive(out)
    dialog = window.last_report
    report = audit.verify(out)
    assert not dialog.ok and "FAILED" in dialog.headline.text() and "not trusted" in dialog.headline.text()
    assert report.fingerprint in dialog.headline.text() and report.public_key in dialog.details.toPlainText()
    # Whoever may trust signers is offered it: asked for a name, then the archive is verified again.
    asked = []
    monkeypatch.setattr(integrity, "ask_signer_name", lambda parent, fp: asked.append(fp) or "Legal")
    dialog.trust_button.click()
    assert asked == [report.fingerprint] and not window.errors
    again = window.last_report
    assert again is not dialog and again.ok and 'signed by the trusted signer "Legal"' in again.headline.text()
    assert [(s.name, s.added_by) for s in trust.trusted(window.store)] == [("Legal", "Tess Tester")]
    again.close()


def test_a_viewer_is_not_offered_to_trust_a_signer(window, seeded, store, tmp_path, memory_keyring):
    out = tmp_path / "archive.zip"
    window.export_archive(out)
    memory_keyring.items.clear()
    team(store)
    window.actor = "Vic Viewer"
    window.verify_archive(out)
    dialog = window.last_report
    assert not dialog.ok and dialog.trust_button is None
    assert "Only a legal reviewer or an administrator may trust" in dialog.details.toPlainText()
    dialog.close()


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
