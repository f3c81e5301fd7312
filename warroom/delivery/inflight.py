"""Deliveries being sent, marked where only a live process can hold the mark.

A delivery's lease in the database says who sends it and until when, but nobody
can renew a lease while another program holds the database's write lock: a lock
held longer than the lease would let a second dispatcher take the delivery and
send it again. So each claimed delivery also has a file in ``<database>-sending/``
whose lock its dispatcher holds until the outcome is written down. The operating
system lets go of the lock when the process ends, however it ends, so a delivery
is taken over only when nobody alive is sending it.

Once the vendor accepted the message, the receipt is written into the file
before the outcome goes to the database: a dispatcher that takes over from one
that died before it could record that outcome records the receipt it finds
instead of sending the message again.
"""

from __future__ import annotations

import json
import logging
import os
import uuid
from pathlib import Path
from typing import Any

from warroom.paths import PRIVATE_FILE, make_private_dir

log = logging.getLogger(__name__)


_made: set[Path] = set()       # folders known to exist: not looked for again at every send


def folder_for(database: Path) -> Path:
    return database.with_name(database.name + "-sending")


if os.name == "nt":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)   # per open file: threads of one process too
        except BlockingIOError:
            return False
        return True


class Marker:
    """A delivery this process is sending; held until :meth:`release` or :meth:`drop`."""

    def __init__(self, path: Path, fd: int, accepted: dict[str, Any] | None) -> None:
        self.path = path
        self._fd: int | None = fd
        #: A receipt left by a dispatcher that died after the vendor accepted the message.
        self.accepted = accepted

    def keep(self, receipt: dict[str, Any]) -> None:
        """The vendor accepted it: write the receipt down here first, so it is not sent
        again if this process dies before the database has it."""
        if self._fd is None:
            return
        try:
            data = json.dumps(receipt, default=str).encode("utf-8")
            os.ftruncate(self._fd, 0)
            os.lseek(self._fd, 0, os.SEEK_SET)
            os.write(self._fd, data)
        except (OSError, TypeError, ValueError) as exc:
            log.warning("could not keep the receipt of %s beside the database: %s", self.path.name, exc)

    def release(self) -> None:
        """The outcome is in the database: remove the mark (before letting go of it, so
        nobody finds it free and takes a delivery that is settled)."""
        if self._fd is None:
            return
        if os.name != "nt":
            self.path.unlink(missing_ok=True)
        self.drop()
        if os.name == "nt":  # pragma: no cover - an open file cannot be removed there
            try:
                self.path.unlink(missing_ok=True)
            except OSError:
                pass

    def drop(self) -> None:
        """Let go without removing it, as a process that dies does: whatever receipt it
        holds is there for the dispatcher that takes over."""
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)

    def __del__(self) -> None:
        self.drop()


def take(database: Path, delivery_id: uuid.UUID) -> Marker | None:
    """Mark ``delivery_id`` as being sent by this process; None when a live process
    (this one included) is sending it."""
    folder = folder_for(database)
    if folder not in _made:
        make_private_dir(folder)
        _made.add(folder)
    path = folder / str(delivery_id)
    for _ in range(5):
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, PRIVATE_FILE)
        except FileNotFoundError:       # the folder was removed while we ran: make it again
            _made.discard(folder)
            make_private_dir(folder)
            _made.add(folder)
            continue
        try:
            if not _try_lock(fd):
                os.close(fd)
                return None
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(path))
            except FileNotFoundError:
                same = False
            if not same:       # its holder removed it between our open and our lock: open it again
                os.close(fd)
                continue
            return Marker(path, fd, _receipt(fd, path))
        except BaseException:
            try:
                os.close(fd)
            except OSError:
                pass
            raise
    return None


def _receipt(fd: int, path: Path) -> dict[str, Any] | None:
    chunks = []
    while True:
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        chunks.append(chunk)
    raw = b"".join(chunks)
    if not raw:
        return None
    try:
        receipt = json.loads(raw.decode("utf-8"))
    except ValueError:
        log.warning("the receipt left in %s cannot be read; the delivery will be sent again", path)
        return None
    return receipt if isinstance(receipt, dict) else None
