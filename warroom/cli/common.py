"""What every warroom-cli command shares: output (text or JSON), reading text
arguments with a limit, writing files whole, exit codes, the ETR options.

Everything the command line prints goes through :func:`terminal_safe`: a title,
a name or an ``--as`` holding terminal codes (``ESC ]0;…``, ``ESC [2J``) is
printed as ``\\u001b]0;…``, never acted on by the terminal."""

from __future__ import annotations

import contextlib
import json
import re
import sys
from typing import Any

from warroom import inputs
from warroom.errors import InputError

#: Exit codes: 0 ok, 1 a check failed, 2 usage or input error, 3 not permitted, 70 an internal error.
EXIT_OK, EXIT_CHECK, EXIT_USAGE, EXIT_NOT_PERMITTED, EXIT_INTERNAL = 0, 1, 2, 3, 70

#: The longest text a command reads from a file or standard input (an entry, an update's words).
MAX_TEXT = 20_000


#: What a terminal would act on rather than show: C0 controls but tab and line feed (a
#: carriage return only before a line feed), DEL, C1 (CSI, OSC…) and the bidi controls.
_TERMINAL_CODES = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{inputs.BIDI_CONTROLS}]|\r(?!\n)")


def for_terminal(text: str) -> str:
    """``text`` with every control a terminal would act on written out as ``\\uXXXX``
    (also a valid escape inside a JSON string, so JSON output stays JSON)."""
    return _TERMINAL_CODES.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


class TerminalSafe:
    """A text stream that writes :func:`for_terminal` of what it is given."""

    def __init__(self, stream) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        return self.stream.write(for_terminal(text))

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str):
        return getattr(self.stream, name)


@contextlib.contextmanager
def terminal_safe():
    """Standard output and error as :class:`TerminalSafe` streams while the block runs."""
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = (s if s is None or isinstance(s, TerminalSafe) else TerminalSafe(s) for s in saved)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved


class Output:
    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json

    def data(self, value: Any, text: str | None = None) -> None:
        if self.as_json:
            from warroom.services.export import to_jsonable  # only a command prints data; help stays light

            print(json.dumps(to_jsonable(value), indent=2, ensure_ascii=False))
        elif text is not None:
            print(text)


def utc(when) -> str:
    return when.strftime("%Y-%m-%d %H:%M:%S UTC") if when else "—"


def read_text_arg(text: str | None, file: str | None, *, limit: int = MAX_TEXT * 4) -> str:
    """The text given on the command line, or read from ``file`` (``-``: standard
    input), at most ``limit`` bytes."""
    if file is not None:
        return inputs.read_text(file, limit)
    if text is None:
        raise InputError("Give the entry's text, or --file FILE (- for standard input).")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError("The text is not valid UTF-8.") from None
    return text


def write_out(text: str, target_name: str | None) -> None:
    if not target_name:
        sys.stdout.write(text)
        return
    from warroom.services.export import save

    target = save(target_name, text)          # owner-only (0600)
    print(f"Wrote {target}", file=sys.stderr)


def etr_from_args(store, args):
    from warroom.services.context import make_etr
    from warroom.text.timeparse import parse_when

    if not args.etr:
        if args.etr_by:
            raise InputError("--etr-by goes with --etr TIME.")
        return None
    now = store.clock.now()
    start_text, _, end_text = args.etr.partition("..")
    return make_etr(parse_when(start_text, now=now, future=True),
                    parse_when(end_text, now=now, future=True) if end_text else None,
                    confidence=args.etr_confidence, assessor=args.etr_by or "")
