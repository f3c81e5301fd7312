"""``warroom``: the window.

``warroom --screenshot FILE.png [--db PATH]`` renders the main window on the
chosen database, saves the picture and exits.

The window also sends what the outbox holds (published updates' deliveries) on a
background thread; ``WARROOM_NO_DISPATCH=1`` turns that off, e.g. when
``warroom-cli dispatch`` runs as a service. Screenshots never send.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from warroom import __version__, logs, paths
from warroom.errors import WarroomError
from warroom.identity import current_actor
from ui import firstscreen, i18n, themes
from ui.common.palette import THEMES
from ui.qt import QApplication, QEvent, QLockFile, QMessageBox, QObject, QSettings, QtGui, QTimer
from ui.i18n import tr as _

log = logging.getLogger(__name__)


#: What ``--screenshot`` can show: the main window's tabs, and the dialogs it opens.
VIEWS = ("timeline", "updates", "reviews", "deliveries", "templates", "stakeholders", "declare", "matrix", "channels",
         "exercise", "retro", "followups", "clocks", "inquiries", "signals")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="warroom", description="War room: incident communications.")
    parser.add_argument("--db", help="database file (default: WARROOM_DB, then the user data folder)")
    parser.add_argument("--as", dest="actor", help="who you are (default: WARROOM_USER, then your login)")
    parser.add_argument("--version", action="version", version=f"warroom {__version__}")
    parser.add_argument("--screenshot", metavar="FILE.png", help="render the main window to FILE.png and exit")
    parser.add_argument("--size", default="1400x860", help="window size for --screenshot (WxH)")
    parser.add_argument("--view", choices=VIEWS, default="timeline", help="what --screenshot shows")
    parser.add_argument("--theme", choices=THEMES,
                        help="the window's look: the desktop's (system), light, dark or high contrast "
                             "(default: the one chosen in View > Theme)")
    parser.add_argument("files", nargs="*", metavar="FILE",
                        help="a signed archive to verify or an exercise scenario to start")
    parser.add_argument("--exit-after-paint", action="store_true", help=argparse.SUPPRESS)
    return parser


class _AfterFirstPaint(QObject):
    """Runs a callback once the window has painted for the first time (or after
    half a second if it is never painted, e.g. started minimised)."""

    def __init__(self, window, callback, report_from: float | None = None) -> None:
        super().__init__(window)
        self.callback = callback
        self.report_from = report_from
        self.done = False
        window.installEventFilter(self)
        QTimer.singleShot(500, self._fire)

    def eventFilter(self, obj, event) -> bool:
        if not self.done and event.type() == QEvent.Type.Paint:
            if self.report_from is not None:  # the start-up benchmark reads this line
                print(f"first-paint {time.perf_counter() - self.report_from:.4f}", flush=True)
            QTimer.singleShot(0, self._fire)
            self.done = True
        return False

    def _fire(self) -> None:
        if self.callback is not None:
            callback, self.callback = self.callback, None
            self.done = True
            callback()


def _application() -> QApplication:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName("warroom")
    app.setApplicationName("War room")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("org.warroom.WarRoom")
    return app


def _set_icon(app: QApplication) -> None:
    icon = paths.resource("icons", "warroom.svg")
    if icon.is_file():
        pixmap = QtGui.QPixmap()
        pixmap.loadFromData(icon.read_bytes(), "SVG")
        app.setWindowIcon(QtGui.QIcon(pixmap))  # type: ignore[return-value]


def _fail(message: str, headless: bool) -> int:
    print(f"warroom: {message}", file=sys.stderr)
    if not headless:
        QMessageBox.critical(None, _("War room"), message)
    return 2


def settle(window, seconds: float) -> None:
    """Let the event loop run: queued reads come back, layouts settle, windows paint."""
    app = QApplication.instance()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)


def wait_exposed(widget, timeout: float = 2.0) -> bool:
    """On a real display (X11, Xvfb) a window shown has no pixels until the server has
    mapped it and it has painted once: grabbed before that, it reads black. Wait for it."""
    handle = widget.windowHandle()
    deadline = time.monotonic() + timeout
    while handle is not None and not handle.isExposed() and time.monotonic() < deadline:
        QApplication.instance().processEvents()
        time.sleep(0.01)
    widget.repaint()
    return handle is None or handle.isExposed()


def take_screenshot(window, path: Path, size: str = "1400x860", view: str = "timeline") -> bool:
    """Render ``view`` at ``size``: the main window, or the dialog the view opens (a dialog
    is drawn at the same size, over nothing else, so it can be read whole)."""
    try:
        width, height = (int(v) for v in size.lower().split("x"))
    except ValueError:
        width, height = 1400, 860
    window.resize(width, height)
    window.show()
    window.reminders.refresh()  # what is owed, as a person sees it a second after opening
    settle(window, 0.5)
    window.reminders.show_pressing()
    window.scroll_to_end()
    target = window
    if view == "updates":
        window.show_composer()
    elif view == "reviews":
        window.show_reviews()
    elif view == "deliveries":
        window.show_deliveries()
    elif view == "retro":
        window.tabs.setCurrentWidget(window.retro)
    elif view == "followups":
        window.tabs.setCurrentWidget(window.followups)
    elif view == "clocks":
        window.tabs.setCurrentWidget(window.clocks)
    elif view in ("inquiries", "signals"):
        window.tabs.setCurrentWidget(getattr(window, view))
    elif view == "templates":
        target = window.open_templates()
        target.select("network-customers-update", "en")
    elif view == "stakeholders":
        target = window.open_stakeholders()
    elif view == "declare":
        target = window.new_incident()
    elif view == "exercise":
        from ui.exercise import show_exercise

        if not show_exercise(window):
            return False
    elif view in ("matrix", "channels"):
        target = window.open_matrix() if view == "matrix" else window.open_channels()
    if target is None:
        return False
    if target is not window and view != "declare":
        target.resize(width, height)
    settle(window, 0.3)
    wait_exposed(target)
    settle(window, 0.1)
    path.parent.mkdir(parents=True, exist_ok=True)
    if QApplication.platformName() in ("offscreen", "minimal"):
        return target.grab().save(str(path))
    # On a real display, the pixels the server shows: what a person (or a check) sees.
    return target.screen().grabWindow(target.winId()).save(str(path))


def main(argv: Sequence[str] | None = None) -> int:
    started = time.perf_counter()
    args = build_parser().parse_args(argv)
    headless = bool(args.screenshot or args.exit_after_paint)
    from ui import xcb

    problem = xcb.check()  # before Qt, which would abort naming the wrong library
    if problem:
        print(problem, file=sys.stderr)
        return 1
    app = _application()
    # The window's language (the person's choice, else the system's) and Qt's own words in it,
    # before any part of the window is built.
    i18n.set_language(None)
    i18n.install_qt_translations(app)
    themes.start(app, args.theme)
    # --as, then WARROOM_USER, then the person chosen last time, then the login name
    # (and, once the database is open, a question if it knows people but not this one).
    remembered = None if headless or args.actor or os.environ.get("WARROOM_USER") else \
        QSettings().value("user/name")
    try:
        actor = current_actor(args.actor or (remembered if isinstance(remembered, str) else None))
    except WarroomError as exc:
        return _fail(str(exc), headless)
    ask_who = not headless and not args.actor and not os.environ.get("WARROOM_USER") and not remembered
    db = paths.resolve_db_path(args.db)

    lock = None
    if not headless:
        lock = QLockFile(str(db) + ".lock")
        lock.setStaleLockTime(0)  # only a dead owner makes the lock stale
        if not lock.tryLock(200):
            from ui import single

            if single.tell(single.server_name(db), args.files):
                return 0  # the open window came forward with the files
            return _fail(_("War room is already open on {db}. Switch to that window, or open another database with "
                           "--db.").format(db=db), headless)

    from ui.mainwindow import MainWindow

    # The window paints first; the database (and SQLAlchemy with it) opens right after.
    # A screenshot or a benchmark shows the default layout, and leaves the user's alone.
    # The window sends the outbox too (a background thread, started once the database is
    # open); not for a screenshot or a benchmark, nor with WARROOM_NO_DISPATCH=1.
    window = MainWindow(None, actor, remember_layout=not headless, dispatch=not headless)
    if args.exit_after_paint:
        firstscreen.watch(window, started)  # the start-up benchmark's "timeline-shown"
    state: dict[str, object] = {"code": 0, "store": None}

    def open_store() -> None:
        # What the first paint need not wait for: the log file, the icon, the database.
        logs.setup()
        _set_icon(app)
        from warroom.app import open_store as open_database

        try:
            state["store"] = store = open_database(db)
        except WarroomError as exc:
            state["code"] = _fail(str(exc), headless)
            app.exit(2)
            return
        window.attach(store)
        firstscreen.take_over(window)
        if lock is not None:  # a second launch on this database brings this window forward
            from ui import single

            from ui.exercise import start_from_file

            def starter(path) -> None:
                start_from_file(window, path)

            listener = single.Listener(single.server_name(db), window)
            listener.asked.connect(lambda files: single.open_files(window, files, starter))
            listener.listen()
            if args.files:
                QTimer.singleShot(0, lambda: single.open_files(window, args.files, starter))
        if ask_who:
            from warroom.services import people

            if people.list_people(store):
                window.choose_person()
        if args.exit_after_paint:
            window.repaint()
            print(f"ready {time.perf_counter() - started:.4f}", flush=True)
            QTimer.singleShot(0, QApplication.quit)

    try:
        if args.screenshot:
            open_store()
            if state["store"] is None:
                return int(state["code"])  # type: ignore[call-overload]
            if not take_screenshot(window, Path(args.screenshot), args.size, args.view):
                return _fail(_("Cannot write the screenshot to {screenshot}.").format(screenshot=args.screenshot), True)
            print(f"Saved {args.screenshot}")
            return 0
        # After the first paint: the incidents and the timeline's end, read without the ORM
        # and painted at once; then the store opens and takes over.
        _AfterFirstPaint(window, lambda: (firstscreen.show(window, db, actor) and window.repaint(), open_store()),
                         started if args.exit_after_paint else None)
        window.show()
        code = app.exec()
        return int(state["code"]) or code  # type: ignore[call-overload]
    finally:
        window.close()
        if state["store"] is not None:
            state["store"].close()  # type: ignore[attr-defined]
        if lock is not None:
            lock.unlock()


if __name__ == "__main__":
    sys.exit(main())
