"""Input from outside, taken in one way everywhere.

Files and streams a person names (``--file``, standard input, an import, a
secret piped in) are read with a limit: at most ``limit + 1`` bytes, in chunks,
and refused with a message naming the limit before memory grows, whatever the
source is (``/dev/zero``, a pipe, a FIFO, a 300 MB file).

Names and titles a person sees (incidents, people, stakeholders, templates,
channels, audiences) hold text, never control characters: C0 and C1 controls,
DEL, and the bidirectional embeddings, overrides and isolates that make text
read differently from what it says (U+202E). Multi-line text keeps its tabs
and line breaks.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from os import PathLike
from typing import BinaryIO

from warroom.errors import InputError

KIB = 1024
MIB = 1024 * KIB

#: What a chunk read asks for at a time.
CHUNK = 64 * KIB

#: Bidirectional embeddings, overrides (U+202A…U+202E) and isolates (U+2066…U+2069).
BIDI_CONTROLS = "\u202a-\u202e\u2066-\u2069"

#: Never in a single-line name or title: every C0 control (tab and line breaks too),
#: DEL, C1, the bidi controls, and the Unicode line and paragraph separators.
_NOT_IN_LINE = re.compile(f"[\x00-\x1f\x7f-\x9f{BIDI_CONTROLS}\u2028\u2029]")
#: Never in multi-line text: the same, but tab, line feed and carriage return.
_NOT_IN_TEXT = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{BIDI_CONTROLS}]")

def _size(n: int) -> str:
    if n >= MIB and n % MIB == 0:
        return f"{n // MIB:,} MB"
    if n >= KIB and n % KIB == 0:
        return f"{n // KIB:,} KB"
    return f"{n:,} bytes"


def describe(source) -> str:
    """How a message names a source: its path, or "standard input"."""
    if isinstance(source, (str, PathLike)):
        text = str(source)
        return "Standard input" if text == "-" else text
    name = getattr(source, "name", None)
    return name if isinstance(name, str) else "the input"


def read_stream(stream: BinaryIO, limit: int, *, what: str = "the input") -> bytes:
    """At most ``limit`` bytes from an open binary stream, read in chunks; more is
    refused before it is held. (A text stream gives text, ``limit`` counting characters.)"""
    parts: list = []
    total = 0
    while True:
        chunk = stream.read(min(CHUNK, limit + 1 - total))
        if not chunk:
            return chunk[:0].join(parts)
        parts.append(chunk)
        total += len(chunk)
        if total > limit:
            raise InputError(f"{what} is too large: War room reads at most {_size(limit)} here. "
                             "Give a smaller file.", field="file")


def read_bytes(source, limit: int, *, what: str | None = None) -> bytes:
    """The bytes of a path, of ``"-"`` (standard input) or of an open binary stream,
    refused when there are more than ``limit``. Works the same on a pipe, a FIFO or
    a device: nothing asks the size first."""
    name = what or describe(source)
    if isinstance(source, (str, PathLike)):
        if str(source) == "-" and isinstance(source, str):
            return read_stream(_stdin(), limit, what=name)
        try:
            with open(source, "rb") as fh:
                return read_stream(fh, limit, what=name)
        except OSError as exc:
            raise InputError(f"Cannot read {source}: {exc.strerror or exc}.", field="file") from None
    try:
        return read_stream(source, limit, what=name)
    except OSError as exc:
        raise InputError(f"Cannot read {name}: {exc.strerror or exc}.", field="file") from None


def _stdin():
    """Standard input as bytes (as text where a host replaced it with a text stream)."""
    if sys.stdin is None:
        raise InputError("There is no standard input to read.", field="file")
    return getattr(sys.stdin, "buffer", sys.stdin)


def decode(raw: bytes | str, *, what: str) -> str:
    """UTF-8 text (a leading byte-order mark, as spreadsheets write it, dropped)."""
    if isinstance(raw, str):
        return raw.removeprefix("\ufeff")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{what} is not UTF-8 text (byte 0x{raw[exc.start]:02x} at position {exc.start}). "
                         "Save it as UTF-8 and try again.", field="file") from None


def read_text(source, limit: int, *, what: str | None = None) -> str:
    """:func:`read_bytes`, decoded as UTF-8."""
    name = what or describe(source)
    return decode(read_bytes(source, limit, what=name), what=name)


def read_line(limit: int, *, what: str = "Standard input") -> str:
    """The first line of standard input (a secret piped in), without its line break;
    a line longer than ``limit`` bytes is refused without reading on."""
    raw = _stdin().readline(limit + 1)
    if len(raw) > limit and raw[-1:] not in (b"\n", "\n"):
        raise InputError(f"{what} is longer than {_size(limit)}.", field="secret")
    return decode(raw, what=what).rstrip("\r\n")


# -- characters --------------------------------------------------------------------


def _char_name(ch: str) -> str:
    name = unicodedata.name(ch, "")
    return f"U+{ord(ch):04X} {name}" if name else f"U+{ord(ch):04X}"


def control_in(text: str, *, multiline: bool = False) -> tuple[int, str] | None:
    """The first character ``text`` may not hold, with its position, or None."""
    m = (_NOT_IN_TEXT if multiline else _NOT_IN_LINE).search(text)
    return (m.start(), m.group()) if m else None


def check_plain(text: str, *, field: str, what: str, multiline: bool = False) -> str:
    """``text`` unchanged when it holds no control characters; otherwise an
    :class:`InputError` naming the character, where it is, and ``field``.

    ``what`` names the thing in the message ("The incident's title"). A single
    line refuses tabs and line breaks too; ``multiline`` text keeps them."""
    found = control_in(text, multiline=multiline)
    if found is None:
        return text
    at, ch = found
    kind = ("a line break or tab" if ch in "\t\n\r\u2028\u2029"
            else "a text-direction control" if re.match(f"[{BIDI_CONTROLS}]", ch)
            else "a control character")
    raise InputError(f"{what} contains {kind} ({_char_name(ch)}) at position {at + 1}: names and titles are "
                     "plain text on one line; remove it." if not multiline else
                     f"{what} contains {kind} ({_char_name(ch)}) at position {at + 1}; it looks like binary "
                     "data or terminal codes, not text.", field=field)


def check_fields(data: dict, fields, *, where: str = "", multiline: tuple[str, ...] = ()) -> None:
    """:func:`check_plain` on each of ``fields`` that ``data`` holds as text; ``where``
    goes in front of the message (``people.csv line 4``)."""
    for name in fields:
        value = data.get(name)
        if isinstance(value, str):
            label = name.replace("_", " ")
            check_plain(value, field=name, what=f"{where}: the {label}" if where else f"The {label}",
                        multiline=name in multiline)
