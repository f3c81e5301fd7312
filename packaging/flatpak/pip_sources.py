"""Generate the Flatpak module of War room's Python dependencies from the project's
own requirements (pyproject.toml), as wheels pinned by URL and SHA-256, so the
Flatpak build installs them offline:

    python packaging/flatpak/pip_sources.py > packaging/flatpak/python-deps.json

pip resolves for the runtime's Python and CPU (``pip install --dry-run --report``).
PySide6 comes from the PySide base app, so it is left out here."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: What the base app already provides.
PROVIDED = ("pyside6", "pyside6-essentials", "pyside6-addons", "shiboken6")
PYTHON = "3.12"          # the KDE 6.9 runtime's Python
PLATFORMS = ("manylinux2014_x86_64", "manylinux_2_28_x86_64", "linux_x86_64")


def requirements() -> list[str]:
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    return [d for d in deps if d.split("=")[0].split("<")[0].split(">")[0].split("[")[0].strip().lower()
            not in PROVIDED]


def resolve(reqs: list[str]) -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        args = [sys.executable, "-m", "pip", "install", "--quiet", "--dry-run", "--ignore-installed",
                "--only-binary=:all:", "--python-version", PYTHON, "--target", tmp,
                "--report", str(report)]
        for p in PLATFORMS:
            args += ["--platform", p]
        subprocess.run(args + reqs, check=True)
        return json.loads(report.read_text())["install"]


def public_url(url: str, name: str) -> str:
    """A wheel pip found in a local mirror, as PyPI serves it (the SHA-256 pins it)."""
    if not url.startswith("file://"):
        return url
    filename = url.rsplit("/", 1)[-1]
    python_tag = filename[:-4].split("-")[-3]
    return f"https://files.pythonhosted.org/packages/{python_tag}/{name[0].lower()}/{name}/{filename}"


def module(items: list[dict]) -> dict:
    sources, names = [], []
    for item in items:
        info = item["download_info"]
        name = item["metadata"]["name"]
        if name.lower() in PROVIDED:
            continue
        sha = info["archive_info"]["hashes"]["sha256"] if "hashes" in info.get("archive_info", {}) \
            else info["archive_info"]["hash"].split("=", 1)[1]
        sources.append({"type": "file", "url": public_url(info["url"], name), "sha256": sha})
        names.append(name)
    return {
        "name": "python-deps",
        "buildsystem": "simple",
        "build-commands": ["pip3 install --no-index --no-deps --find-links=\"file://${PWD}\" "
                           "--prefix=${FLATPAK_DEST} " + " ".join(sorted(names))],
        "sources": sources,
    }


if __name__ == "__main__":
    json.dump(module(resolve(requirements())), sys.stdout, indent=2)
    print()
