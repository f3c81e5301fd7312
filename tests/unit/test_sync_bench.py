"""The team sync benchmark (tests/bench/sync_bench.py) runs end to end on a small
journal: it must not rot between `make bench` runs."""

from __future__ import annotations

import pytest

from tests.helpers import pg


def test_the_sync_benchmark_measures_push_pull_and_latency(memory_keyring):
    from tests.bench import sync_bench

    try:
        pg._binary("initdb")
    except pg.Unavailable as exc:
        if pg.required():
            raise
        pytest.skip(f"PostgreSQL is not installed: {exc}")
    rows = sync_bench.measure(events=300, reps=1)
    assert [r.key for r in rows] == ["9a", "9b", "9c"]
    assert "305 events" in rows[0].figure and "COPY" in rows[0].verdict
    assert "x COPY" in rows[1].verdict
    median_ms = float(rows[2].measured.split(" ms")[0])
    assert 0 < median_ms < 10_000
