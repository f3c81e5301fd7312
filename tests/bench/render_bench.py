"""Figure 5: templates render in a bounded worker process. What that costs the
template editor's live preview, and what a hostile template costs in memory.

- 5a: one keystroke's preview (the five texts of a shipped template, the long
  text changed so it is compiled anew, as when typing) through the worker,
  against the same renders in this process, interleaved;
- 5b/5c: in a fresh child (``tests.bench.render_probe``), the resident peak of
  that process and of its worker while the payloads that once took gigabytes
  are refused, against the same before them and a worker's normal peak.
"""

from __future__ import annotations

import statistics
import time
from datetime import datetime, timezone

from tests.bench.common import PYTHON, Row, median, ratio_verdict, run_child, verdict

TARGET_MS = 50.0
KEYSTROKES = 300


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def _keystrokes(reps: int) -> tuple[list[float], list[float]]:
    import tomllib

    from warroom.text.render import render
    from warroom.sandbox import render_in_process
    from warroom.services import context, templates

    now = datetime(2026, 11, 23, 14, 5, tzinfo=timezone.utc)
    locale, path = next((loc, p) for loc, p in templates.default_files() if loc == "en")
    item = next(t for t in tomllib.loads(path.read_text(encoding="utf-8"))["template"] if t["phase"] == "update")
    base = context.context(context.sample_incident(now), locale="en", now=now, title="Checkout slow")

    def keystroke(render_one, typed: str) -> float:
        started = time.perf_counter()
        title = render_one(item.get("title") or context.default_title("en", True), base)
        ctx = dict(base, title=" ".join(title.split()))
        for field in ("subject", "long", "short", "chat"):
            source = item[field] + typed if field == "long" else item[field]
            render_one(source, ctx)
        return (time.perf_counter() - started) * 1000

    def in_worker(source, ctx):
        return render(source, ctx, locale=locale, zone="Europe/Berlin", now=now)

    def here(source, ctx):
        return render_in_process(source, ctx, locale=locale, zone="Europe/Berlin", now=now)

    keystroke(in_worker, "")  # the worker starts once, before the figures
    keystroke(here, "")
    worker_ms, here_ms = [], []
    for i in range(max(KEYSTROKES, reps)):
        typed = " and" + "x" * (i % 40) + str(i)  # a new long text each time: compiled anew on both sides
        pairs = ((worker_ms, in_worker), (here_ms, here)) if i % 2 == 0 else ((here_ms, here), (worker_ms, in_worker))
        for out, fn in pairs:
            out.append(keystroke(fn, typed))
    return worker_ms, here_ms


def measure(env: dict[str, str], reps: int) -> list[Row]:
    rows: list[Row] = []
    worker_ms, here_ms = _keystrokes(reps)
    med, p95 = median(worker_ms), _p95(worker_ms)
    base_med, base_p95 = median(here_ms), _p95(here_ms)
    rows.append(Row("5a", "Template preview, one keystroke (5 texts rendered through the worker)",
                    f"median < {TARGET_MS:.0f} ms", f"{med:.1f} ms (p95 {p95:.1f}) vs {base_med:.1f} ms "
                    f"(p95 {base_p95:.1f}) in-process", f"{verdict(med, TARGET_MS)}; "
                    f"{ratio_verdict(med / base_med, None, 'in-process')}",
                    [f"n={len(worker_ms)} keystrokes each, interleaved; every keystroke changes the long text, "
                     "so both sides compile it anew; the worker adds a pipe round trip and JSON per text"]))

    run = run_child([PYTHON, "-m", "tests.bench.render_probe"], marker="done", env=env)
    values = {key: int(kb) / 1024 for key, kb in (line.split() for line in run.lines if line.count(" ") == 1)
              if key.endswith("-kb")}
    refused = [line.split()[1:] for line in run.lines if line.startswith("refused ")]
    before, peak = values["parent-before-kb"], values["parent-peak-kb"]
    normal, worst = values["worker-normal-kb"], values["worker-peak-kb"]
    from warroom.renderworker import MEMORY_BYTES

    limit_mb = MEMORY_BYTES / 2**20
    notes = ["payloads: time to the refusal, the limit that refused it, the worker's peak: "
             + "; ".join(f"{name} {ms} ms ({limit}, {mb} MB)" for name, ms, limit, mb in refused)]
    rows.append(Row("5b", "RSS peak of the app's process while 6 hostile templates are refused",
                    "≤ 1.2x before them", f"{peak:.0f} MB vs {before:.0f} MB before",
                    ratio_verdict(peak / before, 1.2, "before"), notes))
    rows.append(Row("5c", "RSS peak of the worker during the worst payload (info; limit: address space)",
                    f"< {limit_mb:.0f} MB", f"{worst:.0f} MB vs {normal:.0f} MB normal",
                    ratio_verdict(worst / normal, None, "normal") +
                    f" — {'ok' if worst < limit_mb else 'MISSES'}",
                    ["normal: the worker's peak after rendering every shipped template once (VmHWM); during a "
                     "payload it is sampled every 2 ms until the worker answers or is stopped. RLIMIT_AS bounds "
                     "virtual memory, so the resident peak stays below the limit"]))
    return rows
