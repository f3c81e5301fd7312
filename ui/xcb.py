"""Before the window opens on X11: are the system libraries Qt's xcb platform
plug-in needs there? When one is missing Qt says only that it "could not load the
Qt platform plugin xcb" (naming xcb-cursor0 even when that one is installed) and
aborts; this names the missing libraries and the packages that provide them.

``python -m ui.xcb`` runs the check (``make run`` does, first) and exits 1 when
something is missing. The libraries are looked up the way the plug-in's loader
would (``dlopen`` by soname), so what it finds is what Qt will find."""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Callable, Iterable

#: What the xcb platform plug-in (and Qt's XcbQpa library) link against from the
#: system, beyond the C library: soname → (Debian/Ubuntu package, Fedora package).
NEEDED: dict[str, tuple[str, str]] = {
    "libxcb.so.1": ("libxcb1", "libxcb"),
    "libX11.so.6": ("libx11-6", "libX11"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb"),
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor"),
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms"),
    "libxcb-randr.so.0": ("libxcb-randr0", "libxcb"),
    "libxcb-render.so.0": ("libxcb-render0", "libxcb"),
    "libxcb-render-util.so.0": ("libxcb-render-util0", "xcb-util-renderutil"),
    "libxcb-shape.so.0": ("libxcb-shape0", "libxcb"),
    "libxcb-shm.so.0": ("libxcb-shm0", "libxcb"),
    "libxcb-sync.so.1": ("libxcb-sync1", "libxcb"),
    "libxcb-util.so.1": ("libxcb-util1", "xcb-util"),
    "libxcb-xfixes.so.0": ("libxcb-xfixes0", "libxcb"),
    "libxcb-xkb.so.1": ("libxcb-xkb1", "libxcb"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11"),
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig"),
    "libfreetype.so.6": ("libfreetype6", "freetype"),
    "libEGL.so.1": ("libegl1", "libglvnd-egl"),
    "libGL.so.1": ("libgl1", "libglvnd-glx"),
    "libdbus-1.so.3": ("libdbus-1-3", "dbus-libs"),
    "libglib-2.0.so.0": ("libglib2.0-0", "glib2"),
    "libgthread-2.0.so.0": ("libglib2.0-0", "glib2"),
}


def _loads(soname: str) -> bool:
    try:
        ctypes.CDLL(soname)
    except OSError:
        return False
    return True


def missing(loads: Callable[[str], bool] = _loads, names: Iterable[str] = NEEDED) -> list[str]:
    """The sonames the loader cannot find, in the table's order."""
    return [name for name in names if not loads(name)]


def advice(names: list[str]) -> str:
    """What to tell a person: what is missing, and the command that installs it."""
    debian = sorted({NEEDED[n][0] for n in names if n in NEEDED})
    fedora = sorted({NEEDED[n][1] for n in names if n in NEEDED})
    return ("War room's window cannot open on X11: the system lacks "
            + ", ".join(names) + ".\n"
            "  Debian or Ubuntu:  sudo apt install " + " ".join(debian) + "\n"
            "  Fedora:            sudo dnf install " + " ".join(fedora) + "\n"
            "(Or run it on Wayland, or headless with QT_QPA_PLATFORM=offscreen.)")


def on_x11(env: dict[str, str] | os._Environ = os.environ) -> bool:
    """Will Qt pick its xcb plug-in? On Linux, when asked to, or when there is an X
    display and no Wayland one and no other platform was asked for."""
    if not sys.platform.startswith("linux"):
        return False
    asked = env.get("QT_QPA_PLATFORM", "").split(";")[0].split(":")[0].strip()
    if asked:
        return asked == "xcb"
    return bool(env.get("DISPLAY")) and not env.get("WAYLAND_DISPLAY")


def check(env: dict[str, str] | os._Environ = os.environ) -> str | None:
    """The advice when the window is about to use X11 and cannot, else None."""
    if not on_x11(env):
        return None
    lost = missing()
    return advice(lost) if lost else None


def main(argv: list[str] | None = None) -> int:
    """``python -m ui.xcb [--x11]``: exit 1 naming what is missing when the window
    would open on X11 (or ``--x11`` asks as if it would); quiet otherwise."""
    argv = sys.argv[1:] if argv is None else argv
    if not ("--x11" in argv or on_x11()):
        return 0  # Wayland, offscreen or not Linux: the xcb plug-in is not used
    lost = missing()
    if lost:
        print(advice(lost), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
