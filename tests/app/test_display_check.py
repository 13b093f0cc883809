"""Before Qt aborts: no display, or X11 libraries missing, said in one sentence with the fix."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kmeans_gui.app import display_check

LDD = """\
\tlinux-vdso.so.1 (0x00007ffd)
\tlibxcb-icccm.so.4 => not found
\tlibxcb.so.1 => /lib/x86_64-linux-gnu/libxcb.so.1 (0x00007f)
\tlibxcb-keysyms.so.1 => not found
\tlibxkbcommon-x11.so.0 => not found
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11 is Linux's here")
def test_without_a_display_it_says_so_and_points_at_screenshot() -> None:
    problem = display_check.window_problem({"PATH": "/usr/bin"})
    assert problem.startswith("there is no display to open the window on")
    assert "--screenshot" in problem


def test_another_platform_is_left_to_qt() -> None:
    assert display_check.window_problem({"QT_QPA_PLATFORM": "offscreen"}) is None
    wayland = {"XDG_SESSION_TYPE": "wayland", "WAYLAND_DISPLAY": "wayland-0"}
    assert display_check.window_problem(wayland) is None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11 is Linux's here")
def test_missing_libraries_are_named_with_the_commands_that_install_them(monkeypatch) -> None:
    class Done:
        stdout = LDD

    monkeypatch.setattr(display_check.shutil, "which", lambda name: "/usr/bin/ldd")
    monkeypatch.setattr(display_check.subprocess, "run", lambda *a, **k: Done())
    monkeypatch.setattr(display_check, "xcb_plugin_files", lambda: [Path("a.so"), Path("b.so")])
    problem = display_check.window_problem({"DISPLAY": ":0"})
    assert problem == (
        "the window cannot open: Qt's X11 plugin needs libxcb-icccm.so.4, libxcb-keysyms.so.1 "
        "and libxkbcommon-x11.so.0, which are not installed; install them with: sudo apt "
        "install libxcb-icccm4 libxcb-keysyms1 libxkbcommon-x11-0 (Debian, Ubuntu) or sudo dnf "
        "install xcb-util-wm xcb-util-keysyms libxkbcommon-x11 (Fedora)"
    )


@pytest.mark.parametrize(
    ("library", "package"),
    [
        ("libxcb-cursor.so.0", "libxcb-cursor0"),
        ("libEGL.so.1", "libegl1"),
        ("libdbus-1.so.3", "libdbus-1-3"),
        ("libxcb-render-util.so.0", "libxcb-render-util0"),
    ],
)
def test_debian_package_names(library, package) -> None:
    assert display_check.debian_package(library) == package


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11 is Linux's here")
def test_the_command_says_it_in_one_line_instead_of_aborting(tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "QT_QPA_PLATFORM")}
    env.pop("WAYLAND_DISPLAY", None)
    done = subprocess.run(
        [sys.executable, "-m", "kmeans_gui"], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.startswith("error: there is no display") and done.stderr.count("\n") == 1
