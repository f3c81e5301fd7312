"""Prometheus Alertmanager webhook (version 4): a group of alerts, each firing or
resolved, with its labels, annotations and fingerprint. Alertmanager signs
nothing; its ``http_config`` sends ``Authorization: Bearer <token>`` or basic
auth, and the source's secret is that token (or the basic-auth password)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping

from warroom.inbound.signal import BadPayload, Signal, header, load_json, obj, same, text, when

KIND = "alertmanager"
LABEL = "Alertmanager"
SECRET = "the bearer token (or basic-auth password) set in Alertmanager's http_config"
#: Alerts read from one group (Alertmanager's own max_alerts is usually far lower).
MAX_ALERTS = 1000


def verify(headers: Mapping[str, str], body: bytes, secret: str, **_: object) -> bool:
    value = (header(headers, "Authorization") or "").strip()
    if not value or not secret:
        return False
    scheme, _, credentials = value.partition(" ")
    credentials = credentials.strip()
    if scheme.lower() == "bearer":
        return same(credentials, secret)
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return False
        _user, _, password = decoded.partition(":")
        return same(password, secret)
    return False


def alert_key(fingerprint: str | None, labels: Mapping[str, str]) -> str:
    """How an alert is known: its fingerprint, else ``labels:`` and a digest of its
    labels (Alertmanager's fingerprint is itself a hash of the labels)."""
    if fingerprint:
        return fingerprint[:200]
    canonical = json.dumps(dict(sorted(labels.items())), ensure_ascii=False, separators=(",", ":"))
    return "labels:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def parse(headers: Mapping[str, str], body: bytes) -> list[Signal]:
    data = load_json(body, LABEL)
    if str(data.get("version", "")) != "4":
        raise BadPayload(f"This Alertmanager body is version {text(data.get('version'), 10) or 'unknown'}; War room "
                         "reads version 4.")
    alerts = data.get("alerts")
    if not isinstance(alerts, list):
        raise BadPayload("The Alertmanager body has no list of alerts.")
    if len(alerts) > MAX_ALERTS:
        raise BadPayload(f"The Alertmanager group holds {len(alerts):,} alerts; at most {MAX_ALERTS:,} are read.")
    # Each alert's labels hold the group's common labels; a payload saved by hand may
    # name them only once, in commonLabels: the alert's own win.
    common = {text(k, 100): text(v, 200) for k, v in list(obj(data.get("commonLabels")).items())[:100]}
    out = []
    for raw in alerts:
        a = obj(raw)
        status = text(a.get("status"), 20)
        if status not in ("firing", "resolved"):
            raise BadPayload(f"An alert's status is {status or 'missing'}; Alertmanager sends firing or resolved.")
        own = {text(k, 100): text(v, 200) for k, v in list(obj(a.get("labels")).items())[:100]}
        if not own and not text(a.get("fingerprint"), 200):
            raise BadPayload("An alert has neither a fingerprint nor labels: not an alert Alertmanager sends.")
        fingerprint = alert_key(text(a.get("fingerprint"), 200), own)   # its labels' digest when it has none
        labels = {**common, **own}
        notes = obj(a.get("annotations"))
        started = text(a.get("startsAt"), 64)
        ended = text(a.get("endsAt"), 64) if status == "resolved" else ""
        out.append(Signal(
            event_id=f"{fingerprint}:{status}:{started}:{ended}"[:200], kind=status, external_id=fingerprint,
            title=text(notes.get("summary"), 200) or labels.get("alertname", ""),
            link=text(a.get("generatorURL"), 500) or None, priority=labels.get("severity") or None,
            service=labels.get("service") or labels.get("job") or None,
            text=text(notes.get("description")), at=when(started if status == "firing" else a.get("endsAt")),
            labels=labels))
    return out
