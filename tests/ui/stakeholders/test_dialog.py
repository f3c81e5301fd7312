"""The stakeholder register in the window: a real database, synchronous operations,
file dialogs and message boxes replaced (a modal box must never block a test)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from warroom.services import stakeholders
from warroom.store.models import JournalEvent
from ui.qt import QFileDialog, QMessageBox, Qt

CSV = """name,kind,audience,email,phone,slack,timezone,owner,verified_at
Acme Bank,group,customers,ops@acme.example.com,+44 20 7946 0958,,Europe/London,Priya,2026-11-01T00:00Z
All staff,group,employees,all@example.com,,#all-staff,,Internal comms,2026-11-20T00:00Z
Regulator hotline,group,regulators,,,@reg,,Legal,
"""


@pytest.fixture
def register(store):
    stakeholders.import_csv(store, "Mia", CSV)
    return store


@pytest.fixture
def dialog(qtbot, register):
    from ui.common.context import WindowContext
    from ui.ops import Operations
    from ui.stakeholders import StakeholderDialog

    d = StakeholderDialog(WindowContext(register, Operations(synchronous=True), "Tess Tester"))
    qtbot.addWidget(d)
    d.show()
    qtbot.waitExposed(d)
    return d


@pytest.fixture
def boxes(monkeypatch):
    """Message boxes record what they would have said."""
    said: list[tuple[str, str]] = []

    def record(kind):
        def box(parent, title, text, *args, **kwargs):
            said.append((kind, text))
            return QMessageBox.StandardButton.Ok
        return box

    for kind in ("warning", "critical", "information", "question"):
        monkeypatch.setattr(QMessageBox, kind, record(kind))
    return said


def _names(store):
    return {s.name for s in stakeholders.list_stakeholders(store)}


def test_the_model_is_a_well_behaved_model(qtmodeltester, register, clock):
    from ui.stakeholders import StakeholderFilter, StakeholderModel

    model = StakeholderModel(clock)
    model.set_rows(stakeholders.list_stakeholders(register))
    qtmodeltester.check(model, force_py=True)
    proxy = StakeholderFilter()
    proxy.setSourceModel(model)
    proxy.set_search("acme")
    qtmodeltester.check(proxy, force_py=True)
    assert model.rowCount() == 3 and proxy.rowCount() == 1
    row = model.row_of("Acme Bank")
    assert model.index(row, model.PHONE).data() == "+44 20 7946 0958"  # stored E.164, shown readable
    assert model.index(row, model.VERIFIED).data() == "2026-11-01"
    assert model.index(model.row_of("Regulator hotline"), model.VERIFIED).data() == "never"


def test_opens_with_the_register_and_search_filters_as_you_type(qtbot, dialog):
    assert dialog.shown_names() == ["Acme Bank", "All staff", "Regulator hotline"]
    assert dialog.count_label.text() == "3 stakeholders"
    dialog.find_action.trigger()
    assert dialog.focusWidget() is dialog.search
    qtbot.keyClicks(dialog.search, "acme")
    assert dialog.shown_names() == ["Acme Bank"]
    assert dialog.count_label.text() == "1 of 3"
    dialog.search.setText("legal @reg")  # every word, in any column
    assert dialog.shown_names() == ["Regulator hotline"]
    dialog.search.setText("nobody")
    assert dialog.shown_names() == [] and dialog.hint.isVisible() and "nobody" in dialog.hint.text()
    dialog.search.clear()
    dialog.audience_filter.setCurrentIndex(dialog.audience_filter.findData("employees"))
    assert dialog.shown_names() == ["All staff"]
    qtbot.keyClick(dialog.search, Qt.Key.Key_Return)  # Enter in the search goes to the first match
    assert dialog.focusWidget() is dialog.table and dialog.selected_name() == "All staff"


def test_add_through_the_form_writes_to_the_database(qtbot, dialog, register, clock):
    dialog.add_action.trigger()
    form = dialog.form
    assert form.isVisible() and form.focusWidget() is form.name
    qtbot.keyClicks(form.name, "Globex  partner desk")
    form.audience.setCurrentIndex(form.audience.findData("partners"))
    qtbot.keyClicks(form.email, "desk@globex.example.com")
    qtbot.keyClicks(form.phone, "030 1234567")
    qtbot.keyClicks(form.region, "de")
    form.timezone.setCurrentText("Europe/Berlin")
    qtbot.keyClick(form.email, Qt.Key.Key_Return)  # Enter saves the form
    assert not form.isVisible()
    saved = stakeholders.get(register, "Globex partner desk")
    assert (saved.audience, saved.email, saved.phone, saved.timezone) == (
        "partners", "desk@globex.example.com", "+49301234567", "Europe/Berlin")
    assert saved.verified_at == clock.now() and saved.external
    assert "Globex partner desk" in dialog.shown_names()
    assert dialog.selected_name() == "Globex partner desk"
    with register.read() as session:
        event = session.scalars(select(JournalEvent).where(JournalEvent.kind == "stakeholder.added")
                                .order_by(JournalEvent.seq.desc())).first()
        assert event.actor == "Tess Tester"


def test_a_bad_email_is_shown_in_the_form_and_nothing_is_saved(qtbot, dialog, register, boxes):
    before = _names(register)
    form = dialog.add()
    qtbot.keyClicks(form.name, "Broken contact")
    qtbot.keyClicks(form.email, "not-an-address")
    form.buttons.button(form.buttons.StandardButton.Save).click()
    assert form.isVisible() and form.isEnabled()
    assert form.error.isVisible() and "not an e-mail address" in form.error.text()
    assert form.focusWidget() is form.email and form.email.styleSheet()  # the field is marked
    assert _names(register) == before and dialog.model.rowCount() == 3
    form.email.setText("fixed@example.com")
    form.accept()
    assert not form.isVisible() and "Broken contact" in _names(register)
    assert boxes == []


def test_adding_a_name_already_in_the_register_is_refused(qtbot, dialog, register):
    form = dialog.add()
    qtbot.keyClicks(form.name, "Acme Bank")
    form.accept()
    assert form.isVisible() and "already in the register" in form.error.text()
    assert stakeholders.get(register, "Acme Bank").email == "ops@acme.example.com"


def test_enter_edits_and_keeps_when_it_was_verified(qtbot, dialog, register):
    assert dialog.select("Acme Bank")
    dialog.edit_action.trigger()
    form = dialog.form
    assert form.name.isReadOnly() and form.phone.text() == "+44 20 7946 0958"
    form.owner.setText("Ravi")
    form.accept()
    saved = stakeholders.get(register, "Acme Bank")
    assert saved.owner == "Ravi" and saved.phone == "+442079460958"
    assert f"{saved.verified_at:%Y-%m-%d}" == "2026-11-01"
    assert dialog.selected_name() == "Acme Bank"
    assert dialog.model.index(dialog.model.row_of("Acme Bank"), dialog.model.OWNER).data() == "Ravi"


def test_double_click_edits(qtbot, dialog):
    dialog.select("All staff")
    index = dialog.table.currentIndex()
    rect = dialog.table.visualRect(index)
    # a double click is a press, a release, then the double-click event (the view checks the press)
    qtbot.mouseClick(dialog.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(dialog.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert dialog.form is not None and dialog.form.isVisible() and dialog.form.existing.name == "All staff"
    dialog.form.reject()


def test_escape_closes(qtbot, dialog):
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()


def test_a_csv_with_a_bad_line_names_it_and_imports_nothing(qtbot, dialog, register, boxes, tmp_path, monkeypatch):
    path = tmp_path / "people.csv"
    path.write_text("name,audience,email\nNew One,customers,one@example.com\nNew Two,customers,two@\n",
                    encoding="utf-8")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), "CSV (*.csv)"))
    before = _names(register)
    dialog.import_action.trigger()
    assert len(boxes) == 1
    kind, text = boxes[0]
    assert kind == "warning" and "people.csv line 3 (New Two)" in text and "Nothing was imported" in text
    assert _names(register) == before and dialog.model.rowCount() == 3
    assert "Nothing imported" in dialog.status.text() and dialog.import_button.isEnabled()


def test_a_good_csv_import_shows_the_rows(qtbot, dialog, register, boxes, tmp_path, monkeypatch):
    path = tmp_path / "more.csv"
    path.write_text("\ufeffname,audience,email\nNew One,customers,one@example.com\nNew Two,partners,two@example.com\n",
                    encoding="utf-8")  # with the BOM a spreadsheet writes
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    dialog.import_file()
    assert boxes == []
    assert {"New One", "New Two"} <= set(dialog.shown_names()) and dialog.model.rowCount() == 5
    assert dialog.status.text() == "Imported 2 stakeholders from more.csv."


def test_a_vcard_import_asks_for_the_audience(qtbot, dialog, register, boxes, tmp_path, monkeypatch):
    import ui.stakeholders.dialog as module

    path = tmp_path / "book.vcf"
    path.write_text("BEGIN:VCARD\nVERSION:3.0\nFN:Max Muster\nTEL:030 1234567\nEND:VCARD\n", encoding="utf-8")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    asked = []
    monkeypatch.setattr(module, "ask_vcard_audience",
                        lambda parent, audiences, preselect: asked.append(preselect) or ("partners", "DE"))
    dialog.import_file()
    assert boxes == [] and asked == [None]
    max_ = stakeholders.get(register, "Max Muster")
    assert (max_.audience, max_.phone) == ("partners", "+49301234567")
    assert "Max Muster" in dialog.shown_names()


def test_cancelling_the_file_dialog_does_nothing(dialog, register, boxes, monkeypatch):
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: ("", ""))
    dialog.import_file()
    assert boxes == [] and dialog.model.rowCount() == 3


def test_export_csv(dialog, tmp_path, monkeypatch):
    out = tmp_path / "out.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    dialog.export_action.trigger()
    text = out.read_text(encoding="utf-8")
    assert text.startswith("name,kind,audience,email,phone") and "+442079460958" in text
    assert "Exported 3 stakeholders" in dialog.status.text()


def test_the_validation_panel_lists_missing_and_stale_contacts(qtbot, dialog, register, clock):
    lines = dialog.report_lines()
    assert lines["Missing contacts"] == ["Regulator hotline (regulators): external, but no e-mail or phone"]
    assert lines["Stale contacts"] == ["Regulator hotline: contacts never verified"]
    assert lines["Invalid contacts"] == []
    assert dialog.stale_days.value() == stakeholders.STALE_AFTER.days
    assert "1 missing · 1 stale · 0 invalid, of 3" in dialog.summary.text()
    # 30 days later, with a 30-day limit, Acme Bank's contacts (verified on 1 November) are stale too
    clock.advance(timedelta(days=30))
    dialog.stale_days.setValue(30)
    assert "Acme Bank: contacts last verified 2026-11-01" in dialog.report_lines()["Stale contacts"]
    acme = dialog.model.index(dialog.model.row_of("Acme Bank"), dialog.model.VERIFIED)
    assert acme.data(Qt.ItemDataRole.ForegroundRole) is not None  # shown red in the table
    # activating a report line shows that stakeholder in the table, even when filtered away
    dialog.search.setText("all staff")
    group = dialog.report_tree.topLevelItem(1)
    item = next(group.child(i) for i in range(group.childCount()) if group.child(i).text(0).startswith("Acme"))
    dialog.report_tree.itemActivated.emit(item, 0)
    assert dialog.selected_name() == "Acme Bank" and dialog.search.text() == ""


def test_an_empty_register_says_what_to_do(qtbot, store):
    from ui.common.context import WindowContext
    from ui.ops import Operations
    from ui.stakeholders import StakeholderDialog

    d = StakeholderDialog(WindowContext(store, Operations(synchronous=True), "Tess Tester"))
    qtbot.addWidget(d)
    d.show()
    assert d.hint.isVisible() and "Ctrl+N" in d.hint.text() and not d.table.isVisible()
    assert "register is empty" in d.summary.text()
    assert not d.export_button.isEnabled() and not d.edit_button.isEnabled()


def test_the_main_window_opens_the_register(qtbot, window, store):
    stakeholders.save(store, "Mia", name="Acme Bank", audience="customers", email="ops@acme.example.com")
    action = window.stakeholders_action
    assert action.shortcut().toString() == "Ctrl+Shift+K"
    action.trigger()
    d = window.stakeholder_dialog
    assert d.isVisible() and not d.isModal() and d.shown_names() == ["Acme Bank"]
    assert d.actor == "Tess Tester"
    window.set_actor("Mia")
    assert d.actor == "Mia"  # writes are made as whoever uses the window now
    d.close()
    stakeholders.save(store, "Mia", name="All staff", audience="employees", email="all@example.com")
    action.trigger()  # the same dialog again, read afresh
    assert window.stakeholder_dialog is d and d.isVisible()
    assert d.shown_names() == ["Acme Bank", "All staff"]
    assert window.errors == []


def test_contacts_stored_before_validation_are_reported_invalid(register, qtbot):
    from sqlalchemy import update

    from warroom.store.models import Stakeholder

    with register.write("by hand") as tx:   # an older version's row, or one edited outside the app
        tx.session.execute(update(Stakeholder).where(Stakeholder.name == "Acme Bank")
                           .values(email="ops at acme", timezone="Mars/Olympus"))
    from ui.common.context import WindowContext
    from ui.ops import Operations
    from ui.stakeholders import StakeholderDialog

    dialog = StakeholderDialog(WindowContext(register, Operations(synchronous=True), "Mia"))
    qtbot.addWidget(dialog)
    dialog.validate()
    assert [line.split(": ")[1].split(" ")[0] for line in dialog.invalid] == ["e-mail", "time"]
    assert all(line.startswith("Acme Bank: ") for line in dialog.invalid)
    assert "2 invalid" in dialog.summary.text()

def test_a_key_account_is_marked_in_the_form_and_its_manager_checked(qtbot, dialog, register):
    assert dialog.select("Acme Bank")
    dialog.edit_action.trigger()
    form = dialog.form
    assert not form.key_account.isChecked() and form.components.text() == ""
    form.key_account.setChecked(True)
    form.components.setText("Checkout, Public API")
    form.accept()                                            # no success manager yet: refused, the field marked
    assert form.isVisible() and "needs a success manager" in form.error.text()
    assert form.focusWidget() is form.success_manager
    assert not stakeholders.get(register, "Acme Bank").key_account
    form.success_manager.setText("All staff")                # a stakeholder with a valid e-mail
    form.accept()
    assert not form.isVisible()
    saved = stakeholders.get(register, "Acme Bank")
    assert (saved.key_account, saved.success_manager, saved.components) == (
        True, "All staff", ("Checkout", "Public API"))
    dialog.edit_action.trigger()
    assert dialog.form.key_account.isChecked() and dialog.form.components.text() == "Checkout, Public API"
    dialog.form.reject()
