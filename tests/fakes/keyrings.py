"""Keyring backends for tests and benchmarks: secrets in memory, never on disk."""

from __future__ import annotations


class MemoryKeyring:
    """A keyring backend for tests: secrets live in memory, never on disk."""

    priority = 1

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.items.get((service, username))

    def set_password(self, service, username, password):
        self.items[(service, username)] = password

    def delete_password(self, service, username):
        self.items.pop((service, username), None)


def memory_keyring():
    """A fresh in-memory backend that keyring accepts (a KeyringBackend subclass)."""
    from keyring.backend import KeyringBackend

    return type("TestMemoryKeyring", (MemoryKeyring, KeyringBackend), {"priority": 1})()
