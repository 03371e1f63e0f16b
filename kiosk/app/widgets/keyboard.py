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
from kivy.metrics import dp
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label

from kiosk.app import fonts
from kiosk.app.widgets.layout import Panel
from kiosk.app.widgets.paint import Boxed
from kiosk.app.widgets.text import KButton, KLabel
from kiosk.core import keyboards, languages

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
        self.shown = KLabel(text_lang=self.text_lang, role="heading", size_hint_y=None,
                            min_height=dp(56), wrap=False)
        self.add_widget(self.shown)
        self.fbind("text", self._show)
        self.fbind("text_lang", self._show)
        self._show()

    def _show(self, *_):
        self.shown.text_lang = self.text_lang
        self.shown.text = self.text + "|"

    def type(self, s: str) -> None:
        if len(self.text) + len(s) <= self.max_length:
            self.text += s

    def delete(self) -> None:
        self.text = self.text[:-1]

    def clear(self) -> None:
        self.text = ""


class Key(Boxed, ButtonBehavior, Label):
    """One character key. Lighter than a KButton (a keyboard has forty of them): one
    character needs no wrapping; its font, script and direction are its layout's."""

    bg = ListProperty([0, 0, 0, 0])
    edge = ListProperty([0, 0, 0, 0])
    selected = BooleanProperty(False)  # keys are never selected; KButton's interface

    def __init__(self, lang: str = "en", **kwargs):
        self._app = App.get_running_app()
        face = fonts.face(lang, True)
        super().__init__(font_name=face.path, font_script_name=face.script,
                         font_direction=face.direction, size_hint_y=None, height=KEY_HEIGHT,
                         halign="center", valign="middle", **kwargs)
        self.fbind("state", self.restyle)
        self.restyle()
        self._init_paint()

    def restyle(self, *_):
        t = self._app.theme
        app = self._app
        down = self.state == "down"
        self.font_size = app.base_font * 1.1 * (1.0 + (app.text_scale - 1.0) * 0.5)
        self.bg = t.focus if down else t.panel
        self.edge = t.border
        self.color = t.focus_text if down else t.panel_text


class OnScreenKeyboard(BoxLayout):
    """Digits on top, the layout's letters, then Capital (for cased scripts), the switch
    between the language's own keys and Latin, Space and Delete."""

    shift = BooleanProperty(False)
    layout_name = StringProperty("latin")
    style: tuple = ("",)

    def __init__(self, target: TypedField, native: str = "latin", **kwargs):
        kwargs.setdefault("orientation", "vertical")
        kwargs.setdefault("spacing", dp(8))
        kwargs.setdefault("size_hint_y", None)
        super().__init__(**kwargs)
        self.app = App.get_running_app()
        self.target = target
        self.native = native  # the UI language's own layout
        self.rows: list[BoxLayout] = []
        self.keys: dict[str, Key | KButton] = {}
        self.layout_name = native
        self._build()
        self.fbind("layout_name", self._build)

    @property
    def layout(self) -> keyboards.Layout:
        return keyboards.load(self.layout_name)

    @property
    def typing_lang(self) -> str:
        """The language whose font shows these keys (and what they type)."""
        return self.app.lang if self.layout.script != "Latn" else "en"

    def _build(self, *_):
        self.clear_widgets()
        self.rows, self.keys = [], {}
        self.shift = False
        layout = self.layout
        lang = self.typing_lang
        self.target.text_lang = lang
        for row in [DIGITS, *layout.rows]:
            line = self._row()
            for ch in row:
                line.add_widget(self._key(ch, lang))
        bottom = self._row()
        tr = self.app.tr
        self.shift_key = None
        if layout.cased:
            self.shift_key = self._named("shift", tr("Capital"), self.toggle_shift,
                                         size_hint_x=2)
            bottom.add_widget(self.shift_key)
        if self.native != "latin":
            other = keyboards.load("latin" if layout.name != "latin" else self.native)
            # The switch shows the letters it brings, so it is recognised without reading.
            switch_lang = "en" if other.script == "Latn" else self.app.lang
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

    def _key(self, ch: str, lang: str) -> Key:
        b = Key(text=ch, lang=lang)
        b.bind(on_release=lambda *_: self.press(ch))
        self.keys[ch] = b
        return b

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
            line.height = max([KEY_HEIGHT] + [k.height for k in line.children])
        self.height = sum(r.height for r in self.rows) + self.spacing * (len(self.rows) - 1)

    def press(self, ch: str) -> None:
        if self.shift:
            ch = keyboards.upper(ch, self.app.lang)
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
        for name, b in self.keys.items():
            if isinstance(b, Key):
                b.text = keyboards.upper(name, self.app.lang) if shift else name


def keyboard_for(target: TypedField, start_latin: bool = False) -> OnScreenKeyboard:
    """The app's one keyboard, pointed at `target`. Forty keys are the costliest part of a
    typing lesson to build, and a keyboard holds nothing of the citizen (what is typed lives
    in the TypedField), so it is built once per language and reused."""
    app = App.get_running_app()
    native = languages.get(app.lang).keyboard
    style = (app.lang, app.theme.name, app.text_scale, app.base_font)
    kb = getattr(app, "shared_keyboard", None)
    if kb is None or kb.style[0] != app.lang:
        kb = OnScreenKeyboard(target, native=native)
    else:
        if kb.parent is not None:
            kb.parent.remove_widget(kb)
        kb.target = target
        kb.shift = False
        if kb.style != style:  # text size or contrast changed since it was last shown
            _restyle_tree(kb)
    wanted = "latin" if start_latin else native
    if kb.layout_name != wanted:
        kb.layout_name = wanted
    target.text_lang = kb.typing_lang
    kb.style = style
    app.shared_keyboard = kb
    return kb


def _restyle_tree(widget) -> None:
    restyle = getattr(widget, "restyle", None)
    if restyle is not None:
        restyle()
    for child in widget.children:
        _restyle_tree(child)
