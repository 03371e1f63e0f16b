"""Packaging beyond what setup.cfg can say: the bundled files are package data where they are.

assets/ (fonts, keyboard layouts, the demo content) becomes the package `kiosk.assets` and
config/ (default settings, units, browser policy) `kiosk.config`, so editors keep working in
those folders and every install reads them through importlib.resources
(kiosk/core/resources.py). Building also compiles the gettext catalogues, so a wheel built
from a fresh checkout carries its .mo files.
"""

from pathlib import Path

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
DATA_PACKAGES = {"kiosk.assets": "assets", "kiosk.config": "config"}


class BuildWithCatalogues(build_py):
    def run(self):
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        for po in sorted((HERE / "kiosk" / "locale").glob("*/LC_MESSAGES/*.po")):
            mo = po.with_suffix(".mo")
            if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
                continue
            with po.open("rb") as f:
                catalog = read_po(f, locale=po.parent.parent.name)
            with mo.open("wb") as f:
                write_mo(f, catalog)
        super().run()


setup(
    packages=find_packages(include=["kiosk", "kiosk.*"]) + list(DATA_PACKAGES),
    package_dir=DATA_PACKAGES,
    cmdclass={"build_py": BuildWithCatalogues},
)
