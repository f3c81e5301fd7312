"""The webhook receiver: a small threaded HTTP server (the standard library's) that
takes ``POST /hooks/NAME`` from each configured source; :func:`receive` is also
what the file import of payloads saved while offline uses (:mod:`warroom.inbound.batch`).

Every request is checked before anything is stored:

- more connections at once than :data:`MAX_CONNECTIONS` → 503 with ``Retry-After``;
- an unknown source → 404; no ``Content-Length`` → 411; a body over the limit → 413
  without reading it; one client sending more than :data:`UNVERIFIED_FACTOR` times
  the source's rate → 429 before its body is read;
- the signature or token as the vendor documents it, compared in constant time: a
  wrong or missing one → 401, nothing stored;
- over the source's rate (counting only requests that passed the check, so forged
  ones cannot use up the vendor's allowance) → 429 with ``Retry-After``;
- a body that is not what the vendor sends → 400, nothing stored;
- a vendor event already received → 200, ignored.

Every outcome is logged (the source, the result, never a secret, token or header)."""

from __future__ import annotations

import json
import logging
import math
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from warroom.errors import InputError, NotFound
from warroom.inbound import handle, sources
from warroom.inbound.handle import Outcome
from warroom.inbound.signal import MAX_BODY, BadPayload
from warroom.inbound.sources import SourceView
from warroom.store import Store

log = logging.getLogger("warroom.inbound")

DEFAULT_BIND = "127.0.0.1:8787"
DEFAULT_RATE = 60
#: How many requests per minute one client address may send a source before its
#: signature is checked, as a multiple of the source's rate.
UNVERIFIED_FACTOR = 10
#: Requests handled at once; more wait for a free thread or are told to come back.
MAX_CONNECTIONS = 32
#: Seconds a client has to send its body (a slow sender cannot hold a thread for ever).
READ_TIMEOUT = 10.0


@dataclass
class Reply:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] | None = None


class RateLimiter:
    """At most ``rate`` requests per source in any minute (a sliding window)."""

    def __init__(self, now: Callable[[], float] = time.monotonic) -> None:
        self._now = now
        self._seen: dict[str, deque[float]] = {}
        self._guard = threading.Lock()

    def wait(self, name: str, rate: int) -> int:
        """0 when this request may go on (and counts it); else seconds to wait."""
        with self._guard:
            now = self._now()
            q = self._seen.setdefault(name, deque())
            while q and q[0] <= now - 60:
                q.popleft()
            if len(q) >= rate:
                return max(1, math.ceil(q[0] + 60 - now))
            q.append(now)
            return 0


def _route(path: str) -> tuple[str | None, str | None]:
    """``/hooks/NAME`` or ``/hooks/NAME/TOKEN``, ``?token=`` too: (name, url token)."""
    parts = urlsplit(path)
    bits = [b for b in parts.path.split("/") if b]
    if len(bits) not in (2, 3) or bits[0] != "hooks":
        return None, None
    token = bits[2] if len(bits) == 3 else (parse_qs(parts.query).get("token") or [None])[0]
    return bits[1], token


def accept(store: Store, limiter: RateLimiter, path: str, headers: Mapping[str, str] | Any,
           read: Callable[[int], bytes], *, max_body: int = MAX_BODY, client: str = "-") -> tuple[Reply, str]:
    """One request, start to end: (the reply, the source's name for the log)."""
    name, token = _route(path)
    if name is None:
        return Reply(404, {"error": "not found: post to /hooks/NAME"}), "-"
    try:
        source = sources.get(store, name)
    except (NotFound, InputError):
        return Reply(404, {"error": f"no source named {name}"}), name[:40]
    length_text = headers.get("Content-Length")
    try:
        length = int(length_text) if length_text is not None else -1
    except ValueError:
        length = -1
    if length < 0:
        return Reply(411, {"error": "a Content-Length is required"}), source.name
    if length > max_body:
        return Reply(413, {"error": f"the body is over {max_body} bytes"}), source.name
    rate = int(source.settings.get("rate_per_minute", DEFAULT_RATE))
    wait = limiter.wait(f"{source.name}\0{client}", rate * UNVERIFIED_FACTOR)
    if wait:   # one client flooding: its bodies are not even read
        return Reply(429, {"error": "too many requests"}, {"Retry-After": str(wait)}), source.name
    body = read(length)
    if len(body) != length:
        return Reply(400, {"error": "the body ended early"}), source.name
    secret = sources.read_secret(source)
    module = sources.KINDS[source.kind]
    if not secret or not module.verify(headers, body, secret, url_token=token, settings=source.settings):
        return Reply(401, {"error": "signature or token does not match"}), source.name
    wait = limiter.wait(source.name, rate)
    if wait:
        return Reply(429, {"error": "too many requests"}, {"Retry-After": str(wait)}), source.name
    try:
        outcomes = receive(store, source, headers, body)
    except BadPayload as exc:
        return Reply(400, {"error": str(exc)}), source.name
    return Reply(200, {"outcomes": [o.as_dict() for o in outcomes]}), source.name


def receive(store: Store, source: SourceView, headers: Mapping[str, str] | Any, body: bytes) -> list[Outcome]:
    """A body already checked (or imported by the operator): parse and handle it.
    A malformed body raises :class:`BadPayload` before anything is stored."""
    if len(body) > MAX_BODY:
        raise BadPayload(f"The body is {len(body):,} bytes; at most {MAX_BODY:,} are read.")
    signals = sources.KINDS[source.kind].parse(headers, body)
    return handle.handle(store, source, signals)


class _Handler(BaseHTTPRequestHandler):
    server_version = "WarRoom"
    sys_version = ""
    protocol_version = "HTTP/1.1"
    #: Seconds a client has for its request line, headers and body (a slow sender cannot hold a thread).
    timeout = READ_TIMEOUT

    def do_POST(self) -> None:  # noqa: N802 (the standard library's name)
        server: Receiver = self.server  # type: ignore[assignment]
        try:
            reply, name = accept(server.store, server.limiter, self.path, self.headers, self.rfile.read,
                                 max_body=server.max_body, client=str(self.client_address[0]))
        except Exception:   # a fault of ours: the vendor retries later
            log.exception("inbound: the request to a source failed")
            reply, name = Reply(500, {"error": "internal error; retry later"}), "-"
        # Recorded before the reply goes out: a client (or a test) that has its answer finds it logged.
        log.info("inbound %s: %d", name, reply.status)
        server.outcomes.append((name, reply.status))
        if reply.status == 200 and server.on_handled is not None:
            try:
                server.on_handled(name, list(reply.body.get("outcomes") or []))
            except Exception:   # telling someone must never cost the vendor its answer
                log.exception("inbound: telling of a handled request failed")
        self._send(reply)

    def do_GET(self) -> None:  # noqa: N802
        self._send(Reply(405, {"error": "webhooks are POSTed"}))

    def _send(self, reply: Reply) -> None:
        data = json.dumps(reply.body, default=str).encode("utf-8")
        self.send_response(reply.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if reply.status >= 400:
            self.send_header("Connection", "close")   # an unread body must not be taken for the next request
            self.close_connection = True
        for k, v in (reply.headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass   # the path can hold a token: outcomes are logged by do_POST, without it


class Receiver(ThreadingHTTPServer):
    """``Receiver(store, ("127.0.0.1", 0))``; ``serve_forever()``; ``shutdown()``."""

    daemon_threads = True

    def __init__(self, store: Store, address: tuple[str, int], *, max_body: int = MAX_BODY,
                 limiter: RateLimiter | None = None,
                 on_handled: Callable[[str, list[dict[str, Any]]], None] | None = None) -> None:
        self.store = store
        #: Told of each accepted request's outcomes (source name, outcomes as dicts), e.g.
        #: ``inbound serve`` printing what opened an incident for whoever runs it.
        self.on_handled = on_handled
        self.max_body = max_body
        self.limiter = limiter or RateLimiter()
        self.outcomes: deque[tuple[str, int]] = deque(maxlen=1000)
        self.slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)

    def process_request(self, request, client_address) -> None:
        """A thread per request, at most :data:`MAX_CONNECTIONS` at once: one more is
        told to come back (503) rather than given a thread of its own."""
        if not self.slots.acquire(timeout=1.0):
            try:
                request.sendall(b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 5\r\nContent-Length: 0\r\n"
                                b"Connection: close\r\n\r\n")
            except OSError:
                pass
            self.shutdown_request(request)
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request, client_address) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def parse_bind(text: str) -> tuple[str, int]:
    host, sep, port = (text or DEFAULT_BIND).rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise InputError(f"--bind is HOST:PORT, e.g. {DEFAULT_BIND}; not {text!r}.", field="bind")
    return host.strip("[]") or "127.0.0.1", int(port)
