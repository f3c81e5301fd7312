"""Baseline for the start-up benchmark: a bare PySide6 window showing one QLabel.

Does what ``python -m ui.app --exit-after-paint`` does, without the app: prints
``first-paint <seconds>`` when the window first receives a Paint event, then
``rss-kb <KiB>`` (the baseline for the memory figure), and quits.

Run as ``python -m tests.bench.bare_window`` (with QT_QPA_PLATFORM=offscreen).
"""

import sys
import time

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QLabel

from tests.bench.procstat import memory_kb


class FirstPaint(QObject):
    def __init__(self, started: float) -> None:
        super().__init__()
        self.started = started
        self.done = False

    def eventFilter(self, obj, event) -> bool:
        if not self.done and event.type() == QEvent.Type.Paint:
            self.done = True
            print(f"first-paint {time.perf_counter() - self.started:.4f}", flush=True)
            QTimer.singleShot(0, self.report_and_quit)
        return False

    def report_and_quit(self) -> None:
        print(f"rss-kb {memory_kb('VmRSS')}", flush=True)
        QApplication.quit()


def main() -> int:
    started = time.perf_counter()  # like ui.app.main(): after the imports
    app = QApplication(sys.argv[:1])
    label = QLabel("War room")
    watcher = FirstPaint(started)
    label.installEventFilter(watcher)
    label.resize(400, 300)
    label.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
