"""Figure 1: window start to first paint, the app on 100k entries against a bare
QLabel window, both as child processes, interleaved, wall time from spawn until
the child prints ``first-paint``."""

from __future__ import annotations

from pathlib import Path

from tests.bench.common import PYTHON, Row, median, ratio_verdict, run_child, spread

TARGET_RATIO = 2.0


def measure(db: Path, env: dict[str, str], reps: int = 5) -> tuple[list[Row], dict[str, float]]:
    """Rows for the table, and the bare window's median RSS in KiB (the memory baseline)."""
    app_cmd = [PYTHON, "-m", "ui.app", "--db", str(db), "--exit-after-paint"]
    bare_cmd = [PYTHON, "-m", "tests.bench.bare_window"]

    # One untimed start of each first: it reads the libraries from disk and fills the
    # bytecode cache (see common.bench_env), as any start after installing would find them.
    for cmd in (app_cmd, bare_cmd):
        run_child(cmd, marker="first-paint", env=env)

    app_s: list[float] = []
    ready_s: list[float] = []  # until the database is open and the timeline shown
    bare_s: list[float] = []
    app_inner: list[float] = []  # the app's own figure: from main() to paint, imports excluded
    bare_rss: list[float] = []
    for i in range(reps):
        # Alternate the order so neither always runs right after the other.
        for which in (("app", "bare") if i % 2 == 0 else ("bare", "app")):
            if which == "app":
                run = run_child(app_cmd, marker="first-paint", env=env)
                app_s.append(run.seconds * 1000)
                ready_s.append(run.seen.get("ready", float("nan")) * 1000)
                app_inner.append(float(run.value("first-paint") or "nan") * 1000)
            else:
                run = run_child(bare_cmd, marker="first-paint", env=env)
                bare_s.append(run.seconds * 1000)
                bare_rss.append(float(run.value("rss-kb") or "nan"))
        print(f"  run {i + 1}/{reps}: app {app_s[-1]:.0f} ms, bare window {bare_s[-1]:.0f} ms", flush=True)

    # Where the app's time goes before main(): import times of its big dependencies.
    probes = [run_child([PYTHON, "-m", "tests.bench.import_probe"], marker="imports", env=env) for _ in range(3)]
    imports: dict[str, list[float]] = {}
    for probe in probes:
        for part in (probe.value("imports") or "").split(","):
            name, ms = part.split("=")
            imports.setdefault(name, []).append(float(ms))

    app_med, bare_med = median(app_s), median(bare_s)
    row = Row(
        key="1",
        figure="Start to first paint, 100k entries (vs bare QLabel window)",
        target=f"≤ {TARGET_RATIO:g}x bare",
        measured=f"{app_med:.0f} ms vs {bare_med:.0f} ms bare",
        verdict=ratio_verdict(app_med / bare_med, TARGET_RATIO),
        notes=[f"app: {spread(app_s, 'ms', '.0f')}; bare: {spread(bare_s, 'ms', '.0f')}",
               f"the app's own figure, from main() to paint (interpreter start and imports excluded): "
               f"median {median(app_inner):.0f} ms",
               "imports before main(), median of 3 fresh processes: "
               + ", ".join(f"{name} {median(ms):.0f} ms" for name, ms in imports.items())],
    )
    ready_med = median(ready_s)
    ready = Row(
        key="1-ready",
        figure="Start until the timeline of 100k entries is shown (info; vs bare window)",
        target="—",
        measured=f"{ready_med:.0f} ms vs {bare_med:.0f} ms bare",
        verdict=f"{ready_med / bare_med:.2f}x bare — info",
        notes=[f"the window paints first, then opens the database (SQLAlchemy is imported then): "
               f"{spread(ready_s, 'ms', '.0f')}"],
    )
    return [row, ready], {"bare_rss_kb": median(bare_rss)}
