"""Smoke test of the one-folder bundle, run with a Python outside War room's venv
and an empty environment (``make bundle-check``): the bundle must carry everything
it needs.

    python3 packaging/smoke.py dist/warroom

Checks ``--version`` of both programs; ``warroom-cli demo``, ``render`` (the
sandboxed template renderer, which a frozen program starts as itself) and
``verify`` on a temporary database; ``--screenshot`` offscreen; and lists what the
xcb platform plug-in needs from the system (``ldd``). Prints the bundle's size
against its budget. Exit 0 when every check passed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: The size budget of the one-folder bundle.
BUDGET_MB = 200


def size_mb(folder: Path) -> float:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file() and not f.is_symlink()) / 1e6


def run(args: list[str], env: dict[str, str], timeout: float = 120) -> tuple[str, float]:
    started = time.perf_counter()
    proc = subprocess.run(args, env=env, capture_output=True, text=True, timeout=timeout)
    took = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"FAILED: {' '.join(args)} (exit {proc.returncode})\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout, took


def missing_libraries(plugin: Path, folder: Path) -> tuple[list[str], list[str]]:
    """What ``ldd`` says the plug-in needs from outside the bundle, and what it cannot find."""
    if shutil.which("ldd") is None or not plugin.is_file():
        return [], []
    out = subprocess.run(["ldd", str(plugin)], capture_output=True, text=True, timeout=30).stdout
    system, missing = [], []
    bundle = str(folder)
    for line in out.splitlines():
        name, _, where = line.strip().partition(" => ")
        if "not found" in where:
            missing.append(name)
        elif where and not where.startswith(bundle):
            system.append(name)
    return sorted(system), sorted(missing)


def main(argv: list[str]) -> int:
    folder = Path(argv[1] if len(argv) > 1 else "dist/warroom").resolve()
    gui, cli = folder / "warroom", folder / "warroom-cli"
    for program in (gui, cli):
        if not os.access(program, os.X_OK):
            raise SystemExit(f"FAILED: {program} is missing; build it with make bundle")
    size = size_mb(folder)
    print(f"bundle: {folder} — {size:.0f} MB (budget {BUDGET_MB} MB)")
    if size > BUDGET_MB:
        raise SystemExit(f"FAILED: the bundle is {size:.0f} MB, over its {BUDGET_MB} MB budget")
    keep = os.environ.get("WARROOM_SMOKE_SHOT")  # where to keep the screenshot, to look at it
    with tempfile.TemporaryDirectory(prefix="warroom-smoke-") as tmp:
        home = Path(tmp)
        env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8", "QT_QPA_PLATFORM": "offscreen",
               "WARROOM_DB": str(home / "smoke.db"), "WARROOM_USER": "Dana Okafor",
               "XDG_DATA_HOME": str(home / "data"), "XDG_CONFIG_HOME": str(home / "config"),
               "XDG_CACHE_HOME": str(home / "cache"), "XDG_RUNTIME_DIR": str(home)}
        out, took = run([str(cli), "--version"], env)
        print(f"warroom-cli --version: {out.strip()} ({took:.2f} s)")
        out, took = run([str(gui), "--version"], env)
        print(f"warroom --version: {out.strip()} ({took:.2f} s)")
        run([str(cli), "demo"], env, timeout=300)
        out, _ = run([str(cli), "render", "INC-1", "--audience", "customers"], env)
        if "INC-1" not in out and len(out.strip()) < 40:
            raise SystemExit(f"FAILED: render printed too little:\n{out}")
        print("warroom-cli demo, render: ok")
        run([str(cli), "verify"], env)
        print("warroom-cli verify: ok")
        shot = home / "shot.png"
        run([str(gui), "--screenshot", str(shot), "--size", "1280x720"], env, timeout=180)
        if not shot.is_file() or shot.read_bytes()[:8] != b"\x89PNG\r\n\x1a\n":
            raise SystemExit("FAILED: --screenshot wrote no PNG")
        print(f"warroom --screenshot: {shot.stat().st_size // 1024} KiB PNG")
        if keep:
            shutil.copyfile(shot, keep)
    plugins = list(folder.rglob("platforms/libqxcb.so"))
    if plugins:
        system, missing = missing_libraries(plugins[0], folder)
        print("the xcb platform plug-in needs from the system: " + (", ".join(system) or "nothing"))
        if missing:
            print("  not found on this machine (the window cannot open on X11 here): " + ", ".join(missing))
    else:
        print("FAILED: the bundle has no xcb platform plug-in")
        return 1
    print("smoke test passed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
