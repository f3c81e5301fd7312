"""The channel kinds: each a module following the contract in :mod:`warroom.channels.base`."""

from __future__ import annotations

from types import ModuleType

from warroom.channels import email, jira, sitepage, slack, sms, statuspage, teams, webhook
from warroom.errors import InputError

#: kind name -> channel module. More kinds (the self-hosted page, a local sink) register here.
KINDS: dict[str, ModuleType] = {m.KIND: m for m in (slack, teams, statuspage, email, sms, webhook, sitepage, jira)}


def get_kind(name: str) -> ModuleType:
    """The channel module for ``name``; InputError naming the known kinds otherwise."""
    try:
        return KINDS[(name or "").strip().lower()]
    except KeyError:
        raise InputError(f"Unknown channel kind {name!r}; known kinds: {', '.join(sorted(KINDS))}.") from None
