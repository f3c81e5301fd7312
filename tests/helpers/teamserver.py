"""A team server for the sync tests: the throwaway cluster's database with the team
schema, three logins with scram-sha-256 passwords mapped to three people, and
laptops (War room databases) that know their login's password through the keyring."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tests.helpers import pg
from warroom.store import Store
from warroom.sync import server, wire

#: login -> (person, password)
LOGINS = {"alice": ("Alice", "alice-Pw-1"), "bob": ("Bob", "bob-Pw-22"), "carol": ("Carol", "carol-Pw-333")}


@dataclass
class TeamServer:
    cluster: pg.Cluster
    database: str
    laptops: list[Store] = field(default_factory=list)

    def url(self, login: str) -> str:
        return self.cluster.url(login, self.database)

    @property
    def admin_url(self) -> str:
        return self.url(pg.ADMIN)

    def dsn(self, login: str) -> str:
        return self.cluster.dsn(login, self.database, LOGINS[login][1])

    def laptop(self, path: Path, login: str, clock) -> Store:
        """A War room database that syncs as ``login`` (its password in the keyring)."""
        store = Store.open(path, clock=clock)
        self.laptops.append(store)
        wire.remember_password(wire.parse(self.url(login)), LOGINS[login][1])
        return store

    def count(self, where: str = "true", params: tuple = ()) -> int:
        import psycopg

        with psycopg.connect(self.cluster.dsn(dbname=self.database)) as conn:
            return conn.execute(f"SELECT count(*) FROM warroom_sync.event WHERE {where}", params).fetchone()[0]

    def admin_sql(self, statement: str, params: tuple = ()) -> list[tuple]:
        import psycopg

        with psycopg.connect(self.cluster.dsn(dbname=self.database), autocommit=True) as conn:
            cur = conn.execute(statement, params)
            return cur.fetchall() if cur.description else []


def start(cluster: pg.Cluster, database: str) -> TeamServer:
    team = TeamServer(cluster, database)
    server.init(team.admin_url)
    for login, (person, password) in LOGINS.items():
        exists = team.admin_sql("SELECT 1 FROM pg_roles WHERE rolname = %s", (login,))
        if not exists:
            cluster.sql(f"CREATE ROLE {login} LOGIN")
        cluster.sql(f"ALTER ROLE {login} PASSWORD '{password}'")
        server.add(team.admin_url, login, person)
    return team
