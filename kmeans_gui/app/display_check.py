"""Can a window open here? Asked before Qt tries, because when it cannot, Qt aborts the process.

On Linux, Qt's xcb platform plugin needs a few X11 libraries that a desktop may lack (a stock
Debian 12 desktop lacks libxcb-icccm4 and libxcb-keysyms1); Qt then prints "Could not load the
Qt platform plugin" and aborts, naming a library that is often installed. This module asks the
dynamic linker (``ldd``) which libraries the plugin actually misses and turns them into one
sentence with the command that installs them. With no display at all it says so and points at
``--screenshot``, which needs none. No Qt is imported here.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

#: Fedora's package for a library, where the name is not the Debian-style one lowercased.
FEDORA_PACKAGES = {
    "libxcb-icccm.so.4": "xcb-util-wm",
    "libxcb-keysyms.so.1": "xcb-util-keysyms",
    "libxcb-cursor.so.0": "xcb-util-cursor",
    "libxcb-image.so.0": "xcb-util-image",
    "libxcb-render-util.so.0": "xcb-util-renderutil",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11",
    "libxkbcommon.so.0": "libxkbcommon",
    "libEGL.so.1": "libglvnd-egl",
    "libGL.so.1": "libglvnd-glx",
    "libOpenGL.so.0": "libglvnd-opengl",
    "libfontconfig.so.1": "fontconfig",
    "libfreetype.so.6": "freetype",
    "libdbus-1.so.3": "dbus-libs",
    "libX11-xcb.so.1": "libX11-xcb",
    "libX11.so.6": "libX11",
}
NOT_FOUND = re.compile(r"^\s*(\S+)\s+=>\s+not found", re.MULTILINE)


def xcb_plugin_files() -> list[Path]:
    """Qt's xcb platform plugin and the library it loads, inside the installed PySide6."""
    spec = importlib.util.find_spec("PySide6")
    if spec is None or spec.origin is None:
        return []
    qt = Path(spec.origin).parent / "Qt"
    files = [qt / "plugins" / "platforms" / "libqxcb.so", qt / "lib" / "libQt6XcbQpa.so.6"]
    return [f for f in files if f.is_file()]


def missing_libraries(files: list[Path] | None = None) -> list[str]:
    """Shared libraries the xcb plugin needs and the linker cannot find, in order, once each."""
    ldd = shutil.which("ldd")
    if ldd is None:
        return []
    missing: list[str] = []
    for file in xcb_plugin_files() if files is None else files:
        try:
            output = subprocess.run(
                [ldd, str(file)], capture_output=True, text=True, timeout=20
            ).stdout
        except (OSError, subprocess.SubprocessError):
            continue
        for name in NOT_FOUND.findall(output):
            if name not in missing:
                missing.append(name)
    return missing


def debian_package(library: str) -> str:
    """libxcb-icccm.so.4 -> libxcb-icccm4; libxkbcommon-x11.so.0 -> libxkbcommon-x11-0."""
    name, _, version = library.partition(".so.")
    name = name.lower()
    version = version.split(".")[0]
    return f"{name}-{version}" if name[-1].isdigit() else f"{name}{version}"


def install_advice(missing: list[str]) -> str:
    debian = " ".join(debian_package(lib) for lib in missing)
    fedora = " ".join(FEDORA_PACKAGES.get(lib, debian_package(lib)) for lib in missing)
    return f"sudo apt install {debian} (Debian, Ubuntu) or sudo dnf install {fedora} (Fedora)"


def window_problem(environ: dict[str, str] | None = None) -> str | None:
    """Why no window can open here (one sentence), or None when one can (or Qt is told to
    draw elsewhere: offscreen, wayland, vnc…)."""
    env = os.environ if environ is None else environ
    if not sys.platform.startswith("linux"):
        return None
    platform = env.get("QT_QPA_PLATFORM", "")
    if platform and not platform.startswith("xcb"):
        return None
    wayland = env.get("XDG_SESSION_TYPE") == "wayland" and env.get("WAYLAND_DISPLAY")
    if wayland and not platform:
        return None  # Qt picks its Wayland plugin in a Wayland session
    if not env.get("DISPLAY"):
        return (
            "there is no display to open the window on (DISPLAY is not set); run it on a "
            "desktop, or use 'kmeans-gui --screenshot OUT.png [FILE]', which draws the window "
            "without one, or 'kmeans-gui cluster FILE -k K'"
        )
    missing = missing_libraries()
    if missing:
        names = " and ".join([", ".join(missing[:-1]), missing[-1]] if missing[:-1] else missing)
        return (
            f"the window cannot open: Qt's X11 plugin needs {names}, which "
            f"{'is' if len(missing) == 1 else 'are'} not installed; install "
            f"{'it' if len(missing) == 1 else 'them'} with: {install_advice(missing)}"
        )
    return None
