"""Figure 3: resident memory with the 1M database open and the end of INC-1 shown,
each in a fresh child process (so nothing of the timing runs is counted), against
the bare QLabel window's RSS measured by the start-up benchmark."""

from __future__ import annotations

from pathlib import Path

from tests.bench.common import PYTHON, Row, median, ratio_verdict, run_child

TARGET_MB = 250


def measure(db: Path, env: dict[str, str], bare_rss_kb: float, reps: int = 3) -> list[Row]:
    rows = []
    for key, mode, figure, target in (
        ("3", "model", "RSS: 1M entries open, model + view at the end", f"< {TARGET_MB} MB"),
        ("3-window", "window", "RSS: the whole main window on 1M entries (info)", "—"),
    ):
        rss, hwm = [], []
        for _ in range(reps):
            run = run_child([PYTHON, "-m", "tests.bench.rss_probe", "--db", str(db), "--mode", mode],
                            marker="hwm-kb", env=env)
            rss.append(int(run.value("rss-kb")) / 1024)
            hwm.append(int(run.value("hwm-kb")) / 1024)
        mb, bare_mb = median(rss), bare_rss_kb / 1024
        ok = "" if target == "—" else f" — {'ok' if mb < TARGET_MB else 'MISSES'} ({mb / TARGET_MB:.2f}x target)"
        rows.append(Row(key, figure, target, f"{mb:.0f} MB vs {bare_mb:.0f} MB bare",
                        ratio_verdict(mb / bare_mb, None) + ok,
                        [f"n={reps}, peak (VmHWM) median {median(hwm):.0f} MB; bare QLabel window "
                         f"{bare_mb:.0f} MB (median of the start-up runs)"]))
    return rows
