"""Figure 1: the window's start on 100k entries against a bare QLabel window, both
as child processes, interleaved, wall time from spawn until the child prints a
line: ``first-paint`` (the window's first paint), ``timeline-shown`` (the first
paint of the timeline with rows in it) and ``ready`` (the store open and the
window attached to it). The app runs as the demo's commander, a person the
demo's register knows."""

from __future__ import annotations

from pathlib import Path

from tests.bench.common import PYTHON, Row, median, ratio_verdict, run_child, spread

TARGET_RATIO = 2.0           # first paint
TIMELINE_TARGET_RATIO = 3.0  # the timeline on screen
ACTOR = "Dana Okafor"        # the demo's commander (see warroom.demo.PEOPLE)


def measure(db: Path, env: dict[str, str], reps: int = 5) -> tuple[list[Row], dict[str, float]]:
    """Rows for the table, and the bare window's median RSS in KiB (the memory baseline)."""
    app_cmd = [PYTHON, "-m", "ui.app", "--db", str(db), "--as", ACTOR, "--exit-after-paint"]
    bare_cmd = [PYTHON, "-m", "tests.bench.bare_window"]

    # One untimed start of each first: it reads the libraries from disk and fills the
    # bytecode cache (see common.bench_env), as any start after installing would find them.
    for cmd in (app_cmd, bare_cmd):
        run_child(cmd, marker="first-paint", env=env)

    app_s: list[float] = []
    shown_s: list[float] = []  # until the timeline's rows are painted
    ready_s: list[float] = []  # until the store is open and the window attached to it
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
                shown_s.append(run.seen.get("timeline-shown", float("nan")) * 1000)
                app_inner.append(float(run.value("first-paint") or "nan") * 1000)
            else:
                run = run_child(bare_cmd, marker="first-paint", env=env)
                bare_s.append(run.seconds * 1000)
                bare_rss.append(float(run.value("rss-kb") or "nan"))
        print(f"  run {i + 1}/{reps}: app {app_s[-1]:.0f} ms (timeline {shown_s[-1]:.0f} ms), "
              f"bare window {bare_s[-1]:.0f} ms", flush=True)

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
    shown_med, ready_med = median(shown_s), median(ready_s)
    shown = Row(
        key="1-timeline",
        figure="Start until the timeline of 100k entries is on screen (vs bare QLabel window)",
        target=f"≤ {TIMELINE_TARGET_RATIO:g}x bare",
        measured=f"{shown_med:.0f} ms vs {bare_med:.0f} ms bare",
        verdict=ratio_verdict(shown_med / bare_med, TIMELINE_TARGET_RATIO),
        notes=[f"the first screen (incidents, the timeline's last rows) is read with plain sqlite3 before "
               f"SQLAlchemy is imported: {spread(shown_s, 'ms', '.0f')}"],
    )
    ready = Row(
        key="1-ready",
        figure="Start until the store is open and has taken over the window (info; vs bare window)",
        target="—",
        measured=f"{ready_med:.0f} ms vs {bare_med:.0f} ms bare",
        verdict=f"{ready_med / bare_med:.2f}x bare — info",
        notes=[f"after the first paint: SQLAlchemy imported, the database opened, the timeline read anew: "
               f"{spread(ready_s, 'ms', '.0f')}"],
    )
    return [row, shown, ready], {"bare_rss_kb": median(bare_rss)}
