"""Figure 3's child: resident memory with the 1M database open, showing the end of INC-1.

``python -m tests.bench.rss_probe --db PATH --mode model`` shows the real
``TimelineModel`` in a 1000x700 ``QTableView`` (like the timing benchmark);
``--mode window`` shows the whole main window, as ``warroom`` would. Either way it
prints ``rss-kb <KiB>`` and ``hwm-kb <KiB>`` (the peak) once the end is painted.
"""

from __future__ import annotations

import argparse
import sys
import time

from tests.bench.procstat import memory_kb
from warroom.identity import SYSTEM


def _settle(app, seconds: float = 0.3) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--mode", choices=("model", "window"), default="model")
    args = parser.parse_args()

    from ui.qt import QApplication, QTableView
    from warroom.services import incidents
    from warroom.store import Store
    from warroom.text.timefmt import TimeFormatter

    app = QApplication(sys.argv[:1])
    app.setOrganizationName("warroom")  # QSettings (in the bench's temporary config folder)
    app.setApplicationName("War room")
    store = Store.open(args.db)
    incident_id = incidents.get(store, "INC-1", viewer=SYSTEM).id
    if args.mode == "model":
        from ui.common.tables import fixed_rows as _fixed_rows
        from ui.models import TimelineModel

        model = TimelineModel(store, TimeFormatter("en_GB", "UTC"), TimeFormatter("en_GB", "Europe/Berlin"), viewer=SYSTEM)
        view = QTableView()
        view.setModel(model)
        _fixed_rows(view)
        for col, width in ((0, 150), (1, 150), (2, 110), (3, 130)):
            view.setColumnWidth(col, width)
        view.horizontalHeader().setStretchLastSection(True)
        view.resize(1000, 700)
        view.show()
        model.set_incident(incident_id)
        view.scrollToBottom()
        shown = view
    else:
        from ui.mainwindow import MainWindow

        window = MainWindow(store, "Dana Okafor")  # the demo's commander: a person the register knows
        window.show()
        _settle(app)
        window.scroll_to_end()
        model, view, shown = window.timeline_model, window.timeline_view, window
    _settle(app)
    if model.incident_id != incident_id or view.rowAt(view.viewport().height() - 1) not in (-1, model.rowCount() - 1):
        print("error: the view does not show the end of INC-1", file=sys.stderr)
        return 1
    print(f"rows {model.rowCount()}")
    print(f"rss-kb {memory_kb('VmRSS')}")
    print(f"hwm-kb {memory_kb('VmHWM')}", flush=True)
    shown.close()
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
