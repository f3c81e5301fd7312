"""``warroom``: the window.

``warroom --screenshot FILE.png [--db PATH]`` renders the main window on the
chosen database, saves the picture and exits.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from warroom import __version__, logs, paths
from warroom.cli import current_actor
from warroom.errors import WarroomError
from warroom.store import Store
from ui.qt import QApplication, QEvent, QLockFile, QMessageBox, QObject, QtGui, QTimer

log = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="warroom", description="War room: incident communications.")
    parser.add_argument("--db", help="database file (default: WARROOM_DB, then the user data folder)")
    parser.add_argument("--as", dest="actor", help="who you are (default: WARROOM_USER, then your login)")
    parser.add_argument("--version", action="version", version=f"warroom {__version__}")
    parser.add_argument("--screenshot", metavar="FILE.png", help="render the main window to FILE.png and exit")
    parser.add_argument("--size", default="1400x860", help="window size for --screenshot (WxH)")
    parser.add_argument("--exit-after-paint", action="store_true", help=argparse.SUPPRESS)
    return parser


class _FirstPaint(QObject):
    """For the start-up benchmark: say when the window first painted, then quit."""

    def __init__(self, started: float) -> None:
        super().__init__()
        self.started = started
        self.done = False

    def eventFilter(self, obj, event) -> bool:
        if not self.done and event.type() == QEvent.Type.Paint:
            self.done = True
            print(f"first-paint {time.perf_counter() - self.started:.4f}", flush=True)
            QTimer.singleShot(0, QApplication.quit)
        return False


def _application() -> QApplication:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName("warroom")
    app.setApplicationName("War room")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("warroom")
    icon = paths.resource("icons", "warroom.svg")
    if icon.is_file():
        pixmap = QtGui.QPixmap()
        pixmap.loadFromData(icon.read_bytes(), "SVG")
        app.setWindowIcon(QtGui.QIcon(pixmap))
    return app  # type: ignore[return-value]


def _fail(message: str, headless: bool) -> int:
    print(f"warroom: {message}", file=sys.stderr)
    if not headless:
        QMessageBox.critical(None, "War room", message)
    return 2


def take_screenshot(window, path: Path, size: str = "1400x860") -> bool:
    try:
        width, height = (int(v) for v in size.lower().split("x"))
    except ValueError:
        width, height = 1400, 860
    window.resize(width, height)
    window.show()
    app = QApplication.instance()
    deadline = time.monotonic() + 0.5
    while time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)
    window.scroll_to_end()
    app.processEvents()
    path.parent.mkdir(parents=True, exist_ok=True)
    return window.grab().save(str(path))


def main(argv: Sequence[str] | None = None) -> int:
    started = time.perf_counter()
    args = build_parser().parse_args(argv)
    headless = bool(args.screenshot or args.exit_after_paint)
    logs.setup()
    app = _application()
    try:
        actor = current_actor(args.actor)
        db = paths.resolve_db_path(args.db)
        store = Store.open(db)
    except WarroomError as exc:
        return _fail(str(exc), headless)

    lock = None
    if not headless:
        lock = QLockFile(str(db) + ".lock")
        lock.setStaleLockTime(0)  # only a dead owner makes the lock stale
        if not lock.tryLock(200):
            store.close()
            return _fail(f"War room is already open on {db}. Switch to that window, or open another "
                         "database with --db.", headless)

    from ui.mainwindow import MainWindow

    # A screenshot or a benchmark shows the default layout, and leaves the user's alone.
    window = MainWindow(store, actor, remember_layout=not headless)
    try:
        if args.screenshot:
            ok = take_screenshot(window, Path(args.screenshot), args.size)
            if not ok:
                return _fail(f"Cannot write the screenshot to {args.screenshot}.", True)
            print(f"Saved {args.screenshot}")
            return 0
        if args.exit_after_paint:
            watcher = _FirstPaint(started)
            window.installEventFilter(watcher)
        window.show()
        return app.exec()
    finally:
        window.close()
        store.close()
        if lock is not None:
            lock.unlock()


if __name__ == "__main__":
    sys.exit(main())
