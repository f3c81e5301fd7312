"""Fetching a provider's status document over HTTP: one conditional GET through
httpx, with a timeout per read, a deadline for the whole answer and a size limit
(the body is streamed and reading stops at the limit). Network faults and answers
that are not a document are a :class:`FetchError` that says whether to back off
and, when the provider said so (429 or 503 with ``Retry-After``), for how long."""

from __future__ import annotations

import time
import zlib
from dataclasses import dataclass

import httpx

from warroom.channels.base import USER_AGENT, retry_after_seconds
from warroom.inbound.feed_parse import MAX_BYTES

#: Seconds to connect, and between two reads of the answer.
TIMEOUT_S = 10.0
#: Seconds for the whole answer: a server that drips bytes is cut off.
DEADLINE_S = 30.0
#: The longest wait a provider's Retry-After is taken at (a day: beyond that, a typo).
MAX_RETRY_AFTER_S = 24 * 3600


@dataclass(frozen=True, slots=True)
class Fetched:
    """An answer: the document (empty when not modified) and the validators to send next time."""

    not_modified: bool
    body: bytes
    content_type: str | None
    etag: str | None
    last_modified: str | None


class FetchError(Exception):
    """The provider could not be read this time: why, and how long it asked us to wait."""

    def __init__(self, message: str, *, retry_after: float | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.status = status


def _read(response: httpx.Response, limit: int, started: float, deadline: float) -> bytes:
    """The body, decompressed here rather than by httpx so that a small compressed answer
    cannot grow past ``limit`` in memory (a gzip bomb stops at ``limit + 1`` bytes)."""
    encoding = response.headers.get("content-encoding", "identity").strip().lower()
    if encoding in ("gzip", "x-gzip", "deflate"):
        inflate = zlib.decompressobj(47 if encoding != "deflate" else zlib.MAX_WBITS)  # 47: gzip or zlib header
    elif encoding in ("identity", ""):
        inflate = None
    else:
        raise FetchError(f"the answer is compressed as {encoding[:40]}, which was not asked for", status=200)
    parts: list[bytes] = []
    size = 0
    try:
        for raw in response.iter_raw():
            pending = raw
            while pending:
                if inflate is None:
                    chunk, pending = pending, b""
                else:
                    chunk = inflate.decompress(pending, limit + 1 - size)
                    pending = inflate.unconsumed_tail
                size += len(chunk)
                if size > limit:
                    raise FetchError(f"the answer is over the limit of {limit:,} bytes: reading stopped",
                                     status=200)
                parts.append(chunk)
                if inflate is not None and not chunk:
                    break
            if time.monotonic() - started > deadline:
                raise FetchError(f"the answer took longer than {deadline:.0f} s: reading stopped", status=200)
        if inflate is not None:
            rest = inflate.flush()
            if size + len(rest) > limit:
                raise FetchError(f"the answer is over the limit of {limit:,} bytes: reading stopped", status=200)
            parts.append(rest)
    except zlib.error as exc:
        raise FetchError(f"the answer's {encoding} compression is damaged ({exc})", status=200) from None
    return b"".join(parts)


def fetch(url: str, *, etag: str | None = None, last_modified: str | None = None,
          client: httpx.Client | None = None, timeout: float = TIMEOUT_S, deadline: float = DEADLINE_S,
          limit: int = MAX_BYTES) -> Fetched:
    """GET ``url`` (conditionally, when validators are given): the answer, or a :class:`FetchError`."""
    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate",
               "Accept": "application/json, application/atom+xml, application/rss+xml, application/xml;q=0.9, "
                         "text/xml;q=0.9"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    own = client is None
    http = client or httpx.Client(timeout=timeout, follow_redirects=True, max_redirects=3)
    started = time.monotonic()
    try:
        with http.stream("GET", url, headers=headers, timeout=timeout) as response:
            code = response.status_code
            if code == 304:
                return Fetched(True, b"", None, response.headers.get("etag") or etag,
                               response.headers.get("last-modified") or last_modified)
            if code == 429 or code >= 500:
                wait = retry_after_seconds(response.headers.get("retry-after"))
                wait = min(wait, MAX_RETRY_AFTER_S) if wait is not None else None
                said = f" and asked to wait {wait:.0f} s" if wait is not None else ""
                raise FetchError(f"the provider answered {code} {response.reason_phrase}{said}", retry_after=wait,
                                 status=code)
            if code != 200:
                raise FetchError(f"the provider answered {code} {response.reason_phrase}: check the URL", status=code)
            declared = response.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > limit:
                raise FetchError(f"the answer is {int(declared):,} bytes, over the limit of {limit:,}", status=code)
            body = _read(response, limit, started, deadline)
            return Fetched(False, body, response.headers.get("content-type"),
                           response.headers.get("etag"), response.headers.get("last-modified"))
    except httpx.TimeoutException:
        raise FetchError(f"no answer within {timeout:.0f} s (timed out)") from None
    except httpx.HTTPError as exc:
        raise FetchError(f"cannot reach the provider ({type(exc).__name__}: {str(exc)[:200]})") from None
    finally:
        if own:
            http.close()
