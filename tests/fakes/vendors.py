"""Vendor-like HTTP servers on 127.0.0.1 for channel tests.

Each is a real ``ThreadingHTTPServer`` on a free port, served from a daemon thread.
They check requests the way the vendor does (auth, paths, payload shape and limits)
and answer like it. Shared control (thread-safe):

``.url``                    ``http://127.0.0.1:<port>``
``.requests``               every request as :class:`Recorded` (method, path, headers, body, at)
``.mode``                   "ok" | "429" | "500" | "slow" | "drop" (FakeStatuspage also "420")
``.fail_next(n, mode, retry_after=1)``   the next n answers fail that way, then back to ``.mode``
                            (queued in order: ``fail_next(1, "ok")`` first lets one request through)
``.retry_after``            the Retry-After value sent with 429/420 answers
``.delay``                  how long "slow" waits before answering (seconds)
``rate_per_s`` / ``burst``  when set, requests faster than that get 429 + Retry-After; ``.rate_limited`` counts them
                            (arrivals up to ``rate_slack_s``, default 0.05 s, early are forgiven as jitter)
``.stop()``                 shut down, close every connection
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import re
import secrets
import socket
import threading
import time
from dataclasses import dataclass, field
from email.message import Message as HeaderMap
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

MODES = ("ok", "429", "500", "slow", "drop")


@dataclass
class Recorded:
    method: str
    path: str              # with the query string
    headers: HeaderMap     # case-insensitive: headers["content-type"]
    body: bytes
    at: float              # time.monotonic() when it arrived

    @property
    def route(self) -> str:
        return urlsplit(self.path).path

    @property
    def query(self) -> dict[str, str]:
        return {k: v[-1] for k, v in parse_qs(urlsplit(self.path).query).items()}

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))

    def form(self) -> dict[str, str]:
        return {k: v[-1] for k, v in parse_qs(self.body.decode("utf-8"), keep_blank_values=True).items()}


@dataclass
class Answer:
    status: int
    body: bytes | str | dict | list = b""
    headers: dict[str, str] = field(default_factory=dict)

    def encoded(self) -> tuple[bytes, str]:
        if isinstance(self.body, (dict, list)):
            return json.dumps(self.body).encode("utf-8"), "application/json; charset=utf-8"
        if isinstance(self.body, str):
            return self.body.encode("utf-8"), "text/plain; charset=utf-8"
        return self.body, "application/octet-stream"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeVendor/1"
    timeout = 10  # an idle keep-alive connection does not keep a thread forever

    def setup(self) -> None:
        super().setup()
        # Answer at once: without this, Nagle's algorithm and the client's delayed ACK
        # hold every response back ~40 ms (the header and body go in separate writes).
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.fake._track(self.connection, True)  # type: ignore[attr-defined]

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.fake._track(self.connection, False)  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
        pass

    def _handle(self) -> None:
        fake: FakeServer = self.server.fake  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        rec = Recorded(self.command, self.path, self.headers, body, time.monotonic())
        answer = fake._dispatch(rec)
        if answer is None:  # "drop": close without a word
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        data, ctype = answer.encoded()
        try:
            self.send_response(answer.status)
            headers = {"Content-Type": ctype, **answer.headers}
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)
            self.wfile.flush()
        except OSError:  # the client gave up (a "slow" answer after its timeout)
            self.close_connection = True

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _handle


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request: Any, client_address: Any) -> None:  # no tracebacks on stderr
        pass


class FakeServer:
    """The shared machinery; subclasses implement :meth:`answer`."""

    modes: tuple[str, ...] = MODES
    name = "vendor"

    def __init__(self, *, rate_per_s: float | None = None, burst: int = 1, delay: float = 1.5,
                 rate_slack_s: float = 0.05) -> None:
        self.requests: list[Recorded] = []
        self.rate_slack_s = rate_slack_s  # arrival jitter forgiven by the rate check (seconds)
        self.delay = delay
        self.rate_per_s = rate_per_s
        self.burst = burst
        self.rate_limited = 0
        self._lock = threading.RLock()
        self._mode = "ok"
        self._retry_after: float | int = 1
        self._failures: list[tuple[str, float | int]] = []
        self._tokens = float(burst)
        self._refilled = time.monotonic()
        self._stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.fake = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"fake-{self.name}", daemon=True)
        self._thread.start()

    # --- control ---------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def mode(self) -> str:
        with self._lock:
            return self._mode

    @mode.setter
    def mode(self, value: str) -> None:
        if value not in self.modes:
            raise ValueError(f"mode must be one of {self.modes}")
        with self._lock:
            self._mode = value

    @property
    def retry_after(self) -> float | int:
        with self._lock:
            return self._retry_after

    @retry_after.setter
    def retry_after(self, value: float | int) -> None:
        with self._lock:
            self._retry_after = value

    def fail_next(self, n: int, mode: str, retry_after: float | int = 1) -> None:
        """The next ``n`` requests get ``mode`` (with ``retry_after`` for a 429), then ``.mode`` again."""
        if mode not in self.modes:
            raise ValueError(f"mode must be one of {self.modes}")
        with self._lock:
            self._failures.extend([(mode, retry_after)] * n)

    def stop(self) -> None:
        self._stopping.set()
        self._httpd.shutdown()
        with self._lock:
            open_now = list(self._connections)
        for conn in open_now:  # wake handler threads waiting on idle keep-alive connections
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._httpd.server_close()
        self._thread.join(5)

    def __enter__(self) -> "FakeServer":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # --- internals --------------------------------------------------------------------------------

    def _track(self, conn: socket.socket, add: bool) -> None:
        with self._lock:
            (self._connections.add if add else self._connections.discard)(conn)

    def _take_token(self, now: float) -> bool:
        if not self.rate_per_s:
            return True
        elapsed = now - self._refilled
        self._refilled = now
        self._tokens = min(float(self.burst), self._tokens + elapsed * self.rate_per_s)
        if self._tokens >= 1.0 - self.rate_slack_s * self.rate_per_s:  # network/timer jitter
            self._tokens = max(0.0, self._tokens - 1.0)
            return True
        return False

    def _dispatch(self, rec: Recorded) -> Answer | None:
        with self._lock:
            self.requests.append(rec)
            if self._failures:
                mode, retry_after = self._failures.pop(0)
            else:
                mode, retry_after = self._mode, self._retry_after
            limited = mode == "ok" and not self._take_token(rec.at)
            if limited:
                self.rate_limited += 1
        if limited:
            wait = max(1, math.ceil(1.0 / self.rate_per_s)) if self.rate_per_s else 1
            return self.too_many(wait, 429)
        if mode in ("429", "420"):
            return self.too_many(retry_after, int(mode))
        if mode == "500":
            return self.server_error()
        if mode == "drop":
            return None
        if mode == "slow":
            self._stopping.wait(self.delay)
        with self._lock:
            return self.answer(rec)

    # --- what a vendor says -------------------------------------------------------------------

    def too_many(self, retry_after: float | int, status: int) -> Answer:
        return Answer(status, {"error": "rate limited"}, {"Retry-After": str(retry_after)})

    def server_error(self) -> Answer:
        return Answer(500, {"error": "internal error"})

    def answer(self, rec: Recorded) -> Answer:  # pragma: no cover - subclasses
        raise NotImplementedError


def _json_body(rec: Recorded) -> Any:
    ctype = rec.headers.get("Content-Type", "")
    if not ctype.lower().startswith("application/json"):
        raise ValueError("not JSON")
    return rec.json()


# --- Slack -------------------------------------------------------------------------------------------

class FakeSlack(FakeServer):
    """An incoming webhook at ``/services/T…/B…/<24-char token>``; ``.webhook_url`` is the secret."""

    name = "slack"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
        self.token = "".join(secrets.choice(alphabet) for _ in range(24))
        self.hook_path = f"/services/T0WARROOM1/B0WARROOM2/{self.token}"
        self.archived = False
        self.messages: list[dict[str, Any]] = []

    @property
    def webhook_url(self) -> str:
        return self.url + self.hook_path

    def too_many(self, retry_after: float | int, status: int) -> Answer:
        return Answer(429, "rate_limited", {"Retry-After": str(retry_after)})

    def server_error(self) -> Answer:
        return Answer(500, "internal_error")

    def answer(self, rec: Recorded) -> Answer:
        if rec.method != "POST":
            return Answer(405, "invalid_method")
        if not re.fullmatch(r"/services/T[A-Z0-9]+/B[A-Z0-9]+/[A-Za-z0-9]{24}", rec.route):
            return Answer(404, "no_service")
        if rec.route != self.hook_path:
            return Answer(403, "invalid_token")
        if self.archived:
            return Answer(410, "channel_is_archived")
        try:
            payload = _json_body(rec)
        except ValueError:
            return Answer(400, "invalid_payload")
        if not isinstance(payload, dict) or not (payload.get("text") or payload.get("blocks")):
            return Answer(400, "no_text")
        problem = self.check_blocks(payload.get("blocks"))
        if problem:
            return Answer(400, f"invalid_blocks: {problem}")
        self.messages.append(payload)
        return Answer(200, "ok")

    @staticmethod
    def check_blocks(blocks: Any) -> str | None:
        if blocks is None:
            return None
        if not isinstance(blocks, list) or len(blocks) > 50:
            return "blocks must be a list of at most 50"
        for i, block in enumerate(blocks):
            kind = block.get("type") if isinstance(block, dict) else None
            if kind == "header":
                text = block.get("text") or {}
                if text.get("type") != "plain_text":
                    return f"blocks[{i}].text must be plain_text"
                if not 0 < len(text.get("text", "")) <= 150:
                    return f"blocks[{i}].text must be 1-150 characters"
            elif kind == "section":
                text = block.get("text") or {}
                if text.get("type") not in ("mrkdwn", "plain_text"):
                    return f"blocks[{i}].text.type"
                if not 0 < len(text.get("text", "")) <= 3000:
                    return f"blocks[{i}].text must be 1-3000 characters"
            elif kind == "context":
                elements = block.get("elements") or []
                if not 0 < len(elements) <= 10:
                    return f"blocks[{i}].elements must be 1-10"
                if any(e.get("type") not in ("mrkdwn", "plain_text", "image") for e in elements):
                    return f"blocks[{i}].elements type"
            elif kind not in ("divider", "actions", "image", "rich_text"):
                return f"blocks[{i}].type {kind!r} unknown"
        return None


# --- Teams ---------------------------------------------------------------------------------------------

class FakeTeams(FakeServer):
    """A Workflows trigger URL carrying ``sig=``; ``.webhook_url`` is the secret."""

    name = "teams"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sig = secrets.token_urlsafe(32)
        self.hook_path = (f"/workflows/{secrets.token_hex(16)}/triggers/manual/paths/invoke"
                          f"?api-version=1&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig={self.sig}")
        self.messages: list[dict[str, Any]] = []

    @property
    def webhook_url(self) -> str:
        return self.url + self.hook_path

    def answer(self, rec: Recorded) -> Answer:
        if rec.method != "POST":
            return Answer(405, {"error": {"code": "MethodNotAllowed"}})
        expected = urlsplit(self.hook_path).path
        if rec.route != expected:
            return Answer(404, {"error": {"code": "WorkflowNotFound"}})
        if not hmac.compare_digest(rec.query.get("sig", ""), self.sig):
            return Answer(401, {"error": {"code": "DirectApiAuthorizationRequired",
                                          "message": "The request must be authenticated"}})
        try:
            payload = _json_body(rec)
        except ValueError:
            return Answer(400, {"error": {"code": "InvalidRequestContent"}})
        problem = self.check_envelope(payload)
        if problem:
            return Answer(400, {"error": {"code": "InvalidTemplate", "message": problem}})
        self.messages.append(payload)
        return Answer(202, b"")

    @staticmethod
    def check_envelope(payload: Any) -> str | None:
        if not isinstance(payload, dict) or payload.get("type") != "message":
            return "type must be message"
        attachments = payload.get("attachments")
        if not isinstance(attachments, list) or not attachments:
            return "attachments must be a non-empty list"
        for att in attachments:
            if att.get("contentType") != "application/vnd.microsoft.card.adaptive":
                return "contentType must be application/vnd.microsoft.card.adaptive"
            card = att.get("content") or {}
            if card.get("type") != "AdaptiveCard" or not isinstance(card.get("version"), str):
                return "content must be an AdaptiveCard with a version"
            body = card.get("body")
            if not isinstance(body, list) or not all(isinstance(e, dict) and e.get("type") for e in body):
                return "body must be a list of typed elements"
            for element in body:
                if element["type"] == "TextBlock" and not isinstance(element.get("text"), str):
                    return "TextBlock needs text"
                if element["type"] == "FactSet" and not all(
                        isinstance(f.get("title"), str) and isinstance(f.get("value"), str)
                        for f in element.get("facts", [])):
                    return "facts need string title and value"
            for action in card.get("actions", []) or []:
                if action.get("type") == "Action.OpenUrl" and not str(action.get("url", "")).startswith("http"):
                    return "Action.OpenUrl needs an absolute url"
        return None


# --- Statuspage ----------------------------------------------------------------------------------------

class FakeStatuspage(FakeServer):
    """``/v1/pages/{page_id}[/incidents[/{id}[/incident_updates/{update_id}]]]`` with
    ``Authorization: OAuth <api_key>``. ``.base_url`` ends in /v1; ``.incidents`` maps id ->
    incident, whose ``incident_updates`` are newest first (each with ``id``, ``incident_id``,
    ``status``, ``body``, ``created_at``, ``updated_at``, ...) as in every answer about it;
    ``.updates(incident_id)`` and ``.update(update_id)`` read them; ``.components`` maps
    component id -> {"name", "status"}.

    ``PATCH`` (or ``PUT``) ``…/incident_updates/{update_id}`` with ``{"incident_update":
    {"body", "display_at", "deliver_notifications", "wants_twitter_update"}}`` edits an
    earlier update ("Update a previous incident update") and answers with that update;
    other fields are ignored (an edit never changes the incident's status).

    Creating an incident always adds its first incident update. ``PATCH …/incidents/{id}``
    adds one when it carries a ``body`` (even an empty one), or when it changes the
    incident's status (every status the incident goes through is an update; its body is
    then ""); a PATCH without a body that keeps the status changes the name, impact and
    components and adds no update."""

    name = "statuspage"
    modes = MODES + ("420",)
    STATUSES = ("investigating", "identified", "monitoring", "resolved")
    IMPACTS = ("none", "minor", "major", "critical")
    COMPONENT_STATUSES = ("operational", "degraded_performance", "partial_outage", "major_outage",
                          "under_maintenance")

    def __init__(self, *, api_key: str | None = None, page_id: str = "kctbh9vrtdwd", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.api_key = api_key or secrets.token_hex(20)
        self.page_id = page_id
        self.page_name = "Acme Status"
        self.components: dict[str, dict[str, str]] = {
            "8kbf7d35c070": {"name": "Checkout", "status": "operational"},
            "vtnh60py4yd7": {"name": "Payments", "status": "operational"},
            "1f2g3h4j5k6l": {"name": "Search", "status": "operational"},
        }
        self.incidents: dict[str, dict[str, Any]] = {}

    @property
    def base_url(self) -> str:
        return self.url + "/v1"

    def updates(self, incident_id: str) -> list[dict[str, Any]]:
        """The incident's updates as stored now, newest first (copies)."""
        with self._lock:
            return [dict(u) for u in self.incidents[incident_id]["incident_updates"]]

    def update(self, update_id: str) -> dict[str, Any] | None:
        """One incident update by id, from any incident (a copy), or None."""
        with self._lock:
            for inc in self.incidents.values():
                for u in inc["incident_updates"]:
                    if u["id"] == update_id:
                        return dict(u)
        return None

    def too_many(self, retry_after: float | int, status: int) -> Answer:
        return Answer(status, {"error": "Rate limit exceeded"}, {"Retry-After": str(retry_after)})

    def answer(self, rec: Recorded) -> Answer:
        auth = rec.headers.get("Authorization", "")
        if not hmac.compare_digest(auth, f"OAuth {self.api_key}"):
            return Answer(401, {"error": "Could not authenticate"})
        m = re.fullmatch(r"/v1/pages/([^/]+)(?:/incidents(?:/([^/]+)(?:/incident_updates(?:/([^/]+))?)?)?)?",
                         rec.route)
        if not m or m.group(1) != self.page_id:
            return Answer(404, {"error": "The page could not be found"})
        if "/incident_updates" in rec.route:
            return self.answer_update(rec, m.group(2), m.group(3))
        incidents = rec.route.rstrip("/").endswith("/incidents") or m.group(2)
        if not incidents:
            if rec.method != "GET":
                return Answer(405, {"error": "Method not allowed"})
            return Answer(200, {"id": self.page_id, "name": self.page_name, "subdomain": "acme",
                                "url": "https://status.acme.example"})
        iid = m.group(2)
        if rec.method == "GET":
            if iid:
                inc = self.incidents.get(iid)
                return Answer(200, inc) if inc else Answer(404, {"error": "Incident not found"})
            return Answer(200, list(self.incidents.values()))
        try:
            body = _json_body(rec)
            fields = body["incident"]
            if not isinstance(fields, dict):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            return Answer(400, {"error": "incident is missing"})
        if rec.method == "POST" and not iid:
            problem = self.check(fields, creating=True)
            if problem:
                return Answer(422, {"error": [problem]})
            return Answer(201, self._create(fields))
        if rec.method == "PATCH" and iid:
            if iid not in self.incidents:
                return Answer(404, {"error": "Incident not found"})
            problem = self.check(fields, creating=False)
            if problem:
                return Answer(422, {"error": [problem]})
            return Answer(200, self._update(self.incidents[iid], fields))
        return Answer(405, {"error": "Method not allowed"})

    def answer_update(self, rec: Recorded, iid: str, uid: str | None) -> Answer:
        if rec.method not in ("PATCH", "PUT") or not uid:
            return Answer(405, {"error": "Method not allowed"})
        inc = self.incidents.get(iid)
        if inc is None:
            return Answer(404, {"error": "Incident not found"})
        found = next((u for u in inc["incident_updates"] if u["id"] == uid), None)
        if found is None:
            return Answer(404, {"error": "Incident update not found"})
        try:
            fields = _json_body(rec)["incident_update"]
            if not isinstance(fields, dict):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            return Answer(400, {"error": "incident_update is missing"})
        if "body" in fields and not isinstance(fields["body"], str):
            return Answer(422, {"error": ["body must be a string"]})
        for key in ("deliver_notifications", "wants_twitter_update"):
            if key in fields and not isinstance(fields[key], bool):
                return Answer(422, {"error": [f"{key} must be true or false"]})
        for key in ("body", "display_at", "deliver_notifications", "wants_twitter_update"):
            if key in fields:
                found[key] = fields[key]
        found["updated_at"] = self._now()
        return Answer(200, found)

    @staticmethod
    def _now() -> str:
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())

    def check(self, f: dict[str, Any], *, creating: bool) -> str | None:
        if creating and not str(f.get("name") or "").strip():
            return "Name can't be blank"
        if "status" in f and f["status"] not in self.STATUSES:
            return f"Status {f['status']!r} is not included in the list"
        if creating and "status" not in f:
            return "Status can't be blank"
        if "impact_override" in f and f["impact_override"] not in self.IMPACTS:
            return f"Impact override {f['impact_override']!r} is not included in the list"
        for cid in f.get("component_ids") or []:
            if cid not in self.components:
                return f"Component {cid!r} not found"
        comps = f.get("components") or {}
        if not isinstance(comps, dict):
            return "components must be an object"
        for cid, status in comps.items():
            if cid not in self.components:
                return f"Component {cid!r} not found"
            if status not in self.COMPONENT_STATUSES:
                return f"Component status {status!r} is not included in the list"
        if "deliver_notifications" in f and not isinstance(f["deliver_notifications"], bool):
            return "deliver_notifications must be true or false"
        return None

    def _apply(self, inc: dict[str, Any], f: dict[str, Any], *, creating: bool = False) -> dict[str, Any]:
        status_before = inc.get("status")
        for key in ("name", "status", "impact_override"):
            if key in f:
                inc[key] = f[key]
        if "impact_override" in f:
            inc["impact"] = f["impact_override"]
        for cid, status in (f.get("components") or {}).items():
            self.components[cid]["status"] = status
        ids = f.get("component_ids")
        if ids is not None:
            inc["components"] = [{"id": cid, "name": self.components[cid]["name"],
                                  "status": self.components[cid]["status"]} for cid in ids]
        if inc.get("status") == "resolved":
            inc["resolved_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        now = self._now()
        inc["updated_at"] = now
        if not (creating or "body" in f or inc.get("status") != status_before):
            return inc
        inc["incident_updates"].insert(0, {
            "id": secrets.token_hex(6), "incident_id": inc["id"], "status": inc.get("status"),
            "body": f.get("body") or "", "deliver_notifications": f.get("deliver_notifications", True),
            "affected_components": [{"code": c["id"], "new_status": c["status"]} for c in inc["components"]],
            "created_at": now, "updated_at": now, "display_at": now,
        })
        return inc

    def _create(self, f: dict[str, Any]) -> dict[str, Any]:
        iid = "".join(secrets.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(12))
        inc = {"id": iid, "page_id": self.page_id, "shortlink": f"https://stspg.io/{iid[:6]}",
               "impact": "none", "components": [], "incident_updates": []}
        self.incidents[iid] = inc
        return self._apply(inc, f, creating=True)

    def _update(self, inc: dict[str, Any], f: dict[str, Any]) -> dict[str, Any]:
        return self._apply(inc, f)


# --- Twilio ------------------------------------------------------------------------------------------

class FakeTwilio(FakeServer):
    """``/2010-04-01/Accounts/{sid}/Messages.json`` with Basic auth ``account_sid:auth_token``.
    ``.messages`` holds accepted messages as form dicts plus ``sid``."""

    name = "twilio"

    def __init__(self, *, account_sid: str | None = None, auth_token: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.account_sid = account_sid or "AC" + secrets.token_hex(16)
        self.auth_token = auth_token or secrets.token_hex(16)
        self.messages: list[dict[str, str]] = []

    def _error(self, status: int, code: int, message: str, headers: dict[str, str] | None = None) -> Answer:
        return Answer(status, {"code": code, "message": message, "status": status,
                               "more_info": f"https://www.twilio.com/docs/errors/{code}"}, headers or {})

    def too_many(self, retry_after: float | int, status: int) -> Answer:
        return self._error(429, 20429, "Too Many Requests", {"Retry-After": str(retry_after)})

    def server_error(self) -> Answer:
        return self._error(500, 20500, "Internal Server Error")

    def answer(self, rec: Recorded) -> Answer:
        auth = rec.headers.get("Authorization", "")
        expected = "Basic " + base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        if not hmac.compare_digest(auth, expected):
            return self._error(401, 20003, "Authenticate")
        m = re.fullmatch(r"/2010-04-01/Accounts/([^/]+?)(/Messages)?\.json", rec.route)
        if not m or m.group(1) != self.account_sid:
            return self._error(404, 20404, f"The requested resource {rec.route} was not found")
        if not m.group(2):
            if rec.method != "GET":
                return self._error(405, 20004, "Method not allowed")
            return Answer(200, {"sid": self.account_sid, "friendly_name": "War room test account",
                                "status": "active", "type": "Full"})
        if rec.method != "POST":
            return self._error(405, 20004, "Method not allowed")
        if not rec.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
            return self._error(400, 21606, "Parameters must be form-encoded")
        form = rec.form()
        to = form.get("To", "")
        if not re.fullmatch(r"\+[1-9]\d{6,14}", to):
            return self._error(400, 21211, f"The 'To' number {to} is not a valid phone number.")
        if not form.get("From") and not form.get("MessagingServiceSid"):
            return self._error(400, 21603, "A 'From' phone number is required.")
        if form.get("From") and not re.fullmatch(r"\+[1-9]\d{6,14}", form["From"]):
            return self._error(400, 21212, f"The 'From' number {form['From']} is not a valid phone number.")
        body = form.get("Body", "")
        if not body:
            return self._error(400, 21602, "Message body is required.")
        if len(body) > 1600:
            return self._error(400, 21617, "The concatenated message body exceeds the 1600 character limit.")
        sid = "SM" + secrets.token_hex(16)
        self.messages.append({**form, "sid": sid})
        return Answer(201, {"sid": sid, "account_sid": self.account_sid, "to": to, "from": form.get("From"),
                            "messaging_service_sid": form.get("MessagingServiceSid"), "body": body,
                            "status": "queued", "num_segments": "1"})


# --- a generic signed-webhook receiver ------------------------------------------------------------------

class FakeWebhookReceiver(FakeServer):
    """Checks ``<signature_header>: sha256=HMAC(key, f"{ts}." + body)`` and a fresh
    ``X-Warroom-Timestamp``; drops a repeated ``Idempotency-Key``. ``.received``: unique bodies;
    ``.duplicates``: how many repeats were dropped."""

    name = "webhook"

    def __init__(self, *, key: str | None = None, signature_header: str = "X-Warroom-Signature",
                 tolerance_s: float = 300, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.key = key or secrets.token_urlsafe(24)
        self.signature_header = signature_header
        self.tolerance_s = tolerance_s
        self.received: list[dict[str, Any]] = []
        self.duplicates = 0
        self._seen: set[str] = set()

    @property
    def hook_url(self) -> str:
        return self.url + "/hooks/warroom"

    def answer(self, rec: Recorded) -> Answer:
        if rec.method != "POST" or rec.route != "/hooks/warroom":
            return Answer(404, {"error": "not found"})
        stamp = rec.headers.get("X-Warroom-Timestamp", "")
        given = rec.headers.get(self.signature_header, "")
        if not stamp.isdigit() or abs(time.time() - int(stamp)) > self.tolerance_s:
            return Answer(401, {"error": "missing or stale timestamp"})
        want = "sha256=" + hmac.new(self.key.encode(), f"{stamp}.".encode() + rec.body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(given, want):
            return Answer(401, {"error": "bad signature"})
        key = rec.headers.get("Idempotency-Key", "")
        if not key:
            return Answer(400, {"error": "Idempotency-Key is required"})
        try:
            payload = _json_body(rec)
        except ValueError:
            return Answer(400, {"error": "body must be JSON"})
        if key in self._seen:
            self.duplicates += 1
            return Answer(200, {"ok": True, "duplicate": True})
        self._seen.add(key)
        self.received.append(payload)
        return Answer(200, {"ok": True, "duplicate": False})
