"""A provider's public status documents served on 127.0.0.1, as the vendors serve
them: a Statuspage ``/api/v2/summary.json`` (components, unresolved incidents with
their updates newest first, an ETag, 304 to a matching If-None-Match), an Atom feed
at ``/history.atom`` and an RSS feed at ``/history.rss``.

The test changes what the page says (``.components``, ``.incidents``, ``.entries``)
and how it answers: ``.fail_next(n, status, retry_after=None)`` answers the next n
requests with that status; ``.body_override`` (bytes, content type) replaces the
next answers' body; ``.delay`` holds every answer that many seconds. ``.requests``
keeps every request's path and headers."""

from __future__ import annotations

import gzip
import hashlib
import json
import threading
import time
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from xml.sax.saxutils import escape


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        pass  # a client that hung up (a timeout, a size limit) is what some tests do


class StatusSite:
    def __init__(self) -> None:
        self.components: list[dict[str, Any]] = [
            {"id": "cmp-api", "name": "API", "status": "operational", "group": False},
            {"id": "cmp-dash", "name": "Dashboard", "status": "operational", "group": False},
        ]
        self.incidents: list[dict[str, Any]] = []
        #: Feed entries, newest first: {"id", "title", "summary", "updated"} (datetime).
        self.entries: list[dict[str, Any]] = []
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.delay = 0.0
        self.body_override: tuple[bytes, str] | None = None
        self.etags = True
        #: Send the body gzip-compressed (Content-Encoding: gzip).
        self.gzip = False
        #: When set, sent as Last-Modified, and a request with this If-Modified-Since gets 304.
        self.last_modified: str | None = None
        self._fail: list[tuple[int, str | None]] = []
        self._lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            timeout = 10

            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                site.answer(self)

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    # -- what the test sets -------------------------------------------------------

    def fail_next(self, n: int, status: int, retry_after: str | None = None) -> None:
        with self._lock:
            self._fail.extend([(status, retry_after)] * n)

    def open_incident(self, iid: str, name: str, impact: str = "major", body: str = "We are investigating.",
                      at: str = "2026-11-23T08:55:00Z") -> None:
        self.incidents.insert(0, {"id": iid, "name": name, "status": "investigating", "impact": impact,
                                  "created_at": at, "updated_at": at, "shortlink": f"https://stspg.io/{iid}",
                                  "incident_updates": [{"id": f"{iid}-u1", "status": "investigating",
                                                        "body": body, "created_at": at}]})

    def update_incident(self, iid: str, status: str, body: str, at: str) -> None:
        inc = next(i for i in self.incidents if i["id"] == iid)
        n = len(inc["incident_updates"]) + 1
        inc["status"], inc["updated_at"] = status, at
        inc["incident_updates"].insert(0, {"id": f"{iid}-u{n}", "status": status, "body": body, "created_at": at})

    def drop_incident(self, iid: str) -> None:
        self.incidents = [i for i in self.incidents if i["id"] != iid]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # -- documents ----------------------------------------------------------------

    def summary(self) -> bytes:
        worst = "none" if all(c["status"] == "operational" for c in self.components) else "major"
        return json.dumps({
            "page": {"id": "kctbh9vrtdwd", "name": "Acme Cloud", "url": "https://status.acme.example",
                     "updated_at": "2026-11-23T09:00:00Z"},
            "status": {"indicator": worst, "description": "All Systems Operational" if worst == "none"
                       else "Partial System Outage"},
            "components": self.components, "incidents": self.incidents, "scheduled_maintenances": [],
        }).encode()

    def atom(self) -> bytes:
        items = "".join(
            f"<entry><id>{escape(e['id'])}</id><title>{escape(e['title'])}</title>"
            f"<updated>{e['updated'].strftime('%Y-%m-%dT%H:%M:%SZ')}</updated>"
            f"<link rel=\"alternate\" href=\"https://status.acme.example/incidents/{escape(e['id'][-6:])}\"/>"
            f"<content type=\"html\">{escape(e['summary'])}</content></entry>" for e in self.entries)
        return ('<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
                "<id>tag:status.acme.example,2005:/history</id><title>Acme Cloud Status - Incident History</title>"
                f"<updated>2026-11-23T09:00:00Z</updated>{items}</feed>").encode()

    def rss(self) -> bytes:
        items = "".join(
            f"<item><title>{escape(e['title'])}</title><description>{escape(e['summary'])}</description>"
            f"<pubDate>{format_datetime(e['updated'], usegmt=True)}</pubDate>"
            f"<guid>{escape(e['id'])}</guid></item>" for e in self.entries)
        return ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Acme Cloud Status</title>'
                f"<link>https://status.acme.example</link><description>Acme</description>{items}</channel></rss>"
                ).encode()

    def answer(self, h: BaseHTTPRequestHandler) -> None:
        with self._lock:
            self.requests.append((h.path, {k.lower(): v for k, v in h.headers.items()}))
            fail = self._fail.pop(0) if self._fail else None
        if self.delay:
            time.sleep(self.delay)
        if fail is not None:
            status, retry_after = fail
            body = b'{"error": "slow down"}'
            h.send_response(status)
            if retry_after is not None:
                h.send_header("Retry-After", retry_after)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            h.wfile.write(body)
            return
        if self.body_override is not None:
            body, ctype = self.body_override
        elif h.path == "/api/v2/summary.json":
            body, ctype = self.summary(), "application/json; charset=utf-8"
        elif h.path == "/history.atom":
            body, ctype = self.atom(), "application/atom+xml"
        elif h.path == "/history.rss":
            body, ctype = self.rss(), "application/rss+xml; charset=utf-8"
        else:
            h.send_response(404)
            h.send_header("Content-Length", "0")
            h.end_headers()
            return
        etag = f'"{hashlib.sha256(body).hexdigest()[:16]}"'
        if self.last_modified and h.headers.get("If-Modified-Since") == self.last_modified:
            h.send_response(304)
            h.send_header("Content-Length", "0")
            h.end_headers()
            return
        if self.etags and h.headers.get("If-None-Match") == etag:
            h.send_response(304)
            h.send_header("ETag", etag)
            h.send_header("Content-Length", "0")
            h.end_headers()
            return
        if self.gzip:
            body = gzip.compress(body)
        h.send_response(200)
        h.send_header("Content-Type", ctype)
        if self.gzip:
            h.send_header("Content-Encoding", "gzip")
        if self.etags:
            h.send_header("ETag", etag)
        if self.last_modified:
            h.send_header("Last-Modified", self.last_modified)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        try:
            h.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass
