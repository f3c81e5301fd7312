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
import os
import re
import struct
import uuid
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import select

from warroom import __version__, devicekey, inputs, secrets
from warroom.clock import isoformat
from warroom.errors import InputError
from warroom.journal import canonical_json
from warroom.services import access, drafts, incidents, review, timeline
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
    return _root([leaf_hash(data) for data in leaves])


def _root(hashes: list[bytes]) -> bytes:
    """The same tree over the leaves' hashes (so the data need not be held)."""
    if not hashes:
        return hashlib.sha256(b"").digest()
    if len(hashes) == 1:
        return hashes[0]
    k = 1
    while k * 2 < len(hashes):
        k *= 2
    return hashlib.sha256(b"\x01" + _root(hashes[:k]) + _root(hashes[k:])).digest()


# -- the signing key ------------------------------------------------------------------------

def signing_key(store: Store, key_file: Path | None = None) -> Ed25519PrivateKey:
    """This database's archive key (the device key, which signs its journal too), made on first use."""
    if key_file is not None:
        if key_file.exists():
            try:
                key = serialization.load_pem_private_key(inputs.read_bytes(key_file, 64 * inputs.KIB),
                                                         password=secrets.passphrase())
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
    return devicekey.own_public(store.device_id)


def public_key_text(key: Ed25519PrivateKey) -> str:
    return devicekey.public_text(key)


# -- the container ----------------------------------------------------------------------------

def _member_info(name: str, size: int) -> zipfile.ZipInfo:
    """A member as War room writes it: stored, fixed time and attributes."""
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    info.create_system = 3
    info.external_attr = 0o644 << 16
    info.file_size = size
    return info


def build_zip(items: list[tuple[str, bytes]]) -> bytes:
    """A canonical zip: stored (not compressed), fixed times and attributes, in the
    given order. The same contents always give the same bytes, so verification can
    rebuild the file and notice a change to any byte, headers included."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as z:
        for name, data in items:
            z.writestr(_member_info(name, len(data)), data)
    return buffer.getvalue()


# -- export -----------------------------------------------------------------------------------

def _json(value: Any) -> bytes:
    return (json.dumps(to_jsonable(value), indent=2, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")


def _files(store: Store, incident_key: str | uuid.UUID, actor: str) -> tuple[incidents.IncidentView, dict[str, bytes]]:
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
    _check_exportable(files, body)
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


def _check_exportable(files: dict[str, bytes], manifest: bytes) -> None:
    """An archive is written only if it can be verified: within the limits verify keeps."""
    total = sum(len(data) for data in files.values()) + len(manifest)
    largest = max(files, key=lambda n: len(files[n]))
    if len(files) + 2 > MAX_MEMBERS or total > MAX_TOTAL_BYTES or len(manifest) > MAX_MANIFEST_BYTES \
            or len(files[largest]) > MAX_MEMBER_BYTES:
        raise InputError(f"This incident is too large for one archive ({len(files) + 2:,} files, {_size(total)}; "
                         f"the limits are {MAX_MEMBERS:,} files, {_size(MAX_MEMBER_BYTES)} per file and "
                         f"{_size(MAX_TOTAL_BYTES)} in all), so it could not be verified.")


# -- verify -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Signers:
    """Whose signature makes an archive trusted: this database's own key, the signers
    it trusts (public key → name, see :mod:`warroom.services.trust`), or a key given
    for one check — which, when given, is the only one accepted."""

    own: str | None = None
    trusted: Mapping[str, str] = field(default_factory=dict)
    given: str | None = None
    #: False when there is no database to say whom to trust: only a key given is.
    database: bool = False

    def judge(self, key: str) -> tuple[str | None, str | None]:
        """(how the key is trusted, None) or (None, why it is not)."""
        fp = devicekey.fingerprint(key)
        if self.given is not None:
            if key == self.given:
                return "the key given", None
            return None, (f"it was signed by the key {fp}, not by the key given "
                          f"({devicekey.fingerprint(self.given)})")
        if self.own is not None and key == self.own:
            return "this database's own key", None
        if key in self.trusted:
            return f'the trusted signer "{self.trusted[key]}"', None
        if not self.database:
            return None, (f"it was signed by the key {fp}, and without a database only a key given for the check "
                          "is trusted")
        return None, (f"it was signed by the key {fp}, which is neither this database's own key nor a signer it "
                      "trusts")


@dataclass(frozen=True)
class ArchiveReport:
    #: What is wrong with the archive itself (changed, added, removed, damaged, refused).
    problems: list[str]
    files: int
    incident: str | None
    public_key: str | None
    #: How the signer is trusted ("this database's own key", 'the trusted signer "Legal"',
    #: "the key given"); None when it is not, or when the archive does not hold together.
    trusted_as: str | None = None
    #: Why an intact archive's signer is not trusted.
    untrusted: str | None = None

    @property
    def intact(self) -> bool:
        """Consistent in itself: every file, the Merkle root and the signature hold."""
        return not self.problems

    @property
    def trusted(self) -> bool:
        return self.trusted_as is not None

    @property
    def ok(self) -> bool:
        """Intact, and signed by a signer this database trusts."""
        return self.intact and self.trusted

    @property
    def fingerprint(self) -> str | None:
        return devicekey.fingerprint(self.public_key) if self.public_key else None


def read_public_key(text: str) -> str:
    """A public key given as base64 text or as a file holding it, in its canonical base64."""
    candidate = Path(text)
    try:
        if candidate.is_file():
            if candidate.stat().st_size > 4096:
                raise InputError(f"{text} is not a public key file (a key is 44 characters).", field="key")
            text = candidate.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        raise InputError(f"Cannot read the key file {text}.", field="key") from None
    text = text.strip()
    try:
        raw = base64.b64decode(text, validate=True)
        if len(raw) != 32:
            raise ValueError
    except ValueError:
        raise InputError("The public key is 32 bytes in base64 (as the archive key is printed).", field="key") from None
    return base64.b64encode(raw).decode("ascii")


# What an archive may hold. Checked from the zip's central directory before anything
# is read, and counted again while reading: a header may lie about a size.

#: The archive file on disk.
MAX_ARCHIVE_BYTES = 1 << 30
#: Every member together, uncompressed.
MAX_TOTAL_BYTES = 1 << 30
#: One member, uncompressed.
MAX_MEMBER_BYTES = 256 << 20
#: The manifest: parsed as JSON, so it has its own, smaller limit.
MAX_MANIFEST_BYTES = 8 << 20
MAX_SIGNATURE_BYTES = 1024
#: Files in one archive (an incident with thousands of updates stays far below).
MAX_MEMBERS = 10_000
#: Uncompressed to compressed, for a compressed member (War room stores its members,
#: so a compressed one was made by someone else).
MAX_RATIO = 100
_CHUNK = 1 << 16
#: Bytes of the central directory per member: 46 and the name (War room's longest is 49).
_DIRECTORY_ENTRY_BYTES = 128

_EOCD = struct.Struct("<4s4H2LH")
_EOCD_SIGNATURE = b"PK\x05\x06"
_ZIP64_LOCATOR = b"PK\x06\x07"
_NAMES = re.compile(r"incident\.json|timeline\.json|journal\.jsonl|"
                    r"updates/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.json")
_HOLDS = ("incident.json, timeline.json, journal.jsonl, updates/<id>.json, manifest.json and manifest.sig")


def _size(n: int) -> str:
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:,.1f} {unit}".replace(".0 ", " ")
    return f"{n:,} bytes"


def _shown(name: str) -> str:
    """A name from the archive as plain text: escapes visible, long ones cut."""
    return repr(name if len(name) <= 80 else name[:80] + "…")


class _Refused(Exception):
    """The archive breaks a limit or holds a name it cannot: nothing more is read."""


def _limit(name: str) -> int:
    return {MANIFEST: MAX_MANIFEST_BYTES, SIGNATURE: MAX_SIGNATURE_BYTES}.get(name, MAX_MEMBER_BYTES)


def _check_end_record(fh: BinaryIO, size: int) -> None:
    """The end of central directory record, read before zipfile parses the directory:
    how many members, how large the directory; no ZIP64, no multi-disk archives."""
    tail_length = min(size, _EOCD.size + 0xFFFF)
    fh.seek(size - tail_length)
    tail = fh.read(tail_length)
    at = tail.rfind(_EOCD_SIGNATURE)
    while at >= 0 and not (at + _EOCD.size <= len(tail)
                           and at + _EOCD.size + _EOCD.unpack_from(tail, at)[-1] == len(tail)):
        at = tail.rfind(_EOCD_SIGNATURE, 0, at)
    if at < 0:
        raise _Refused("the file is not a zip archive (it has no end of central directory record; "
                       "is it truncated?)")
    _, disk, directory_disk, here, total, directory_size, directory_offset, _ = _EOCD.unpack_from(tail, at)
    start = size - tail_length + at
    if (tail[max(0, at - 20):at].startswith(_ZIP64_LOCATOR)
            or 0xFFFF in (here, total) or 0xFFFFFFFF in (directory_size, directory_offset)):
        raise _Refused("the archive uses ZIP64 records, which an archive within the limits never needs "
                       f"(at most {MAX_MEMBERS:,} files and {_size(MAX_TOTAL_BYTES)} in all)")
    if disk or directory_disk or here != total:
        raise _Refused("the archive spans several disks; War room archives are one file")
    if total > MAX_MEMBERS:
        raise _Refused(f"the archive holds {total:,} files; the limit is {MAX_MEMBERS:,}")
    if directory_size > MAX_MEMBERS * _DIRECTORY_ENTRY_BYTES:
        raise _Refused(f"the archive's central directory is {_size(directory_size)}; the limit is "
                       f"{_size(MAX_MEMBERS * _DIRECTORY_ENTRY_BYTES)}")
    if directory_offset + directory_size > start:
        raise _Refused("the archive's central directory lies outside the file (it is truncated or damaged)")


def _check_members(members: list[zipfile.ZipInfo]) -> None:
    """Names and sizes from the central directory, before any member is read."""
    if len(members) > MAX_MEMBERS:
        raise _Refused(f"the archive holds {len(members):,} files; the limit is {MAX_MEMBERS:,}")
    seen: set[str] = set()
    total = 0
    for info in members:
        name = info.filename
        why = _unsafe_name(name)
        if why:
            raise _Refused(f"the archive holds a file named {_shown(name)}: {why}. An archive holds only {_HOLDS}")
        if name in seen:
            raise _Refused(f"the archive holds {_shown(name)} twice")
        seen.add(name)
        if info.flag_bits & 0x1:
            raise _Refused(f"{_shown(name)} is encrypted; War room archives never are")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _Refused(f"{_shown(name)} is compressed with method {info.compress_type}; War room archives "
                           "store their files (method 0)")
        limit = _limit(name)
        if info.file_size > limit:
            raise _Refused(f"{_shown(name)} is {_size(info.file_size)} uncompressed; the limit for "
                           f"{'a manifest' if name == MANIFEST else 'a signature' if name == SIGNATURE else 'a file'}"
                           f" is {_size(limit)}")
        if (info.compress_type != zipfile.ZIP_STORED and info.file_size > _CHUNK
                and info.file_size > MAX_RATIO * max(info.compress_size, 1)):
            raise _Refused(f"{_shown(name)} expands {info.file_size // max(info.compress_size, 1):,} times when "
                           f"decompressed; the limit is {MAX_RATIO}:1 (a zip bomb?)")
        total += info.file_size
        if total > MAX_TOTAL_BYTES:
            raise _Refused(f"the archive's files are more than {_size(MAX_TOTAL_BYTES)} uncompressed; that is "
                           "the limit")


def _unsafe_name(name: str) -> str | None:
    if not name:
        return "an empty name"
    if "\\" in name:
        return "a backslash"
    if name.startswith("/"):
        return "an absolute path"
    if re.match(r"[A-Za-z]:", name):
        return "a drive letter"
    if any(part in ("", ".", "..") for part in name.split("/")):
        return "a '..', '.' or empty path part"
    if any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in name):
        return "a control character"
    return None


class _SameBytes(io.RawIOBase):
    """A file that compares what is written with an existing file's bytes at the same
    offsets: the archive is rebuilt in War room's canonical form and compared without
    holding either in memory. zipfile writes each local header twice (again once the
    sizes are known); the second write replaces the first comparison."""

    def __init__(self, fh: BinaryIO, size: int) -> None:
        super().__init__()
        self._fh, self._size = fh, size
        self._pos = self._end = 0
        self._differs: dict[int, int] = {}

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, pos: int, whence: int = 0) -> int:
        self._pos = pos if whence == 0 else self._pos + pos if whence == 1 else self._end + pos
        return self._pos

    def write(self, data) -> int:
        data = bytes(data)
        self._fh.seek(self._pos)
        if self._fh.read(len(data)) == data:
            self._differs.pop(self._pos, None)
        else:
            self._differs[self._pos] = len(data)
        self._pos += len(data)
        self._end = max(self._end, self._pos)
        return len(data)

    def same(self) -> bool:
        return not self._differs and self._end == self._size


#: What reading a zip can raise on a damaged, truncated or hostile file.
_UNREADABLE = (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, struct.error,
               NotImplementedError, RuntimeError, zlib.error, OverflowError)


@dataclass
class _Read:
    """What one pass over the members leaves: digests, not contents."""

    order: list[str] = field(default_factory=list)
    sha256: dict[str, str] = field(default_factory=dict)
    leaves: dict[str, bytes] = field(default_factory=dict)
    kept: dict[str, bytes] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    canonical: bool = False


def _read_members(archive: zipfile.ZipFile, fh: BinaryIO, size: int) -> _Read:
    """Hash every member by streaming it (the manifest and the signature are kept), and
    rebuild the archive in War room's form beside it, compared byte for byte."""
    result = _Read()
    sink = _SameBytes(fh, size)
    rebuild: zipfile.ZipFile | None = zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_STORED)
    for info in archive.infolist():
        name = info.filename
        result.order.append(name)
        if name not in (MANIFEST, SIGNATURE) and not _NAMES.fullmatch(name):
            result.problems.append(f"{_shown(name)}: a file the manifest does not list, and not one an archive "
                                   f"holds (added)")
            rebuild = None
            continue
        limit = _limit(name)
        digest, leaf = hashlib.sha256(), hashlib.sha256(b"\x00")
        kept = bytearray() if name in (MANIFEST, SIGNATURE) else None
        writer = rebuild.open(_member_info(name, info.file_size), "w") if rebuild is not None else None
        count = 0
        try:
            with archive.open(info) as member:
                while chunk := member.read(_CHUNK):
                    count += len(chunk)
                    if count > limit:
                        raise _Refused(f"{_shown(name)} is more than {_size(limit)} when decompressed (its header "
                                       f"said {_size(info.file_size)}); the limit is {_size(limit)}")
                    digest.update(chunk)
                    leaf.update(chunk)
                    if kept is not None:
                        kept += chunk
                    if writer is not None:
                        writer.write(chunk)
            if count != info.file_size:
                raise zipfile.BadZipFile(f"{count:,} bytes, though its header says {info.file_size:,}")
        except _UNREADABLE as exc:
            result.problems.append(f"{name}: damaged, or its headers do not match its data ({exc})")
            rebuild = None
            continue
        finally:
            if writer is not None:
                writer.close()
        result.sha256[name] = digest.hexdigest()
        result.leaves[name] = leaf.digest()
        if kept is not None:
            result.kept[name] = bytes(kept)
    if rebuild is not None:
        rebuild.close()
        result.canonical = sink.same()
    return result


def verify(path: Path, *, public_key: str | None = None, signers: Signers | None = None) -> ArchiveReport:
    """Check an archive with bounded memory: limits and names from its central
    directory first, then every member streamed and hashed. ``signers`` say whose
    signature is trusted; ``public_key`` is a key given for this check alone."""
    signers = signers or Signers()
    if public_key is not None:
        signers = Signers(signers.own, signers.trusted, public_key, signers.database)
    try:
        with path.open("rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            if size > MAX_ARCHIVE_BYTES:
                raise _Refused(f"the file is {_size(size)}; the limit for an archive is {_size(MAX_ARCHIVE_BYTES)}")
            _check_end_record(fh, size)
            with zipfile.ZipFile(fh) as archive:
                _check_members(archive.infolist())
                read = _read_members(archive, fh, size)
    except _Refused as exc:
        return ArchiveReport([f"refused: {exc}"], 0, None, None)
    except IsADirectoryError:
        return ArchiveReport([f"{path} is a folder, not an archive"], 0, None, None)
    except _UNREADABLE as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return ArchiveReport([f"the archive cannot be read as a zip file ({reason})"], 0, None, None)
    return _judge(read, signers)


def _judge(read: _Read, signers: Signers) -> ArchiveReport:
    problems = read.problems
    if MANIFEST not in read.kept or SIGNATURE not in read.kept:
        if MANIFEST not in read.order or SIGNATURE not in read.order:
            problems.append("the manifest or its signature is missing")
        return ArchiveReport(problems, 0, None, None)
    try:
        manifest = json.loads(read.kept[MANIFEST])
        entries = manifest["files"]
        listed = {f["path"]: f for f in entries}
        if len(listed) != len(entries) or not all(isinstance(n, str) for n in listed):
            raise ValueError("a path listed twice, or not text")
    except (ValueError, KeyError, TypeError, RecursionError):
        return ArchiveReport(problems + ["the manifest is not valid"], 0, None, None)
    key_text = manifest.get("public_key")
    try:
        if not isinstance(key_text, str):
            raise ValueError("no public key")
        raw_key = base64.b64decode(key_text, validate=True)
        key = Ed25519PublicKey.from_public_bytes(raw_key)
        key.verify(base64.b64decode(read.kept[SIGNATURE].strip(), validate=True), read.kept[MANIFEST])
        key_text = base64.b64encode(raw_key).decode("ascii")   # as the trusted list keeps it
    except (InvalidSignature, ValueError, TypeError):
        problems.append("the manifest's signature does not match (the manifest was changed, or signed by "
                        "another key)")
    for name in sorted(set(read.sha256) - set(listed) - {MANIFEST, SIGNATURE}):
        problems.append(f"{name}: a file the manifest does not list (added)")
    for name, entry in sorted(listed.items()):
        if name not in read.order:
            problems.append(f"{_shown(name)}: listed in the manifest but missing (removed)")
        elif name in read.sha256 and read.sha256[name] != (entry.get("sha256") if isinstance(entry, dict) else None):
            problems.append(f"{name}: its SHA-256 does not match the manifest (changed)")
    present = [read.leaves[n] for n in sorted(listed) if n in read.leaves]
    if len(present) == len(listed) and _root(present).hex() != manifest.get("merkle_root"):
        problems.append("the Merkle root does not match the files")
    if not problems and not read.canonical:
        problems.append("bytes outside the files were changed (the zip's headers differ from the form War room "
                        "writes)")
    incident = manifest.get("incident") if isinstance(manifest.get("incident"), str) else None
    key_text = key_text if isinstance(key_text, str) else None
    if problems:
        return ArchiveReport(problems, len(listed), incident, key_text)
    trusted_as, untrusted = signers.judge(key_text)  # type: ignore[arg-type]  (a valid signature: a key)
    return ArchiveReport(problems, len(listed), incident, key_text, trusted_as, untrusted)
