"""The benchmark databases in .bench/: made with the demo command if missing.

``.bench/NAME.db`` is made by ``warroom-cli --db .bench/NAME.db demo --events N``;
its output goes to ``.bench/NAME.log``, which gets a last line ``done`` when the
database is complete. A database whose log has no ``done`` yet is still being made
(by this harness in another run, or by hand): it is waited for, not remade.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from tests.bench.common import BENCH_DIR, PYTHON, ROOT, BenchError
from warroom.identity import SYSTEM

POLL_S = 5
STALE_S = 180  # no write for this long, and still no "done": the maker died


def _log_done(log: Path) -> bool:
    try:
        return "done" in log.read_text(encoding="utf-8", errors="replace").split()
    except FileNotFoundError:
        return False


def _last_write(db: Path) -> float:
    times = [p.stat().st_mtime for p in (db, db.with_name(db.name + "-wal")) if p.exists()]
    return max(times, default=0.0)


def _wait_for_maker(db: Path, log: Path) -> None:
    print(f"  {db.relative_to(ROOT)} is still being generated (no 'done' in {log.name}); waiting …", flush=True)
    started = time.monotonic()
    last_note = started
    while not _log_done(log):
        idle = time.time() - _last_write(db)
        if idle > STALE_S:
            raise BenchError(f"{db} has not been written for {idle:.0f} s and {log} has no 'done': its "
                             f"generation seems to have died. Delete {db.name}* and {log.name} in {db.parent} "
                             "and run the benchmark again to regenerate it.")
        if time.monotonic() - last_note >= 30:
            size = db.stat().st_size / 1e6 if db.exists() else 0
            print(f"  … still waiting ({time.monotonic() - started:.0f} s, {size:,.0f} MB so far)", flush=True)
            last_note = time.monotonic()
        time.sleep(POLL_S)
    print(f"  {db.name} is ready (waited {time.monotonic() - started:.0f} s).", flush=True)


def _generate(db: Path, log: Path, events: int, env: dict[str, str]) -> None:
    print(f"  generating {db.relative_to(ROOT)} ({events:,} timeline entries) …", flush=True)
    started = time.perf_counter()
    with log.open("w", encoding="utf-8") as out:
        code = subprocess.call([PYTHON, "-m", "warroom.cli", "--db", str(db), "demo", "--events", str(events)],
                               cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
    if code != 0:
        text = log.read_text(encoding="utf-8", errors="replace")[-3000:]
        for part in db.parent.glob(db.name + "*"):  # a half-made database would pass for a whole one
            part.unlink()
        raise BenchError(f"generating {db} failed (exit code {code}); it was removed. Output:\n{text}")
    with log.open("a", encoding="utf-8") as out:
        out.write("done\n")
    print(f"  generated {db.name} in {time.perf_counter() - started:.1f} s.", flush=True)


def ensure(name: str, events: int, env: dict[str, str]) -> Path:
    """``.bench/NAME.db`` with a demo incident INC-1 of about ``events`` entries:
    used as is, waited for, or generated."""
    BENCH_DIR.mkdir(exist_ok=True)
    db, log = BENCH_DIR / f"{name}.db", BENCH_DIR / f"{name}.log"
    if not db.exists():
        _generate(db, log, events, env)
    elif log.exists() and not _log_done(log):
        _wait_for_maker(db, log)
    count = _check(db, events)
    print(f"  {db.relative_to(ROOT)}: INC-1 has {count:,} entries; {db.stat().st_size / 1e6:,.0f} MB.", flush=True)
    return db


def _check(db: Path, events: int) -> int:
    """INC-1's entry count, checked to be at least ``events`` (else the figures mean little)."""
    from warroom.errors import WarroomError
    from warroom.services import incidents
    from warroom.services.timeline import TimelineQuery
    from warroom.store import Store

    try:
        store = Store.open(db)
    except WarroomError as exc:
        raise BenchError(f"cannot open {db}: {exc}") from None
    try:
        try:
            incident = incidents.get(store, "INC-1", viewer=SYSTEM)
        except WarroomError:
            raise BenchError(f"{db} has no incident INC-1; delete it to have it regenerated.") from None
        count = TimelineQuery(store, incident.id, viewer=SYSTEM).count()
    finally:
        store.close()
    if count < events:
        raise BenchError(f"INC-1 in {db} has {count:,} entries, fewer than the {events:,} expected; "
                         "delete it to have it regenerated.")
    return count
