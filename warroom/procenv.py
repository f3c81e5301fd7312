"""The environment War room gives the programs it runs (the status page's upload
command): an allow-list of what a program needs to find itself, its home and
its language, and never a secret.

``WARROOM_KEY_PASSPHRASE`` and anything else of War room's, and any variable whose
name speaks of a key, token, secret, password or credential, stay behind, even
when an allow-listed pattern would let them through.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

#: Passed on as they are.
ALLOWED = frozenset({
    "PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LANGUAGE", "TZ", "TMPDIR", "TEMP", "TMP", "TERM",
    # ssh (rsync, scp) reaches the user's agent through this socket, never a key itself
    "SSH_AUTH_SOCK", "XDG_RUNTIME_DIR", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME",
    "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy",
    # what a Windows program needs to start at all
    "SYSTEMROOT", "SYSTEMDRIVE", "WINDIR", "COMSPEC", "PATHEXT", "USERPROFILE", "USERNAME", "HOMEDRIVE",
    "HOMEPATH", "APPDATA", "LOCALAPPDATA", "PROGRAMDATA", "PROGRAMFILES", "PROGRAMFILES(X86)", "COMPUTERNAME",
})
#: Names passed on by their beginning: the locale settings.
ALLOWED_PREFIXES = ("LC_",)

#: Never passed on, allow-listed or not.
_SECRET_NAME = re.compile(r"KEY|TOKEN|SECRET|PASSW|PASSPHRASE|CREDENTIAL|^WARROOM_", re.IGNORECASE)


#: A proxy URL carrying a user and password (``http://user:pass@proxy:3128``) stays behind too.
_PROXY_CREDENTIALS = re.compile(r"://[^/@\s]*@")


def is_secret_name(name: str) -> bool:
    return bool(_SECRET_NAME.search(name))


def child_env(extra: Mapping[str, str] | None = None, *, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for a program War room runs: the allowed variables of ``base``
    (this process's environment), then ``extra`` (what War room tells the program,
    e.g. ``WARROOM_SITE_DIR``; never a secret)."""
    source = os.environ if base is None else base
    env = {k: v for k, v in source.items()
           if (k in ALLOWED or k.upper() in ALLOWED or k.startswith(ALLOWED_PREFIXES)) and not is_secret_name(k)
           and not (k.upper().endswith("_PROXY") and _PROXY_CREDENTIALS.search(v))}
    env.update(extra or {})
    return env
