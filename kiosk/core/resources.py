"""Where the program's own files are: fonts, keyboard layouts, the demo content, the default
configuration and the translations, read through importlib.resources as package data.

The files stay where editors work on them (assets/, config/, kiosk/locale/); setup.py maps
assets/ to the package `kiosk.assets` and config/ to `kiosk.config`, so a wheel, an
editable install and the PyInstaller bundle all find them the same way, wherever they are
installed. Nothing here works a path out from the repository's layout.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from pathlib import Path


@cache
def _package(name: str) -> Path:
    # A Traversable; every way the kiosk is installed (a folder, an editable install, the
    # one-folder bundle) puts real files on disk, which Kivy, SDL and gettext need as paths.
    return Path(str(files(name)))


def assets() -> Path:
    """assets/: fonts/, keyboards/ and content/ (the bundled demo content)."""
    return _package("kiosk.assets")


def content_dir() -> Path:
    return assets() / "content"


def fonts_dir() -> Path:
    return assets() / "fonts"


def keyboards_dir() -> Path:
    return assets() / "keyboards"


def config_file(name: str) -> Path:
    """A default configuration file shipped with the program (config/NAME)."""
    return _package("kiosk.config") / name


def locale_dir() -> Path:
    """The gettext catalogues: LANG/LC_MESSAGES/{kiosk,staff}.{po,mo}."""
    return _package("kiosk") / "locale"
