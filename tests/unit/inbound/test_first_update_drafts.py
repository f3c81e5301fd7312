"""The reply to a signal that opened an incident lists as ``drafts`` only the drafts
waiting for review; a draft kept back (a linter finding a person must read first) is
named apart, with its state and why, and the timeline says which is which."""

from __future__ import annotations

from tests.unit.inbound.payloads import pagerduty
from warroom.inbound import receiver, sources
from warroom.services import drafts, matrix, templates, timeline


def test_a_draft_kept_back_from_review_is_not_listed_as_waiting(inbound):
    # The customers' template guesses at the cause: the linter warns, so it is not submitted.
    templates.save(inbound, "admin", name="app-customers-guess", locale="en", category="application",
                   audience="customers", phase="initial", subject="{{ title }}",
                   long="We are investigating {{ incident.ref }}. It was probably caused by a bad deploy.",
                   short="{{ incident.ref }}: investigating.", chat="*{{ incident.ref }}* investigating")
    matrix.set_cell(inbound, "admin", "employees", "SEV1", channels="site")
    [out] = receiver.receive(inbound, sources.get(inbound, "pd"), {}, pagerduty("incident.triggered", "E1"))
    states = {d.id: (d.audience, d.state) for d in drafts.list_drafts(inbound, out.incident, viewer="Dana")}
    assert sorted(states.values()) == [("customers", "draft"), ("employees", "in_review")]
    assert [states[d] for d in out.drafts] == [("employees", "in_review")]
    [(kept_id, why)] = out.kept
    assert states[kept_id] == ("customers", "draft") and why.startswith("customers: ") and "warns" in why
    reply = out.as_dict()
    assert reply["drafts"] == [str(d) for d in out.drafts]
    assert [(k["draft"], k["state"]) for k in reply["kept"]] == [(str(kept_id), "draft")]
    [told] = [e.text for e in timeline.entries(inbound, out.incident, viewer="Dana") if e.text.startswith("Opened")]
    assert "the first update for employees is drafted and waiting for review" in told
    assert "Kept as a draft, not submitted: customers:" in told


def test_all_submitted_lists_every_draft_and_keeps_none(inbound):
    [out] = receiver.receive(inbound, sources.get(inbound, "pd"), {}, pagerduty("incident.triggered", "E1"))
    [d] = drafts.list_drafts(inbound, out.incident, viewer="Dana")
    assert out.drafts == [d.id] and d.state == "in_review" and out.kept == []
