"""Shared fixtures: an isolated home, a simulated clock, a real SQLite file."""

from __future__ import annotations

import os
from datetime import datetime, timezone

import pytest

from tests.fakes.keyrings import memory_keyring as make_memory_keyring

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from warroom.clock import SimulatedClock  # noqa: E402
from warroom.store import Store  # noqa: E402

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory, monkeypatch):
    """Every test gets its own data, log and settings folders, and a known user."""
    home = tmp_path_factory.mktemp("home")
    for var in ("XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(var, str(home / var.lower()))
    monkeypatch.setenv("WARROOM_USER", "Tess Tester")
    monkeypatch.delenv("WARROOM_DB", raising=False)
    monkeypatch.setenv("TZ", "Europe/Berlin")
    return home


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(T0)


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "warroom.db"


@pytest.fixture
def store(db_path, clock):
    s = Store.open(db_path, clock=clock)
    yield s
    s.close()


@pytest.fixture
def cli(capsys, db_path):
    """Run ``warroom-cli`` in this process on the test database; returns (code, stdout, stderr)."""
    from warroom import cli as cli_module

    def run(*argv: str, db: bool = True):
        args = (["--db", str(db_path)] if db else []) + list(argv)
        try:
            code = cli_module.main(args)
        except SystemExit as exc:  # argparse usage errors
            code = exc.code
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture(scope="session")
def pg_cluster():
    """A throwaway PostgreSQL cluster on a Unix socket, shared by the session's tests.
    Skips with one line where PostgreSQL is missing, fails in CI (see tests/helpers/pg.py)."""
    import shutil

    from tests.helpers import pg

    try:
        cluster = pg.start()
    except pg.Unavailable as exc:
        if pg.required():
            pytest.fail(f"PostgreSQL is required here (WARROOM_REQUIRE_POSTGRES=1) but did not start: {exc}")
        pytest.skip(f"no PostgreSQL on this machine: {str(exc).splitlines()[0]}")
    yield cluster
    cluster.stop()
    shutil.rmtree(cluster.folder, ignore_errors=True)


@pytest.fixture
def pg_database(pg_cluster, request):
    """A fresh, empty database on the cluster for one test; returns its name."""
    name = "t_" + "".join(c if c.isalnum() else "_" for c in request.node.name.lower())[:50]
    pg_cluster.sql(f'DROP DATABASE IF EXISTS "{name}"')
    pg_cluster.sql(f'CREATE DATABASE "{name}"')
    yield name
    pg_cluster.sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def memory_keyring(monkeypatch):
    import keyring

    # The default backend first: keyring picks it from every backend class it knows, and a
    # test backend made before that choice would become everybody's default.
    previous = keyring.get_keyring()
    backend = make_memory_keyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)
from tests.fakes.fixtures import *  # noqa: F401,F403  (vendor-like servers on 127.0.0.1)
