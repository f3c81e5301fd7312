"""``warroom-cli … | head``: a reader that stops reading ends the command quietly,
with the status of a program ended by SIGPIPE, as ``seq``, ``cat`` and ``grep`` do."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGPIPE"), reason="no SIGPIPE on this system")


def run_into_closed_pipe(*argv: str) -> subprocess.CompletedProcess:
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader has gone before the first line
    try:
        return subprocess.run([sys.executable, "-m", "warroom.cli", *argv], stdout=write_end,
                              stderr=subprocess.PIPE, text=True, timeout=120)
    finally:
        os.close(write_end)


@pytest.mark.parametrize("argv", [["template", "list"], ["template", "list", "--json"], ["person", "permissions"]])
def test_a_closed_pipe_ends_quietly(tmp_path, argv):
    done = run_into_closed_pipe("--db", str(tmp_path / "w.db"), *argv)
    assert done.stderr == ""
    assert done.returncode == -signal.SIGPIPE


def test_help_into_a_closed_pipe_says_nothing(tmp_path):
    done = run_into_closed_pipe("--help")
    assert done.stderr == ""
    assert done.returncode in (0, -signal.SIGPIPE)  # argparse itself lets a failed write of its help pass


def test_head_reads_the_first_lines(tmp_path):
    """Through a real shell pipe: head gets its lines, the shell sees 141, nothing on standard error."""
    cmd = (f"{sys.executable} -m warroom.cli --db {tmp_path / 'w.db'} template list | head -n 2; "
           "echo \"status=${PIPESTATUS[0]}\"")
    done = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, timeout=120)
    lines = done.stdout.splitlines()
    assert len(lines) == 3 and lines[-1] in ("status=141", "status=0")  # 0: everything fitted the pipe first
    assert done.stderr == ""
