"""A throwaway PostgreSQL cluster for the tests: ``initdb`` and ``pg_ctl`` on a Unix
socket in a temporary folder, owned by an unprivileged user when the tests run as
root (PostgreSQL refuses to run as root). No TCP port is opened.

Where PostgreSQL cannot start, the tests that need it skip with one line — except
when ``WARROOM_REQUIRE_POSTGRES=1`` (set by ``.ci/run``): then they fail, so CI can
never pass by skipping them.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

#: The cluster's superuser role; it connects over the socket without a password.
ADMIN = "warroom_admin"
#: The unprivileged account that owns the cluster when the tests run as root.
UNPRIVILEGED = "nobody"


class Unavailable(Exception):
    """PostgreSQL's server programs are missing or the cluster did not start."""


def _binary(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    # Debian and Ubuntu keep the server programs off PATH.
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    if candidates:
        return candidates[0]
    raise Unavailable(f"PostgreSQL's {name} is not installed (Debian: apt-get install postgresql)")


def _clean_env() -> dict[str, str]:
    """What the server programs get: no secrets, no PG* settings from the developer's shell."""
    keep = ("PATH", "LANG", "LC_ALL", "TZ")
    return {k: v for k, v in os.environ.items() if k in keep}


@dataclass
class Cluster:
    folder: Path
    socket_dir: Path
    owner: str | None          # the OS user running the server, when not this process's

    def dsn(self, user: str = ADMIN, dbname: str = "postgres", password: str | None = None) -> str:
        parts = [f"host={self.socket_dir}", f"dbname={dbname}", f"user={user}"]
        if password is not None:
            parts.append(f"password={password}")
        return " ".join(parts)

    def url(self, user: str, dbname: str = "warroom") -> str:
        """A URL with the socket folder as host (percent-encoded), as ``--server`` takes it."""
        from urllib.parse import quote

        return f"postgresql://{user}@/{dbname}?host={quote(str(self.socket_dir), safe='')}"

    def _run(self, *argv: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(list(argv), user=self.owner, env=_clean_env(), capture_output=True, text=True,
                              check=check, timeout=60, cwd=self.folder)

    def ctl(self, action: str) -> None:
        """``start``, ``stop`` (fast) or ``restart`` — the server lost and back, as a team would see it."""
        argv = [_binary("pg_ctl"), "-D", str(self.folder / "data"), "-w", "-t", "30"]
        if action in ("start", "restart"):
            argv += ["-l", str(self.folder / "server.log")]
        if action in ("stop", "restart"):
            argv += ["-m", "fast"]
        result = self._run(*argv, action, check=False)
        if result.returncode != 0:
            log = (self.folder / "server.log").read_text(errors="replace")[-2000:] if (
                self.folder / "server.log").exists() else ""
            raise Unavailable(f"pg_ctl {action} failed: {result.stderr.strip()}\n{log}")

    def sql(self, statement: str, dbname: str = "postgres") -> None:
        import psycopg

        with psycopg.connect(self.dsn(dbname=dbname), autocommit=True) as conn:
            conn.execute(statement)

    def stop(self) -> None:
        try:
            self.ctl("stop")
        except Unavailable:
            pass


def start(root: Path | None = None) -> Cluster:
    """Make and start a cluster; the caller stops it (``Cluster.stop``) and removes the folder."""
    initdb = _binary("initdb")
    _binary("pg_ctl")
    folder = Path(tempfile.mkdtemp(prefix="warroom-pg-", dir=root))
    owner: str | None = None
    if os.geteuid() == 0:
        owner = UNPRIVILEGED
        entry = pwd.getpwnam(owner)
        os.chmod(folder, 0o700)
        os.chown(folder, entry.pw_uid, entry.pw_gid)
    cluster = Cluster(folder=folder, socket_dir=folder, owner=owner)
    result = cluster._run(initdb, "-D", str(folder / "data"), "-U", ADMIN, "--auth-local=trust",
                          "--auth-host=reject", "-E", "UTF8", "--locale=C", "--no-sync", check=False)
    if result.returncode != 0:
        raise Unavailable(f"initdb failed: {result.stderr.strip()}")
    conf = folder / "data" / "postgresql.conf"
    # The socket in the temporary folder, no TCP at all; small and quick for tests.
    settings = {
        "listen_addresses": "''",
        "unix_socket_directories": f"'{folder}'",
        "fsync": "off",
        "synchronous_commit": "off",
        "full_page_writes": "off",
        "max_connections": "50",
        "shared_buffers": "32MB",
        "password_encryption": "'scram-sha-256'",
    }
    with conf.open("a") as fh:
        fh.writelines(f"{key} = {value}\n" for key, value in settings.items())
    # The administrator over the socket without a password (the tests' own role); every
    # team login with scram-sha-256, as on a real server.
    (folder / "data" / "pg_hba.conf").write_text(
        f"local all {ADMIN} trust\n"
        "local all all scram-sha-256\n")
    if owner is not None:
        entry = pwd.getpwnam(owner)
        for path in (conf, folder / "data" / "pg_hba.conf"):
            os.chown(path, entry.pw_uid, entry.pw_gid)
    cluster.ctl("start")
    return cluster


def required() -> bool:
    return os.environ.get("WARROOM_REQUIRE_POSTGRES") == "1"
