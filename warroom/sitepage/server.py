"""Serving the built folder from this machine: no listings, no dot files, nothing a
symlink leads out to, and headers that keep a browser from running anything."""

from __future__ import annotations

import contextlib
import http.server
import logging
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from warroom.errors import InputError
from warroom.sitepage.publish import MARKER

log = logging.getLogger(__name__)


_CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".json": "application/json",
    ".atom": "application/atom+xml",
    ".css": "text/css; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    "": "application/octet-stream",
}


class _SiteHandler(http.server.SimpleHTTPRequestHandler):
    """Files of one folder: no listings, no dot files, nothing a symlink leads out to."""

    server_version = "WarroomStatusPage"
    sys_version = ""
    timeout = 10  # a stalled client does not hold a thread (or server_close) for long
    extensions_map = _CONTENT_TYPES

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        log.debug("%s %s", self.address_string(), format % args)

    def end_headers(self) -> None:
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header(
            "Content-Security-Policy",
            "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; "
            "form-action 'none'; frame-ancestors 'none'",
        )
        super().end_headers()

    def list_directory(self, path: str | os.PathLike[str]) -> None:
        self.send_error(404, "Not found")
        return None

    def send_head(self):  # type: ignore[no-untyped-def]
        root = Path(self.directory)
        target = Path(self.translate_path(self.path))
        try:
            rel = target.relative_to(root)
            inside = target.resolve().is_relative_to(root)
        except (ValueError, OSError):
            inside, rel = False, Path(".")
        if not inside or any(part.startswith(".") for part in rel.parts):
            self.send_error(404, "Not found")
            return None
        return super().send_head()


class SiteServer(http.server.ThreadingHTTPServer):
    """A :class:`ThreadingHTTPServer` for one site folder; ``server_close`` waits for open requests."""

    daemon_threads = False
    block_on_close = True

    def __init__(self, out_dir: Path, host: str, port: int) -> None:
        self.site_dir = out_dir
        handler = _handler_for(out_dir)
        super().__init__((host, port), handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.debug("status page request from %s failed", client_address, exc_info=True)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        host = f"[{host}]" if ":" in str(host) else host
        return f"http://{host}:{port}/"


def _handler_for(out_dir: Path) -> type[_SiteHandler]:
    root = str(out_dir)

    class Handler(_SiteHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=root, **kwargs)

    return Handler


def serve(out_dir: Path, host: str = "127.0.0.1", port: int = 8080) -> SiteServer:
    """A server for the built site, bound and listening; call ``serve_forever()`` on it.

    Stop it with ``shutdown()`` (from another thread) then ``server_close()``.
    ``port=0`` picks a free port: read it from ``server.server_address``.
    """
    out_dir = Path(out_dir).expanduser()
    if not out_dir.is_dir() or not (out_dir / MARKER).is_file():
        raise InputError(f"{out_dir} is not a status page built by War room: build the page first.")
    try:
        return SiteServer(out_dir.resolve(), host, port)
    except OSError as exc:
        raise InputError(f"Cannot serve the status page on {host}:{port}: {exc.strerror or exc}.") from None


def serve_in_thread(out_dir: Path, host: str = "127.0.0.1", port: int = 0) -> tuple[SiteServer, threading.Thread]:
    """:func:`serve`, running in a daemon thread; stop it with :func:`stop`."""
    server = serve(out_dir, host, port)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                              name="warroom-status-page", daemon=True)
    thread.start()
    return server, thread


def stop(server: http.server.HTTPServer, thread: threading.Thread | None = None) -> None:
    """Stop a server started with :func:`serve_in_thread` and release its socket."""
    server.shutdown()
    server.server_close()
    if thread is not None:
        thread.join(timeout=5)


@contextlib.contextmanager
def serving(out_dir: Path, host: str = "127.0.0.1", port: int = 0) -> Iterator[SiteServer]:
    """``with serving(folder) as server:`` — the site served in the background, stopped on exit."""
    server, thread = serve_in_thread(out_dir, host, port)
    try:
        yield server
    finally:
        stop(server, thread)
