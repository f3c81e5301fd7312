"""Where the app's start-up goes before ``main()``: the time to import its heavy
dependencies, then the rest of the modules ``python -m ui.app`` loads before it
paints. Prints ``imports name=ms,...`` (one line) for the start-up figure's notes.

Each step only counts what the steps before it did not already load.
"""

import time

STEPS = (
    ("PySide6", "PySide6.QtCore", "PySide6.QtGui", "PySide6.QtWidgets"),
    ("sqlalchemy", "sqlalchemy", "sqlalchemy.orm"),
    ("alembic", "alembic.command", "alembic.config", "alembic.script"),
    ("babel", "babel.dates"),
    ("warroom+ui", "ui.app", "ui.mainwindow"),
)


def main() -> None:
    parts = []
    for label, *modules in STEPS:
        started = time.perf_counter()
        for name in modules:
            __import__(name)
        parts.append(f"{label}={(time.perf_counter() - started) * 1000:.1f}")
    print("imports " + ",".join(parts), flush=True)


if __name__ == "__main__":
    main()
