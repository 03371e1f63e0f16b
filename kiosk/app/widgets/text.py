"""Labels and buttons that know their language: font, script, direction and alignment follow
the language of their text (the interface language unless the text says otherwise), and
their size follows the citizen's text-size choice.

Built for speed, because a screen holds dozens of them: the whole style is computed once
and passed to Label's constructor; a wrapping label does not render its text until layout
has given it a width (the first render would be at Kivy's default 100 px, then thrown away);
and labels do not bind to the app: when the language, text size or theme changes, the app
calls `restyle()` on every widget on the window (`KioskApp.restyle_all`).
"""

from __future__ import annotations

from kivy.app import App
from kivy.graphics import Color, Rectangle
from kivy.lang import Builder
from kivy.metrics import dp
from kivy.properties import (
    BooleanProperty,
    ListProperty,
    NumericProperty,
    OptionProperty,
    StringProperty,
)
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.label import Label

from kiosk.app import fonts
from kiosk.app.widgets.paint import Boxed
from kiosk.core import languages

ROLE_SCALE = {"small": 0.85, "body": 1.0, "lead": 1.15, "heading": 1.35, "title": 1.7,
              "display": 2.4, "button": 1.0, "toolbar": 0.8, "rail": 0.8, "key": 1.0}
# How much of the citizen's text size a role takes (1 when not named). Toolbar words grow
# like the page's, and the toolbar shrinks them back as far as its space needs (KLabel.fit,
# layout.fit_tool_labels); Up and Down beside the page (rail) and keys grow less, so the
# page keeps its width and a keyboard row stays on the screen.
ROLE_GROWS = {"rail": 0.5, "key": 0.5}
_UNSET_WIDTH = 100  # Kivy's default width: a widget no layout has sized yet
_MIN_WRAP_WIDTH = dp(24)
_RUNNING_TEXT = ("small", "body", "lead")


class KLabel(Label):
    """A wrapping label whose height follows its text."""

    role = OptionProperty("body", options=list(ROLE_SCALE))
    text_lang = StringProperty("")  # '' = the interface language
    bold = BooleanProperty(False)
    colour_name = StringProperty("text")  # a Theme field
    wrap = BooleanProperty(True)
    align = OptionProperty("start", options=["start", "center", "end"])
    min_height = NumericProperty(0)
    effective_lang = StringProperty("en")
    pad = ListProperty([0, 0])
    fit = NumericProperty(1.0)
    """A factor on the font size set by a container that must keep its words in its space
    (the toolbar); 1 everywhere else."""

    def __init__(self, **kwargs):
        self._app = App.get_running_app()
        self._sized = "width" in kwargs or kwargs.get("size_hint_x", 1) is None
        self._owed = False  # a render put off until layout gives a width (texture_update)
        kwargs.update(self._style(kwargs))
        super().__init__(**kwargs)
        for prop in ("text_lang", "role", "bold", "colour_name", "align", "fit"):
            self.fbind(prop, self.restyle)
        self.fbind("text", self._text_changed)
        self.fbind("width", self._rewrap)
        self.fbind("pad", self._rewrap)
        self.fbind("wrap", self._rewrap)
        self.fbind("texture_size", self._fit)
        self.fbind("min_height", self._fit)
        if self._own_canvas:
            self._draw_text()
        self._rewrap()

    _own_canvas = False

    def apply_class_lang_rules(self, root=None, ignored_consts=frozenset(), rule_children=None):
        """Kivy's `<Label>` rule (style.kv) draws the texture with three kv expressions,
        each compiled into bindings per label: the largest single cost of making one.
        When that is the only rule for this class, the same is drawn from Python
        (`_draw_text`); a class with rules of its own gets them all, as usual."""
        rules = Builder.match(self)
        if len(rules) == 1 and _is_label_rule(rules[0]):
            self._own_canvas = True
            return
        super().apply_class_lang_rules(root=root, ignored_consts=ignored_consts,
                                       rule_children=rule_children)

    def _draw_text(self):
        # As style.kv's <Label>: the texture at its own size, centred, on whole pixels.
        with self.canvas:
            Color(1, 1, 1, 1)
            self._text_rect = Rectangle()
        for prop in ("texture", "texture_size", "pos", "size"):
            self.fbind(prop, self._place_text)
        self._place_text()

    def _place_text(self, *_):
        rect = self._text_rect
        tw, th = self.texture_size
        rect.texture = self.texture
        rect.size = (tw, th)
        rect.pos = (int(self.center_x - tw / 2.), int(self.center_y - th / 2.))

    def _lang_for(self, text: str, text_lang: str) -> str:
        lang = text_lang or self._app.lang
        if not text_lang and text and not languages.uses_script(
                text, languages.get(lang).script):
            lang = "en"  # an interface string not translated yet: show it as English
        return lang

    def _style(self, given: dict | None = None) -> dict:
        """Every Label property the style decides, from this label's settings and the app."""
        def get(name, default):
            return given.get(name, default) if given is not None else getattr(self, name)

        app = self._app
        lang = self._lang_for(get("text", ""), get("text_lang", ""))
        role = get("role", "body")
        face = fonts.face(lang, get("bold", False))
        scale = 1.0 + (app.text_scale - 1.0) * ROLE_GROWS.get(role, 1.0)
        rtl = face.direction == "rtl"
        colour = getattr(app.theme, get("colour_name", "text"))
        return {
            "effective_lang": lang, "font_name": face.path, "font_script_name": face.script,
            "font_direction": face.direction,
            # Extra line height helps tall scripts in running text; a one-line button label
            # would only sit off-centre.
            "line_height": face.line_height if role in _RUNNING_TEXT else 1.0,
            "font_size": app.base_font * ROLE_SCALE[role] * scale * get("fit", 1.0),
            "halign": {"start": "right" if rtl else "left", "center": "center",
                       "end": "left" if rtl else "right"}[get("align", "start")],
            "valign": "middle", "color": colour,
            # Disabled looks come from the theme too, so they keep 4.5:1 (Kivy's are faint).
            "disabled_color": colour,
        }

    def restyle(self, *_):
        for name, value in self._style().items():
            setattr(self, name, value)

    def _text_changed(self, _, text):
        if not self.text_lang and self._lang_for(text, "") != self.effective_lang:
            self.restyle()

    def texture_update(self, *largs):
        if self.wrap and (not self._sized or self.width < _MIN_WRAP_WIDTH):
            # No width from layout yet (or a passing one while nested layouts settle):
            # rendering now would be thrown away, and wrapping a paragraph into a few
            # pixels costs more than the real render.
            self._owed = True
            return
        self._owed = False
        super().texture_update(*largs)

    def _rewrap(self, *_):
        if self.width != _UNSET_WIDTH and not self._sized:
            self._sized = True
        if self.wrap:
            self.text_size = (max(self.width - 2 * self.pad[0], 1), None)
        else:
            self.text_size = (None, None)
        # A new text_size renders again by itself; a width that leaves it as it was (any
        # width of a one-line label) changes nothing drawn. Only a render texture_update put
        # off for want of a width is still owed.
        if self._owed and self._sized:
            self._trigger_texture()

    def _fit(self, *_):
        if self.size_hint_y is None:
            self.height = max(self.min_height, self.texture_size[1] + 2 * self.pad[1])


def _is_label_rule(rule) -> bool:
    return rule.name == "<Label>" and str(rule.ctx.filename).endswith("style.kv")


class KButton(Boxed, ButtonBehavior, KLabel):
    """A big touch target: at least 64 dp high, text wraps, colours from the theme."""

    kind = OptionProperty("button", options=["primary", "button", "secondary", "link",
                                             "choice", "danger"])
    selected = BooleanProperty(False)
    bg = ListProperty([0, 0, 0, 0])
    edge = ListProperty([0, 0, 0, 0])

    def __init__(self, **kwargs):
        kwargs.setdefault("role", "button")
        kwargs.setdefault("bold", True)
        kwargs.setdefault("align", "center")
        kwargs.setdefault("size_hint_y", None)
        kwargs.setdefault("min_height", dp(72))
        kwargs.setdefault("pad", [dp(20), dp(12)])
        super().__init__(**kwargs)
        for prop in ("kind", "selected", "state", "disabled"):
            self.fbind(prop, self.restyle)
        self._paint()
        self._init_paint()

    def _paint(self):
        t = self._app.theme
        kind = self.kind
        if self.selected:
            bg, fg, edge = t.focus, t.focus_text, t.text
        elif kind == "primary":
            bg, fg, edge = t.primary, t.primary_text, t.primary
        elif kind == "button":
            bg, fg, edge = t.button, t.button_text, t.button
        elif kind == "danger":
            bg, fg, edge = t.error, t.error_text, t.error
        elif kind == "link":
            bg, fg, edge = t.background, t.link, t.background
        else:  # secondary and choice: a panel with a border
            bg, fg, edge = t.panel, t.panel_text, t.border
        if self.disabled:
            bg, fg, edge = t.panel, t.secondary_text, t.border
        elif self.state == "down":
            bg, fg = t.focus, t.focus_text
        self.bg, self.edge = bg, edge
        self.underline = kind == "link"
        self.color = self.disabled_color = fg

    def restyle(self, *_):
        super().restyle()
        self._paint()


_MEASURED: dict[tuple, tuple[int, int]] = {}


def measure(label: KLabel, fit: float = 1.0) -> tuple[int, int]:
    """The size of a label's text unwrapped (its own line breaks kept) at `fit`, measured
    without rendering it, and remembered: for layouts that must decide before the label's
    texture is made (or whatever state it is in)."""
    key = (label.text, label.font_size / (label.fit or 1.0) * fit, label.font_name,
           label.bold, label.font_script_name, label.font_direction, label.line_height)
    size = _MEASURED.get(key)
    if size is None:
        from kivy.core.text import Label as CoreLabel

        if len(_MEASURED) > 5000:
            _MEASURED.clear()
        core = CoreLabel(text=key[0], font_size=key[1], font_name=key[2], bold=key[3],
                         font_script_name=key[4], font_direction=key[5], line_height=key[6])
        size = _MEASURED[key] = core.render()
    return size


def fit_word(button: KButton, least: float) -> KButton:
    """A button that shows a word or two ("or", "Show", a practice target) is at least
    `least` wide and grows to fit its text on one line, so no word is ever broken between
    letters (Bengali "or" at 100 % text, "Continue" at 200 %)."""
    button.wrap = False
    button.bind(texture_size=lambda b, size: setattr(b, "width", max(least,
                                                                     size[0] + 2 * b.pad[0])))
    return button
