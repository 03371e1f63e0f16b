"""Which font face shows which language: the one place the app maps a language to files."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from kiosk.core import languages, resources

FONT_DIR = resources.fonts_dir()


@dataclass(frozen=True)
class Face:
    path: str
    script: str
    direction: str
    line_height: float


@cache
def face(lang: str, bold: bool = False) -> Face:
    language = languages.get(lang)
    name = language.font_bold if bold else language.font
    path = FONT_DIR / name
    if not path.exists():  # a language whose font is not shipped yet: Latin
        path = FONT_DIR / ("NotoSans-Bold.ttf" if bold else "NotoSans-Regular.ttf")
    script = language.script if len(language.script) == 4 else "Zyyy"
    return Face(str(path), script, language.direction, language.line_height)


def warm_files(codes) -> None:
    """Read the font files of the languages in `codes` once, so the operating system has
    them in memory when a language is first shown: for a worker thread (FreeType itself
    must open them on the UI thread, where Kivy keeps its open fonts)."""
    seen: set[str] = set()
    for code in codes:
        for bold in (False, True):
            path = face(code, bold).path
            if path in seen:
                continue
            seen.add(path)
            try:
                with open(path, "rb") as f:
                    while f.read(1 << 20):
                        pass
            except OSError:
                pass  # a missing font shows as Latin (face) and is reported elsewhere
