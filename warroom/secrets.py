"""Secrets: the OS keyring, or a passphrase-encrypted file when there is none.
Never plain text, never the database, never the log.

The file (``secrets.enc`` in the user data folder) is one JSON object encrypted
with AES-256-GCM under a key derived from the passphrase with scrypt. It is
unlocked once per process: by WARROOM_KEY_PASSPHRASE, by a prompt on a terminal,
or by the window asking (:func:`unlock`).

Several processes share the file (the window, ``warroom-cli dispatch``, a
``channel add`` on a terminal): every read-modify-write holds ``secrets.enc.lock``
and the new file is written whole and synced under a unique name before it
replaces the old, so neither a race nor a crash loses a secret."""

from __future__ import annotations

import base64
import getpass
import json
import os
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import keyring
from keyring.errors import KeyringError

from warroom import paths
from warroom.errors import InputError
from warroom.paths import data_dir, make_private_dir

# cryptography and filelock are imported where the encrypted secrets file is used:
# most machines keep secrets in the OS keyring, and start-up need not load them.

SERVICE = "warroom"


def keyring_available() -> bool:
    backend = keyring.get_keyring()
    return getattr(backend, "priority", 0) > 0 and "fail" not in type(backend).__module__


def where() -> str:
    """Where a secret put now is kept, for a message: the keyring, naming its
    backend, or the encrypted secrets file, naming its path."""
    if keyring_available():
        backend = keyring.get_keyring()
        return f"the keyring ({getattr(backend, 'name', None) or type(backend).__name__})"
    return f"the encrypted secrets file {vault_path()}"


class SecretsLocked(InputError):
    """No keyring, and the encrypted secrets file has not been unlocked in this process."""


def vault_path() -> Path:
    return data_dir() / "secrets.enc"


_AAD = b"warroom-secrets-v1"
_vault_key: bytes | None = None
_vault_salt: bytes | None = None


def _derive(passphrase: bytes, salt: bytes) -> bytes:
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    return Scrypt(salt=salt, length=32, n=2 ** 15, r=8, p=1).derive(passphrase)


def _read_vault() -> tuple[bytes, bytes, bytes] | None:
    path = vault_path()
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return (base64.b64decode(data["salt"]), base64.b64decode(data["nonce"]), base64.b64decode(data["ct"]))
    except (OSError, ValueError, KeyError, TypeError):
        raise InputError(f"{path} is not a War room secrets file (damaged?). Move it away and add the "
                         "channels' secrets again.") from None


def _open_vault(key: bytes) -> dict[str, str]:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    raw = _read_vault()
    if raw is None:
        return {}
    _salt, nonce, ct = raw
    try:
        return json.loads(AESGCM(key).decrypt(nonce, ct, _AAD))
    except InvalidTag:
        raise SecretsLocked("The passphrase does not open the secrets file.") from None


def unlock(passphrase: str) -> bool:
    """Unlock (or, the first time, create) the encrypted secrets file for this
    process. Returns False when the passphrase does not open the existing file."""
    global _vault_key, _vault_salt
    if len(passphrase) < 8:
        raise InputError("The passphrase must be at least 8 characters.")
    with _vault_locked():
        raw = _read_vault()
        salt = raw[0] if raw else os.urandom(16)
        key = _derive(passphrase.encode("utf-8"), salt)
        if raw is not None:
            try:
                _open_vault(key)
            except SecretsLocked:
                return False
        else:
            # Written now, so a second process unlocking at the same time derives its key
            # from this salt rather than making a file of its own that this one can't open.
            _write_vault({}, key, salt)
        _vault_key, _vault_salt = key, salt
    return True


def lock() -> None:
    global _vault_key, _vault_salt
    _vault_key = _vault_salt = None


def vault_needed() -> bool:
    """True when secrets can only go to the encrypted file and it is still locked."""
    return not keyring_available() and _vault_key is None


def _vault_key_or_unlock() -> bytes:
    if _vault_key is not None:
        return _vault_key
    value = os.environ.get("WARROOM_KEY_PASSPHRASE")
    if value is None and sys.stdin is not None and sys.stdin.isatty() and sys.stderr is not None:
        value = getpass.getpass(f"No keyring here; passphrase for the secrets file {vault_path()}: ")
    if value is None:
        raise SecretsLocked("This machine has no keyring (no Secret Service, Keychain or Credential Manager), "
                            f"so secrets are kept in an encrypted file ({vault_path()}). Unlock it: give its "
                            "passphrase in WARROOM_KEY_PASSPHRASE, on a terminal when asked, or in the window.")
    if not unlock(value):
        raise SecretsLocked("The passphrase does not open the secrets file.")
    assert _vault_key is not None
    return _vault_key


def _write_vault(items: dict[str, str], key: bytes, salt: bytes) -> None:
    """Replace the file with ``items``, atomically: a unique temporary file in the
    same folder (owner-only), synced, renamed over the old one, the folder synced."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = os.urandom(12)
    ct = AESGCM(key).encrypt(nonce, json.dumps(items, sort_keys=True).encode("utf-8"), _AAD)
    text = json.dumps({"v": 1, "kdf": "scrypt", "n": 2 ** 15, "r": 8, "p": 1,
                       "salt": base64.b64encode(salt).decode(),
                       "nonce": base64.b64encode(nonce).decode(), "ct": base64.b64encode(ct).decode()})

    path = vault_path()
    make_private_dir(path.parent)
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")   # mode 0600
        with os.fdopen(fd, "wb") as fh:
            fh.write(text.encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        if tmp:
            Path(tmp).unlink(missing_ok=True)
        raise InputError(f"Cannot write the secrets file {path}: {exc.strerror or exc}. The secrets it held "
                         "are unchanged.") from None
    except BaseException:
        if tmp:
            Path(tmp).unlink(missing_ok=True)
        raise
    _sync_folder(path.parent)


def _sync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (POSIX; Windows has no folder handles to sync)."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _salt_on_disk() -> bytes:
    """The salt of the file just opened with this process's key (under the lock), so a
    rewrite keeps it whatever this process's own state says."""
    raw = _read_vault()
    salt = raw[0] if raw else _vault_salt
    if not salt:
        raise SecretsLocked("The secrets file is locked in this process; unlock it again.")
    return salt


_vault_lock = threading.RLock()      # threads of this process; the file lock is for other processes
LOCK_TIMEOUT_S = 30.0


@contextmanager
def _vault_locked() -> Iterator[None]:
    """Hold the secrets file for this thread and process. Waits at most
    LOCK_TIMEOUT_S in all (threads of this process queue first, then the file lock),
    then says so; a lock file that cannot be opened is said too, naming it. Both are
    :class:`SecretsLocked`, which the dispatcher waits out rather than failing over."""
    from filelock import FileLock, Timeout

    path = vault_path()
    lock_path = path.with_name(path.name + ".lock")
    deadline = time.monotonic() + LOCK_TIMEOUT_S
    busy = SecretsLocked(f"Another War room process has held the secrets file for over {LOCK_TIMEOUT_S:g} s "
                         f"({lock_path}); try again.")
    if not _vault_lock.acquire(timeout=LOCK_TIMEOUT_S):
        raise busy
    try:
        try:
            make_private_dir(path.parent)
            lock = FileLock(lock_path, timeout=max(deadline - time.monotonic(), 0.0), mode=0o600)
            lock.acquire()
        except Timeout:
            raise busy from None
        except OSError as exc:
            raise SecretsLocked(f"Cannot lock the secrets file: {lock_path}: {exc.strerror or exc}. "
                                "Check that it belongs to you (not to another user, e.g. after sudo).") from None
        try:
            yield
        finally:
            lock.release()
    finally:
        _vault_lock.release()


def get(name: str) -> str | None:
    if not keyring_available():
        key = _vault_key_or_unlock()
        with _vault_locked():
            return _open_vault(key).get(name)
    try:
        return keyring.get_password(SERVICE, name)
    except KeyringError as exc:   # locked (at login), or its daemon not up yet: worth waiting for
        raise SecretsLocked(f"The keyring refused to give the secret {name!r}: {exc}") from None


def put(name: str, value: str) -> None:
    if not keyring_available():
        key = _vault_key_or_unlock()
        with _vault_locked():
            items = _open_vault(key)
            items[name] = value
            _write_vault(items, key, _salt_on_disk())
        return
    try:
        keyring.set_password(SERVICE, name, value)
    except KeyringError as exc:
        raise InputError(f"The keyring refused to keep the secret {name!r}: {exc}") from None


def delete(name: str) -> None:
    """Forget a secret (a channel removed). A secret already gone is fine."""
    if not keyring_available():
        key = _vault_key_or_unlock()
        with _vault_locked():
            items = _open_vault(key)
            if items.pop(name, None) is not None:
                _write_vault(items, key, _salt_on_disk())
        return
    try:
        keyring.delete_password(SERVICE, name)
    except KeyringError:
        pass


def passphrase(prompt: str = "Passphrase for the key file: ") -> bytes:
    value = os.environ.get("WARROOM_KEY_PASSPHRASE")
    if value is None:
        value = getpass.getpass(prompt)
    if len(value) < 8:
        raise InputError("The passphrase must be at least 8 characters.")
    return value.encode("utf-8")


def write_private_file(path: Path, data: bytes) -> None:
    """Write an (already encrypted) key file readable by its owner only, in a folder
    made owner-only; replaced whole or not at all."""
    paths.write_private_file(path, data)
