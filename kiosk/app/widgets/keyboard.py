"""The kiosk's own on-screen keyboard and the label-based field it types into.

Kivy's TextInput cannot shape complex scripts, and a public terminal must not depend on a
system keyboard, so typing is always: keys (big buttons) -> TypedField (a label). What is
typed is private: it is never read aloud, never recorded, and gone at session reset.

Layouts are data (assets/keyboards/<name>.json, checked by kiosk.core.keyboards): each
language has its own (Latin with its letters, or its script), and every keyboard can switch
to Latin for addresses and emails, and back.
"""

from __future__ import annotations

from kivy.app import App
from kivy.core.text import Label as CoreLabel
from kivy.graphics import Color, Rectangle, RoundedRectangle
from kivy.metrics import dp
from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.widget import Widget

from kiosk.app import fonts
from kiosk.app.widgets.layout import Panel
from kiosk.app.widgets.paint import restyle_tree
from kiosk.app.widgets.text import KButton, KLabel
from kiosk.core import bidi, keyboards, languages

DIGITS = list("1234567890")
KEY_HEIGHT = dp(68)


class TypedField(Panel):
    """Shows what was typed, with a caret. Marked private: read-aloud skips it."""

    text = StringProperty("")
    text_lang = StringProperty("en")  # the language whose keys are typing: font, direction
    max_length = NumericProperty(60)
    private = BooleanProperty(True)

    def __init__(self, **kwargs):
        kwargs.setdefault("bg_name", "background")
        kwargs.setdefault("edge_name", "text")
        kwargs.setdefault("padding", [dp(20), dp(10)])
        super().__init__(**kwargs)
        # One line, as wide as what was typed (60 characters fit across the screen).
        self.shown = KLabel(text_lang=self.text_lang, role="heading", size_hint=(None, None),
                            min_height=dp(56), wrap=False)
        self.shown.bind(texture_size=lambda w, size: setattr(w, "width", size[0]))
        self.add_widget(self.shown)
        self.fbind("text", self._show)
        self.fbind("text_lang", self._show)
        self._show()

    def _show(self, *_):
        self.shown.text_lang = self.text_lang
        self.shown.text = bidi.with_caret(self.text)  # beside the last character typed
        # Typing starts where the language's writing starts.
        rtl = languages.get(self.text_lang).rtl
        self.shown.pos_hint = {"right": 1} if rtl else {"x": 0}

    def type(self, s: str) -> None:
        if len(self.text) + len(s) <= self.max_length:
            self.text += s

    def delete(self) -> None:
        self.text = self.text[:-1]

    def clear(self) -> None:
        self.text = ""


_glyphs: dict[tuple, object] = {}  # (char, font, script, direction, size, colour) -> texture


def glyph(ch: str, face, size: float, colour) -> object:
    """The texture of one key's character, shaped; cached, so a keyboard built again (a
    language switch, the next typing lesson) costs no text rendering."""
    key = (ch, face.path, face.script, face.direction, round(size), tuple(colour))
    tex = _glyphs.get(key)
    if tex is None:
        label = CoreLabel(text=ch, font_name=face.path, font_size=size, color=colour,
                          font_script_name=face.script, font_direction=face.direction)
        label.refresh()
        tex = _glyphs[key] = label.texture
    return tex


class KeyHandle:
    """Where one key of a KeyRow is, for anything that needs to aim at it (tests, the
    harness): the same interface as a widget's geometry."""

    def __init__(self, row: KeyRow, index: int, ch: str):
        self.parent, self.index, self.text = row, index, ch

    @property
    def pos(self):
        return self.parent.key_rect(self.index)[:2]

    @property
    def size(self):
        return self.parent.key_rect(self.index)[2:]

    @property
    def height(self):
        return self.size[1]

    @property
    def right(self):
        x, _, w, _ = self.parent.key_rect(self.index)
        return x + w

    @property
    def top(self):
        _, y, _, h = self.parent.key_rect(self.index)
        return y + h

    @property
    def center(self):
        x, y, w, h = self.parent.key_rect(self.index)
        return x + w / 2, y + h / 2

    def to_window(self, x, y):
        return self.parent.to_window(x, y)

    def get_root_window(self):
        return self.parent.get_root_window()


class KeyRow(Widget):
    """A row of character keys drawn on one canvas: a keyboard has up to eighty keys, and
    as widgets (a label and a button each) they were most of the cost of showing a typing
    lesson or switching its language. Touches are matched to keys by position."""

    def __init__(self, keys: list[str], lang: str, on_key, layout=None, **kwargs):
        kwargs.setdefault("size_hint_y", None)
        kwargs.setdefault("height", KEY_HEIGHT)
        super().__init__(**kwargs)
        self.app = App.get_running_app()
        self.keys = list(keys)
        self.face = fonts.face(lang, True)
        self.on_key = on_key
        self.handles = [KeyHandle(self, i, ch) for i, ch in enumerate(self.keys)]
        self.pressed: int | None = None
        self.shift = False
        self.lang = lang
        self.layout = layout  # for its second layer (None: the digits' row)
        self.fbind("pos", self._draw)
        self.fbind("size", self._draw)

    def key_rect(self, i: int) -> tuple[float, float, float, float]:
        gap = dp(8)
        n = len(self.keys)
        w = (self.width - gap * (n - 1)) / n
        return self.x + i * (w + gap), self.y, w, self.height

    def shown(self, i: int) -> str:
        ch = self.keys[i]
        if not self.shift:
            return ch
        if self.layout is not None:
            return self.layout.shifted(ch, self.app.lang)
        return keyboards.upper(ch, self.app.lang)

    def restyle(self, *_):
        self._draw()

    def _draw(self, *_):
        t = self.app.theme
        app = self.app
        size = app.base_font * 1.1 * (1.0 + (app.text_scale - 1.0) * 0.5)
        edge = dp(3)
        self.canvas.clear()
        with self.canvas:
            for i in range(len(self.keys)):
                x, y, w, h = self.key_rect(i)
                down = i == self.pressed
                Color(*t.border)
                RoundedRectangle(pos=(x, y), size=(w, h), radius=[dp(8)])
                Color(*(t.focus if down else t.panel))
                RoundedRectangle(pos=(x + edge, y + edge), size=(w - 2 * edge, h - 2 * edge),
                                 radius=[dp(6)])
                tex = glyph(self.shown(i), self.face, size,
                            t.focus_text if down else t.panel_text)
                Color(1, 1, 1, 1)
                tw, th = tex.size
                Rectangle(texture=tex, size=tex.size,
                          pos=(round(x + (w - tw) / 2), round(y + (h - th) / 2)))

    def _key_at(self, x: float) -> int | None:
        for i in range(len(self.keys)):
            kx, _, w, _ = self.key_rect(i)
            if kx <= x <= kx + w:
                return i
        return None

    def on_touch_down(self, touch):
        if self.disabled or not self.collide_point(*touch.pos):
            return False
        i = self._key_at(touch.x)
        if i is None:
            return False
        touch.grab(self)
        self.pressed = i
        self._draw()
        return True

    def on_touch_up(self, touch):
        if touch.grab_current is not self:
            return False
        touch.ungrab(self)
        i, self.pressed = self.pressed, None
        self._draw()
        if i is not None and self.collide_point(*touch.pos) and self._key_at(touch.x) == i:
            self.on_key(self.keys[i])
        return True


class OnScreenKeyboard(BoxLayout):
    """Digits on top, the layout's letters, then Capital (for cased scripts), the switch
    between the language's own keys and Latin, Space and Delete."""

    shift = BooleanProperty(False)
    layout_name = StringProperty("latin")
    style: tuple = ("",)

    def __init__(self, target: TypedField, native: str = "latin", lang: str = "", **kwargs):
        """`lang`: the language typed in, when it is not the interface's (staff writing a
        centre's Arabic text in an English panel); '' for the interface language."""
        kwargs.setdefault("orientation", "vertical")
        kwargs.setdefault("spacing", dp(8))
        kwargs.setdefault("size_hint_y", None)
        super().__init__(**kwargs)
        self.app = App.get_running_app()
        self.target = target
        self.lang = lang
        self.native = native  # the UI language's own layout
        self.rows: list[BoxLayout] = []
        self.keys: dict[str, KeyHandle | KButton] = {}
        self.layout_name = native
        self._build()
        self.fbind("layout_name", self._build)

    @property
    def layout(self) -> keyboards.Layout:
        return keyboards.load(self.layout_name)

    @property
    def typing_lang(self) -> str:
        """The language whose font shows these keys (and what they type)."""
        return (self.lang or self.app.lang) if self.layout.script != "Latn" else "en"

    def _build(self, *_):
        self.clear_widgets()
        self.rows, self.keys = [], {}
        self.shift = False
        layout = self.layout
        lang = self.typing_lang
        self.target.text_lang = lang
        for row in [DIGITS, *layout.rows]:
            key_row = KeyRow(row, lang, self.press, layout=None if row is DIGITS else layout)
            self.add_widget(key_row)
            self.rows.append(key_row)
            for handle in key_row.handles:
                self.keys[handle.text] = handle
        bottom = self._row()
        tr = self.app.tr
        self.shift_key = None
        if layout.cased or layout.shift_rows:
            name = tr("Capital") if layout.cased else tr("More letters")
            self.shift_key = self._named("shift", name, self.toggle_shift, size_hint_x=2)
            bottom.add_widget(self.shift_key)
        if self.native != "latin":
            other = keyboards.load("latin" if layout.name != "latin" else self.native)
            # The switch shows the letters it brings, so it is recognised without reading.
            switch_lang = "en" if other.script == "Latn" else (self.lang or self.app.lang)
            self.switch_key = self._named("switch", other.switch_label, self.switch,
                                          size_hint_x=2, text_lang=switch_lang)
            bottom.add_widget(self.switch_key)
        bottom.add_widget(self._named("space", tr("Space"), lambda: self.target.type(" "),
                                      size_hint_x=4))
        bottom.add_widget(self._named("delete", tr("Delete"), lambda: self.target.delete(),
                                      size_hint_x=2))
        self._fit()

    def _row(self) -> BoxLayout:
        line = BoxLayout(spacing=dp(8), size_hint_y=None, height=KEY_HEIGHT)
        self.rows.append(line)
        self.add_widget(line)
        return line

    def _named(self, name: str, label: str, action, text_lang: str = "", **kwargs) -> KButton:
        """A key with a name (Capital, Space, Delete...) in the citizen's language."""
        b = KButton(text=label, kind="secondary", min_height=KEY_HEIGHT, role="key",
                    pad=[dp(4), dp(4)], text_lang=text_lang, **kwargs)
        b.bind(height=self._fit)
        b.bind(on_release=lambda *_: action())
        self.keys[name] = b
        return b

    def _fit(self, *_):
        """Each row as tall as its tallest key (key names in large text may wrap)."""
        for line in self.rows:
            if not isinstance(line, KeyRow):
                line.height = max([KEY_HEIGHT] + [k.height for k in line.children])
        self.height = sum(r.height for r in self.rows) + self.spacing * (len(self.rows) - 1)

    def press(self, ch: str) -> None:
        if self.shift:
            ch = self.layout.shifted(ch, self.lang or self.app.lang)
            self.shift = False
        self.target.type(ch)

    def toggle_shift(self) -> None:
        self.shift = not self.shift

    def switch(self) -> None:
        """Between the language's own keys and Latin (for addresses and emails)."""
        self.layout_name = "latin" if self.layout_name != "latin" else self.native

    def on_shift(self, _, shift: bool) -> None:
        if self.shift_key is not None:
            self.shift_key.selected = shift
        for row in self.rows:
            if isinstance(row, KeyRow):
                row.shift = shift
                row._draw()


def keyboard_for(target: TypedField, start_latin: bool = False) -> OnScreenKeyboard:
    """The app's one keyboard, pointed at `target`. Forty keys are the costliest part of a
    typing lesson to build, and a keyboard holds nothing of the citizen (what is typed lives
    in the TypedField), so it is built once per language and reused."""
    app = App.get_running_app()
    offer = getattr(app, "offer", None)
    native = languages.get(app.lang).keyboard_layout(bool(offer and offer.inscript))
    style = (app.lang, app.theme.name, app.text_scale, app.base_font)
    kb = app.shared_keyboard
    if kb is None or kb.style[0] != app.lang or kb.native != native:
        kb = OnScreenKeyboard(target, native=native)
    else:
        if kb.parent is not None:
            kb.parent.remove_widget(kb)
        kb.target = target
        kb.shift = False
        if kb.style != style:  # text size or contrast changed since it was last shown
            restyle_tree(kb)
    wanted = "latin" if start_latin else native
    if kb.layout_name != wanted:
        kb.layout_name = wanted
    target.text_lang = kb.typing_lang
    kb.style = style
    app.shared_keyboard = kb
    return kb

