"""One window per database: a second ``warroom`` on the same database brings the
open window forward and hands it the files it was asked to open (a signed archive
to verify, a scenario to rehearse), instead of refusing.

The first window listens on a local socket named for the database and the user
(only the same user may connect); the second sends one line of JSON and exits."""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtNetwork import QLocalServer, QLocalSocket  # here, not in ui.qt: loaded after the first paint

from ui.qt import QObject, Signal
from ui.i18n import tr as _

log = logging.getLogger(__name__)

#: The most a second launch may send: a few paths, never a flood.
MAX_MESSAGE = 64 * 1024
#: How long a second launch waits for the first window to answer.
TIMEOUT_MS = 2000


def server_name(db: Path) -> str:
    """The socket's name: the same for every launch on this database by this user."""
    user = str(os.getuid()) if hasattr(os, "getuid") else os.environ.get("USERNAME", "")
    digest = hashlib.sha256(f"{user}\0{Path(db).resolve()}".encode()).hexdigest()[:20]
    return f"warroom-{digest}"


def tell(name: str, files: Sequence[str | Path], timeout_ms: int = TIMEOUT_MS) -> bool:
    """Ask the window already open to come forward and open ``files``: True when it
    took the message."""
    socket = QLocalSocket()
    socket.connectToServer(name)
    if not socket.waitForConnected(timeout_ms):
        return False
    message = json.dumps({"open": [str(Path(f).resolve()) for f in files]}).encode() + b"\n"
    if len(message) > MAX_MESSAGE:
        raise ValueError("too many files to hand to the open window at once")
    socket.write(message)
    ok = socket.waitForBytesWritten(timeout_ms)
    # Wait for the window's answer so the message is read before this process exits.
    ok = ok and socket.waitForReadyRead(timeout_ms) and bytes(socket.readAll().data()).startswith(b"ok")
    socket.disconnectFromServer()
    return ok


class Listener(QObject):
    """The first window's end: ``asked`` carries the files another launch asked
    for (an empty list: just come forward)."""

    asked = Signal(list)

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.server = QLocalServer(self)
        self.server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self.server.newConnection.connect(self._accept)
        self._buffers: dict[QLocalSocket, bytearray] = {}

    def listen(self) -> bool:
        # The caller holds the database's lock, so a socket left by a crash is stale.
        QLocalServer.removeServer(self.name)
        if not self.server.listen(self.name):
            log.warning("cannot listen for other launches on %s: %s", self.name, self.server.errorString())
            return False
        return True

    def close(self) -> None:
        self.server.close()

    def _accept(self) -> None:
        while self.server.hasPendingConnections():
            socket = self.server.nextPendingConnection()
            self._buffers[socket] = bytearray()
            socket.readyRead.connect(lambda s=socket: self._read(s))
            socket.disconnected.connect(lambda s=socket: self._drop(s))

    def _drop(self, socket: QLocalSocket) -> None:
        self._buffers.pop(socket, None)
        socket.deleteLater()

    def _read(self, socket: QLocalSocket) -> None:
        buffer = self._buffers.get(socket)
        if buffer is None:
            return
        buffer += bytes(socket.read(MAX_MESSAGE + 1 - len(buffer)).data())
        if len(buffer) > MAX_MESSAGE:
            log.warning("a launch sent more than %d bytes; ignored", MAX_MESSAGE)
            socket.abort()
            return
        if b"\n" not in buffer:
            return
        line = bytes(buffer).split(b"\n", 1)[0]
        try:
            files = json.loads(line)["open"]
            if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
                raise ValueError
        except (ValueError, KeyError, TypeError):
            log.warning("a launch sent a message that is not War room's; ignored")
            socket.abort()
            return
        socket.write(b"ok\n")
        socket.flush()
        self.asked.emit(files)


def open_files(window, files: Sequence[str], start_exercise: Callable[[Path], None] | None = None) -> None:
    """What a double-click on a file means: an archive is verified, a scenario is
    offered as an exercise to start. The window comes forward either way."""
    if window.isMinimized():
        window.showNormal()
    window.raise_()
    window.activateWindow()
    for name in files:
        path = Path(name)
        if path.suffix.lower() == ".zip":
            window.verify_archive(path)
        elif path.suffix.lower() == ".toml" and start_exercise is not None:
            start_exercise(path)
        else:
            window.statusBar().showMessage(_("War room does not open {name}: not an archive or a scenario.").format(
                name=path.name),
                                           10_000)
