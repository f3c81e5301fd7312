"""Whose signatures this database accepts: its own device key, and the signers an
administrator or a legal reviewer trusted by name (Legal's laptop, another office).

An archive verifies only when its signer is one of them, or is the key given for that
one check; anyone can re-sign a forged archive with a key of their own. Trusting and
distrusting are configuration: checked by :mod:`warroom.services.access` and
journaled. The same list names the other devices whose journal chains the journal
check accepts.
"""

from __future__ import annotations

import sqlite3
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import select

from warroom import devicekey
from warroom.errors import InputError, NotFound, StoreError
from warroom.services import access, audit
from warroom.services.access import Action
from warroom.store import Store
from warroom.store.db import APPLICATION_ID
from warroom.store.models import TrustedKey

MAX_NAME = 200


@dataclass(frozen=True)
class TrustedSigner:
    public_key: str
    name: str
    added_at: datetime
    added_by: str

    @property
    def fingerprint(self) -> str:
        return devicekey.fingerprint(self.public_key)

    def as_dict(self) -> dict:
        return {"public_key": self.public_key, "fingerprint": self.fingerprint, "name": self.name,
                "added_at": self.added_at, "added_by": self.added_by}


def _view(row: TrustedKey) -> TrustedSigner:
    return TrustedSigner(row.public_key, row.name, row.added_at, row.added_by)


def trusted(store: Store) -> list[TrustedSigner]:
    """The trusted signers, by name."""
    with store.read() as session:
        rows = session.scalars(select(TrustedKey).order_by(TrustedKey.name, TrustedKey.public_key)).all()
        return [_view(r) for r in rows]


def why_not_trust(store: Store, actor: str) -> str | None:
    """None when ``actor`` may trust and distrust signers; else what is needed."""
    with store.read() as session:
        return access.why_not(access.who(session, actor), Action.TRUST)


def _name(text: str) -> str:
    name = " ".join((text or "").split())
    if not name or len(name) > MAX_NAME:
        raise InputError(f"A trusted signer's name is 1 to {MAX_NAME} characters, e.g. \"Legal\".", field="name")
    if any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in name):
        raise InputError("A trusted signer's name cannot hold control characters.", field="name")
    return name


def trust(store: Store, actor: str, key: str, name: str) -> TrustedSigner:
    """Trust the signer of ``key`` (base64, or a file holding it) as ``name``; trusting
    a trusted key again renames it."""
    public_key = audit.read_public_key(key)
    name = _name(name)
    if public_key == audit.own_public_key(store):
        raise InputError("That is this database's own key: it is always trusted.", field="key")
    with store.write(actor) as tx:
        access.require(tx, Action.TRUST)
        row = tx.session.get(TrustedKey, public_key)
        if row is not None and row.name == name:
            return _view(row)
        previous = row.name if row is not None else None
        if row is None:
            row = TrustedKey(public_key=public_key, name=name, added_at=tx.now, added_by=actor)
            tx.session.add(row)
        else:
            row.name = name
        tx.record("key.trusted", {"public_key": public_key, "fingerprint": devicekey.fingerprint(public_key),
                                  "name": name, "previous_name": previous})
        return _view(row)


def _find(rows: list[TrustedKey], text: str) -> TrustedKey | None:
    try:
        key = audit.read_public_key(text)
    except InputError:
        key = None
    wanted = text.strip().lower().replace(":", "")
    for row in rows:
        if row.public_key == key or devicekey.fingerprint(row.public_key).replace(":", "") == wanted:
            return row
    return None


def distrust(store: Store, actor: str, key_or_fingerprint: str) -> TrustedSigner:
    """Stop trusting a signer, named by its key (or a file holding it) or its fingerprint."""
    with store.write(actor) as tx:
        access.require(tx, Action.TRUST)
        row = _find(list(tx.session.scalars(select(TrustedKey))), key_or_fingerprint)
        if row is None:
            raise NotFound(f"No trusted signer has the key or fingerprint {key_or_fingerprint.strip()[:80]!r}; "
                           "`warroom-cli audit trusted` lists them.", field="key")
        gone = _view(row)
        tx.session.delete(row)
        tx.record("key.distrusted", {"public_key": gone.public_key, "fingerprint": gone.fingerprint,
                                     "name": gone.name})
    return gone


def signers(store: Store, *, given: str | None = None) -> audit.Signers:
    """Whose signature this database accepts (``given``: a key for one check alone)."""
    return audit.Signers(audit.own_public_key(store), {s.public_key: s.name for s in trusted(store)}, given,
                         database=True)


def signers_at(path: Path | None, *, given: str | None = None) -> audit.Signers:
    """:func:`signers` of the database at ``path``, opened read-only (nothing is made,
    migrated or locked); only ``given`` when there is no database there."""
    if path is None or not path.is_file() or path.stat().st_size == 0:
        return audit.Signers(given=given)
    try:
        con = sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True)
        try:
            if con.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
                raise StoreError(f"{path} is not a War room database, so it cannot say whose archives to trust. "
                                 "Choose the database with --db, or give the signer's key with --key.")
            tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            row = con.execute("SELECT value FROM meta WHERE key = 'device_id'").fetchone() \
                if "meta" in tables else None
            rows = con.execute("SELECT public_key, name FROM trusted_key").fetchall() \
                if "trusted_key" in tables else []
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path} cannot be read to find the signers it trusts ({exc}). Choose the database "
                         "with --db, or give the signer's key with --key.") from None
    try:
        device = uuid.UUID(row[0]) if row is not None else None
    except (TypeError, ValueError):
        device = None
    own = devicekey.own_public(device) if device is not None else None
    return audit.Signers(own, {k: n for k, n in rows}, given, database=True)
