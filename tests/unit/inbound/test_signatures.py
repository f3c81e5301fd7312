"""Each vendor's signature or token, checked as the vendor documents it (against
PagerDuty's own published example), and each body read as the vendor sends it."""

from __future__ import annotations

import json

import pytest

from tests.unit.inbound.payloads import (
    PD_EXAMPLE_BODY, PD_EXAMPLE_MISMATCH, PD_EXAMPLE_SECRET, PD_EXAMPLE_SIGNATURE, alertmanager, basic, pagerduty,
    sign,
)
from warroom.inbound import alertmanager as am
from warroom.inbound import jira, opsgenie, pagerduty as pd, statuspage
from warroom.inbound.signal import MAX_BODY, BadPayload


def test_pagerduty_published_example_verifies_and_its_mismatch_does_not():
    assert pd.verify({"X-PagerDuty-Signature": PD_EXAMPLE_SIGNATURE}, PD_EXAMPLE_BODY, PD_EXAMPLE_SECRET)
    assert not pd.verify({"X-PagerDuty-Signature": PD_EXAMPLE_MISMATCH}, PD_EXAMPLE_BODY, PD_EXAMPLE_SECRET)
    # one byte changed in the body: no longer PagerDuty's
    assert not pd.verify({"X-PagerDuty-Signature": PD_EXAMPLE_SIGNATURE}, PD_EXAMPLE_BODY.replace(b"P1", b"P2"),
                         PD_EXAMPLE_SECRET)
    # header names are case-insensitive, as HTTP's are
    assert pd.verify({"x-pagerduty-signature": PD_EXAMPLE_SIGNATURE}, PD_EXAMPLE_BODY, PD_EXAMPLE_SECRET)


def test_pagerduty_rotated_secret_any_one_v1_matches():
    old, new = "old-signing-secret", "new-signing-secret"
    body = pagerduty("incident.triggered", "E1")
    both = f"v1={sign(old, body)},v1={sign(new, body)}"
    assert pd.verify({"X-PagerDuty-Signature": both}, body, new)
    assert pd.verify({"X-PagerDuty-Signature": both}, body, old)
    assert not pd.verify({"X-PagerDuty-Signature": both}, body, "a third secret")
    # a v0= or bare value is not a v1 signature
    assert not pd.verify({"X-PagerDuty-Signature": f"v0={sign(new, body)}"}, body, new)
    assert not pd.verify({"X-PagerDuty-Signature": sign(new, body)}, body, new)


def test_pagerduty_missing_header_or_secret_fails():
    assert not pd.verify({}, PD_EXAMPLE_BODY, PD_EXAMPLE_SECRET)
    assert not pd.verify({"X-PagerDuty-Signature": ""}, PD_EXAMPLE_BODY, PD_EXAMPLE_SECRET)
    assert not pd.verify({"X-PagerDuty-Signature": PD_EXAMPLE_SIGNATURE}, PD_EXAMPLE_BODY, "")


def test_pagerduty_published_example_parses():
    [s] = pd.parse({}, PD_EXAMPLE_BODY)
    assert (s.event_id, s.kind, s.external_id, s.priority, s.service, s.title) == (
        "01BWDWL3NYY7LUFPZCC28QUCMK", "priority", "PGR0VU2", "P1", "API Service", "A little bump in the road")
    assert s.link == "https://acme.pagerduty.com/incidents/PGR0VU2" and s.tags == ("Engineering",)
    [note] = pd.parse({}, pagerduty("incident.annotated", "E9", content="Rolled back 4.2"))
    assert (note.kind, note.external_id, note.text) == ("annotated", "Q2K9XJ4", "Rolled back 4.2")
    # an event type War room does not follow is no signal (and no error)
    assert pd.parse({}, json.dumps({"event": {"id": "x", "event_type": "pagey.ping"}}).encode()) == []


@pytest.mark.parametrize("body", [b"", b"not json", b"[1,2]", b"\xff\xfe", b"[" * 5000 + b"]" * 5000,
                                  json.dumps({"event": {"event_type": "incident.triggered"}}).encode()])
def test_malformed_pagerduty_bodies_are_refused_with_a_clear_message(body):
    with pytest.raises(BadPayload) as caught:
        pd.parse({}, body)
    assert "body" in str(caught.value)


def test_oversized_body_is_refused_before_parsing():
    with pytest.raises(BadPayload, match="at most"):
        pd.parse({}, b" " * (MAX_BODY + 1))


def test_alertmanager_bearer_and_basic_auth():
    body = alertmanager("firing")
    assert am.verify({"Authorization": "Bearer s3cret"}, body, "s3cret")
    assert not am.verify({"Authorization": "Bearer s3cre"}, body, "s3cret")
    assert am.verify({"Authorization": basic("alertmanager", "s3cret")}, body, "s3cret")
    assert not am.verify({"Authorization": basic("alertmanager", "wrong")}, body, "s3cret")
    assert not am.verify({"Authorization": "Basic !!!notbase64"}, body, "s3cret")
    assert not am.verify({}, body, "s3cret")
    [s] = am.parse({}, body)
    assert (s.kind, s.external_id, s.priority, s.labels["service"]) == ("firing", "1a30ba71cca2921f", "critical",
                                                                        "checkout")
    assert s.at is not None and s.at.microsecond == 828000
    with pytest.raises(BadPayload, match="version 4"):
        am.parse({}, body.replace(b'"version": "4"', b'"version": "3"'))


def test_opsgenie_token_header_and_create_close():
    body = json.dumps({"action": "Create", "alert": {"alertId": "a-1", "message": "DB latency", "tags": ["db"],
                                                     "priority": "P2", "createdAt": 1700000000000}}).encode()
    assert opsgenie.verify({"X-Warroom-Token": "t0k"}, body, "t0k")
    assert not opsgenie.verify({"X-Warroom-Token": "nope"}, body, "t0k")
    assert opsgenie.verify({"X-Ops-Key": "t0k"}, body, "t0k", settings={"token_header": "X-Ops-Key"})
    [s] = opsgenie.parse({}, body)
    assert (s.kind, s.external_id, s.priority, s.tags) == ("triggered", "a-1", "P2", ("db",))
    [c] = opsgenie.parse({}, body.replace(b'"Create"', b'"Close"'))
    assert c.kind == "resolved" and c.event_id != s.event_id


def test_statuspage_token_in_url_and_component_update():
    body = json.dumps({"meta": {}, "page": {"id": "p1"},
                       "component_update": {"created_at": "2026-11-23T09:00:00Z", "new_status": "major_outage",
                                            "old_status": "operational", "id": "cu1", "component_id": "c1"},
                       "component": {"id": "c1", "name": "Checkout", "status": "major_outage"}}).encode()
    assert statuspage.verify({}, body, "tok", url_token="tok")
    assert not statuspage.verify({}, body, "tok", url_token="to")
    assert not statuspage.verify({}, body, "tok")
    [s] = statuspage.parse({}, body)
    assert (s.kind, s.title, s.labels["new_status"]) == ("component", "Checkout", "major_outage")


def test_jira_hub_signature_and_changelog():
    body = json.dumps({"timestamp": 1700000000000, "webhookEvent": "jira:issue_updated",
                       "issue": {"id": "10002", "self": "https://acme.atlassian.net/rest/api/3/issue/10002",
                                 "key": "OPS-12", "fields": {"summary": "Checkout down",
                                                             "priority": {"name": "Highest"},
                                                             "status": {"name": "In Progress"}}},
                       "changelog": {"id": "777", "items": [{"field": "priority", "fromString": "High",
                                                              "toString": "Highest"}]}}).encode()
    good = {"X-Hub-Signature": "sha256=" + sign("jira-secret", body)}
    assert jira.verify(good, body, "jira-secret")
    assert not jira.verify(good, body, "another")
    assert not jira.verify({"X-Hub-Signature": sign("jira-secret", body)}, body, "jira-secret")
    [s] = jira.parse(good, body)
    assert (s.kind, s.external_id, s.priority, s.link) == ("updated", "OPS-12", "Highest",
                                                           "https://acme.atlassian.net/browse/OPS-12")
    assert s.text == "Priority: High → Highest" and s.labels["priority_changed"] == "yes"
