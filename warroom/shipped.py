"""The default templates War room ships (``resources/templates/<locale>/*.toml``)
and their fingerprint, read without the template machinery: a database that has
the shipped set already (the same fingerprint in its ``meta``) is opened without
importing the renderer, the linter or the services (a tenth of a second on every
start of ``warroom-cli``). :func:`warroom.services.templates.ensure_defaults`
imports the set when the fingerprint differs."""

from __future__ import annotations

import hashlib
from importlib.resources.abc import Traversable

from warroom.paths import resource
from warroom.store import Store
from warroom.store.models import Meta

#: The ``meta`` key holding the fingerprint of the shipped set a database has.
DEFAULTS_KEY = "default_templates"


def template_files() -> list[tuple[str, Traversable]]:
    """The default template files, as (locale, file), in a fixed order."""
    root = resource("templates")
    out = []
    if not root.is_dir():
        return out
    for locale_dir in sorted(root.iterdir(), key=lambda p: p.name):
        if locale_dir.is_dir() and not locale_dir.name.startswith(("_", ".")):
            for f in sorted(locale_dir.iterdir(), key=lambda p: p.name):
                if f.name.endswith(".toml"):
                    out.append((locale_dir.name, f))
    return out


def read_set() -> tuple[str, list[tuple[str, str, str]]]:
    """The shipped set's fingerprint and its files' texts, as (locale, name, text)."""
    digest = hashlib.sha256()
    texts = []
    for locale, f in template_files():
        text = f.read_text(encoding="utf-8")
        digest.update(f"{locale}/{f.name}\n".encode() + text.encode("utf-8"))
        texts.append((locale, f.name, text))
    return digest.hexdigest(), texts


def current(store: Store) -> bool:
    """Whether the database has the shipped set as it is now."""
    fingerprint, _texts = read_set()
    with store.read() as session:
        row = session.get(Meta, DEFAULTS_KEY)
        return row is not None and row.value == fingerprint
