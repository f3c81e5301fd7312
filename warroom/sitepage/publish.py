"""Building the folder and uploading it.

:func:`build` renders everything in memory, writes it into a temporary sibling
folder and swaps each file in with :func:`os.replace`: a reader sees the old
file or the new one, never half of one, and a failure before the swap leaves
the previous site untouched. :func:`run_upload` hands the folder to the user's
own upload command (no shell).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shlex
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from warroom.errors import InputError
from warroom.procenv import child_env
from warroom.sitepage.api import components, incidents, status, summary
from warroom.sitepage.feed import render_feed
from warroom.sitepage.model import Site
from warroom.sitepage.page import render_html

log = logging.getLogger(__name__)

#: Files :func:`build` writes, relative to the site folder, in the order they are swapped in
#: (the page last, so that everything it links to is already there).
SITE_FILES = (
    "api/v2/components.json",
    "api/v2/incidents.json",
    "api/v2/status.json",
    "api/v2/summary.json",
    "history.atom",
    "index.html",
)
MARKER = ".warroom-site"
_MARKER_TEXT = "This folder is a status page built by War room; War room may replace its files.\n"


def render(site: Site) -> dict[str, bytes]:
    """Every file of the site, by path relative to the site folder, in memory."""

    def as_json(data: dict[str, Any]) -> bytes:
        return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")

    files = {
        "api/v2/components.json": as_json(components(site)),
        "api/v2/incidents.json": as_json(incidents(site)),
        "api/v2/status.json": as_json(status(site)),
        "api/v2/summary.json": as_json(summary(site)),
        "history.atom": render_feed(site),
        "index.html": render_html(site).encode("utf-8"),
    }
    return files


def _check_site_folder(out_dir: Path) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"{out_dir} is a file, not a folder: choose a folder for the status page.")
    if out_dir.is_dir() and not (out_dir / MARKER).is_file():
        try:
            empty = next(out_dir.iterdir(), None) is None
        except OSError as exc:
            raise InputError(f"Cannot read the folder {out_dir}: {exc.strerror or exc}.") from None
        if not empty:
            raise InputError(
                f"{out_dir} is not empty and was not built by War room (it has no {MARKER} file): "
                "choose an empty or new folder for the status page, so that none of your files are replaced."
            )


def _write_file(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def _fsync_dir(path: Path) -> None:
    if os.name != "posix":
        return
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def build(site: Site, out_dir: Path) -> list[Path]:
    """Write the site into ``out_dir``, each file swapped in atomically; returns the files written.

    ``out_dir`` is created when missing. An existing file, or a non-empty folder
    without the ``.warroom-site`` marker, is refused (:class:`InputError`) and left
    untouched. The marker is not in the returned list.
    """
    out_dir = Path(out_dir).expanduser()
    files = render(site)  # every rendering problem shows up before anything is written
    _check_site_folder(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.building-", dir=out_dir.parent))
    except OSError as exc:
        raise InputError(f"Cannot create the status page folder {out_dir}: {exc.strerror or exc}.") from None
    written: list[Path] = []
    try:
        try:
            _write_file(staging / MARKER, _MARKER_TEXT.encode("utf-8"))
            for rel, data in files.items():
                _write_file(staging / rel, data)
            # The marker first: a folder half swapped is still recognised as ours next time.
            for rel in (MARKER, *SITE_FILES):
                target = out_dir / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(staging / rel, target)
                if rel != MARKER:
                    written.append(target)
            for folder in {(out_dir / rel).parent for rel in SITE_FILES}:
                _fsync_dir(folder)
        except OSError as exc:
            raise InputError(f"Cannot write the status page into {out_dir}: {exc.strerror or exc}.") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    log.info("status page built in %s (%d files)", out_dir, len(written))
    return written


# --------------------------------------------------------------------------- uploading


def _split_command(command: str) -> list[str]:
    if os.name == "nt":  # keep backslashes in Windows paths; drop the quotes around arguments
        return [a[1:-1] if len(a) >= 2 and a[0] == a[-1] == '"' else a for a in shlex.split(command, posix=False)]
    return shlex.split(command)


def _tail(text: str, lines: int = 10) -> str:
    kept = [line for line in text.strip().splitlines() if line.strip()][-lines:]
    return "\n".join(kept)


def run_upload(command: str, out_dir: Path, *, timeout: float = 120) -> str:
    """Run the user's upload command on the built site; returns what it printed.

    The command is split like a shell would (``shlex``) but never run through one.
    It runs in ``out_dir`` with ``WARROOM_SITE_DIR`` set to it, in an environment
    without War room's secrets (:func:`warroom.procenv.child_env`). A non-zero exit, a
    timeout or a missing program is an :class:`InputError` that says which, with
    the last lines the command wrote to stderr. The returned text is its standard
    output followed by its standard error (warnings), if any.
    """
    out_dir = Path(out_dir).expanduser()
    try:
        args = _split_command(command or "")
    except ValueError as exc:
        raise InputError(f"Cannot read the upload command: {exc}.") from None
    if not args:
        raise InputError("The upload command is empty.")
    if not out_dir.is_dir():
        raise InputError(f"The status page folder {out_dir} does not exist: build the page first.")
    if not timeout or timeout <= 0:
        raise InputError("The upload timeout must be a positive number of seconds.")
    env = child_env({"WARROOM_SITE_DIR": str(out_dir.resolve())})
    posix = os.name == "posix"
    # The command's output goes to temporary files, of which only the end is read: a
    # command that prints without end cannot fill this process's memory.
    with tempfile.TemporaryFile() as out_file, tempfile.TemporaryFile() as err_file:
        try:
            proc = subprocess.Popen(args, cwd=out_dir, env=env, stdin=subprocess.DEVNULL, stdout=out_file,
                                    stderr=err_file, start_new_session=posix)
        except FileNotFoundError:
            raise InputError(f"The upload command {args[0]!r} was not found: check its name or give its full "
                             "path.") from None
        except PermissionError:
            raise InputError(f"The upload command {args[0]!r} cannot be run (permission denied).") from None
        except OSError as exc:
            raise InputError(f"The upload command {args[0]!r} cannot be run: {exc.strerror or exc}.") from None
        try:
            proc.wait(timeout=timeout)
            timed_out = False
        except subprocess.TimeoutExpired:
            _kill(proc, posix)
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
            timed_out = True
        out, err = _output_tail(out_file), _output_tail(err_file)
    if timed_out:
        detail = _tail(err or "")
        raise InputError(
            f"The upload command {args[0]!r} did not finish within {timeout:g} s and was stopped."
            + (f"\n{detail}" if detail else "")
        ) from None
    if proc.returncode != 0:
        code = proc.returncode
        how = f"was killed by signal {-code}" if code < 0 else f"failed with exit code {code}"
        detail = _tail(err) or _tail(out)
        raise InputError(f"The upload command {args[0]!r} {how}." + (f"\n{detail}" if detail else ""))
    return out + (err if not out or out.endswith("\n") or not err else "\n" + err)


#: How much of an upload command's output (each stream) is kept for its report.
UPLOAD_OUTPUT_KEPT = 64 * 1024


def _output_tail(fh) -> str:
    size = fh.seek(0, os.SEEK_END)
    fh.seek(max(0, size - UPLOAD_OUTPUT_KEPT))
    return fh.read(UPLOAD_OUTPUT_KEPT).decode("utf-8", errors="replace")


def _kill(proc: subprocess.Popen, posix: bool) -> None:
    try:
        if posix:
            os.killpg(proc.pid, signal.SIGKILL)  # the command and whatever it started
        else:
            proc.kill()
    except (ProcessLookupError, PermissionError, OSError):
        with contextlib.suppress(OSError):
            proc.kill()
