"""Inbound sources: the systems allowed to send signals in, each with a kind, a
secret in the keyring (never in the database), and its rules as plain data.

Settings a source may have (all optional):

- ``commander``: who commands incidents it opens (a person with the commander role;
  otherwise the first such person in the register);
- ``severity``: the vendor's priority -> SEV1..SEV4 (``{"P1": "SEV1", "critical": "SEV1"}``);
- ``rules``: category and template chosen from the signal's tags, service or components:
  ``[{"match": "payments", "category": "application", "template": "name"}]`` (first match wins);
  a rule naming a ``label`` matches that label's value instead (Alertmanager's labels,
  the group's common labels among them): ``{"label": "team", "match": "identity", …}``;
- ``components``: a service name -> our components (``{"API Service": ["Checkout"]}``);
- ``label_rules`` (Alertmanager): ``[{"label": "service", "value": "checkout", "component":
  "Checkout", "status": "major_outage"}]`` (status defaults by the alert's severity label;
  a component is the worst of the alerts firing on it, operational when none fire);
- ``customer_facing``: components whose trouble customers see; a firing alert on one
  opens an incident;
- ``audiences``: who the first update is drafted for when the matrix names nobody;
- ``severity_from_priority`` (Jira): whether a priority change on a linked issue moves
  the incident's severity (by ``severity``): ``off`` (the default: the change is only
  logged), ``raise`` (raises it, never lowers it: a lower priority is said on the
  timeline and the severity kept) or ``follow`` (raises and lowers it, saying why);
- ``token_header`` (Opsgenie): the custom header carrying the token;
- ``rate_per_minute``: requests accepted from it per minute (default 60).

Who may: an administrator (:attr:`Action.SOURCES`). Each change is one journal event.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from warroom import secrets
from warroom.domain import Category, Severity
from warroom.errors import InputError, NotFound
from warroom.identity import Source
from warroom.ids import uuid7
from warroom.inbound import alertmanager, jira, opsgenie, pagerduty, statuspage
from warroom.services import access
from warroom.services.access import Action
from warroom.services.components import STATUSES
from warroom.store import Store
from warroom.store.models import InboundSource

KINDS = {m.KIND: m for m in (pagerduty, alertmanager, opsgenie, statuspage, jira)}
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
MAX_SECRET = 1000
_SETTINGS = {"commander", "severity", "rules", "components", "label_rules", "customer_facing", "audiences",
             "token_header", "rate_per_minute", "severity_from_priority"}
#: ``severity_from_priority``'s values (``true`` means raise, ``false`` off).
PRIORITY_SEVERITY = ("off", "raise", "follow")


@dataclass(frozen=True, slots=True)
class SourceView:
    id: uuid.UUID
    name: str
    kind: str
    settings: dict[str, Any]
    created_at: datetime
    updated_at: datetime

    @property
    def actor(self) -> Source:
        """Who the source's signals act as: ``inbound:NAME`` (journaled under that name)."""
        return Source(f"inbound:{self.name}")

    @property
    def label(self) -> str:
        return KINDS[self.kind].LABEL

    def as_dict(self) -> dict[str, Any]:
        return {"id": str(self.id), "name": self.name, "kind": self.kind, "settings": self.settings,
                "created_at": self.created_at, "updated_at": self.updated_at, "path": f"/hooks/{self.name}"}


def _view(row: InboundSource) -> SourceView:
    return SourceView(row.id, row.name, row.kind, dict(row.settings or {}), row.created_at, row.updated_at)


def secret_key(source_id: uuid.UUID) -> str:
    return f"inbound:{source_id}"


def read_secret(source: SourceView) -> str | None:
    return secrets.get(secret_key(source.id))


def kind_module(kind: str):
    k = str(kind or "").strip().lower()
    if k not in KINDS:
        raise InputError(f"Unknown source kind {kind!r}: choose one of {', '.join(KINDS)}.", field="kind")
    return KINDS[k]


def clean_name(name: str) -> str:
    n = str(name or "").strip().lower()
    if not _NAME.match(n):
        raise InputError("A source's name is up to 40 lowercase letters, digits, - or _ (it becomes the path "
                         f"/hooks/NAME): {name!r} is not.", field="name")
    return n


def _strings(value: Any, what: str) -> list[str]:
    if isinstance(value, str):
        value = [v for v in value.split(",")]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputError(f"{what} is a list of names.", field="settings")
    return [" ".join(v.split()) for v in value if v.strip()][:100]


def check_settings(settings: dict[str, Any] | None) -> dict[str, Any]:
    """The settings as stored, or :class:`InputError` naming what is wrong."""
    s = dict(settings or {})
    unknown = set(s) - _SETTINGS
    if unknown:
        raise InputError(f"Unknown source setting(s) {', '.join(sorted(unknown))}: known are "
                         f"{', '.join(sorted(_SETTINGS))}.", field="settings")
    out: dict[str, Any] = {}
    if s.get("commander"):
        out["commander"] = " ".join(str(s["commander"]).split())[:200]
    if "severity" in s:
        if not isinstance(s["severity"], dict):
            raise InputError("severity maps the vendor's priority to SEV1..SEV4, e.g. {\"P1\": \"SEV1\"}.",
                             field="settings")
        out["severity"] = {str(k).strip().lower(): Severity.parse(v).value for k, v in s["severity"].items()}
    if "rules" in s:
        rules = s["rules"]
        if not isinstance(rules, list) or not all(isinstance(r, dict) and r.get("match") for r in rules):
            raise InputError("rules is a list of {\"match\": tag or service, \"category\": …, \"template\": …}.",
                             field="settings")
        if not all(isinstance(r.get("label", ""), str) for r in rules):
            raise InputError("A rule's label is the name of an Alertmanager label, e.g. \"team\".", field="settings")
        out["rules"] = [{"match": str(r["match"]).strip().lower(),
                         **({"label": r["label"].strip()[:100]} if str(r.get("label") or "").strip() else {}),
                         "category": Category.parse(r.get("category", "other")).value,
                         **({"template": str(r["template"])} if r.get("template") else {})} for r in rules[:100]]
    if "components" in s:
        if not isinstance(s["components"], dict):
            raise InputError("components maps a service to our components, e.g. {\"API\": [\"Checkout\"]}.",
                             field="settings")
        out["components"] = {str(k): _strings(v, "A service's components") for k, v in s["components"].items()}
    if "label_rules" in s:
        rules = s["label_rules"]
        if not isinstance(rules, list) or not all(isinstance(r, dict) and r.get("label") and r.get("component")
                                                  for r in rules):
            raise InputError("label_rules is a list of {\"label\": …, \"value\": …, \"component\": …}.",
                             field="settings")
        for r in rules:
            if r.get("status") and r["status"] not in STATUSES:
                raise InputError(f"A label rule's status is one of {', '.join(STATUSES)}.", field="settings")
        out["label_rules"] = [{k: str(r[k]) for k in ("label", "value", "component", "status") if r.get(k)}
                              for r in rules[:200]]
    for key in ("customer_facing", "audiences"):
        if key in s:
            out[key] = _strings(s[key], key)
    if "severity_from_priority" in s:
        mode = s["severity_from_priority"]
        mode = {True: "raise", False: "off"}.get(mode, mode) if isinstance(mode, bool) else str(mode).strip().lower()
        if mode not in PRIORITY_SEVERITY:
            raise InputError(f"severity_from_priority is one of {', '.join(PRIORITY_SEVERITY)}.", field="settings")
        out["severity_from_priority"] = mode
    if s.get("token_header"):
        out["token_header"] = str(s["token_header"]).strip()[:100]
    if "rate_per_minute" in s:
        try:
            rate = int(s["rate_per_minute"])
        except (TypeError, ValueError):
            raise InputError("rate_per_minute is a whole number.", field="settings") from None
        if not 1 <= rate <= 10_000:
            raise InputError("rate_per_minute is between 1 and 10000.", field="settings")
        out["rate_per_minute"] = rate
    return out


def _clean_secret(secret: str | None) -> str:
    s = (secret or "").strip()
    if not s:
        raise InputError("A source needs its secret (read from standard input), so forged requests are refused.",
                         field="secret")
    if len(s) > MAX_SECRET or "\n" in s:
        raise InputError(f"The secret is one line of at most {MAX_SECRET} characters.", field="secret")
    return s


def list_sources(store: Store) -> list[SourceView]:
    with store.read() as session:
        return [_view(r) for r in session.scalars(select(InboundSource).order_by(InboundSource.name))]


def find(session, name: str) -> InboundSource:
    row = session.scalars(select(InboundSource).where(InboundSource.name == str(name or "").strip().lower())).first()
    if row is None:
        raise NotFound(f"No inbound source {name!r}: inbound list shows them.", field="source")
    return row


def get(store: Store, name: str) -> SourceView:
    with store.read() as session:
        return _view(find(session, name))


def add(store: Store, actor: str, name: str, kind: str, *, secret: str,
        settings: dict[str, Any] | None = None) -> SourceView:
    """Add a source. The secret goes to the keyring first (the database never sees
    it); when the keyring refuses, nothing is written."""
    with store.read() as session:
        access.check(session, actor, Action.SOURCES)
    name = clean_name(name)
    module = kind_module(kind)
    clean = check_settings(settings)
    secret = _clean_secret(secret)
    with store.read() as session:
        if session.scalars(select(InboundSource.id).where(InboundSource.name == name)).first() is not None:
            raise InputError(f"There is already a source named {name!r}.", field="name")
    source_id = uuid7()
    secrets.put(secret_key(source_id), secret)
    with store.write(actor) as tx:
        access.require(tx, Action.SOURCES)
        row = InboundSource(id=source_id, name=name, kind=module.KIND, settings=clean, created_at=tx.now,
                            updated_at=tx.now)
        tx.session.add(row)
        tx.record("inbound.source_added", {"source_id": source_id, "name": name, "kind": module.KIND,
                                           "settings": clean})
        return _view(row)


def update(store: Store, actor: str, name: str, *, settings: dict[str, Any] | None = None,
           secret: str | None = None) -> SourceView:
    """Replace a source's settings and/or its secret."""
    with store.read() as session:
        access.check(session, actor, Action.SOURCES)
        row = find(session, name)
    clean = check_settings(settings) if settings is not None else None
    if secret is not None:
        secrets.put(secret_key(row.id), _clean_secret(secret))
    with store.write(actor) as tx:
        access.require(tx, Action.SOURCES)
        row = find(tx.session, name)
        if clean is not None:
            row.settings = clean
        row.updated_at = tx.now
        tx.record("inbound.source_changed", {"source_id": row.id, "name": row.name, "settings": row.settings,
                                             "secret_changed": secret is not None})
        return _view(row)


def remove(store: Store, actor: str, name: str) -> None:
    """Remove a source: its requests are refused from now on; its secret leaves the keyring."""
    with store.write(actor) as tx:
        access.require(tx, Action.SOURCES)
        row = find(tx.session, name)
        source_id = row.id
        tx.record("inbound.source_removed", {"source_id": row.id, "name": row.name})
        tx.session.delete(row)
    secrets.delete(secret_key(source_id))
