"""UUIDv7 identifiers, made on the device (RFC 9562).

The 48-bit millisecond timestamp comes first, so keys made on one device sort in
the order they were made; a 12-bit counter in ``rand_a`` keeps them monotonic
within one millisecond (RFC 9562, section 6.2, method 1).

People type and read ids short: any unique beginning of at least
:data:`MIN_TYPED` hex digits is accepted, and lists print the shortest unique
beginning of at least :data:`MIN_SHOWN` (:func:`unique_prefixes`). The look-ups
themselves are in :mod:`warroom.services.refs`.
"""

from __future__ import annotations

import bisect
import os
import threading
import time
import uuid
from collections.abc import Iterable

_lock = threading.Lock()
_last_ms = 0
_counter = 0


def uuid7() -> uuid.UUID:
    global _last_ms, _counter
    with _lock:
        ms = time.time_ns() // 1_000_000
        if ms > _last_ms:
            _last_ms = ms
            _counter = int.from_bytes(os.urandom(2), "big") & 0x3FF  # leave room to count up
        else:
            _counter += 1
            if _counter > 0xFFF:  # counter overflow: borrow the next millisecond
                _last_ms += 1
                _counter = 0
            ms = _last_ms
        rand_b = int.from_bytes(os.urandom(8), "big") & ((1 << 62) - 1)
        value = (ms & ((1 << 48) - 1)) << 80
        value |= 0x7 << 76
        value |= _counter << 64
        value |= 0b10 << 62
        value |= rand_b
    return uuid.UUID(int=value)


# -- short ids: what people type and what lists print -------------------------------

#: The fewest hex digits accepted as the beginning of an id.
MIN_TYPED = 6
#: The fewest hex digits a list prints (more only where two ids begin alike).
MIN_SHOWN = 8
_HEX = frozenset("0123456789abcdef")


def typed_prefix(text: str) -> str | None:
    """The hex digits of an id or of its beginning as typed (any case, hyphens
    ignored), or None when ``text`` is not one."""
    digits = text.strip().lower().replace("-", "")
    if not MIN_TYPED <= len(digits) <= 32 or not set(digits) <= _HEX:
        return None
    return digits


def prefix_bounds(digits: str) -> tuple[uuid.UUID, uuid.UUID]:
    """The smallest and the largest id that begin with ``digits``."""
    return uuid.UUID(digits.ljust(32, "0")), uuid.UUID(digits.ljust(32, "f"))


def unique_prefixes(wanted: Iterable[uuid.UUID], among: Iterable[uuid.UUID], *,
                    minimum: int = MIN_SHOWN) -> dict[uuid.UUID, str]:
    """For each id of ``wanted``, its shortest beginning (at least ``minimum`` hex
    digits) that no other id of ``among`` shares."""
    ordered = sorted({u.hex for u in among} | {u.hex for u in wanted})
    out: dict[uuid.UUID, str] = {}
    for u in wanted:
        h = u.hex
        at = bisect.bisect_left(ordered, h)
        shared = max((_common(h, ordered[i]) for i in (at - 1, at + 1) if 0 <= i < len(ordered)), default=0)
        out[u] = h[:min(32, max(minimum, shared + 1))]
    return out


def _common(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n
