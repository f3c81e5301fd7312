"""This device's Ed25519 key: it signs the journal's chain head and the archives.

The private key is made once per database device and kept in the OS keyring, or
in the passphrase-encrypted secrets file where there is no keyring (see
:mod:`warroom.secrets`); it never reaches the database. Only the public half is
written beside what it signs.

Writes never wait for a person: :func:`for_writes` gives the key only when it can
be read without a prompt, and None otherwise (the journal is then signed at the
next write that has the key, and the check says which events waited).
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import uuid
from typing import TYPE_CHECKING

from warroom import secrets
from warroom.errors import InputError

if TYPE_CHECKING:  # cryptography takes a twentieth of a second to import; read-only commands never need it
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

log = logging.getLogger(__name__)

#: What a journal checkpoint signs, before the device, sequence number and hash.
CHECKPOINT_DOMAIN = b"warroom-journal-checkpoint-v1"


def secret_name(device_id: uuid.UUID) -> str:
    # The name predates the journal's use of the key: archives were its first use.
    return f"archive-signing-key:{device_id}"


def _from_text(text: str) -> Ed25519PrivateKey:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return Ed25519PrivateKey.from_private_bytes(base64.b64decode(text))


def load_or_make(device_id: uuid.UUID) -> Ed25519PrivateKey:
    """The device's key, made and kept on first use; may ask for the secrets file's passphrase."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    stored = secrets.get(secret_name(device_id))
    if stored:
        return _from_text(stored)
    key = Ed25519PrivateKey.generate()
    raw = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                            serialization.NoEncryption())
    secrets.put(secret_name(device_id), base64.b64encode(raw).decode("ascii"))
    return key


def existing(device_id: uuid.UUID) -> Ed25519PrivateKey | None:
    """The device's key if it has one and it can be read without asking anybody."""
    if secrets.vault_needed():
        return None             # a locked secrets file: not worth a prompt
    try:
        stored = secrets.get(secret_name(device_id))
    except InputError:          # a locked keyring
        return None
    return _from_text(stored) if stored else None


def own_public(device_id: uuid.UUID) -> str | None:
    """The device's public key without asking anybody: from the keyring, or from the
    secrets file when its passphrase is in WARROOM_KEY_PASSPHRASE (as for writes);
    None when neither gives it. Never makes a key."""
    passphrase = os.environ.get("WARROOM_KEY_PASSPHRASE")
    if secrets.vault_needed() and passphrase is not None and secrets.vault_path().is_file():
        try:
            secrets.unlock(passphrase)   # a wrong passphrase leaves it locked: the key is then unknown
        except InputError:
            return None
    key = existing(device_id)
    return public_text(key) if key is not None else None


def for_writes(device_id: uuid.UUID) -> Ed25519PrivateKey | None:
    """The key to sign the journal with, made on first use, or None when that would
    need a person (a locked keyring, or a secrets file without its passphrase in
    WARROOM_KEY_PASSPHRASE). Never raises."""
    if secrets.vault_needed() and os.environ.get("WARROOM_KEY_PASSPHRASE") is None:
        return None
    try:
        return load_or_make(device_id)
    except Exception as exc:  # a keyring can fail in many ways; a write must not
        log.warning("the journal is not signed for now: the device key cannot be read (%s)", exc)
        return None


def public_text(key: Ed25519PrivateKey) -> str:
    from cryptography.hazmat.primitives import serialization

    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def fingerprint(public_key: str) -> str:
    """A short, readable name for a public key: the first 16 hex digits of its SHA-256,
    in groups of four (``3f2a:91c0:…``)."""
    try:
        raw = base64.b64decode(public_key, validate=True)
    except ValueError:
        raw = public_key.encode("utf-8", "replace")
    digest = hashlib.sha256(raw).hexdigest()[:16]
    return ":".join(digest[i:i + 4] for i in range(0, 16, 4))


def checkpoint_message(device_id: uuid.UUID, seq: int, head_hash: str) -> bytes:
    return b"\n".join([CHECKPOINT_DOMAIN, str(device_id).encode("ascii"), str(seq).encode("ascii"),
                       head_hash.encode("ascii")])


#: Checkpoints known to be valid: those this process signed or checked. Every write
#: checks the signature it is about to replace, the one the write before it made: a
#: checkpoint is the same five values or not (the hash read from the chain as it is
#: now), so the answer for the same values is the one given before, without a tenth
#: of a millisecond of verifying. Bounded: emptied when it holds KNOWN_MAX.
_known_valid: set[tuple[str, str, uuid.UUID, int, str]] = set()
KNOWN_MAX = 256


def _know(checkpoint: tuple[str, str, uuid.UUID, int, str]) -> None:
    if len(_known_valid) >= KNOWN_MAX:
        _known_valid.clear()
    _known_valid.add(checkpoint)


def sign_checkpoint(key: Ed25519PrivateKey, device_id: uuid.UUID, seq: int, head_hash: str) -> str:
    signature = base64.b64encode(key.sign(checkpoint_message(device_id, seq, head_hash))).decode("ascii")
    _know((public_text(key), signature, device_id, seq, head_hash))
    return signature


def checkpoint_valid(public_key: str, signature: str, device_id: uuid.UUID, seq: int, head_hash: str) -> bool:
    """Whether ``signature`` by ``public_key`` signs the chain of ``device_id`` up to
    ``seq`` ending in ``head_hash``."""
    checkpoint = (public_key, signature, device_id, seq, head_hash)
    try:
        if checkpoint in _known_valid:
            return True
    except TypeError:       # not values a checkpoint is made of: checked (and refused) below
        pass
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        verifier = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key, validate=True))
        verifier.verify(base64.b64decode(signature, validate=True), checkpoint_message(device_id, seq, head_hash))
    except (InvalidSignature, ValueError, TypeError):
        return False
    _know(checkpoint)
    return True
