"""``make bench``: the product's speed and memory figures, printed and written to
.bench/results.md.

Not a pass/fail test: it measures, compares with the targets, and says which are
missed. Every figure has a baseline measured side by side in the same run (a bare
PySide6 window, the same SQL through plain sqlite3, a QStandardItemModel, a bare
POST with one durable commit, ``python -c pass``…), and its target is a ratio to
that baseline, so the figures mean the same on a fast machine and a slow one.
The machine and its load are printed with the results. Missing databases are
generated first (.bench/100k.db under a minute, .bench/1m.db a few minutes).

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m tests.bench.run [--reps N]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sqlite3
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from tests.bench import (archive_bench, bundle_bench, cli_bench, databases, memory, outbox_bench, render_bench, startup,
                         sync_bench, timeline_bench)
from tests.bench.common import BENCH_DIR, ROOT, BenchError, Row, bench_env, make_home

COLUMNS = ("#", "Figure", "Target", "Measured", "Ratio / verdict")


def _cpu() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"


def _context(dbs: list[Path], reps: int, load_start: str, load_end: str) -> list[str]:
    import PySide6
    from PySide6 import QtCore

    sizes = ", ".join(f"{p.name} {p.stat().st_size / 1e6:,.0f} MB" for p in dbs)
    return [
        f"Machine: {_cpu()}, {os.cpu_count()} CPUs; Python {platform.python_version()}, "
        f"PySide6 {PySide6.__version__} (Qt {QtCore.qVersion()}), SQLite {sqlite3.sqlite_version}; "
        f"QT_QPA_PLATFORM={os.environ.get('QT_QPA_PLATFORM', '')}; run {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC.",
        f"Load average (1 / 5 / 15 min, os.getloadavg) at the start: {load_start}; at the end: {load_end} "
        f"(on {os.cpu_count()} CPUs: other work slows the figures and their baselines alike, not always equally).",
        f"Databases: {sizes}. Times are medians of the repetitions ({reps} unless the notes say otherwise); "
        "each ratio is the figure over its baseline, measured side by side in the same run.",
    ]


def _cells(row: Row) -> tuple[str, ...]:
    return row.key, row.figure, row.target, row.measured, row.verdict


def text_table(rows: list[Row]) -> str:
    widths = [max(len(c) for c in col) for col in zip(COLUMNS, *(_cells(r) for r in rows))]
    line = "  ".join("-" * w for w in widths)
    out = ["  ".join(c.ljust(w) for c, w in zip(COLUMNS, widths)), line]
    out += ["  ".join(c.ljust(w) for c, w in zip(_cells(r), widths)) for r in rows]
    return "\n".join(out)


def _esc(text: str) -> str:
    return text.replace("|", "\\|")


def markdown(rows: list[Row], context: list[str]) -> str:
    out = ["# War room benchmark results", "", *context, "",
           "| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    out += ["| " + " | ".join(_esc(c) for c in _cells(r)) + " |" for r in rows]
    out += ["", "## Notes", ""]
    out += [f"- **{r.key}**: {_esc(n)}" for r in rows for n in r.notes]
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=5, help="repetitions of each timing (default 5)")
    reps = max(1, parser.parse_args(argv).reps)
    started = time.perf_counter()
    load_start = _load()
    print(f"Load average at the start: {load_start} on {os.cpu_count()} CPUs ({_cpu()}).", flush=True)
    home = make_home()
    env = bench_env(home)
    os.environ.update(env)  # the in-process benchmark too: offscreen, no user settings touched
    rows: list[Row] = []
    try:
        print("Databases:", flush=True)
        db_100k = databases.ensure("100k", 100_000, env)
        db_1m = databases.ensure("1m", 1_000_000, env)

        print("1. Start-up to first paint (child processes, interleaved) …", flush=True)
        start_rows, baseline = startup.measure(db_100k, env, reps)
        rows += start_rows

        print("2. The 1M-entry timeline, in-process …", flush=True)
        rows += timeline_bench.measure(db_1m, reps)

        print("3. Resident memory (child processes) …", flush=True)
        rows += memory.measure(db_1m, env, baseline["bare_rss_kb"])

        print("4. The outbox, in-process …", flush=True)
        rows += outbox_bench.measure(reps)

        print("5. Templates through the bounded worker …", flush=True)
        rows += render_bench.measure(env, reps)

        print("6. Verifying archives: peak memory (child processes) …", flush=True)
        rows += archive_bench.measure()

        print("7. The command line's start (child processes) …", flush=True)
        rows += cli_bench.measure(db_100k, env, reps)

        print("8. The installer bundle against the venv (child processes) …", flush=True)
        rows += bundle_bench.measure(db_100k, env, reps)

        print("9. Team sync against a throwaway PostgreSQL server …", flush=True)
        rows += sync_bench.measure(100_000, reps)
    except BenchError as exc:
        print(f"\nbench: error: {exc}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(home, ignore_errors=True)

    context = _context([db_100k, db_1m], reps, load_start, _load())
    print()
    print("\n".join(context))
    print()
    print(text_table(rows))
    print("\nNotes:")
    for row in rows:
        for note in row.notes:
            print(f"  {row.key}: {note}")
    out = BENCH_DIR / "results.md"
    out.write_text(markdown(rows, context), encoding="utf-8")
    print(f"\nWritten to {out.relative_to(ROOT)} in {time.perf_counter() - started:.0f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
