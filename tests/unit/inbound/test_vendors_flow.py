"""The other vendors through the same handling: Opsgenie create and close, a
Statuspage component update, Jira changes on a linked incident, and the source's
rules choosing the category of an incident it opens."""

from __future__ import annotations

import json

from tests.unit.inbound.payloads import pagerduty
from warroom.inbound import handle, receiver, sources
from warroom.services import components, incidents, timeline


def test_opsgenie_create_opens_and_close_resolves(inbound):
    src = sources.add(inbound, "admin", "og", "opsgenie", secret="t0k", settings={
        "commander": "Dana", "severity": {"P2": "SEV2"}, "rules": [{"match": "db", "category": "data"}]})
    alert = {"alertId": "a-1", "message": "Orders DB latency", "tags": ["db"], "priority": "P2",
             "createdAt": 1700000000000, "updatedAt": 1700000000000}
    [opened] = receiver.receive(inbound, src, {}, json.dumps({"action": "Create", "alert": alert}).encode())
    inc = incidents.get(inbound, opened.incident, viewer="Dana")
    assert (inc.title, inc.severity.value, inc.category.value) == ("Orders DB latency", "SEV2", "data")
    alert["updatedAt"] = 1700000600000
    [closed] = receiver.receive(inbound, src, {}, json.dumps({"action": "Close", "alert": alert}).encode())
    assert closed.message == f"{inc.ref} resolved"
    assert incidents.get(inbound, inc.ref, viewer="Dana").status.value == "resolved"


def test_statuspage_component_update_sets_component_status(inbound):
    src = sources.add(inbound, "admin", "page", "statuspage", secret="url-token")
    body = {"meta": {}, "page": {"id": "p1"},
            "component_update": {"created_at": "2026-11-23T09:00:00Z", "new_status": "partial_outage",
                                 "old_status": "operational", "id": "cu1", "component_id": "c1"},
            "component": {"id": "c1", "name": "Checkout", "status": "partial_outage"}}
    [out] = receiver.receive(inbound, src, {}, json.dumps(body).encode())
    assert out.message == "component Checkout is partial_outage"
    c = components.get(inbound, "Checkout")
    assert (c.status, c.set_by) == ("partial_outage", "inbound:page")


def test_jira_changes_go_onto_the_linked_incident_and_priority_moves_severity_when_opted_in(inbound):
    src = sources.add(inbound, "admin", "jira", "jira", secret="jira-secret",
                      settings={"severity_from_priority": "raise"})
    [opened] = receiver.receive(inbound, sources.get(inbound, "pd"), {}, pagerduty("incident.triggered", "E1",
                                                                                  priority="P3"))
    def issue_update(n, items, comment=None):
        body = {"timestamp": 1700000000000 + n, "webhookEvent": "jira:issue_updated",
                "issue": {"id": "10002", "self": "https://acme.atlassian.net/rest/api/3/issue/10002", "key": "OPS-12",
                          "fields": {"summary": "Checkout down", "priority": {"name": "Highest"}}},
                "changelog": {"id": str(n), "items": items}}
        if comment:
            body["comment"] = {"body": comment, "author": {"displayName": "Ravi Shah"}}
        return json.dumps(body).encode()

    # Not linked yet: recorded and ignored, with the reason.
    [ignored] = receiver.receive(inbound, src, {}, issue_update(1, [{"field": "status", "fromString": "Open",
                                                                     "toString": "In Progress"}]))
    assert ignored.result == "ignored" and "no incident is linked to OPS-12" in ignored.message
    handle.link(inbound, "Dana", opened.incident, "jira", "OPS-12")
    [moved] = receiver.receive(inbound, src, {}, issue_update(2, [{"field": "priority", "fromString": "Medium",
                                                                   "toString": "Highest"}]))
    assert moved.message == f"logged on {opened.incident}; {opened.incident} is now SEV1"
    [said] = receiver.receive(inbound, src, {}, issue_update(3, [], comment="Root cause: expired cert"))
    assert said.result == "handled"
    texts = [e.text for e in timeline.entries(inbound, opened.incident, viewer="Dana")]
    assert "Jira OPS-12: Comment by Ravi Shah: Root cause: expired cert" in texts
    # An assignee change is not followed: no signal, nothing recorded.
    assert receiver.receive(inbound, src, {}, issue_update(4, [{"field": "assignee", "toString": "Mia"}])) == []


def test_a_jira_issue_that_names_an_incident_links_itself_from_jiras_side(inbound):
    src = sources.add(inbound, "admin", "jira", "jira", secret="jira-secret")
    [opened] = receiver.receive(inbound, sources.get(inbound, "pd"), {}, pagerduty("incident.triggered", "E1"))
    secret_inc = incidents.open_incident(inbound, "Dana", title="Quiet one", severity="SEV3", confidential=True)

    def created(key, summary, labels=()):
        return json.dumps({"timestamp": 1700000000000, "webhookEvent": "jira:issue_created",
                           "issue": {"id": "1", "self": "https://acme.atlassian.net/rest/api/3/issue/1", "key": key,
                                     "fields": {"summary": summary, "labels": list(labels)}}}).encode()

    [linked] = receiver.receive(inbound, src, {"X-Atlassian-Webhook-Identifier": "w1"},
                                created("OPS-40", "Follow-up: rotate the cert", labels=[opened.incident]))
    assert linked.message == f"linked to {opened.incident}"
    assert [(lk.source, lk.external_id) for lk in handle.links(inbound, opened.incident, viewer="Dana")] == [
        ("pd", "Q2K9XJ4"), ("jira", "OPS-40")]
    # A confidential incident the source may not see is not linked by naming it.
    [ignored] = receiver.receive(inbound, src, {"X-Atlassian-Webhook-Identifier": "w2"},
                                 created("OPS-41", f"About {secret_inc.ref}"))
    assert ignored.result == "ignored" and handle.links(inbound, secret_inc.ref, viewer="Dana") == []
