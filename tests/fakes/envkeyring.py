"""A keyring backend for child processes in tests: the secrets come from the
environment variable WARROOM_TEST_KEYRING (JSON), so they never touch the disk.
Select it with PYTHON_KEYRING_BACKEND=tests.fakes.envkeyring.EnvKeyring."""

from __future__ import annotations

import json
import os

from keyring.backend import KeyringBackend


class EnvKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[str, str] = json.loads(os.environ.get("WARROOM_TEST_KEYRING", "{}"))

    def get_password(self, service, username):
        return self.items.get(username)

    def set_password(self, service, username, password):
        self.items[username] = password

    def delete_password(self, service, username):
        self.items.pop(username, None)
