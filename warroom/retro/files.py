"""Writing the retrospective to a file: HTML or PDF by the file's suffix, whole or
not at all (an owner-only ``.part`` file renamed over the target once complete)."""

from __future__ import annotations

from pathlib import Path

from warroom import paths
from warroom.errors import InputError
from warroom.retro.figures import Retrospective

FORMATS = {".html": "html", ".htm": "html", ".pdf": "pdf"}


def format_of(path: str | Path) -> str:
    """``html`` or ``pdf`` from the file name; anything else is refused before any work."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise InputError(f"Cannot tell what to write from {Path(path).name!r}: name a .html or a .pdf file.",
                         field="out")
    return FORMATS[suffix]


def render(retro: Retrospective, fmt: str, first: tuple = ()) -> bytes:
    """``first``: sections before the figures' own (an exercise's score card)."""
    if fmt == "html":
        from warroom.retro.report import render_html

        return render_html(retro, first).encode("utf-8")
    if fmt == "pdf":
        from warroom.retro.pdf import render_pdf

        return render_pdf(retro, first)
    raise InputError(f"Unknown report format {fmt!r}: choose html or pdf.", field="format")


def write(retro: Retrospective, path: str | Path, first: tuple = ()) -> Path:
    """Render and write the report; returns the file written."""
    target = Path(path).expanduser()
    fmt = format_of(target)
    if target.is_dir():
        raise InputError(f"{target} is a folder: name the file to write.", field="out")
    data = render(retro, fmt, first)
    try:
        paths.write_private_file(target, data)
    except OSError as exc:
        raise InputError(f"Cannot write {target}: {exc.strerror or exc}. Nothing was written.", field="out") from None
    return target
