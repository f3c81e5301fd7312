"""Figure 5's child: the memory a hostile template costs, in a fresh process.

``python -m tests.bench.render_probe`` renders a shipped template (the worker's
normal peak), then the payloads that once took gigabytes and seconds, each
refused by a limit of the worker. It prints:

- ``parent-before-kb`` / ``parent-peak-kb``: this process's resident peak
  (VmHWM) before and during the payloads (reset in between where Linux allows);
- ``worker-normal-kb`` / ``worker-peak-kb``: the worker's resident peak (its
  VmHWM, read every 2 ms while a payload runs; a worker killed for a limit is
  read until it dies) after the normal renders, and the largest during a payload.
  (``RUSAGE_CHILDREN`` would not do: a forked child's peak counts the parent's
  memory at the fork.)
- ``refused <name> <ms> <limit> <worker peak MB>`` for each payload, then ``done``.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timezone

from tests.bench.procstat import memory_kb

BIG = 1_000_000_000
PAYLOADS = {
    "format-width": "{{ '{:{}}'.format('', %d) }}" % BIG,
    "percent-star": "{{ '%%*s'|format(%d, '') }}" % BIG,
    "join-range": "{{ range(9999)|join('x'*20000) }}",
    "wordwrap": "{{ ('x'*20000)|wordwrap(1, true, 'y'*20000) }}",
    "concatenation": "{% set a = 'x'*20000 %}{% set b = a~a~a~a~a~a~a~a~a~a %}{% set c = b~b~b~b~b~b~b~b~b~b %}"
                     "{% set d = c~c~c~c~c~c~c~c~c~c %}{% set e = d~d~d~d~d~d~d~d~d~d~d~d~d~d~d~d~d~d~d~d %}"
                     "{{ e|length }}",
    "big-integer": "{% set a = 9**64 %}{% if incident.ref %}" + "{% set a = a*a %}\n" * 22 + "{% endif %}{{ a > 1 }}",
}


def _reset_peak() -> None:
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")
    except OSError:
        pass


def _peak_of(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class _Sampler(threading.Thread):
    """The highest VmHWM a process shows until it ends or :meth:`stop` is called."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.done = pid, 0, threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            seen = _peak_of(self.pid)
            if not seen:
                return
            self.peak = max(self.peak, seen)
            time.sleep(0.002)

    def stop(self) -> int:
        self.done.set()
        self.join()
        return self.peak


def main() -> int:
    from warroom import renderworker
    from warroom.text.render import TemplateError, render
    from warroom.services import context, templates

    now = datetime(2026, 11, 23, 14, 5, tzinfo=timezone.utc)
    import tomllib

    # Normal work: every shipped English template, once, for an incident.
    ctx = context.context(context.sample_incident(now), locale="en", now=now, title="Checkout slow")
    for locale, path in templates.default_files():
        for item in tomllib.loads(path.read_text(encoding="utf-8")).get("template", []):
            for field in ("subject", "long", "short", "chat"):
                try:
                    render(item[field], ctx, locale=locale, zone="Europe/Berlin", now=now)
                except TemplateError:
                    pass  # internal-only words for this context: no matter here
    print("worker-normal-kb", _peak_of(renderworker.current().pid), flush=True)

    _reset_peak()
    print("parent-before-kb", memory_kb("VmHWM"), flush=True)
    worst = 0
    for name, source in PAYLOADS.items():
        renderworker.shutdown()
        render("warm", ctx)  # a fresh worker for each payload, started before the clock
        sampler = _Sampler(renderworker.current().pid)
        sampler.start()
        started = time.perf_counter()
        try:
            render(source, ctx, now=now)
            limit = "none"
        except TemplateError as exc:
            limit = (exc.limit or "error").replace(" ", "-")
        elapsed = (time.perf_counter() - started) * 1000
        peak = sampler.stop()
        worst = max(worst, peak)
        print("refused", name, f"{elapsed:.0f}", limit, f"{peak // 1024}", flush=True)
    print("parent-peak-kb", memory_kb("VmHWM"), flush=True)
    print("worker-peak-kb", worst, flush=True)
    renderworker.shutdown()
    print("done", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
