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
