"""Where War room keeps its files, how it writes them (owner-only), and how it
finds the resources it ships.

Everything War room writes may hold what an incident is about: the database and
its -wal/-shm files, backups, logs, exports and archives are readable by their
owner only (0600), and the folders War room makes for them are 0700. A file or
folder that already exists keeps the mode someone gave it."""

from __future__ import annotations

import os
from importlib import resources
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


#: Owner-only modes for what War room creates.
PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


def make_private_dir(folder: Path) -> Path:
    """Create ``folder`` and any missing parent as owner-only folders; existing ones
    are left as they are."""
    missing: list[Path] = []
    node = Path(folder)
    while not node.exists() and node != node.parent:
        missing.append(node)
        node = node.parent
    for node in reversed(missing):
        try:
            node.mkdir(mode=PRIVATE_DIR)
        except FileExistsError:
            pass
    return Path(folder)


def create_private_file(path: Path) -> bool:
    """Create ``path`` empty and owner-only if it does not exist (so whatever writes it
    next, SQLite or a log handler, keeps that mode). True when it made the file."""
    make_private_dir(Path(path).parent)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
    except FileExistsError:
        return False
    return True


def write_private_file(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically: an owner-only ``.part`` file beside
    it, renamed over it once complete. Raises OSError; the old file stays on failure."""
    path = Path(path)
    make_private_dir(path.parent)
    tmp = path.with_name(path.name + ".part")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, PRIVATE_FILE)       # a .part left over by an older version had its own mode
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def resource(*parts: str) -> Traversable:
    """A file shipped in ``resources/``; works from a checkout and from an installed wheel."""
    node = resources.files("warroom_resources")
    for part in parts:
        node = node.joinpath(part)
    return node
