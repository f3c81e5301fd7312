"""The reminder banner and notifications, on the injected clock."""

from __future__ import annotations

from datetime import timedelta

from warroom.services import incidents


def test_the_banner_appears_when_an_update_is_due_soon_and_goes_when_nothing_is(qtbot, window, seeded, clock):
    banner = window.reminders
    notes = []
    banner.notified.connect(lambda title, text: notes.append((title, text)))
    due = incidents.get(window.store, seeded.id, viewer="Tess Tester").next_update_due  # SEV2: an hour on
    banner.tick()  # the window's tick (once a second) reads what is owed
    assert not banner.isVisibleTo(window) and notes == []
    clock.set(due - timedelta(minutes=5, seconds=1))
    banner.tick()
    assert not banner.isVisibleTo(window)
    clock.advance(2)  # four minutes and 59 seconds left: due soon
    qtbot.waitUntil(lambda: banner.isVisibleTo(window), timeout=5000)  # the window's own one-second tick
    (label, _r), = banner.shown
    assert label.text().startswith("INC-1 · SEV2 · update to stakeholders due in 4:59")  # the clock stood still
    assert len(notes) == 1 and notes[0][0] == "INC-1: update to stakeholders due soon"
    for _ in range(3):
        clock.advance(1)
        banner.tick()
    assert len(notes) == 1  # once per due time, not every tick
    assert banner.shown[0][0].text().startswith("INC-1 · SEV2 · update to stakeholders due in 4:56")
    clock.set(due + timedelta(seconds=65))
    banner.tick()
    banner.tick()
    assert "overdue by 1:0" in banner.shown[0][0].text()
    assert [t for t, _ in notes] == ["INC-1: update to stakeholders due soon", "INC-1: update to stakeholders overdue"]
    # its button opens the composer for that incident
    from ui.qt import QPushButton

    (button,) = [b for b in banner.findChildren(QPushButton) if b.isVisibleTo(banner)]
    assert button.text() == "Compose update to stakeholders"
    button.click()
    assert window.tabs.currentWidget() is window.composer_page
    # resolved: nothing is owed, the banner goes at the next read
    incidents.set_status(window.store, "Tess Tester", seeded.id, "resolved", note="fixed")
    banner.refresh()
    banner.tick()
    assert not banner.isVisibleTo(window) and len(notes) == 2


def test_the_button_readies_the_composer_for_that_audience(qtbot, window, seeded, clock, tmp_path):
    from tests.helpers.team import team
    from warroom.services import channels, matrix

    store = window.store
    team(store)
    channels.add(store, "admin", "site", "sitepage", {"out_dir": str(tmp_path / "site")})
    matrix.set_cell(store, "admin", "customers", "SEV2", channels="site", cadence=timedelta(minutes=30))
    other = incidents.open_incident(store, "Dana", title="Logins failing", severity="SEV4")
    window.reload_incidents(select=other.id)
    clock.set(seeded.declared_at + timedelta(minutes=27))  # three minutes before the half hour
    window.reminders.refresh()
    window.reminders.tick()
    rows = window.reminders.shown
    assert [r.audience for _label, r in rows] == ["customers"] and "due in" in rows[0][0].text()
    window.reminders.open_composer(rows[0][1])
    selected = window.incident_model.incident(window.incident_view.currentIndex().row())
    assert selected.id == seeded.id and window.tabs.currentWidget() is window.composer_page
    checks = window.composer.checks
    assert [name for name, box in checks.items() if box.isChecked()] == ["customers"]  # ready for Ctrl+D
    assert "Ready to compose the update to customers" in window.statusBar().currentMessage()


def test_many_reminders_take_one_row_and_the_rest_are_in_its_menu(qtbot, window, seeded, clock):
    """However much is owed, the banner is one row high (the Updates tab keeps its
    buttons on a 1280×720 screen); the rest are in a menu, each opening its composer."""
    store = window.store
    others = [incidents.open_incident(store, "Dana", title=f"Second outage {n}", severity="SEV2") for n in (1, 2)]
    clock.advance(2 * 3600)  # every one of them overdue
    banner = window.reminders
    banner.refresh()
    banner.tick()
    qtbot.waitUntil(lambda: banner.isVisibleTo(window), timeout=5000)
    assert len(banner.shown) == 1 and banner.more is not None
    assert banner.more.text() == "2 more due" and banner.more.isVisibleTo(window)
    menu = banner.more.menu()
    menu.aboutToShow.emit()
    texts = [a.text() for a in menu.actions() if a.isEnabled() and not a.isSeparator()]
    assert len(texts) == 2 and all("overdue by" in t for t in texts)
    shown_refs = {banner.shown[0][1].ref} | {t.split(" · ")[0] for t in texts}
    assert shown_refs == {seeded.ref, *(o.ref for o in others)}
    target = [a for a in menu.actions() if a.isEnabled() and not a.isSeparator()][-1]
    target.trigger()
    assert window.tabs.currentWidget() is window.composer_page
    selected = window.incident_model.incident(window.incident_view.currentIndex().row())
    assert selected.ref == target.text().split(" · ")[0]
    # one row's height: no taller than a row with its button
    assert banner.sizeHint().height() <= 2 * banner.more.sizeHint().height()
