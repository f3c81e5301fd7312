"""Settings kept in the database: the organisation's name and public status page."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlparse

from warroom.errors import InputError
from warroom.store import Store
from warroom.store.models import Meta


@dataclass(frozen=True)
class Org:
    name: str
    status_url: str


DEFAULT_ORG_NAME = "our company"


def get_org(store: Store) -> Org:
    with store.read() as session:
        name = session.get(Meta, "org_name")
        url = session.get(Meta, "org_status_url")
        return Org(name.value if name else DEFAULT_ORG_NAME, url.value if url else "")


def set_org(store: Store, actor: str, *, name: str | None = None, status_url: str | None = None) -> Org:
    if name is not None:
        name = " ".join(name.split())
        if not name or len(name) > 100:
            raise InputError("The organisation's name is 1 to 100 characters.")
    if status_url:
        parsed = urlparse(status_url.strip())
        if parsed.scheme not in ("https", "http") or not parsed.netloc:
            raise InputError(f"{status_url!r} is not a web address (https://status.example.com).")
        status_url = status_url.strip()
    with store.write(actor) as tx:
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
