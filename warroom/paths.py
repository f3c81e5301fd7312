"""Where War room keeps its files, and how it finds the resources it ships."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import platformdirs

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

APP = "warroom"


def data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP, appauthor=False))


def log_dir() -> Path:
    return Path(platformdirs.user_log_dir(APP, appauthor=False))


def default_db_path() -> Path:
    return data_dir() / "warroom.db"


def resolve_db_path(arg: str | os.PathLike[str] | None) -> Path:
    """``--db`` first, then ``WARROOM_DB``, then the user data folder."""
    if arg:
        return Path(arg).expanduser()
    env = os.environ.get("WARROOM_DB")
    if env:
        return Path(env).expanduser()
    return default_db_path()


def resource(*parts: str) -> Traversable:
    """A file shipped in ``resources/``; works from a checkout and from an installed wheel."""
    from importlib import resources

    node = resources.files("warroom_resources")
    for part in parts:
        node = node.joinpath(part)
    return node
