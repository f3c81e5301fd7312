"""Payloads shaped as each vendor documents them, and how each vendor signs them."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from pathlib import Path

HERE = Path(__file__).parent / "payloads"
#: PagerDuty's published example (go-pagerduty's webhookv3 tests): the body, the
#: secret it was signed with, and the signature PagerDuty sent.
PD_EXAMPLE_BODY = (HERE / "pagerduty_published_example.json").read_bytes()
PD_EXAMPLE_SECRET = "lDQHScfUeXUKaQRNF+8XIiDKZ7XX3itBAYzwU0TARw8lJqRnkKl2iB1anSb0Z+IK"
PD_EXAMPLE_SIGNATURE = "v1=0c0b9495b893a39e70d1fea2fe11fbe0a825f88b9f67846f6cc07dd2bc5476cd"
PD_EXAMPLE_MISMATCH = "v1=7020c8a7ec668a9b7012bc3dd82e483394b038f4230acc6785efbf2a7d8bcaf5"


def sign(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def pd_headers(secret: str, body: bytes) -> dict[str, str]:
    return {"X-PagerDuty-Signature": "v1=" + sign(secret, body), "Content-Type": "application/json"}


def pagerduty(event_type: str, event_id: str, *, incident: str = "Q2K9XJ4", priority: str = "P1",
              title: str = "Checkout API returns 500s", service: str = "Checkout API",
              at: str = "2026-11-23T08:58:00Z", content: str | None = None) -> bytes:
    data = {"id": incident, "type": "incident", "self": f"https://api.pagerduty.com/incidents/{incident}",
            "html_url": f"https://acme.pagerduty.com/incidents/{incident}", "number": 7, "status": "triggered",
            "title": title, "service": {"id": "PSVC1", "summary": service, "type": "service_reference"},
            "assignees": [{"id": "PU1", "summary": "Ravi Shah", "type": "user_reference"}],
            "teams": [{"id": "PT1", "summary": "Payments", "type": "team_reference"}],
            "priority": {"id": "PRI1", "summary": priority, "type": "priority_reference"}, "urgency": "high"}
    if event_type == "incident.annotated":
        data = {"incident": {"id": incident, "type": "incident_reference", "html_url": data["html_url"]},
                "id": "PNOTE1", "type": "incident_note", "content": content or "Rolled back the deploy"}
    event = {"id": event_id, "event_type": event_type, "resource_type": "incident", "occurred_at": at,
             "agent": {"id": "PU1", "summary": "Ravi Shah", "type": "user_reference"}, "client": None, "data": data}
    return json.dumps({"event": event}).encode()


def alertmanager(status: str, *, fingerprint: str = "1a30ba71cca2921f", service: str = "checkout",
                 severity: str = "critical", starts: str = "2026-11-23T08:59:45.828Z",
                 ends: str = "0001-01-01T00:00:00Z") -> bytes:
    labels = {"alertname": "ProbeFailure", "service": service, "severity": severity, "job": "http_checks"}
    alert = {"status": status, "labels": labels,
             "annotations": {"summary": "Checkout probe failing", "description": "Down for over 5m."},
             "startsAt": starts, "endsAt": ends, "generatorURL": "http://prometheus.example.org:9090/graph",
             "fingerprint": fingerprint}
    return json.dumps({"receiver": "warroom", "status": status, "alerts": [alert], "groupLabels": {},
                       "commonLabels": labels, "commonAnnotations": alert["annotations"],
                       "externalURL": "http://prometheus.example.org:9093", "version": "4",
                       "groupKey": "{}:{alertname=\"ProbeFailure\"}", "truncatedAlerts": 0}).encode()


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
