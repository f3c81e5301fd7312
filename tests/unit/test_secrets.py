"""The encrypted secrets file, used where the machine has no keyring: shared by
several processes, written so that neither a race nor a crash loses a secret."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from contextlib import contextmanager

import keyring
import pytest
from keyring.backends import fail

from warroom import secrets
from warroom.errors import InputError

PASSPHRASE = "correct horse battery"

WRITER = textwrap.dedent("""
    import sys
    from warroom import secrets
    who, n = sys.argv[1], int(sys.argv[2])
    for i in range(n):
        secrets.put(f"{who}-{i}", f"value of {who} {i}")
        if i % 3 == 2:
            secrets.delete(f"{who}-{i - 1}")
""")


@pytest.fixture
def no_keyring(monkeypatch):
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    secrets.lock()
    monkeypatch.setenv("WARROOM_KEY_PASSPHRASE", PASSPHRASE)
    yield
    secrets.lock()
    keyring.set_keyring(previous)


@contextmanager
def _held_by_another_process():
    """The secrets file's lock, held by another process until the block ends."""
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sys
        from filelock import FileLock
        with FileLock({str(secrets.vault_path()) + '.lock'!r}):
            print("held", flush=True)
            sys.stdin.read()
    """)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        yield
    finally:
        holder.communicate("", timeout=10)


def test_processes_writing_at_once_lose_no_secret(no_keyring, tmp_path):
    # Four processes start together on a machine with no secrets file yet: they must
    # agree on one file (one salt) and every write must survive the others'.
    env = dict(os.environ, PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
               PYTHONPATH=os.pathsep.join(p for p in (os.getcwd(), os.environ.get("PYTHONPATH")) if p))
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, f"p{k}", "12"], env=env, stderr=subprocess.PIPE,
                              text=True) for k in range(4)]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0] * 4, errors
    for k in range(4):
        for i in range(12):
            deleted = i % 3 == 1
            assert secrets.get(f"p{k}-{i}") == (None if deleted else f"value of p{k} {i}"), (k, i)
    folder = secrets.vault_path().parent
    assert [f.name for f in folder.iterdir() if f.name.endswith(".part")] == []
    assert secrets.vault_path().stat().st_mode & 0o777 == 0o600
    assert PASSPHRASE.encode() not in secrets.vault_path().read_bytes()


def test_a_failed_write_leaves_the_previous_file_whole(no_keyring, monkeypatch):
    secrets.put("slack", "https://hooks.example/one")

    def disk_full(src, dst):
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as m, pytest.raises(InputError, match="Cannot write the secrets file .*space"):
        m.setattr(secrets.os, "replace", disk_full)
        secrets.put("teams", "https://teams.example/two")
    secrets.lock()            # as a new process would: read from the disk
    assert secrets.get("slack") == "https://hooks.example/one" and secrets.get("teams") is None
    folder = secrets.vault_path().parent
    assert [f.name for f in folder.iterdir() if f.name.endswith(".part")] == []


def test_a_file_held_by_another_process_is_waited_for_then_refused_clearly(no_keyring, monkeypatch):
    secrets.put("slack", "https://hooks.example/one")
    monkeypatch.setattr(secrets, "LOCK_TIMEOUT_S", 0.2)
    with _held_by_another_process(), pytest.raises(secrets.SecretsLocked, match="Another War room process"):
        secrets.put("teams", "https://teams.example/two")
    secrets.put("teams", "https://teams.example/two")       # released: it goes through
    assert secrets.get("teams") == "https://teams.example/two" and secrets.get("slack") == "https://hooks.example/one"


def test_threads_waiting_for_a_held_file_each_wait_the_timeout_once_not_in_turn(no_keyring, monkeypatch):
    import threading
    import time

    secrets.put("slack", "https://hooks.example/one")
    monkeypatch.setattr(secrets, "LOCK_TIMEOUT_S", 0.5)
    waits: list[float] = []

    def reader():
        started = time.monotonic()
        try:
            secrets.get("slack")
        except secrets.SecretsLocked:
            waits.append(time.monotonic() - started)

    with _held_by_another_process():
        threads = [threading.Thread(target=reader) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert len(waits) == 4 and max(waits) < 1.2, sorted(round(w, 2) for w in waits)


def test_a_lock_file_that_cannot_be_opened_is_said_and_waited_out(no_keyring):
    secrets.put("slack", "https://hooks.example/one")
    lock = secrets.vault_path().with_name("secrets.enc.lock")
    lock.unlink(missing_ok=True)
    lock.mkdir()                      # as unusable as another user's file, without needing root
    try:
        with pytest.raises(secrets.SecretsLocked, match="Cannot lock the secrets file: .*secrets.enc.lock"):
            secrets.get("slack")
    finally:
        lock.rmdir()
    assert secrets.get("slack") == "https://hooks.example/one"
