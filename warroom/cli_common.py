"""What every warroom-cli command shares: output (text or JSON), reading text
arguments with a limit, writing files whole, exit codes, the ETR options."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from warroom.errors import InputError
from warroom.services.export import to_jsonable
from warroom.timeparse import parse_when

#: Exit codes: 0 ok, 1 a check failed, 2 usage or input error, 3 not permitted, 70 an internal error.
EXIT_OK, EXIT_CHECK, EXIT_USAGE, EXIT_NOT_PERMITTED, EXIT_INTERNAL = 0, 1, 2, 3, 70

#: The longest text a command reads from a file or standard input (an entry, an update's words).
MAX_TEXT = 20_000


class Output:
    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json

    def data(self, value: Any, text: str | None = None) -> None:
        if self.as_json:
            print(json.dumps(to_jsonable(value), indent=2, ensure_ascii=False))
        elif text is not None:
            print(text)


def utc(when) -> str:
    return when.strftime("%Y-%m-%d %H:%M:%S UTC") if when else "—"


def read_text_arg(text: str | None, file: str | None) -> str:
    if file is not None:
        try:
            raw = sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
        except OSError as exc:
            raise InputError(f"Cannot read {file}: {exc.strerror}.") from None
        if len(raw) > MAX_TEXT * 4:
            raise InputError(f"{file} is {len(raw):,} bytes; an entry is at most {MAX_TEXT:,} characters.")
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(f"{file} is not UTF-8 text (byte 0x{raw[exc.start]:02x} at position {exc.start}). "
                             "Save it as UTF-8 and try again.") from None
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
    from warroom.services import compose

    if not args.etr:
        if args.etr_by:
            raise InputError("--etr-by goes with --etr TIME.")
        return None
    now = store.clock.now()
    start_text, _, end_text = args.etr.partition("..")
    return compose.make_etr(parse_when(start_text, now=now, future=True),
                            parse_when(end_text, now=now, future=True) if end_text else None,
                            confidence=args.etr_confidence, assessor=args.etr_by or "")
