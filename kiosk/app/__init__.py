"""The Kivy app. `prepare()` must run before anything imports kivy: it sets Kivy's
environment and config for a kiosk (no Esc exit, fullscreen, one input provider)."""

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
    os.environ.setdefault("KIVY_NO_ARGS", "1")
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
    Config.set("graphics", "allow_screensaver", "0")
    Config.set("graphics", "maxfps", str(max_fps))  # 0: headless runs never wait for vsync
    Config.set("graphics", "fullscreen", "0" if windowed else "auto")
    Config.set("graphics", "width", str(size[0]))
    Config.set("graphics", "height", str(size[1]))
    Config.set("graphics", "resizable", "1" if windowed else "0")
    # One input provider: the default set double-counts touches on some Linux touch screens.
    for key, _ in list(Config.items("input")):
        Config.remove_option("input", key)
    Config.set("input", "mouse", "mouse,disable_multitouch")
    _prepared = True
