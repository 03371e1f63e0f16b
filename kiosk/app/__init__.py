"""The Kivy app. `prepare()` must run before anything imports kivy: it sets Kivy's
environment and config for a kiosk (no Esc exit, fullscreen without decorations, the screen
saver off, one input provider without multitouch emulation, no modules such as the
inspector, no command-line options for Kivy)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

_prepared = False


def prepare(windowed: bool = False, kivy_home: Path | None = None,
            size: tuple[int, int] = (1280, 800), max_fps: int = 60) -> None:
    global _prepared
    if _prepared:
        return
    # Kivy's own options (`-m inspector`, `-k`, `--fullscreen`...) are never read from argv.
    os.environ["KIVY_NO_ARGS"] = "1"
    os.environ.setdefault("KIVY_NO_FILELOG", "1")
    # Kivy must not take over stderr (it would swallow tracebacks and the CLI's messages).
    os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")
    os.environ.setdefault("KIVY_USE_DEFAULTCONFIG", "1")  # settings are ours, not ~/.kivy's
    if "KIVY_HOME" not in os.environ:
        home = kivy_home or Path(tempfile.gettempdir()) / f"kiosk-kivy-{os.getuid()}"
        home.mkdir(parents=True, exist_ok=True)
        os.environ["KIVY_HOME"] = str(home)
    from kivy.config import Config

    Config.set("kivy", "exit_on_escape", "0")
    Config.set("kivy", "log_level", "warning")
    Config.set("kivy", "keyboard_mode", "system")
    Config.set("kivy", "pause_on_minimize", "0")
    Config.set("graphics", "allow_screensaver", "0")  # SDL's screen saver hint
    # SIGTERM and SIGINT are the kiosk's own (cli.run_kiosk): SDL would make them close
    # requests, which the kiosk refuses, so a supervisor could not stop it.
    os.environ.setdefault("SDL_NO_SIGNAL_HANDLERS", "1")
    # SDL's clipboard: setting it never waits (xclip and xsel, which Kivy would prefer when
    # installed, start a process); end_session empties it.
    os.environ.setdefault("KIVY_CLIPBOARD", "sdl2")
    # A fullscreen window that loses focus (the browser over it) is not minimised.
    os.environ.setdefault("SDL_VIDEO_MINIMIZE_ON_FOCUS_LOSS", "0")
    # No multisample antialiasing: on the software or weak GL of a library's cheapest PC
    # its buffers were 50 MiB, a third of the whole kiosk, and 0.1 s of its start-up
    # (docs/performance.md). Text is drawn from textures and is not affected; only the
    # curves of rounded corners lose their smoothing.
    Config.set("graphics", "multisamples", "0")
    Config.set("graphics", "maxfps", str(max_fps))  # 0: headless runs never wait for vsync
    Config.set("graphics", "fullscreen", "0" if windowed else "auto")
    if not windowed:
        # Without a window manager (the terminal's bare X session) SDL's fullscreen is only
        # a request nobody grants: the window would stay at the configured size, centred,
        # partly off the screen. So the window is made the screen's size, at its corner.
        size = _screen_size() or size
        Config.set("graphics", "position", "custom")
        Config.set("graphics", "left", "0")
        Config.set("graphics", "top", "0")
    Config.set("graphics", "width", str(size[0]))
    Config.set("graphics", "height", str(size[1]))
    Config.set("graphics", "resizable", "1" if windowed else "0")
    Config.set("graphics", "borderless", "0" if windowed else "1")  # no title bar, no close
    # No Kivy modules (inspector, monitor, touchring, console...): none is listed, so none
    # can be switched on by a config file either.
    for key, _ in list(Config.items("modules")):
        Config.remove_option("modules", key)
    # One input provider: the default set double-counts touches on some Linux touch screens.
    for key, _ in list(Config.items("input")):
        Config.remove_option("input", key)
    # SDL turns touches into mouse events; disable_multitouch stops the right or middle
    # button (a palm, a second finger) from leaving red dots that act as a second finger,
    # so there is no pinch or rotate either (and no Scatter in the app).
    Config.set("input", "mouse", "mouse,disable_multitouch")
    _prepared = True


def _screen_size() -> tuple[int, int] | None:
    """The X screen's size in pixels; None without X (Wayland, Windows: SDL's fullscreen
    works there)."""
    from kiosk.services import x11

    display = x11.open_display()
    if display is None:
        return None
    with display:
        root = display.geometry(display.root)
    return (root.width, root.height) if root and root.width > 0 else None
