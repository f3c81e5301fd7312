"""Secrets: the OS keyring, or a passphrase-encrypted file when there is none.
Never plain text, never the database, never the log."""

from __future__ import annotations

import os
from pathlib import Path

import keyring
from keyring.errors import KeyringError

from warroom.errors import InputError

SERVICE = "warroom"


def keyring_available() -> bool:
    backend = keyring.get_keyring()
    return getattr(backend, "priority", 0) > 0 and "fail" not in type(backend).__module__


NO_KEYRING = ("This machine has no keyring (no Secret Service, Keychain or Credential Manager). Keep the key in "
              "an encrypted file instead: add --key-file PATH and give a passphrase (asked for, or "
              "WARROOM_KEY_PASSPHRASE).")


def get(name: str) -> str | None:
    if not keyring_available():
        raise InputError(NO_KEYRING)
    try:
        return keyring.get_password(SERVICE, name)
    except KeyringError as exc:
        raise InputError(f"The keyring refused to give the secret {name!r}: {exc}") from None


def put(name: str, value: str) -> None:
    if not keyring_available():
        raise InputError(NO_KEYRING)
    try:
        keyring.set_password(SERVICE, name, value)
    except KeyringError as exc:
        raise InputError(f"The keyring refused to keep the secret {name!r}: {exc}") from None


def passphrase(prompt: str = "Passphrase for the key file: ") -> bytes:
    value = os.environ.get("WARROOM_KEY_PASSPHRASE")
    if value is None:
        import getpass

        value = getpass.getpass(prompt)
    if len(value) < 8:
        raise InputError("The passphrase must be at least 8 characters.")
    return value.encode("utf-8")


def write_private_file(path: Path, data: bytes) -> None:
    """Write an (already encrypted) key file readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
