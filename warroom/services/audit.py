"""The tamper-evident archive of an incident.

``export`` writes a zip: the incident, its timeline, every update with every
revision and review decision, and the incident's journal events, with a
manifest listing each file's SHA-256, a Merkle root over the files (RFC 6962
hashing) and an Ed25519 signature of the manifest. ``verify`` checks all of it
and names what fails. The signing key is made once per database and kept in
the OS keyring, or in a passphrase-encrypted file where there is none.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import select

from warroom import __version__, devicekey, secrets
from warroom.clock import isoformat
from warroom.errors import InputError
from warroom.journal import canonical_json
from warroom.services import drafts, incidents, review, timeline
from warroom.services.export import to_jsonable
from warroom.store import Store
from warroom.store.models import JournalEvent

FORMAT = "warroom-archive"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"


# -- RFC 6962 Merkle tree ------------------------------------------------------------

def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def merkle_root(leaves: list[bytes]) -> bytes:
    """The Merkle Tree Hash of RFC 6962, section 2.1, over the leaves' data."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaf_hash(leaves[0])
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + merkle_root(leaves[:k]) + merkle_root(leaves[k:])).digest()


# -- the signing key ------------------------------------------------------------------------

def signing_key(store: Store, key_file: Path | None = None) -> Ed25519PrivateKey:
    """This database's archive key (the device key, which signs its journal too), made on first use."""
    if key_file is not None:
        if key_file.exists():
            try:
                key = serialization.load_pem_private_key(key_file.read_bytes(), password=secrets.passphrase())
            except (ValueError, TypeError):
                raise InputError(f"Cannot open {key_file}: wrong passphrase, or not a War room key file.") from None
            if not isinstance(key, Ed25519PrivateKey):
                raise InputError(f"{key_file} does not hold an Ed25519 key.")
            return key
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.BestAvailableEncryption(secrets.passphrase("New passphrase for the "
                                                                                         "key file: ")))
        secrets.write_private_file(key_file, pem)
        return key
    return devicekey.load_or_make(store.device_id)


def own_public_key(store: Store) -> str | None:
    """This database's archive public key, if it has one and it can be read without
    asking anybody (no key is made here)."""
    key = devicekey.existing(store.device_id)
    return devicekey.public_text(key) if key is not None else None


def public_key_text(key: Ed25519PrivateKey) -> str:
    return devicekey.public_text(key)


# -- the container ----------------------------------------------------------------------------

def build_zip(items: list[tuple[str, bytes]]) -> bytes:
    """A canonical zip: stored (not compressed), fixed times and attributes, in the
    given order. The same contents always give the same bytes, so verification can
    rebuild the file and notice a change to any byte, headers included."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as z:
        for name, data in items:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            z.writestr(info, data)
    return buffer.getvalue()


# -- export -----------------------------------------------------------------------------------

def _json(value: Any) -> bytes:
    return (json.dumps(to_jsonable(value), indent=2, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")


def _files(store: Store, incident_key: str | uuid.UUID, actor: str) -> tuple[incidents.IncidentView, dict[str, bytes]]:
    from warroom.services import access

    with store.read() as session:
        access.check(session, actor, access.Action.ARCHIVE, incidents.find_row(session, incident_key))
    inc = incidents.get(store, incident_key, viewer=actor)
    with store.read() as session:
        rows = session.scalars(select(JournalEvent).where(JournalEvent.incident_id == inc.id)
                               .order_by(JournalEvent.device_id, JournalEvent.seq)).all()
    overrides = {json.loads(e.payload)["draft_id"]: json.loads(e.payload).get("reason")
                 for e in rows if e.kind == "review.overridden"}
    files: dict[str, bytes] = {"incident.json": _json(inc.as_dict())}
    files["timeline.json"] = _json([e.as_dict() for e in timeline.entries(store, inc.id, viewer=actor)])
    for d in drafts.list_drafts(store, inc.id, viewer=actor):
        files[f"updates/{d.id}.json"] = _json({
            "audience": d.audience, "locale": d.locale, "template": d.template,
            "template_version": d.template_version, "state": d.state,
            # An override stays visible after publishing: the state alone would not show it.
            "overridden": str(d.id) in overrides, "override_reason": overrides.get(str(d.id)),
            "revisions": [{"revision": r.revision, "subject": r.subject, "long": r.long, "short": r.short,
                           "chat": r.chat, "author": r.author, "at": r.updated_at, "content_hash": r.content_hash}
                          for r in drafts.revisions(store, d.id, viewer=actor)],
            "reviews": [{"revision": r.revision, "role": r.role.value, "state": r.state,
                         "decided_by": r.decided_by, "decided_at": r.decided_at, "comment": r.comment,
                         "assignee": r.assignee, "level": r.level}
                        for r in review.requests(store, d.id, viewer=actor, include_void=True)],
        })
    lines = [canonical_json({"id": e.id, "device": e.device_id, "seq": e.seq, "at": e.at, "actor": e.actor,
                             "kind": e.kind, "payload": json.loads(e.payload), "prev_hash": e.prev_hash,
                             "hash": e.hash}) for e in rows]  # the incident's journal events, as they are
    files["journal.jsonl"] = ("\n".join(lines) + "\n").encode("utf-8")
    return inc, files


def export(store: Store, actor: str, incident_key: str | uuid.UUID, out: Path, *,
           key_file: Path | None = None) -> dict:
    inc, files = _files(store, incident_key, actor)
    key = signing_key(store, key_file)
    names = sorted(files)
    manifest = {
        "format": FORMAT, "version": 1, "app_version": __version__, "incident": inc.ref,
        "incident_id": str(inc.id), "created_at": isoformat(store.clock.now()),
        "files": [{"path": n, "sha256": hashlib.sha256(files[n]).hexdigest(), "size": len(files[n])} for n in names],
        "merkle_root": merkle_root([files[n] for n in names]).hex(),
        "public_key": public_key_text(key), "signature_algorithm": "Ed25519",
    }
    body = canonical_json(manifest).encode("utf-8")
    signature = base64.b64encode(key.sign(body)).decode("ascii") + "\n"
    data = build_zip([(n, files[n]) for n in names] + [(MANIFEST, body), (SIGNATURE, signature.encode("ascii"))])
    tmp = out.with_name(out.name + ".part")
    try:
        secrets.write_private_file(tmp, data)      # owner-only, like every file War room writes
        tmp.replace(out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InputError(f"Cannot write {out}: {exc.strerror}.") from None
    return manifest


# -- verify -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class ArchiveReport:
    problems: list[str]
    files: int
    incident: str | None
    public_key: str | None

    @property
    def ok(self) -> bool:
        return not self.problems


def read_public_key(text: str) -> str:
    """A public key given as base64 text or as a file holding it."""
    candidate = Path(text)
    if candidate.is_file():
        text = candidate.read_text(encoding="utf-8")
    text = text.strip()
    try:
        if len(base64.b64decode(text, validate=True)) != 32:
            raise ValueError
    except ValueError:
        raise InputError("The public key is 32 bytes in base64 (as the archive key is printed).", field="key") from None
    return text


def verify(path: Path, *, public_key: str | None = None) -> ArchiveReport:
    try:
        raw = path.read_bytes()
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except (OSError, zipfile.BadZipFile) as exc:
        return ArchiveReport([f"the archive cannot be read as a zip file ({exc})"], 0, None, None)
    problems: list[str] = []
    order: list[str] = []
    with archive:
        contents: dict[str, bytes] = {}
        for info in archive.infolist():
            order.append(info.filename)
            try:
                contents[info.filename] = archive.read(info)
            except (zipfile.BadZipFile, OSError, ValueError) as exc:  # CRC errors, damaged data
                problems.append(f"{info.filename}: damaged ({exc})")
    if MANIFEST not in contents or SIGNATURE not in contents:
        problems.append("the manifest or its signature is missing")
        return ArchiveReport(problems, 0, None, None)
    try:
        manifest = json.loads(contents[MANIFEST])
        listed = {f["path"]: f for f in manifest["files"]}
    except (ValueError, KeyError, TypeError):
        return ArchiveReport(problems + ["the manifest is not valid"], 0, None, None)
    key_text = manifest.get("public_key")
    if public_key is not None and key_text != public_key:
        problems.append("the archive was signed with a different key than the one given")
    try:
        if not isinstance(key_text, str):
            raise ValueError("no public key")
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(key_text))
        key.verify(base64.b64decode(contents[SIGNATURE].strip()), contents[MANIFEST])
    except (InvalidSignature, ValueError, TypeError):
        problems.append("the manifest's signature does not match (the manifest was changed, or signed by "
                        "another key)")
    for name in sorted(set(contents) - set(listed) - {MANIFEST, SIGNATURE}):
        problems.append(f"{name}: a file the manifest does not list (added)")
    for name, entry in sorted(listed.items()):
        if name not in contents:
            problems.append(f"{name}: listed in the manifest but missing (removed)")
        elif hashlib.sha256(contents[name]).hexdigest() != entry.get("sha256"):
            problems.append(f"{name}: its SHA-256 does not match the manifest (changed)")
    present = [contents[n] for n in sorted(listed) if n in contents]
    if len(present) == len(listed) and merkle_root(present).hex() != manifest.get("merkle_root"):
        problems.append("the Merkle root does not match the files")
    if not problems and build_zip([(n, contents[n]) for n in order]) != raw:
        problems.append("bytes outside the files were changed (the zip's headers differ from the form War room "
                        "writes)")
    return ArchiveReport(problems, len(listed), manifest.get("incident"), key_text)
