"""Settings kept in the database: the organisation's name and public status page."""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import urlparse

from warroom import inputs
from warroom.errors import InputError
from warroom.services import access
from warroom.services.access import Action
from warroom.store import Store
from warroom.store.models import Meta


@dataclass(frozen=True)
class Org:
    name: str
    status_url: str


DEFAULT_ORG_NAME = "our company"


def get_org(store: Store) -> Org:
    with store.read() as session:
        return get_org_in(session)


def get_org_in(session) -> Org:
    name = session.get(Meta, "org_name")
    url = session.get(Meta, "org_status_url")
    return Org(name.value if name else DEFAULT_ORG_NAME, url.value if url else "")


def set_org(store: Store, actor: str, *, name: str | None = None, status_url: str | None = None) -> Org:
    if name is not None:
        inputs.check_plain(name, field="name", what="The organisation's name")
        name = " ".join(name.split())
        if not name or len(name) > 100:
            raise InputError("The organisation's name is 1 to 100 characters.")
    if status_url:
        try:
            parsed = urlparse(status_url.strip())
            parsed.hostname  # noqa: B018 (parses the host; raises on a broken one)
        except ValueError:
            raise InputError(f"{status_url!r} is not a web address (https://status.example.com).") from None
        if parsed.scheme not in ("https", "http") or not parsed.netloc:
            raise InputError(f"{status_url!r} is not a web address (https://status.example.com).")
        status_url = status_url.strip()
    with store.write(actor) as tx:
        access.require(tx, Action.SETTINGS)
        changes = {}
        for key, value in (("org_name", name), ("org_status_url", status_url)):
            if value is None:
                continue
            row = tx.session.get(Meta, key)
            if row is None:
                tx.session.add(Meta(key=key, value=value))
            elif row.value != value:
                changes[key] = [row.value, value]
                row.value = value
            else:
                continue
            changes.setdefault(key, [None, value])
        if changes:
            tx.record("settings.changed", {"changes": changes})
    return get_org(store)


# -- what the linter treats as internal ----------------------------------------------------

_LINT_KEYS = {"internal_domains": "lint_internal_domains", "staff_email_domains": "lint_staff_domains",
              "public_hosts": "lint_public_hosts"}
#: Each linter setting and where it is kept (team sync writes them from events too).
LINT_KEYS = _LINT_KEYS


def _domain(text: str) -> str:
    value = text.strip().lower().lstrip("*.").rstrip(".")
    if not value or " " in value or "/" in value or "." not in value and value not in ("localhost",):
        raise InputError(f"{text!r} is not a domain name (e.g. corp.example.com).")
    return value


def lint_config(store: Store):
    """The linter's view of this organisation: its internal domains, its staff's
    e-mail domains, and its public hosts (the status page's host among them)."""
    with store.read() as session:
        return lint_config_in(session)


def lint_config_in(session):
    """:func:`lint_config` inside a transaction (the services' gate lints there)."""
    from warroom.text.lint import LintConfig  # the linter compiles its patterns on import (~0.15 s)

    values: dict[str, tuple[str, ...]] = {}
    for field, key in _LINT_KEYS.items():
        row = session.get(Meta, key)
        values[field] = tuple(json.loads(row.value)) if row else ()
    status_host = urlparse(get_org_in(session).status_url).hostname
    if status_host and status_host not in values["public_hosts"]:
        values["public_hosts"] += (status_host,)
    return LintConfig(**values)


def set_lint_domains(store: Store, actor: str, **lists: list[str] | None) -> None:
    unknown = set(lists) - set(_LINT_KEYS)
    if unknown:
        raise InputError(f"Unknown setting {', '.join(sorted(unknown))}.")
    clean = {field: sorted({_domain(d) for d in values}) for field, values in lists.items() if values is not None}
    with store.write(actor) as tx:
        access.require(tx, Action.SETTINGS)
        changes = {}
        for field, values in clean.items():
            key = _LINT_KEYS[field]
            row = tx.session.get(Meta, key)
            text = json.dumps(values)
            if row is None:
                tx.session.add(Meta(key=key, value=text))
                changes[field] = [None, values]
            elif row.value != text:
                changes[field] = [json.loads(row.value), values]
                row.value = text
        if changes:
            tx.record("settings.changed", {"changes": changes})
