"""An installed wheel carries what the app needs: migrations, resources, both programs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_installed_wheel_opens_a_database(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(wheels), str(ROOT)],
                   check=True, capture_output=True, timeout=300)
    [wheel] = wheels.glob("warroom-*.whl")
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target),
                    str(wheel)], check=True, capture_output=True, timeout=300)
    script = (
        "import warroom, warroom_resources, ui.app\n"
        "from warroom.store import Store\n"
        "from warroom.paths import resource\n"
        f"assert warroom.__file__.startswith({str(target)!r}), warroom.__file__\n"
        "assert resource('__init__.py').is_file()\n"
        "assert resource('icons', 'warroom.svg').is_file()\n"
        "assert resource('templates', 'de', 'holding.toml').is_file()\n"
        "assert resource('scenarios', 'regional-cloud-outage.scenario.toml').is_file()\n"
        "assert resource('obligations', 'regulatory_clocks.csv').is_file()\n"
        "import warroom.exercise.run, warroom.inbound.receiver, warroom.inbound.feeds\n"
        "from warroom.app import open_store\n"
        "from warroom.services.templates import list_templates\n"
        f"s = open_store({str(tmp_path / 'w.db')!r})\n"
        "assert len(list_templates(s)) > 100\n"
        "s.close()\n"
        "print('ok')\n"
    )
    env = dict(os.environ, PYTHONPATH=str(target))
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120,
                            cwd=tmp_path)
    assert result.stdout.strip() == "ok", result.stderr


def test_a_frozen_build_starts_its_render_worker_as_itself(monkeypatch):
    """In the bundle there is no ``python -m``: the program is started again with
    ``--render-worker``, and its entry script hands over to the worker."""
    from warroom import renderworker

    assert renderworker.worker_command()[1:] == ["-m", "warroom.renderworker"]
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert renderworker.worker_command() == [sys.executable, renderworker.FROZEN_FLAG]
    monkeypatch.undo()
    for entry in ("warroom_gui.py", "warroom_cli.py"):
        script = ROOT / "packaging" / "pyinstaller" / entry
        assert f'["{renderworker.FROZEN_FLAG}"]' in script.read_text()
        proc = subprocess.Popen([sys.executable, str(script), renderworker.FROZEN_FLAG], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT,
                                env=dict(os.environ, PYTHONPATH=str(ROOT)))
        try:
            first = proc.stdout.readline()
        finally:
            proc.stdin.close()
            proc.wait(timeout=30)
            proc.stdout.close()
            proc.stderr.close()
        assert first.startswith(b'{"ready"'), first


def test_the_wheel_lists_every_package():
    """A package left out of pyproject's list is missing from an installed War room
    (and from the Flatpak), though every test from the checkout passes."""
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {str(p.parent.relative_to(ROOT)).replace(os.sep, ".")
             for top in ("warroom", "ui") for p in (ROOT / top).rglob("__init__.py")}
    assert found <= listed, sorted(found - listed)
    # The migrations' folder has no __init__.py but is a package of its own in the list.
    assert "warroom.store.migrations.versions" in listed
