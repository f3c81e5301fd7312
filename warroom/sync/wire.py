"""Reaching the team's server: its address, the login's password, the connection.

A server is given as a PostgreSQL URL (``postgresql://LOGIN@HOST:PORT/DB?sslmode=
verify-full``); every libpq setting in it is honoured (``sslmode``, ``sslrootcert``,
``host`` for a Unix socket…). A password never travels on the command line: a URL
holding one is refused, and the password is kept in the keyring (or the encrypted
secrets file) under the login and server, asked for once on a terminal, or left to
libpq's own ``~/.pgpass``.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlsplit

from warroom import secrets
from warroom.errors import InputError, NotPermitted, WarroomError

if TYPE_CHECKING:
    import psycopg

log = logging.getLogger(__name__)

#: Seconds to wait for the server before calling it unreachable.
CONNECT_TIMEOUT_S = 5


class Unreachable(WarroomError):
    """The server cannot be reached now (exit code 4): offline is a normal state."""

    exit_code = 4


@dataclass(frozen=True, slots=True)
class Server:
    url: str
    login: str
    #: The server without the login: where the password is kept, and what people are shown.
    where: str


def parse(url: str) -> Server:
    """Check a server URL: PostgreSQL, a login, no password."""
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query))
    except ValueError:
        raise InputError(f"{url!r} is not a server address.", field="server") from None
    if parts.scheme not in ("postgresql", "postgres"):
        raise InputError("Give the server as postgresql://LOGIN@HOST/DATABASE.", field="server")
    if parts.password is not None or "password" in query:
        raise InputError("Never put a password in the server address (it would stay in the shell's history): "
                         "War room asks for it once and keeps it in the keyring.", field="server")
    login = parts.username or query.get("user")
    if not login:
        raise InputError("Say which login to use: postgresql://LOGIN@HOST/DATABASE.", field="server")
    host = parts.hostname or query.get("host", "")
    where = f"{host}{':' + str(parts.port) if parts.port else ''}{parts.path or ''}"
    return Server(url, login, where)


def secret_name(server: Server) -> str:
    return f"sync-password:{server.login}@{server.where}"


def stored_password(server: Server) -> str | None:
    try:
        return secrets.get(secret_name(server))
    except InputError as exc:        # a locked keyring or secrets file: libpq may still know it
        log.info("the sync password cannot be read now: %s", exc)
        return None


def remember_password(server: Server, password: str) -> None:
    secrets.put(secret_name(server), password)


def _unreachable(exc: Exception) -> bool:
    text = str(exc).lower()
    return not any(words in text for words in ("password authentication failed", "no password supplied",
                                                "role \"", "does not exist", "permission denied",
                                                "pg_hba.conf"))


def connect(url: str, *, password: str | None = None) -> psycopg.Connection:
    """A connection as the URL's login, or :class:`Unreachable` (the server is down,
    the network is gone) or :class:`NotPermitted` (the server refused the login)."""
    import psycopg

    server = parse(url)
    try:
        return psycopg.connect(server.url, password=password, connect_timeout=CONNECT_TIMEOUT_S,
                               application_name="warroom", autocommit=True)
    except psycopg.OperationalError as exc:
        first = str(exc).strip().splitlines()[0].removeprefix("connection failed: ") if str(exc).strip() else type(exc).__name__
        if _unreachable(exc):
            raise Unreachable(f"Offline: the server {server.where} cannot be reached ({first}).") from None
        raise NotPermitted(f"The server {server.where} refused login {server.login}: {first}", field="server") from None


def connect_with_password(url: str, *, ask: bool = True) -> psycopg.Connection:
    """:func:`connect` with the password kept for this login and server; on a terminal,
    asks for it when the server wants one and keeps it once it works."""
    server = parse(url)
    password = stored_password(server)
    try:
        return connect(url, password=password)
    except NotPermitted:
        if not (ask and sys.stdin is not None and sys.stdin.isatty()):
            raise
    import getpass

    typed = getpass.getpass(f"Password of {server.login} on {server.where}: ")
    conn = connect(url, password=typed)
    remember_password(server, typed)
    return conn
