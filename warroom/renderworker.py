"""Templates render in a worker process that the operating system bounds.

The sandbox's guards (:mod:`warroom.sandbox`) are Python checks: a single C call
— ``a*a`` on a big integer, ``'{:{}}'.format('', n)``, a ``join`` of a long
range — runs past them, taking seconds or gigabytes. So every render runs in a
child process with limits the kernel enforces:

- **memory**: ``RLIMIT_AS`` (:data:`MEMORY_BYTES`); an allocation beyond it fails
  with MemoryError inside the worker, which reports it and goes on;
- **processor time**: ``RLIMIT_CPU``, re-armed before every render to
  :data:`CPU_SECONDS` past what the worker has used so far; beyond it the kernel
  stops the worker with SIGXCPU;
- **wall-clock time**: this process waits :data:`WALL_SECONDS` for an answer,
  then kills the worker;
- no core files, no files written (``RLIMIT_CORE``, ``RLIMIT_FSIZE``).

The worker is started on first use, one per process, and reused (the template
editor's preview renders on every pause in typing); a lock lets threads share
it. After a kill or a crash the next render starts a new one. Its environment
is scrubbed: only what Python needs to start and find its packages, never the
user's secrets (``WARROOM_KEY_PASSPHRASE`` and the like).

Plain data crosses the boundary as JSON, both ways: the context (dicts, lists,
strings, numbers, datetimes, :class:`~warroom.sandbox.Promised`) one way, the
text or the error the other. The parent never unpickles anything the worker
sends, and it reads at most :data:`MAX_REPLY` bytes of it.

Where the ``resource`` module is missing (Windows) there are no kernel limits:
the worker still runs the render in another process, so the wall-clock deadline
and the sandbox's guards hold, but memory and processor time are not bounded.
"""

from __future__ import annotations

import atexit
import json
import math
import mmap
import os
import queue
import signal
import struct
import subprocess
import sys
import tempfile
import threading
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

try:
    import resource
except ImportError:  # Windows: the wall-clock deadline and the sandbox only
    resource = None  # type: ignore[assignment]

from warroom.sandbox import MAX_OUTPUT, Promised, TemplateError, render_in_process

#: The worker's address space. A normal render needs about 45 MB of it (Python,
#: Jinja2, Babel and their data); the rest is headroom for the values the sandbox
#: lets a template build (see ``make bench``).
MEMORY_BYTES = 256 * 2**20
#: Processor seconds one render may use (the kernel counts whole seconds, so a
#: render gets between this and one second more).
CPU_SECONDS = 1
#: How long this process waits for one render before it kills the worker: the
#: sandbox's own clock stops a render at MAX_SECONDS, so only a render stuck in
#: one long C call (or a worker the system stopped) comes near this.
WALL_SECONDS = 1.5
#: How long a new worker may take to start (imports, Babel's data).
START_SECONDS = 30.0
#: The longest reply read from the worker, in bytes (the text is JSON-escaped).
MAX_REPLY = 8 * MAX_OUTPUT + 4096
#: The worker's exit code when it runs out of memory outside a render.
EXIT_MEMORY = 3

#: Environment variables the worker gets (nothing else of this process's).
_PASSED_ENV = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "PYTHONTZPATH", "PYTHONPYCACHEPREFIX",
               "PYTHONDONTWRITEBYTECODE", "SYSTEMROOT", "SYSTEMDRIVE")


# -- plain data across the boundary ----------------------------------------------------

def encode(value: Any) -> Any:
    """The render context as JSON-able data; datetimes tagged. Anything but plain
    data is a programming error (an ORM object, an object with behaviour)."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, datetime):
        zone = value.tzinfo
        key = getattr(zone, "key", None) if isinstance(zone, ZoneInfo) else None
        out: dict[str, Any] = {"$": "promised" if isinstance(value, Promised) else "datetime"}
        if key:  # a named zone survives as itself (its name, its rules)
            out.update(local=value.replace(tzinfo=None).isoformat(), zone=key, fold=value.fold)
        else:
            out["iso"] = value.isoformat()
        return out
    if isinstance(value, date):
        return {"$": "date", "iso": value.isoformat()}
    if isinstance(value, Mapping):
        items = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise TypeError(f"a template's context has a key of type {type(k).__name__}: text keys only")
            items[k] = encode(v)
        return {"$": "map", "items": items} if "$" in items else items
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    raise TypeError(f"a template's context holds a {type(value).__name__}: plain data only")


def decode(value: Any) -> Any:
    if isinstance(value, list):
        return [decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    tag = value.get("$")
    if tag is None:
        return {k: decode(v) for k, v in value.items()}
    if tag == "map":
        return {k: decode(v) for k, v in value["items"].items()}
    if tag == "date":
        return date.fromisoformat(value["iso"])
    cls = Promised if tag == "promised" else datetime
    if "zone" in value:
        return cls.fromisoformat(value["local"]).replace(tzinfo=ZoneInfo(value["zone"]), fold=value["fold"])
    return cls.fromisoformat(value["iso"])  # +00:00 comes back as timezone.utc itself


# -- the parent's side ----------------------------------------------------------------

def worker_env() -> dict[str, str]:
    """The worker's environment: what Python needs to start and find War room."""
    env = {k: os.environ[k] for k in _PASSED_ENV if k in os.environ}
    root = str(Path(__file__).resolve().parents[1])  # the folder holding the warroom package
    paths = [root] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p and p != root]
    env["PYTHONPATH"] = os.pathsep.join(paths)
    env["PYTHONNOUSERSITE"] = "1"
    env["PYTHONSAFEPATH"] = "1"  # the working folder is not on the worker's import path
    return env


#: How a frozen build (the PyInstaller bundle, where ``sys.executable`` is War room
#: itself, not Python) is asked to be a render worker: its first argument.
FROZEN_FLAG = "--render-worker"


def worker_command() -> list[str]:
    """The command that starts a worker: ``python -m warroom.renderworker``, or the
    bundle's own program with :data:`FROZEN_FLAG`."""
    if getattr(sys, "frozen", False):
        return [sys.executable, FROZEN_FLAG]
    return [sys.executable, "-m", "warroom.renderworker"]


class Worker:
    """One worker process and the pipe to it. Not thread-safe: :func:`render`
    holds a lock around it."""

    def __init__(self) -> None:
        self.owner = os.getpid()
        self.renders = 0
        args = worker_command()
        self._slot_file = None
        self._slot = None
        pass_fds: tuple[int, ...] = ()
        if os.name == "posix":
            # A page both processes map: the worker writes the template line it runs,
            # so a render killed mid-line still says where it was.
            self._slot_file = tempfile.TemporaryFile()
            self._slot_file.write(b"\0" * 8)
            self._slot_file.flush()
            self._slot = mmap.mmap(self._slot_file.fileno(), 8)
            pass_fds = (self._slot_file.fileno(),)
            args += ["--line-fd", str(self._slot_file.fileno())]
        try:
            self.proc = subprocess.Popen(
                args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=worker_env(),
                cwd=tempfile.gettempdir(), pass_fds=pass_fds, start_new_session=os.name == "posix")
        except OSError as exc:
            self._close_slot()
            raise TemplateError(f"the template renderer could not start: {exc.strerror or exc}",
                                limit="crash") from None
        self.pid = self.proc.pid
        self._replies: queue.Queue[bytes | None] = queue.Queue()
        threading.Thread(target=self._read, name=f"render-worker-{self.pid}", daemon=True).start()
        self._wait_ready()

    def _read(self) -> None:
        stream = self.proc.stdout
        assert stream is not None
        try:
            while True:
                line = stream.readline(MAX_REPLY + 1)
                self._replies.put(line or None)
                if not line:
                    return
        except (OSError, ValueError):
            self._replies.put(None)

    def _wait_ready(self) -> None:
        try:
            line = self._replies.get(timeout=START_SECONDS)
        except queue.Empty:
            line = None
        if not line or not line.startswith(b'{"ready"'):
            self.close(kill=True)
            raise TemplateError("the template renderer could not start (a separate process: "
                                f"{' '.join(worker_command())})", limit="crash")

    def alive(self) -> bool:
        return self.proc.poll() is None and os.getpid() == self.owner

    def line(self) -> int | None:
        if self._slot is None:
            return None
        value = struct.unpack_from("i", self._slot, 0)[0]
        return value if value > 0 else None

    def render_many(self, jobs: Sequence[tuple[str, Mapping[str, Any]]], locale: str, zone: str,
                    now: datetime | None) -> list[str | TemplateError]:
        """Render each (source, context) in turn; see :func:`render_many`."""
        contexts: list[Any] = []
        index: dict[int, int] = {}
        wire = []
        for source, context in jobs:
            if id(context) not in index:
                index[id(context)] = len(contexts)
                contexts.append(encode(context))
            wire.append([source, index[id(context)]])
        request = json.dumps({"jobs": wire, "contexts": contexts, "locale": locale, "zone": zone,
                              "now": encode(now)}).encode("ascii") + b"\n"
        if self._slot is not None:
            struct.pack_into("i", self._slot, 0, 0)
        self.renders += len(jobs)
        try:
            assert self.proc.stdin is not None
            self.proc.stdin.write(request)
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            return [self._died()]
        results: list[str | TemplateError] = []
        while len(results) < len(jobs):
            try:  # one reply per job, each within the deadline
                reply = self._replies.get(timeout=WALL_SECONDS)
            except queue.Empty:
                line = self.line()
                self.close(kill=True)
                results.append(TemplateError(f"the template took longer than {WALL_SECONDS:g} s to render and was "
                                             "stopped (time limit)", line, limit="time"))
                break
            if reply is None:
                results.append(self._died())
                break
            results.append(self._answer(reply))
            if isinstance(results[-1], TemplateError) and results[-1].limit:
                break  # the worker stops a batch at the first limit hit
        return results

    def _answer(self, reply: bytes) -> str | TemplateError:
        try:
            if len(reply) > MAX_REPLY or not reply.endswith(b"\n"):
                raise ValueError("reply too long")
            data = json.loads(reply)
            if isinstance(data.get("text"), str) and len(data["text"]) <= MAX_OUTPUT + 1:
                return data["text"]
            message, line, limit = data["error"], data.get("line"), data.get("limit")
            if not isinstance(message, str) or not (line is None or type(line) is int) or \
                    not (limit is None or isinstance(limit, str)):
                raise ValueError("bad error")
        except (ValueError, KeyError, TypeError, AttributeError):
            self.close(kill=True)
            return TemplateError("the template renderer answered nonsense and was restarted", limit="crash")
        if limit == "memory":  # a worker that ran out of memory is not trusted with the next render
            self.close(kill=True)
        return TemplateError(message[:1000], line, limit=limit[:20] if limit else None)

    def _died(self) -> TemplateError:
        line = self.line()
        try:
            code = self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            code = None
        self.close(kill=True)
        if resource is not None and code == -signal.SIGXCPU:
            return TemplateError(f"the template used more than {CPU_SECONDS} s of processor time and was stopped "
                                 "(time limit)", line, limit="time")
        if code == EXIT_MEMORY or (os.name == "posix" and code == -signal.SIGABRT):
            return TemplateError("the template needs more memory than a template may use and was stopped "
                                 "(memory limit)", line, limit="memory")
        how = f"signal {-code}" if code is not None and code < 0 else f"exit code {code}"
        return TemplateError(f"the template renderer stopped ({how}) and was restarted", line, limit="crash")

    def close(self, *, kill: bool = False) -> None:
        proc = self.proc
        if os.getpid() == self.owner and proc.poll() is None:
            if kill:
                proc.kill()
            else:
                try:
                    assert proc.stdin is not None
                    proc.stdin.close()  # the worker ends at the end of its input
                    proc.wait(timeout=2)
                except (OSError, subprocess.TimeoutExpired):
                    proc.kill()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        for stream in (proc.stdin, proc.stdout):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass
        self._close_slot()

    def _close_slot(self) -> None:
        if self._slot is not None:
            self._slot.close()
            self._slot = None
        if self._slot_file is not None:
            self._slot_file.close()
            self._slot_file = None


_lock = threading.Lock()
_worker: Worker | None = None


def current() -> Worker | None:
    """The worker process now serving renders, if one is running (for tests and benchmarks)."""
    with _lock:
        return _worker if _worker is not None and _worker.alive() else None


def _ready() -> Worker:
    global _worker
    if _worker is not None and not _worker.alive():
        if os.getpid() == _worker.owner:
            _worker.close(kill=True)
        _worker = None  # a forked child starts its own; the parent's stays the parent's
    if _worker is None:
        _worker = Worker()
    return _worker


def render_many(jobs: Sequence[tuple[str, Mapping[str, Any]]], *, locale: str = "en", zone: str = "UTC",
                now: datetime | None = None) -> list[str | TemplateError]:
    """Render several (source, context) pairs in one exchange with the worker (the
    import check renders a template against dozens of incidents). Each job gets
    the limits of a render of its own; the result is its text or its
    :class:`TemplateError`. The first job that hits a limit ends the batch: the
    list then ends with that error, and the jobs after it are not rendered."""
    global _worker
    if not jobs:
        return []
    with _lock:
        worker = _ready()
        try:
            return worker.render_many(jobs, locale, zone or "UTC", now)
        finally:
            if not worker.alive():
                worker.close(kill=True)
                _worker = None


def render(source: str, context: Mapping[str, Any], *, locale: str = "en", zone: str = "UTC",
           now: datetime | None = None) -> str:
    """Render one template text in the worker (started or restarted as needed)."""
    result = render_many([(source, context)], locale=locale, zone=zone, now=now)[0]
    if isinstance(result, TemplateError):
        raise result
    return result


def shutdown() -> None:
    """Stop the worker (at exit; the next render would start a new one)."""
    global _worker
    with _lock:
        if _worker is not None:
            _worker.close()
            _worker = None


def _forgotten_in_child() -> None:
    """A forked child starts its own worker when it needs one (and a fresh lock:
    another thread may have held the parent's at the fork)."""
    global _lock, _worker
    _lock = threading.Lock()
    _worker = None


atexit.register(shutdown)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forgotten_in_child)


# -- the worker's side ---------------------------------------------------------------

def _limit(which: int, soft: int) -> None:
    assert resource is not None
    _old_soft, hard = resource.getrlimit(which)
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(which, (soft, hard))


def _set_limits() -> None:
    if resource is None:
        return
    for which, value in ((resource.RLIMIT_AS, MEMORY_BYTES), (resource.RLIMIT_CORE, 0),
                         (resource.RLIMIT_FSIZE, 0)):
        # Hard limits too: nothing in the worker can raise them again.
        _old_soft, hard = resource.getrlimit(which)
        value = value if hard == resource.RLIM_INFINITY else min(value, hard)
        resource.setrlimit(which, (value, value))


def _arm_cpu() -> None:
    """Allow :data:`CPU_SECONDS` more of processor time from now (the limit counts
    the worker's whole life, so it moves on before every render)."""
    if resource is None:
        return
    usage = resource.getrusage(resource.RUSAGE_SELF)
    _limit(resource.RLIMIT_CPU, math.ceil(usage.ru_utime + usage.ru_stime) + CPU_SECONDS)


def _serve(requests, replies, slot) -> None:
    for raw in requests:
        request = json.loads(raw)
        contexts = [decode(c) for c in request["contexts"]]
        now = decode(request["now"])
        for source, which in request["jobs"]:
            _arm_cpu()
            if slot is not None:
                slot[0] = 0
            try:
                reply = {"text": render_in_process(source, contexts[which], locale=request["locale"],
                                                   zone=request["zone"], now=now, line_slot=slot)}
            except TemplateError as exc:
                reply = {"error": exc.detail, "line": exc.line, "limit": exc.limit}
            replies.write(json.dumps(reply).encode("ascii") + b"\n")
            replies.flush()
            if reply.get("limit"):
                break


def main(argv: list[str] | None = None) -> int:
    """``python -m warroom.renderworker [--line-fd N]``: render requests from
    stdin, one JSON line each, answering on stdout."""
    argv = sys.argv[1:] if argv is None else argv
    # Replies go to a private copy of stdout; anything else that prints goes nowhere.
    replies = os.fdopen(os.dup(1), "wb")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)
    slot = None
    if "--line-fd" in argv:
        fd = int(argv[argv.index("--line-fd") + 1])
        slot = memoryview(mmap.mmap(fd, 8)).cast("i")
    if hasattr(signal, "SIGINT"):
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when the worker ends
    # Load what every render needs before the limits: Jinja2, Babel's data, zones.
    render_in_process("{{ when | when }} {{ [] | join_list }}", {"when": datetime(2026, 1, 1, tzinfo=timezone.utc)},
                      zone="Europe/Berlin")
    _set_limits()
    replies.write(json.dumps({"ready": True, "limits": resource is not None}).encode("ascii") + b"\n")
    replies.flush()
    try:
        _serve(sys.stdin.buffer, replies, slot)
    except MemoryError:
        return EXIT_MEMORY
    except (BrokenPipeError, KeyboardInterrupt):
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
