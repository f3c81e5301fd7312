"""``inbound import FILE``: payloads saved while offline, applied as the source sent
them. A file holds one payload (a vendor's JSON body), a JSON array of bodies, or
JSON lines (one body a line): a batch saved while the network was down imports in
one go.

A batch is read whole before anything is applied, with bounds a hostile file
cannot get round: at most :data:`MAX_FILE` bytes, :data:`MAX_PAYLOADS` payloads of
at most :data:`~warroom.inbound.signal.MAX_BODY` bytes each, and
:data:`MAX_SIGNALS` signals in all (parsing stops as soon as there are more: the
file is refused and nothing is applied). Each payload is checked by the vendor's
parser as a received one is; one that fails is reported and nothing of it is
written, and the others are applied, each signal deduplicated and handled as if
received (:func:`warroom.inbound.handle.handle`). The operator vouches for the
file, so no signature is asked for; headers are not kept in a saved file."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from warroom import inputs
from warroom.errors import InputError, WarroomError
from warroom.inbound import handle, receiver, sources
from warroom.inbound.handle import Outcome
from warroom.inbound.signal import MAX_BODY, BadPayload, Signal
from warroom.store import Store

#: The largest file read: a batch of many payloads; one payload stays under MAX_BODY.
MAX_FILE = 8 * 1024 * 1024
#: Payloads in one file.
MAX_PAYLOADS = 500
#: Signals in one file, all payloads together (an Alertmanager payload holds many):
#: what bounds the time an import takes.
MAX_SIGNALS = 1000
_BLANK = " \t\r\n"


@dataclass
class PayloadReport:
    """What one payload of a file did: its outcomes, or why it was not applied."""

    number: int
    outcomes: list[Outcome] = field(default_factory=list)
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"payload": self.number, "ok": self.error is None, "error": self.error,
                "outcomes": [o.as_dict() for o in self.outcomes]}


@dataclass
class Imported:
    """A file imported: ``batch`` when it held an array or lines of payloads."""

    batch: bool
    payloads: list[PayloadReport]

    @property
    def outcomes(self) -> list[Outcome]:
        return [o for p in self.payloads for o in p.outcomes]

    @property
    def failed(self) -> list[PayloadReport]:
        return [p for p in self.payloads if p.error is not None]

    def as_dict(self) -> dict[str, Any]:
        return {"payloads": [p.as_dict() for p in self.payloads], "failed": len(self.failed)}


def _skip(text: str, i: int) -> int:
    while i < len(text) and text[i] in _BLANK:
        i += 1
    return i


def _array(text: str, name: str) -> list[bytes | str]:
    """The bodies of a JSON array, each read on its own (at most MAX_BODY of text at a
    time: a huge element is refused, not parsed)."""
    decoder = json.JSONDecoder()
    out: list[bytes | str] = []
    i = _skip(text, text.index("[") + 1)
    while True:
        if i >= len(text):
            raise BadPayload(f"{name}: the JSON array is not closed after payload {len(out)}; nothing was applied.")
        if text[i] == "]":
            if text[i + 1:].strip(_BLANK):
                raise BadPayload(f"{name}: there is more after the JSON array; nothing was applied.")
            return out
        if out:
            if text[i] != ",":
                raise BadPayload(f"{name}: payload {len(out)} of the array is not followed by a comma; "
                                 "nothing was applied.")
            i = _skip(text, i + 1)
        if len(out) >= MAX_PAYLOADS:
            raise BadPayload(f"{name} holds more than {MAX_PAYLOADS} payloads; split it. Nothing was applied.")
        chunk = text[i:i + MAX_BODY + 1]
        try:
            _value, end = decoder.raw_decode(chunk)
        except (ValueError, RecursionError):
            raise BadPayload(f"{name}: payload {len(out) + 1} of the array is not JSON, or over {MAX_BODY:,} "
                             "bytes; nothing was applied.") from None
        body = chunk[:end].encode("utf-8")
        out.append(body if len(body) <= MAX_BODY else
                   f"The body is {len(body):,} bytes; at most {MAX_BODY:,} are read.")
        i = _skip(text, i + end)


def _lines(lines: list[tuple[int, str]], name: str) -> list[bytes | str]:
    if len(lines) > MAX_PAYLOADS:
        raise BadPayload(f"{name} holds {len(lines):,} lines; at most {MAX_PAYLOADS} payloads are read at once: "
                         "split it. Nothing was applied.")
    out: list[bytes | str] = []
    for number, line in lines:
        body = line.strip(_BLANK).encode("utf-8")
        if len(body) > MAX_BODY:
            out.append(f"line {number}: the body is {len(body):,} bytes; at most {MAX_BODY:,} are read.")
            continue
        try:
            json.loads(body)
        except (ValueError, RecursionError):
            out.append(f"line {number} is not JSON.")
            continue
        out.append(body)
    if all(isinstance(b, str) for b in out):
        raise BadPayload(f"{name} is neither one payload (at most {MAX_BODY:,} bytes), a JSON array of payloads "
                         "nor JSON lines (one payload a line); nothing was applied.")
    return out


def split(data: bytes, name: str) -> tuple[list[bytes | str], bool]:
    """The payloads a saved file holds (each its body, or the words why it cannot be
    one) and whether the file is a batch. Raises :class:`BadPayload` when the file as
    a whole cannot be read, before anything is applied."""
    text = inputs.decode(data, what=name)
    start = _skip(text, 0)
    if start == len(text):
        raise BadPayload(f"{name} holds no payload: {len(data):,} bytes of blank space.")
    if text[start] == "[":
        bodies = _array(text, name)
        if not bodies:
            raise BadPayload(f"{name} holds an empty array: no payload.")
        return bodies, True
    lines = [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip(_BLANK)]
    if len(lines) > 1 and len(data) <= MAX_BODY:
        try:
            json.loads(text)
        except (ValueError, RecursionError):
            pass                              # not one JSON value: JSON lines
        else:
            return [text.encode("utf-8")], False     # one payload written over several lines
    if len(lines) <= 1:
        return [text.encode("utf-8")], False
    return _lines(lines, name), True


def _parse_all(source, bodies: list[bytes | str], name: str) -> list[tuple[int, list[Signal], str | None]]:
    """Every payload parsed before any is applied; stops (refusing the file) once the
    signals are more than MAX_SIGNALS."""
    module = sources.KINDS[source.kind]
    out: list[tuple[int, list[Signal], str | None]] = []
    total = 0
    for number, body in enumerate(bodies, 1):
        if isinstance(body, str):
            out.append((number, [], body))
            continue
        try:
            signals = module.parse({}, body)
        except BadPayload as exc:
            out.append((number, [], str(exc)))
            continue
        total += len(signals)
        if total > MAX_SIGNALS:
            raise BadPayload(f"{name} holds more than {MAX_SIGNALS:,} signals (alerts, events) in all; split it. "
                             "Nothing was applied.")
        out.append((number, signals, None))
    return out


def import_file(store: Store, path: str | Path, source_name: str) -> Imported:
    """Apply the payload(s) a saved file holds, as ``source_name`` sent them. One
    payload raises :class:`BadPayload` as a received body would; in a batch, each
    payload is reported: applied, or why not (and nothing of it written)."""
    source = sources.get(store, source_name)
    p = Path(path)
    try:
        with p.open("rb") as f:
            data = f.read(MAX_FILE + 1)
    except OSError as exc:
        raise InputError(f"Cannot read {p}: {exc.strerror or exc}.", field="file") from None
    if len(data) > MAX_FILE:
        raise BadPayload(f"{p.name} is over {MAX_FILE:,} bytes: split it (a batch holds at most {MAX_PAYLOADS} "
                         f"payloads of at most {MAX_BODY:,} bytes each). Nothing was applied.")
    bodies, batch = split(data, p.name)
    if not batch:
        [body] = bodies
        return Imported(False, [PayloadReport(1, receiver.receive(store, source, {}, body))])
    reports = []
    for number, signals, error in _parse_all(source, bodies, p.name):
        if error is not None:
            reports.append(PayloadReport(number, error=error))
            continue
        try:
            reports.append(PayloadReport(number, handle.handle(store, source, signals)))
        except WarroomError as exc:
            reports.append(PayloadReport(number, error=f"stopped: {exc} What it handled before is recorded; "
                                                       "importing the file again takes up the rest."))
    return Imported(True, reports)
