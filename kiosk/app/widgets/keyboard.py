"""The kiosk's own on-screen keyboard and the label-based field it types into.

Kivy's TextInput cannot shape complex scripts, and a public terminal must not depend on a
system keyboard, so typing is always: keys (big buttons) -> TypedField (a label). What is
typed is private: it is never read aloud, never recorded, and gone at session reset.
"""

from __future__ import annotations

from kivy.app import App
from kivy.metrics import dp
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.label import Label
from kivy.uix.boxlayout import BoxLayout

from kiosk.app import fonts
from kiosk.app.widgets.layout import Panel
from kiosk.app.widgets.paint import Boxed
from kiosk.app.widgets.text import KButton, KLabel

LATIN_ROWS = [
    "1234567890",
    "qwertyuiop",
    "asdfghjkl'",
    "zxcvbnm@.-",
]


class TypedField(Panel):
    """Shows what was typed, with a caret. Marked private: read-aloud skips it."""

    text = StringProperty("")
    max_length = NumericProperty(60)
    private = BooleanProperty(True)

    def __init__(self, **kwargs):
        kwargs.setdefault("bg_name", "background")
        kwargs.setdefault("edge_name", "text")
        kwargs.setdefault("padding", [dp(20), dp(10)])
        super().__init__(**kwargs)
        self.shown = KLabel(text_lang="en", role="heading", size_hint_y=None,
                            min_height=dp(56), wrap=False)
        self.add_widget(self.shown)
        self.fbind("text", self._show)
        self._show()

    def _show(self, *_):
        self.shown.text = self.text + "|"

    def type(self, s: str) -> None:
        if len(self.text) + len(s) <= self.max_length:
            self.text += s

    def delete(self) -> None:
        self.text = self.text[:-1]

    def clear(self) -> None:
        self.text = ""


class Key(Boxed, ButtonBehavior, Label):
    """One character key. Lighter than a KButton (a keyboard has forty of them): a single
    Latin character needs no wrapping, no script and no language of its own."""

    bg = ListProperty([0, 0, 0, 0])
    edge = ListProperty([0, 0, 0, 0])
    selected = BooleanProperty(False)  # keys are never selected; KButton's interface

    def __init__(self, **kwargs):
        self._app = App.get_running_app()
        face = fonts.face("en", True)
        super().__init__(font_name=face.path, size_hint_y=None, height=dp(68),
                         halign="center", valign="middle", **kwargs)
        self.fbind("state", self.restyle)
        self.restyle()
        self._init_paint()

    def restyle(self, *_):
        t = self._app.theme
        app = self._app
        down = self.state == "down"
        self.font_size = app.base_font * (1.0 + (app.text_scale - 1.0) * 0.5)
        self.bg = t.focus if down else t.panel
        self.edge = t.border
        self.color = t.focus_text if down else t.panel_text


class OnScreenKeyboard(BoxLayout):
    """A Latin keyboard (the layouts for other scripts come with the languages work)."""

    shift = BooleanProperty(False)
    style: tuple = ("",)

    def __init__(self, target: TypedField, **kwargs):
        kwargs.setdefault("orientation", "vertical")
        kwargs.setdefault("spacing", dp(8))
        kwargs.setdefault("size_hint_y", None)
        super().__init__(**kwargs)
        self.target = target
        self.app = App.get_running_app()
        self.keys: dict[str, KButton] = {}
        self.rows = []
        for row in LATIN_ROWS:
            line = self._row()
            for ch in row:
                line.add_widget(self._key(ch, ch))
        bottom = self._row()
        tr = self.app.tr
        self.shift_key = self._key("shift", tr("Capital"), self.toggle_shift, size_hint_x=2)
        bottom.add_widget(self.shift_key)
        bottom.add_widget(self._key("space", tr("Space"), lambda: self.target.type(" "),
                                    size_hint_x=5))
        bottom.add_widget(self._key("_", "_"))
        bottom.add_widget(self._key("delete", tr("Delete"), lambda: self.target.delete(),
                                    size_hint_x=2))
        self._fit()

    def _row(self) -> BoxLayout:
        line = BoxLayout(spacing=dp(8), size_hint_y=None, height=dp(68))
        self.rows.append(line)
        self.add_widget(line)
        return line

    def _fit(self, *_):
        """Each row as tall as its tallest key (key names in large text may wrap)."""
        for line in self.rows:
            line.height = max([dp(68)] + [k.height for k in line.children])
        self.height = sum(r.height for r in self.rows) + self.spacing * (len(self.rows) - 1)

    def _key(self, name: str, label: str, action=None, **kwargs):
        if action is None:  # a character: Latin, one line
            b = Key(text=label, **kwargs)
        else:  # a named key (Capital, Space, Delete): in the citizen's language, may wrap
            b = KButton(text=label, kind="secondary", min_height=dp(68), role="key",
                        pad=[dp(4), dp(4)], **kwargs)
            b.bind(height=self._fit)
        b.bind(on_release=lambda *_: (action or (lambda: self.press(name)))())
        self.keys[name] = b
        return b

    def press(self, ch: str) -> None:
        if self.shift:
            ch = ch.upper()
            self.shift = False
        self.target.type(ch)

    def toggle_shift(self) -> None:
        self.shift = not self.shift

    def on_shift(self, _, shift: bool) -> None:
        self.shift_key.selected = shift
        for name, b in self.keys.items():
            if len(name) == 1 and name.isalpha():
                b.text = name.upper() if shift else name


def keyboard_for(target: TypedField) -> OnScreenKeyboard:
    """The app's one keyboard, pointed at `target`. Forty keys are the costliest part of a
    typing lesson to build, and a keyboard holds nothing of the citizen (what is typed lives
    in the TypedField), so it is built once per language and reused."""
    app = App.get_running_app()
    style = (app.lang, app.theme.name, app.text_scale, app.base_font)
    kb = getattr(app, "shared_keyboard", None)
    if kb is None or kb.style[0] != app.lang:
        kb = OnScreenKeyboard(target)
    else:
        if kb.parent is not None:
            kb.parent.remove_widget(kb)
        kb.target = target
        kb.shift = False
        if kb.style != style:  # text size or contrast changed since it was last shown
            _restyle_tree(kb)
    kb.style = style
    app.shared_keyboard = kb
    return kb


def _restyle_tree(widget) -> None:
    restyle = getattr(widget, "restyle", None)
    if restyle is not None:
        restyle()
    for child in widget.children:
        _restyle_tree(child)
