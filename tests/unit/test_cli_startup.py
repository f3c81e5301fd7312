"""``warroom-cli --version`` and every ``--help`` answer without loading the
database layer: no SQLAlchemy, no models, no service is imported until a
command runs (the time it takes is measured by ``make bench``)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("sqlalchemy", "warroom.store", "warroom.services", "warroom.app", "alembic")

PROBE = """
import json, sys
from warroom.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
sys.stdout.flush()
print(json.dumps({"code": code, "modules": sorted(sys.modules)}), file=sys.stderr)
"""


def loaded(*argv: str) -> tuple[int, set[str]]:
    run = subprocess.run([sys.executable, "-c", PROBE, *argv], capture_output=True, text=True, timeout=120)
    report = json.loads(run.stderr.strip().splitlines()[-1])
    return report["code"], set(report["modules"])


def heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in HEAVY or m.startswith(HEAVY))


@pytest.mark.parametrize("argv", [
    ["--version"], ["--help"], ["incident", "--help"], ["update", "--help"], ["update", "publish", "--help"],
    ["channel", "add", "--help"], ["stakeholder", "import", "--help"], ["audit", "verify", "--help"],
])
def test_version_and_help_load_no_database_layer(argv):
    code, modules = loaded(*argv)
    assert code == 0
    assert heavy(modules) == []


def test_a_command_loads_only_its_own_group(tmp_path):
    db = tmp_path / "w.db"
    code, modules = loaded("--db", str(db), "incident", "list")
    assert code == 0
    assert "sqlalchemy" in modules and "warroom.cli.incidents" in modules
    groups = {m for m in modules if m.startswith("warroom.cli.")} - {"warroom.cli.incidents"}
    assert groups <= {"warroom.cli.app", "warroom.cli.common", "warroom.cli.parser", "warroom.cli.quick"}


def test_python_dash_m_runs_the_command_line():
    run = subprocess.run([sys.executable, "-m", "warroom.cli", "--version"], capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0 and run.stdout.startswith("warroom ")


def test_the_command_word_is_found_past_the_options():
    from warroom.cli.parser import command_named

    assert command_named(["--db", "x.db", "--as", "incident", "update", "list"]) == "update"
    assert command_named(["--json", "--db=x.db", "draft", "show", "INC-1/U1"]) == "draft"
    assert command_named(["--version"]) is None and command_named([]) is None


def test_top_level_help_lists_every_command_without_building_them():
    from warroom.cli.parser import build_parser

    whole = build_parser().format_help()
    listed = build_parser(["--help"]).format_help()
    assert listed == whole
