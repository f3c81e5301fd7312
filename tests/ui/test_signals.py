"""The Signals tab: components as the core lists them (the model tester too), a status
set through the core, a refusal shown, a change by a source picked up, and the
incident's links shown."""

from __future__ import annotations

from tests.helpers.team import team
from warroom.errors import NotPermitted
from warroom.identity import Source
from warroom.services import components


def _tab(w):
    w.tabs.setCurrentWidget(w.signals)
    return w.signals


def test_the_model_passes_the_model_tester(qtmodeltester, store):
    from ui.signals import ComponentModel

    team(store)
    components.set_status(store, "Dana", "Checkout", "major_outage", note="Card payments fail")
    components.set_status(store, "Dana", "Search", "operational")
    model = ComponentModel()
    model.set_rows(components.list_components(store))
    qtmodeltester.check(model)
    assert [model.index(r, model.STATUS).data() for r in range(2)] == ["Major outage", "Operational"]


def test_set_a_status_from_the_tab_and_see_a_source_change_it(qtbot, open_window, store, seeded):
    team(store)
    components.set_status(store, "Dana", "Checkout", "operational")
    w = open_window(store, "Dana")
    panel = _tab(w)
    assert panel.model.rowCount() == 1
    assert panel.links.text() == "Not linked to any outside incident or issue."
    panel.view.selectRow(0)
    assert panel.name.currentText() == "Checkout"
    panel.status.setCurrentIndex(2)
    panel.set_button.click()
    assert w.errors == []
    assert components.get(store, "Checkout").status == "partial_outage"
    assert panel.model.index(0, panel.model.STATUS).data() == "Partial outage"
    components.set_status(store, Source("inbound:am"), "Search", "major_outage")   # another program, a source
    w.check_for_changes()
    assert [panel.model.index(r, 0).data() for r in range(2)] == ["Search", "Checkout"]
    assert panel.model.index(0, panel.model.BY).data() == "inbound:am"


def test_a_refusal_is_shown_and_nothing_is_written(qtbot, open_window, store, seeded):
    team(store)
    w = open_window(store, "Vic Viewer")
    panel = _tab(w)
    panel.name.setEditText("Checkout")
    panel.status.setCurrentIndex(3)
    panel.set_button.click()
    assert len(w.errors) == 1 and isinstance(w.errors[0], NotPermitted)
    assert components.list_components(store) == []


def test_the_incident_shows_what_it_is_linked_to(qtbot, open_window, store, seeded, memory_keyring):
    from warroom.inbound import handle, sources

    team(store)
    sources.add(store, "admin", "pd", "pagerduty", secret="signing-secret")
    handle.link(store, "Dana", seeded.ref, "pd", "Q2K9XJ4", url="https://acme.pagerduty.com/incidents/Q2K9XJ4")
    w = open_window(store, "Dana")
    panel = _tab(w)
    assert panel.links.text() == "Linked: pd Q2K9XJ4 (https://acme.pagerduty.com/incidents/Q2K9XJ4)"


def test_link_the_incident_from_the_tab(qtbot, open_window, store, seeded, memory_keyring):
    """Linking was the command line's only: the tab asks which source and which of its
    incidents or issues, and the core links (or refuses, shown, with nothing written)."""
    from warroom.inbound import handle, sources

    team(store)
    w = open_window(store, "Dana")
    panel = _tab(w)
    assert not panel.link_button.isEnabled()                            # no source to link to yet
    sources.add(store, "admin", "jira", "jira", secret="signing-secret")
    w.check_for_changes()
    panel.refresh()
    assert panel.link_button.isEnabled()
    panel.link_button.click()
    dialog = panel.link_dialog
    assert dialog is not None and dialog.source.currentText() == "jira" and dialog.focusWidget() is dialog.external
    dialog.external.setText("OPS-12")
    dialog.url.setText("https://acme.atlassian.net/browse/OPS-12")
    dialog.accept()
    assert w.errors == []
    assert [(lk.source, lk.external_id) for lk in handle.links(store, seeded.ref, viewer="Dana")] == [("jira", "OPS-12")]
    assert panel.links.text() == "Linked: jira OPS-12 (https://acme.atlassian.net/browse/OPS-12)"
    assert "INC-1 is linked to jira OPS-12." in w.statusBar().currentMessage()
    panel.open_link_dialog().accept()                                   # no id: the core says what is missing
    assert len(w.errors) == 1 and "Name the external incident" in str(w.errors[0])
