"""``make bench``: the product's speed and memory figures, printed and written to
.bench/results.md.

Not a pass/fail test: it measures, compares with the targets, and says which are
missed. Baselines (a bare PySide6 window) are measured side by side in the same
run. Missing databases are generated first (.bench/100k.db ~10 s, .bench/1m.db a
few minutes).

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

from tests.bench import archive_bench, databases, memory, outbox_bench, render_bench, startup, timeline_bench
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


def _context(dbs: list[Path], reps: int, load: float) -> list[str]:
    import PySide6

    sizes = ", ".join(f"{p.name} {p.stat().st_size / 1e6:,.0f} MB" for p in dbs)
    return [
        f"Run {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC on {_cpu()}, {os.cpu_count()} cores; "
        f"Python {platform.python_version()}, PySide6 {PySide6.__version__}, SQLite {sqlite3.sqlite_version}, "
        f"QT_QPA_PLATFORM={os.environ.get('QT_QPA_PLATFORM', '')}.",
        f"Databases: {sizes}. Load average at the start: {load:.2f} (other work on the machine slows "
        "the figures).",
        f"Times are medians of the repetitions ({reps} unless the notes say otherwise); ratios are "
        "against the target, or against the bare PySide6 window measured in the same run.",
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
    load = os.getloadavg()[0]
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
    except BenchError as exc:
        print(f"\nbench: error: {exc}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(home, ignore_errors=True)

    context = _context([db_100k, db_1m], reps, load)
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
