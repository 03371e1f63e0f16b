"""Will a translated text fit its button at 200 % text size? For `kiosk-content import-po`.

The same measurement the layout and the visual test use (kiosk.app.widgets.text.measure:
Kivy's own text provider with the language's font, script and direction, textfix applied),
at the size a button's text has at 200 % in the kiosk's reference window (1280 x 800), against
the room the practice gives it there. tests/ui/test_po_fit.py checks these rooms against the
real widgets. A practice target is one line (its button grows to fit it, within the practice
field); an answer wraps, so its longest word must fit the answer's button.
"""

from __future__ import annotations

import json
import os
import sys

REFERENCE_BASE_FONT = 22.4  # the app's base_font in a 1280 x 800 window (Window.height * 0.028)
SCALE = 2.0                 # the largest text size
TARGET_ROOM = 498 - 2 * 20  # the practice field at 200 %, less the button's padding
ANSWER_ROOM = 1063          # an answer button's text width at 200 %


def _width(text: str, lang: str) -> int:
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    stderr = sys.stderr
    try:
        from kivy.core.text import Label as CoreLabel
    finally:  # Kivy's logger takes stderr over: a command's errors must still be seen
        sys.stderr = stderr

    from kiosk.app import fonts, textfix
    from kiosk.app.widgets.text import ROLE_SCALE

    textfix.install()
    face = fonts.face(lang, bold=True)
    core = CoreLabel(text=text, font_size=REFERENCE_BASE_FONT * ROLE_SCALE["button"] * SCALE,
                     font_name=face.path, bold=True, font_script_name=face.script,
                     font_direction=face.direction)
    return core.render()[0]


def too_wide(pairs, lang: str) -> list[str]:
    """For (place, text) pairs shown on buttons (kiosk.core.po.Place), one line per text that
    will not fit at 200 % text size."""
    out = []
    for place, text in pairs:
        if "/targets/" in place.pointer:
            width, room, what = _width(text, lang), TARGET_ROOM, "on one line"
        else:
            word = max(text.split(), key=lambda w: _width(w, lang), default="")
            width, room, what = _width(word, lang), ANSWER_ROOM, f"its longest word {word!r}"
        if width > room:
            out.append(f"{place.context}: {text!r} will not fit its button at 200 % text "
                       f"size: {what} is {width} px wide, the button has {room} px (shorten it)")
    return out


def main() -> int:
    """`python -m kiosk.app.fit LANG`: reads [{"context", "pointer", "text"}] as JSON on
    stdin, writes the problems as a JSON list. kiosk-content runs it in its own process, as
    the editors' tool itself imports no Kivy."""
    from types import SimpleNamespace

    lang = sys.argv[1]
    given = json.load(sys.stdin)
    pairs = [(SimpleNamespace(context=g["context"], pointer=g["pointer"]), g["text"])
             for g in given]
    json.dump(too_wide(pairs, lang), sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
