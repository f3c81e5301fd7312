"""A Jira update carries several changes at once: every one of them (status, priority,
comment) reaches the linked incident's timeline. Jira's priority moves the incident's
severity only when the source opts in (``severity_from_priority``), and never lowers it
without saying so on the timeline; PagerDuty's priority keeps moving severity."""

from __future__ import annotations

import json

import pytest

from tests.unit.inbound.payloads import pagerduty
from warroom.errors import InputError
from warroom.inbound import handle, receiver, sources
from warroom.services import incidents, timeline


def _issue_update(n, items, comment=None, key="OPS-7"):
    body = {"timestamp": 1700000000000 + n, "webhookEvent": "jira:issue_updated",
            "issue": {"id": "10007", "self": "https://acme.atlassian.net/rest/api/3/issue/10007", "key": key,
                      "fields": {"summary": "Login failing", "priority": {"name": "High"}}},
            "changelog": {"id": str(n), "items": items}}
    if comment:
        body["comment"] = {"body": comment, "author": {"displayName": "Ravi Shah"}}
    return json.dumps(body).encode()


STATUS = {"field": "status", "fromString": "To Do", "toString": "In Progress"}


def _priority(old, new):
    return {"field": "priority", "fromString": old, "toString": new}


def _linked(store, settings=None, severity="SEV2"):
    src = sources.add(store, "admin", "jira", "jira", secret="jira-secret", settings=settings)
    inc = incidents.open_incident(store, "Dana", title="Login failing", severity=severity)
    handle.link(store, "Dana", inc.ref, "jira", "OPS-7")
    return src, inc


def _external(store, ref):
    return [e.text for e in timeline.entries(store, ref, viewer="Dana") if e.kind == "external"]


def _severity_entries(store, ref):
    return [e.text for e in timeline.entries(store, ref, viewer="Dana") if e.text.startswith("Severity")]


def test_status_priority_and_comment_of_one_update_all_reach_the_timeline(inbound):
    src, inc = _linked(inbound)
    [out] = receiver.receive(inbound, src, {}, _issue_update(1, [STATUS, _priority("High", "Highest")],
                                                             comment="Looking into it"))
    assert out.result == "handled" and out.message == f"logged on {inc.ref}"
    [said] = [t for t in _external(inbound, inc.ref) if t.startswith("Jira OPS-7")]
    assert said == ("Jira OPS-7: Status: To Do → In Progress; Priority: High → Highest; "
                    "Comment by Ravi Shah: Looking into it")
    # Off by default: Jira's priority does not move the incident's severity.
    assert incidents.get(inbound, inc.ref, viewer="Dana").severity.value == "SEV2"
    assert _severity_entries(inbound, inc.ref) == []


def test_off_by_default_a_lower_jira_priority_never_moves_a_sev1(inbound):
    src, inc = _linked(inbound, severity="SEV1")
    receiver.receive(inbound, src, {}, _issue_update(1, [_priority("Highest", "Lowest")]))
    assert incidents.get(inbound, inc.ref, viewer="Dana").severity.value == "SEV1"
    assert "Jira OPS-7: Priority: Highest → Lowest" in _external(inbound, inc.ref)


def test_raise_moves_severity_up_as_mapped_and_says_why(inbound):
    src, inc = _linked(inbound, {"severity_from_priority": "raise", "severity": {"Blocker": "SEV1"}})
    [out] = receiver.receive(inbound, src, {}, _issue_update(1, [STATUS, _priority("High", "Blocker")],
                                                             comment="Paging the DBAs"))
    assert out.message == f"logged on {inc.ref}; {inc.ref} is now SEV1"
    assert incidents.get(inbound, inc.ref, viewer="Dana").severity.value == "SEV1"
    [moved] = _severity_entries(inbound, inc.ref)
    assert moved.startswith("Severity raised: SEV2 → SEV1")
    assert "Jira OPS-7 priority High → Blocker maps to SEV1" in moved and "severity_from_priority is raise" in moved
    # the status and the comment are there too
    assert any("Status: To Do → In Progress" in t and "Paging the DBAs" in t for t in _external(inbound, inc.ref))


def test_raise_never_lowers_and_says_so_on_the_timeline(inbound):
    src, inc = _linked(inbound, {"severity_from_priority": "raise"}, severity="SEV1")
    [out] = receiver.receive(inbound, src, {}, _issue_update(1, [_priority("Highest", "Low")]))
    assert out.message == f"logged on {inc.ref}; {inc.ref} stays SEV1"
    assert incidents.get(inbound, inc.ref, viewer="Dana").severity.value == "SEV1"
    notes = _external(inbound, inc.ref)
    assert "Jira OPS-7: Priority: Highest → Low" in notes
    assert any("priority Highest → Low maps to SEV4" in t and "severity stays SEV1" in t for t in notes)
    assert _severity_entries(inbound, inc.ref) == []


def test_follow_lowers_too_and_the_timeline_says_what_moved_and_why(inbound):
    src, inc = _linked(inbound, {"severity_from_priority": "follow"}, severity="SEV1")
    receiver.receive(inbound, src, {}, _issue_update(1, [_priority("Highest", "Low")]))
    assert incidents.get(inbound, inc.ref, viewer="Dana").severity.value == "SEV4"
    [moved] = _severity_entries(inbound, inc.ref)
    assert moved.startswith("Severity lowered: SEV1 → SEV4")
    assert "Jira OPS-7 priority Highest → Low maps to SEV4 (source jira: severity_from_priority is follow)" in moved


def test_the_setting_is_checked(inbound):
    with pytest.raises(InputError, match="severity_from_priority is one of off, raise, follow"):
        sources.add(inbound, "admin", "jira", "jira", secret="s", settings={"severity_from_priority": "always"})
    src = sources.add(inbound, "admin", "jira", "jira", secret="s", settings={"severity_from_priority": True})
    assert src.settings["severity_from_priority"] == "raise"


def test_pagerduty_priority_still_moves_severity(inbound):
    pd = sources.get(inbound, "pd")
    [opened] = receiver.receive(inbound, pd, {}, pagerduty("incident.triggered", "E1", priority="P1"))
    [moved] = receiver.receive(inbound, pd, {}, pagerduty("incident.priority_updated", "E2", priority="P3"))
    assert moved.message == f"{opened.incident} is now SEV3"
    assert incidents.get(inbound, opened.incident, viewer="Dana").severity.value == "SEV3"
