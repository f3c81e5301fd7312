"""What the exporting laptop's person tells the importing one: the bundle's key fingerprint."""

from __future__ import annotations

import json
from pathlib import Path

from warroom import devicekey


def told(path: Path) -> str:
    """The fingerprint of the key in the bundle's header (read, not verified: that is
    the import's job), as `bundle export` shows it on the exporting laptop."""
    with open(path, "rb") as fh:
        header = json.loads(fh.readline())
    return devicekey.fingerprint(header["public_key"])
