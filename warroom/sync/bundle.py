"""Sneakernet: the events another laptop lacks, in one signed file, for a room with
no team server (a tabletop exercise, an air-gapped site).

A bundle is one text file: a header line, then a body of JSON lines. The body's
first line says what the bundle holds (the exporting device, when, each device's
signed checkpoint, what the reader was known to have); every other line is one
journal event as stored (header fields, payload text, previous hash, hash). The
header carries the body's SHA-256 and its Ed25519 signature by the exporting
device's key (:mod:`warroom.devicekey`).

Export writes either the whole journal or only what the other laptop lacks, given
its chain heads (``warroom-cli bundle heads`` on that laptop, or ``DEVICE:SEQ,…``):
each device's events after the seq the reader has. A device's chain is written
up to its first event this database cannot read (a confidential incident kept here
as a link only): a chain with a hole could not be applied on the other side.

Import reads with limits (file size, line size, number of events), checks the
signature and that its signer is one this laptop trusts (its own key, a signer
trusted by name, a device whose key it already holds from the team server or an
earlier bundle, or the fingerprint the importer was told by the exporter: anyone
can sign a forged bundle with a key of their own), then every event's hash and link within its chain and each device's
signed checkpoint, before anything is written; then applies the events through
:func:`warroom.sync.apply.ingest_all`, which checks that each chain continues the
one this database has: all events or, when one is refused, none, with the refusal
naming the event. Events this database has already are skipped.
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from warroom import devicekey
from warroom.clock import isoformat
from warroom.errors import InputError
from warroom.journal import event_hash, event_header
from warroom.paths import write_private_file
from warroom.store import Store
from warroom.store.models import Device, JournalEvent, SyncHidden
from warroom.sync.apply import ingest_all, interleave
from warroom.sync.apply_base import EventRefused, as_time, as_uuid

FORMAT = "warroom-bundle"
VERSION = 1
#: What a bundle's signature signs, before the body's SHA-256.
SIGNATURE_DOMAIN = b"warroom-bundle-v1"

#: A bundle larger than this is refused before it is read.
MAX_BUNDLE_BYTES = 1 << 30
#: One line (an event with its payload, or the manifest) at most.
MAX_LINE_BYTES = 16 << 20
#: Events in one bundle at most.
MAX_EVENTS = 2_000_000
MAX_HEADER_BYTES = 8 << 10

_FIELDS = ("id", "device_id", "seq", "at", "actor", "incident_id", "kind", "payload", "prev_hash", "hash")


class BundleRefused(EventRefused):
    """A bundle that is not imported: unreadable, too large, altered or unsigned."""


@dataclass(frozen=True, slots=True)
class Exported:
    path: Path
    events: int
    devices: int
    #: Devices whose chain stops early at an event this database may not read.
    held_back: tuple[uuid.UUID, ...]
    #: The signing key's fingerprint: read it out to whoever imports the bundle.
    fingerprint: str = ""


@dataclass(frozen=True, slots=True)
class Imported:
    events: int
    skipped: int
    signer: uuid.UUID
    fingerprint: str
    #: References renumbered once the bundle's incidents met this database's.
    renumbered: tuple[str, ...] = ()


# -- heads: what a laptop has ------------------------------------------------------------

def heads(store: Store) -> dict[str, int]:
    """Each device's last seq this database holds (read or held as a link)."""
    with store.read() as session:
        return {str(d.id): d.last_seq for d in session.scalars(select(Device))}


def parse_heads(text: str) -> dict[uuid.UUID, int]:
    """Heads as ``bundle heads`` writes them (JSON), or ``DEVICE:SEQ,DEVICE:SEQ``."""
    text = (text or "").strip()
    try:
        if text.startswith("{"):
            raw = json.loads(text)
            items = list((raw.get("heads", raw)).items())
        else:
            items = [part.split(":", 1) for part in text.split(",") if part.strip()]
        out = {as_uuid(device.strip()): int(seq) for device, seq in items}
    except (ValueError, TypeError, AttributeError):
        raise InputError("Give what the other laptop has as the file `warroom-cli bundle heads` wrote there, "
                         "or as DEVICE:SEQ,DEVICE:SEQ.", field="since") from None
    if any(seq < 0 for seq in out.values()):
        raise InputError("A device's seq cannot be negative.", field="since")
    return out


def read_heads_arg(value: str) -> dict[uuid.UUID, int]:
    """``--since``: a heads file, or the heads written out."""
    path = Path(value)
    if path.is_file():
        if path.stat().st_size > MAX_LINE_BYTES:
            raise InputError(f"{path} is too large to be a list of chain heads.", field="since")
        return parse_heads(path.read_text(encoding="utf-8"))
    return parse_heads(value)


# -- export -----------------------------------------------------------------------------

def _line(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8") + b"\n"


def _event_line(row: JournalEvent) -> bytes:
    return _line({"id": str(row.id), "device_id": str(row.device_id), "seq": row.seq, "at": isoformat(row.at),
                  "actor": row.actor, "incident_id": str(row.incident_id) if row.incident_id else None,
                  "kind": row.kind, "payload": row.payload, "prev_hash": row.prev_hash, "hash": row.hash})


def signed_message(body_sha256: str) -> bytes:
    return SIGNATURE_DOMAIN + b"\n" + body_sha256.encode("ascii")


def export(store: Store, out: Path, *, since: dict[uuid.UUID, int] | None = None) -> Exported:
    """Write the events after ``since`` (each device's seq the reader has; None: the
    whole journal), signed with this device's key, to ``out`` (owner-only)."""
    since = since or {}
    key = devicekey.load_or_make(store.device_id)
    with store.read() as session:
        hidden = {}
        for link in session.scalars(select(SyncHidden).order_by(SyncHidden.seq)):
            hidden.setdefault(link.device_id, link.seq)
        chains: dict[uuid.UUID, list[JournalEvent]] = {}
        for row in session.scalars(select(JournalEvent).order_by(JournalEvent.device_id, JournalEvent.seq)):
            if row.seq <= since.get(row.device_id, 0) or row.seq >= hidden.get(row.device_id, row.seq + 1):
                continue
            chains.setdefault(row.device_id, []).append(row)
        devices = {d.id: d for d in session.scalars(select(Device))}
        checkpoints = {str(d.id): {"label": d.label, "signed_seq": d.signed_seq, "signature": d.signature,
                                   "public_key": d.public_key}
                       for d in devices.values() if d.id in chains}
        body = [_line({"format": FORMAT, "version": VERSION, "device": str(store.device_id),
                       "created_at": isoformat(store.clock.now()),
                       "since": {str(k): v for k, v in sorted(since.items(), key=lambda kv: str(kv[0]))},
                       "devices": checkpoints})]
        rows = interleave(chains.values())
        body += [_event_line(r) for r in rows]
    data = b"".join(body)
    digest = hashlib.sha256(data).hexdigest()
    header = {"format": FORMAT, "version": VERSION, "signer": str(store.device_id),
              "public_key": devicekey.public_text(key), "body_bytes": len(data), "body_sha256": digest,
              "signature": base64.b64encode(key.sign(signed_message(digest))).decode("ascii")}
    write_private_file(out, _line(header) + data)
    return Exported(out, len(rows), len(chains),
                    tuple(sorted((d for d in hidden if d in chains or d not in since), key=str)),
                    devicekey.fingerprint(devicekey.public_text(key)))


# -- import -----------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Bundle:
    signer: uuid.UUID
    public_key: str
    manifest: dict[str, Any]
    rows: list[dict[str, Any]]


def _refuse(path: Path, why: str) -> BundleRefused:
    return BundleRefused(f"The bundle {path.name} is refused: {why}. Nothing was imported.")


def _json_line(path: Path, line: bytes, what: str) -> dict[str, Any]:
    try:
        value = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise _refuse(path, f"{what} is not JSON") from None
    if not isinstance(value, dict):
        raise _refuse(path, f"{what} is not a JSON object")
    return value


def read(path: Path) -> Bundle:
    """Read a bundle with limits and check its signature and every event's hash and
    link (nothing is written). Raises :class:`BundleRefused` naming what is wrong."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError(f"Cannot read {path}: {exc.strerror or exc}.", field="file") from None
    if size > MAX_BUNDLE_BYTES:
        raise _refuse(path, f"it is {size} bytes, more than the {MAX_BUNDLE_BYTES} a bundle may be")
    with path.open("rb") as fh:
        first = fh.readline(MAX_HEADER_BYTES + 1)
        if not first.endswith(b"\n"):
            raise _refuse(path, "it does not begin with a bundle's header")
        header = _json_line(path, first, "its header")
        if header.get("format") != FORMAT:
            raise _refuse(path, "it is not a War room bundle")
        if header.get("version") != VERSION:
            raise _refuse(path, f"it was written in bundle version {header.get('version')!r}, which this "
                                "version of War room does not read (update War room)")
        digest = hashlib.sha256()
        lines: list[bytes] = []
        total = 0
        while True:
            line = fh.readline(MAX_LINE_BYTES + 1)
            if not line:
                break
            if len(line) > MAX_LINE_BYTES or not line.endswith(b"\n"):
                raise _refuse(path, f"line {len(lines) + 2} is longer than {MAX_LINE_BYTES} bytes or cut short")
            total += len(line)
            if len(lines) > MAX_EVENTS:
                raise _refuse(path, f"it holds more than {MAX_EVENTS} events")
            digest.update(line)
            lines.append(line)
    try:
        public_key, signer = str(header["public_key"]), as_uuid(header["signer"])
        verifier = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key, validate=True))
        verifier.verify(base64.b64decode(str(header["signature"]), validate=True),
                        signed_message(digest.hexdigest()))
    except (InvalidSignature, KeyError, ValueError, TypeError):
        raise _refuse(path, "its signature does not match its content (it was changed after it was signed, "
                            "or is not signed)") from None
    if header.get("body_sha256") != digest.hexdigest() or header.get("body_bytes") != total or not lines:
        raise _refuse(path, "its header does not describe its content")
    manifest = _json_line(path, lines[0], "its manifest")
    if manifest.get("device") != str(signer) or not isinstance(manifest.get("devices"), dict):
        raise _refuse(path, "its manifest does not match its signer")
    rows = [_row(path, _json_line(path, line, f"line {n + 3}")) for n, line in enumerate(lines[1:])]
    _check_chains(path, rows, manifest["devices"])
    return Bundle(signer, public_key, manifest, rows)


def _row(path: Path, raw: dict[str, Any]) -> dict[str, Any]:
    if set(raw) != set(_FIELDS) or not isinstance(raw["payload"], str) or not isinstance(raw["seq"], int):
        raise _refuse(path, f"event {raw.get('id')!r} does not have an event's fields")
    return raw


def _check_chains(path: Path, rows: list[dict[str, Any]], devices: dict[str, Any]) -> None:
    """Within the bundle: each event's hash matches its content, each follows the one
    before it of its device, and each device's signed checkpoint matches its chain."""
    last: dict[str, tuple[int, str]] = {}
    hashes: dict[tuple[str, int], str] = {}
    for row in rows:
        try:
            device_id, event_id = as_uuid(row["device_id"]), as_uuid(row["id"])
            incident = row["incident_id"]
            header = event_header(id=event_id, device_id=device_id, seq=row["seq"], at=as_time(row["at"]),
                                  actor=row["actor"], incident_id=as_uuid(incident) if incident else None,
                                  kind=row["kind"])
        except (ValueError, TypeError, AttributeError):
            raise _refuse(path, f"event {row['id']!r} has malformed fields") from None
        named = f"event {event_id} ({row['kind']}, device {device_id} #{row['seq']})"
        if header["at"] != row["at"] or event_hash(str(row["prev_hash"]), header, row["payload"]) != row["hash"]:
            raise _refuse(path, f"{named} was changed after it was written (its hash does not match its content)")
        before = last.get(str(device_id))
        if before is not None and (row["seq"] != before[0] + 1 or row["prev_hash"] != before[1]):
            raise _refuse(path, f"{named} does not follow #{before[0]} of its device in the bundle")
        last[str(device_id)] = (row["seq"], row["hash"])
        hashes[(str(device_id), row["seq"])] = row["hash"]
    for device, point in devices.items():
        if not isinstance(point, dict) or not point.get("signature") or not point.get("public_key"):
            continue
        signed = hashes.get((str(as_uuid(device)), point.get("signed_seq")))
        if signed is not None and not devicekey.checkpoint_valid(point["public_key"], point["signature"],
                                                                 as_uuid(device), point["signed_seq"], signed):
            raise _refuse(path, f"device {device}'s signed checkpoint at #{point['signed_seq']} does not match "
                                "its chain (its events were rewritten after they were signed)")


def same_key(public_key: str, given: str) -> bool:
    """Whether ``given`` (a public key, or its fingerprint as people read it out,
    with or without the colons) names ``public_key``."""
    given = "".join(given.split()).lower()
    if not given:
        return False
    if given == public_key.lower():
        return True
    return given.replace(":", "") == devicekey.fingerprint(public_key).replace(":", "")


def why_untrusted(store: Store, bundle: Bundle, signer: str | None = None) -> str | None:
    """None when this laptop trusts the bundle's signer; else what to do about it."""
    from warroom.services import trust

    if signer and same_key(bundle.public_key, signer):
        return None
    if bundle.public_key == devicekey.own_public(store.device_id):
        return None
    if any(t.public_key == bundle.public_key for t in trust.trusted(store)):
        return None
    with store.read() as session:
        known = session.get(Device, bundle.signer)
        if known is not None and known.public_key == bundle.public_key:
            return None
    print_ = devicekey.fingerprint(bundle.public_key)
    if signer:
        return (f"it is signed by key {print_}, not by the key {signer.strip()} you were told: "
                "do not import it, and ask whoever gave it to you")
    return (f"it is signed by key {print_}, which this laptop does not know: ask whoever exported it for "
            f"the fingerprint `bundle export` showed them, and if it is {print_}, import with "
            f"--signer {print_} (or trust the key with `warroom-cli audit trust`)")


def import_(store: Store, path: Path, *, signer: str | None = None) -> Imported:
    """Verify a bundle and apply its events (all or none), then the chains' signed
    checkpoints, then settle references that met (see :mod:`warroom.sync.references`).

    ``signer``: the key or fingerprint the exporter gave the importer, for a signer
    this laptop does not know yet (see :func:`why_untrusted`)."""
    from sqlalchemy import update

    from warroom.identity import SYSTEM
    from warroom.sync import references

    bundle = read(path)
    why = why_untrusted(store, bundle, signer)
    if why is not None:
        raise _refuse(path, why)
    with store.read() as session:
        known = session.get(Device, bundle.signer)
        if known is not None and known.public_key and known.public_key != bundle.public_key:
            raise _refuse(path, f"it is signed by key {devicekey.fingerprint(bundle.public_key)}, but device "
                                f"{bundle.signer} signs with {devicekey.fingerprint(known.public_key)}")
        in_bundle = {(str(as_uuid(r["device_id"])), r["seq"]) for r in bundle.rows}
        for device, point in bundle.manifest["devices"].items():
            if (not isinstance(point, dict) or not point.get("signature")
                    or (device, point.get("signed_seq")) in in_bundle):
                continue
            signed = session.scalar(select(JournalEvent.hash).where(JournalEvent.device_id == as_uuid(device),
                                                                    JournalEvent.seq == point.get("signed_seq")))
            if signed is not None and not devicekey.checkpoint_valid(point["public_key"], point["signature"],
                                                                     as_uuid(device), point["signed_seq"], signed):
                raise _refuse(path, f"device {device}'s signed checkpoint at #{point['signed_seq']} does not "
                                    "match its chain as this database has it")
    devices = bundle.manifest["devices"]
    labels = {as_uuid(k): str(v.get("label") or "")[:200] or None for k, v in devices.items() if isinstance(v, dict)}
    rows = [dict(r, at=as_time(r["at"])) for r in bundle.rows]
    done = ingest_all(store, rows, labels={k: v for k, v in labels.items() if v})
    with store.write(SYSTEM, warn_ms=None) as tx:
        for device, point in devices.items():
            device_id = as_uuid(device)
            here = tx.session.get(Device, device_id)
            if (device_id == store.device_id or here is None or not isinstance(point, dict)
                    or not point.get("signature")
                    or not 0 < int(point.get("signed_seq") or 0) <= here.last_seq
                    or int(point["signed_seq"]) < (here.signed_seq or 0)):
                continue
            tx.session.execute(update(Device).where(Device.id == device_id).values(
                signed_seq=int(point["signed_seq"]), signature=point["signature"], public_key=point["public_key"]))
    renumbered = references.settle(store)
    return Imported(done, len(rows) - done, bundle.signer, devicekey.fingerprint(bundle.public_key),
                    tuple(renumbered))


__all__ = ["Bundle", "BundleRefused", "Exported", "Imported", "export", "heads", "import_",
           "parse_heads", "read", "read_heads_arg", "same_key", "why_untrusted"]
