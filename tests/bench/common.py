"""Shared pieces of the benchmark harness: paths, the children's environment,
running a child until it prints a marker line, and the result rows."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BENCH_DIR = ROOT / ".bench"
PYTHON = sys.executable  # the virtualenv's interpreter under `make bench`


class BenchError(RuntimeError):
    """The harness cannot go on (a child failed, a database is unusable)."""


@dataclass
class Row:
    """One line of the results table; ``key`` (``2a``) ties the notes to it."""

    key: str
    figure: str
    target: str
    measured: str
    verdict: str
    notes: list[str] = field(default_factory=list)


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def spread(values: Sequence[float], unit: str, fmt: str = ".1f") -> str:
    """``n=7, first 3.4, min 1.2, max 3.4 ms``: how much the repetitions varied
    (the first is often the slowest: nothing of it is cached yet)."""
    return (f"n={len(values)}, first {values[0]:{fmt}}, min {min(values):{fmt}}, "
            f"max {max(values):{fmt}} {unit}")


def verdict(measured: float, limit: float) -> str:
    """An absolute figure against its target: ``0.40x target — ok``."""
    return f"{measured / limit:.2f}x target — {'ok' if measured <= limit else 'MISSES'}"


def ratio_verdict(ratio: float, limit: float | None, baseline: str = "bare") -> str:
    """A figure against its side-by-side baseline: ``1.62x bare — ok``."""
    text = f"{ratio:.2f}x {baseline}"
    return text if limit is None else f"{text} — {'ok' if ratio <= limit else 'MISSES'}"


def bench_env(home: Path) -> dict[str, str]:
    """The environment for children (and this process): offscreen Qt, a known user,
    and settings, state and data folders in ``home`` so the user's own are untouched.

    Bytecode is cached in ``home`` too: an installed app starts from cached bytecode,
    but PYTHONDONTWRITEBYTECODE (set on some machines) would make every start
    recompile the project's modules, and the repository must not get __pycache__
    folders from a benchmark. The untimed warm-up start fills this cache."""
    env = dict(os.environ)
    env.pop("WARROOM_DB", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(QT_QPA_PLATFORM="offscreen", WARROOM_USER="bench", PYTHONPYCACHEPREFIX=str(home / "pycache"),
               XDG_CONFIG_HOME=str(home / "config"), XDG_STATE_HOME=str(home / "state"),
               XDG_DATA_HOME=str(home / "data"))
    return env


def make_home() -> Path:
    return Path(tempfile.mkdtemp(prefix="warroom-bench-"))


@dataclass
class ChildRun:
    seconds: float  # wall time from spawn to the marker line
    lines: list[str]  # everything the child printed on stdout
    seen: dict[str, float] = field(default_factory=dict)  # wall time from spawn to each line's first word

    def value(self, key: str) -> str | None:
        """The rest of the first stdout line ``key <value>``."""
        for line in self.lines:
            if line.startswith(key + " "):
                return line[len(key) + 1:].strip()
        return None


def run_child(args: list[str], *, marker: str, env: dict[str, str], timeout: float = 120.0) -> ChildRun:
    """Spawn ``args``; time from just before the spawn until the child prints a
    stdout line starting with ``marker``; then let it finish. Raises BenchError
    with the child's stderr if it fails, hangs, or never prints the marker."""
    with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as errfile:
        started = time.perf_counter()
        proc = subprocess.Popen(args, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=errfile, text=True, bufsize=1)
        killer = threading.Timer(timeout, proc.kill)  # a hung child must not hang the harness
        killer.start()
        seconds = None
        lines: list[str] = []
        seen: dict[str, float] = {}
        try:
            assert proc.stdout is not None
            for line in proc.stdout:
                now = time.perf_counter() - started
                if seconds is None and line.startswith(marker):
                    seconds = now
                if line.split():
                    seen.setdefault(line.split()[0], now)
                lines.append(line.rstrip("\n"))
            code = proc.wait()
        finally:
            killer.cancel()
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        if code != 0 or seconds is None:
            errfile.seek(0)
            stderr = errfile.read().strip()
            why = f"exited with code {code}" if code != 0 else f"never printed {marker!r}"
            if code == -9:
                why = f"was killed after {timeout:.0f} s"
            detail = f"stderr:\n{stderr[-3000:]}" if stderr else "(nothing on stderr)"
            if lines:
                detail += "\nstdout:\n" + "\n".join(lines[-20:])
            raise BenchError(f"child `{' '.join(args)}` {why}.\n{detail}")
    return ChildRun(seconds, lines, seen)
