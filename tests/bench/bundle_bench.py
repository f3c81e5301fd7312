"""Figure 8: the installer bundle (``make bundle``: PyInstaller, one folder) against
the venv it was built from, each a fresh child process, interleaved, wall time from
spawn to exit:

- ``warroom-cli --version``: the bundle's start-up cost alone (its loader, its
  archive, the runtime hooks it runs before War room's first line);
- ``warroom-cli incident list`` on the 100k database: a read command;
- the window's first paint (``--exit-after-paint``, the time it prints).

Skipped, with one line, when ``dist/warroom`` has not been built.

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m tests.bench.bundle_bench
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from tests.bench.common import PYTHON, ROOT, BenchError, Row, median, ratio_verdict, spread

BUNDLE = ROOT / "dist" / "warroom"
ACTOR = "Dana Okafor"
#: One folder, not one file: a start may cost the loader's fixed share on top of the
#: venv's, never an unpacking; a read command and the window at most half again.
TARGET_VERSION = 4.0
TARGET_READ = 1.5
TARGET_PAINT = 1.5


def _run(args: list[str], env: dict[str, str]) -> tuple[float, str]:
    started = time.perf_counter()
    result = subprocess.run(args, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                            timeout=120)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise BenchError(f"`{' '.join(args)}` exited {result.returncode}: {result.stderr[-2000:]}")
    return seconds * 1000, result.stdout


def _paint(args: list[str], env: dict[str, str]) -> float:
    _ms, out = _run(args, env)
    for line in out.splitlines():
        if line.startswith("first-paint "):
            return float(line.split()[1]) * 1000
    raise BenchError(f"`{' '.join(args)}` printed no first-paint line")


def measure(db: Path, env: dict[str, str], reps: int = 5) -> list[Row]:
    if not (BUNDLE / "warroom").is_file():
        return [Row("8", "The installer bundle against the venv", "—", "not built", "skipped",
                    ["build it with `make bundle`, then run the benchmarks again"])]
    venv_cli = str(Path(PYTHON).with_name("warroom-cli"))
    pairs = {
        "--version": ([str(BUNDLE / "warroom-cli"), "--version"], [venv_cli, "--version"]),
        "incident list": ([str(BUNDLE / "warroom-cli"), "--db", str(db), "--as", ACTOR, "incident", "list"],
                          [venv_cli, "--db", str(db), "--as", ACTOR, "incident", "list"]),
    }
    paint = ([str(BUNDLE / "warroom"), "--db", str(db), "--as", ACTOR, "--exit-after-paint"],
             [PYTHON, "-m", "ui.app", "--db", str(db), "--as", ACTOR, "--exit-after-paint"])
    for bundle, venv in (*pairs.values(), paint):   # untimed: caches
        _run(bundle, env)
        _run(venv, env)
    times = {name: ([], []) for name in (*pairs, "first paint")}
    for i in range(reps):
        for name, (bundle, venv) in pairs.items():
            order = ((0, bundle), (1, venv)) if i % 2 == 0 else ((1, venv), (0, bundle))
            for slot, args in order:
                times[name][slot].append(_run(args, env)[0])
        order = ((0, paint[0]), (1, paint[1])) if i % 2 == 0 else ((1, paint[1]), (0, paint[0]))
        for slot, args in order:
            times["first paint"][slot].append(_paint(args, env))
    size = sum(f.stat().st_size for f in BUNDLE.rglob("*") if f.is_file() and not f.is_symlink()) / 1e6
    rows = []
    for key, name, limit in (("8a", "--version", TARGET_VERSION), ("8b", "incident list", TARGET_READ),
                             ("8c", "first paint", TARGET_PAINT)):
        bundle, venv = times[name]
        what = f"`warroom-cli {name}`" if name != "first paint" else "the window's first paint (100k database)"
        rows.append(Row(key, f"Bundle: {what} (vs the venv)", f"≤ {limit:g}x venv",
                        f"{median(bundle):.0f} ms vs {median(venv):.0f} ms",
                        ratio_verdict(median(bundle) / median(venv), limit, "venv"),
                        [f"bundle {spread(bundle, 'ms', '.0f')}; venv {spread(venv, 'ms', '.0f')}"
                         + (f"; the bundle is {size:.0f} MB" if key == "8a" else "")]))
    return rows


if __name__ == "__main__":
    import os

    from tests.bench import databases
    from tests.bench.common import bench_env, make_home
    from tests.bench.run import text_table

    environment = bench_env(make_home())
    os.environ.update(environment)
    print(text_table(measure(databases.ensure("100k", 100_000, environment), environment)))
