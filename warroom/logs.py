"""Logging to a rotating file in the user log folder, with secrets masked."""

from __future__ import annotations

import logging
import os
import re
from logging.handlers import RotatingFileHandler
from pathlib import Path

from warroom import paths

_SECRET_PATTERNS = [
    re.compile(r"(?i)(bearer\s+)([A-Za-z0-9._~+/=-]+)"),
    # key=value and "key": "value" pairs whose key names a secret
    re.compile(r"(?i)((?:password|passwd|secret|token|api[_-]?key|authorization|auth)[\"']?\s*[:=]\s*[\"']?)"
               r"([^\s\"',;]+)"),
    # credentials in URLs: scheme://user:password@host
    re.compile(r"(://[^/\s:@]+:)([^@\s/]+)(@)"),
    # incoming-webhook style URLs carry their secret in the path
    re.compile(r"(https?://hooks\.slack\.com/services/)(\S+)"),
    re.compile(r"(https?://[^\s/]*(?:webhook\.office\.com|logic\.azure\.com)/\S*?sig=)([^&\s]+)"),
]


def redact(text: str) -> str:
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + "***" + (m.group(3) if m.lastindex and m.lastindex >= 3 else ""),
                           text)
    return text


class RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


_configured: list[logging.Handler] = []


def _rotate(source: str, dest: str) -> None:
    """Move the full log aside and start the next one owner-only, before the handler
    opens it again (it would otherwise be created with the default mode)."""
    if os.path.exists(source):
        os.replace(source, dest)
    paths.create_private_file(Path(source))


def setup(level: int = logging.INFO, directory: Path | None = None) -> Path | None:
    """Log to ``warroom.log`` (rotated at 2 MB, 5 kept). Returns the file, or None if
    the folder cannot be written (the app then goes on without a log file)."""
    root = logging.getLogger()
    for handler in _configured:
        root.removeHandler(handler)
        handler.close()
    _configured.clear()

    directory = directory or paths.log_dir()
    try:
        paths.make_private_dir(directory)
        path = directory / "warroom.log"
        paths.create_private_file(path)      # owner-only: a log names incidents and people
        handler: RotatingFileHandler = RotatingFileHandler(path, maxBytes=2_000_000, backupCount=5,
                                                           encoding="utf-8")
    except OSError:
        return None
    handler.rotator = _rotate
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(min(root.level or level, level) if root.handlers[:-1] else level)
    _configured.append(handler)
    return path
