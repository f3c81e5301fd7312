"""Hostile archives, made the way an attacker would with nothing but zipfile: a zip
bomb, a header that lies about a size, too many members, a forger's re-signed copy.
Each is written to a folder the caller gives (the tests' temporary folder)."""

from __future__ import annotations

import base64
import hashlib
import json
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

GIB = 1 << 30


def bomb(path: Path, *, size: int = GIB, name: str = "manifest.json", fill: bytes = b" ") -> Path:
    """A small zip holding ``size`` bytes of ``fill`` as ``name``, deflated (about 1000:1),
    with a signature beside it as a real archive has."""
    block = fill * (1 << 20)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        info.file_size = size
        with z.open(info, "w") as member:
            left = size
            while left:
                part = block[:min(left, len(block))]
                member.write(part)
                left -= len(part)
        if name != "manifest.sig":
            z.writestr("manifest.sig", b"AAAA\n")
    return path


def lie_about_size(src: Path, dst: Path, name: str, claimed: int) -> Path:
    """A copy of ``src`` whose local and central headers say ``name`` is ``claimed``
    bytes uncompressed (its data unchanged)."""
    data = bytearray(src.read_bytes())
    encoded = name.encode("utf-8")
    with zipfile.ZipFile(src) as z:
        info = z.getinfo(name)
    # Local header: signature, ... uncompressed size at offset 22.
    assert data[info.header_offset:info.header_offset + 4] == b"PK\x03\x04"
    struct.pack_into("<L", data, info.header_offset + 22, claimed)
    # Central directory entry: find it by its signature and name; uncompressed size at offset 24.
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        length = struct.unpack_from("<H", data, at + 28)[0]
        if bytes(data[at + 46:at + 46 + length]) == encoded:
            struct.pack_into("<L", data, at + 24, claimed)
            break
        at = data.find(b"PK\x01\x02", at + 4)
    else:
        raise AssertionError(f"{name} not in the central directory")
    dst.write_bytes(bytes(data))
    return dst


def many_members(path: Path, count: int, *, prefix: str = "updates/") -> Path:
    with zipfile.ZipFile(path, "w") as z:
        for i in range(count):
            z.writestr(f"{prefix}{i}", b"")
    return path


def with_names(path: Path, names: list[str]) -> Path:
    """A zip holding empty members with exactly these names (duplicates too)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")     # zipfile warns on a duplicate name, and writes it
        with zipfile.ZipFile(path, "w") as z:
            for name in names:
                z.writestr(zipfile.ZipInfo(name), b"{}")
    return path


def resign(src: Path, dst: Path, *, change: tuple[bytes, bytes] | None = None):
    """A forger's copy of a real archive: optionally a file changed, every hash and the
    Merkle root recomputed, signed with a new key of the forger's. Returns the key."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from warroom.journal import canonical_json
    from warroom.services import audit

    with zipfile.ZipFile(src) as z:
        files = {i.filename: z.read(i) for i in z.infolist()}
    manifest = json.loads(files.pop(audit.MANIFEST))
    files.pop(audit.SIGNATURE)
    if change is not None:
        files = {n: d.replace(*change) for n, d in files.items()}
    for entry in manifest["files"]:
        entry["sha256"] = hashlib.sha256(files[entry["path"]]).hexdigest()
        entry["size"] = len(files[entry["path"]])
    names = sorted(files)
    manifest["merkle_root"] = audit.merkle_root([files[n] for n in names]).hex()
    forger = Ed25519PrivateKey.generate()
    manifest["public_key"] = audit.public_key_text(forger)
    body = canonical_json(manifest).encode()
    dst.write_bytes(audit.build_zip([(n, files[n]) for n in names] + [
        (audit.MANIFEST, body), (audit.SIGNATURE, base64.b64encode(forger.sign(body)) + b"\n")]))
    return manifest["public_key"]


def verify_peak_rss(archive: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, int]:
    """Run ``warroom-cli audit verify ARCHIVE`` in a child of a fresh wrapper process;
    the wrapper reports the child's peak resident memory (getrusage RUSAGE_CHILDREN,
    so nothing else this process ran is counted). Returns (exit code, output, peak bytes)."""
    wrapper = ("import resource, subprocess, sys\n"
               "r = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
               "sys.stderr.write(r.stdout + r.stderr)\n"
               "print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n")
    run = subprocess.run([sys.executable, "-c", wrapper, sys.executable, "-m", "warroom.cli", "audit", "verify",
                          str(archive), *args], capture_output=True, text=True, env=env, timeout=600)
    code, kib = run.stdout.split()
    return int(code), run.stderr, int(kib) * 1024
