"""Labels and buttons that know their language: font, script, direction and alignment follow
the language of their text (the interface language unless the text says otherwise), and
their size follows the citizen's text-size choice."""

from __future__ import annotations

from kivy.app import App
from kivy.metrics import dp
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, OptionProperty, \
    StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.label import Label

from kiosk.app import fonts
from kiosk.core import languages

ROLE_SCALE = {"small": 0.85, "body": 1.0, "lead": 1.15, "heading": 1.35, "title": 1.7,
              "display": 2.4, "button": 1.0, "toolbar": 0.8, "key": 1.0}
# The toolbar must stay usable at 200 %, so it grows less than the page does.
ROLE_GROWS = {"toolbar": 0.25, "key": 0.5}


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

    def __init__(self, **kwargs):
        self._app = App.get_running_app()
        super().__init__(**kwargs)
        self._app.bind(lang=self._restyle, text_scale=self._restyle, theme=self._restyle,
                       base_font=self._restyle)
        self.fbind("text_lang", self._restyle)
        self.fbind("text", self._restyle)
        self.fbind("role", self._restyle)
        self.fbind("bold", self._restyle)
        self.fbind("colour_name", self._restyle)
        self.fbind("align", self._restyle)
        self.fbind("width", self._rewrap)
        self.fbind("pad", self._rewrap)
        self.fbind("texture_size", self._fit)
        self.fbind("min_height", self._fit)
        self._restyle()

    def _restyle(self, *_):
        app = self._app
        lang = self.text_lang or app.lang
        if not self.text_lang and self.text and not languages.uses_script(
                self.text, languages.get(lang).script):
            lang = "en"  # an interface string not translated yet: show it as English
        self.effective_lang = lang
        face = fonts.face(lang, self.bold)
        self.font_name = face.path
        self.font_script_name = face.script
        self.font_direction = face.direction
        grow = ROLE_GROWS.get(self.role, 1.0)
        scale = 1.0 + (app.text_scale - 1.0) * grow
        self.font_size = app.base_font * ROLE_SCALE[self.role] * scale
        self.line_height = face.line_height
        rtl = face.direction == "rtl"
        self.halign = {"start": "right" if rtl else "left", "center": "center",
                       "end": "left" if rtl else "right"}[self.align]
        self.valign = "middle"
        self.color = getattr(app.theme, self.colour_name)
        self.disabled_color = self.color  # disabled looks are the theme's, legible (4.5:1)
        self._rewrap()

    def _rewrap(self, *_):
        if self.wrap:
            self.text_size = (max(self.width - 2 * self.pad[0], 1), None)
        else:
            self.text_size = (None, None)

    def _fit(self, *_):
        if self.size_hint_y is None:
            self.height = max(self.min_height, self.texture_size[1] + 2 * self.pad[1])


class KButton(ButtonBehavior, KLabel):
    """A big touch target: at least 64 dp high, text wraps, colours from the theme."""

    kind = OptionProperty("button", options=["primary", "button", "secondary", "link",
                                             "choice", "danger"])
    icon = StringProperty("")  # an Icon name drawn beside the text
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
        self.fbind("kind", self._restyle)
        self.fbind("selected", self._restyle)
        self.fbind("state", self._restyle)
        self.fbind("disabled", self._restyle)

    def _restyle(self, *_):
        app = self._app
        t = app.theme
        kind = getattr(self, "kind", "button")
        if getattr(self, "selected", False):
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
        elif getattr(self, "state", "normal") == "down":
            bg, fg = t.focus, t.focus_text
        self.bg, self.edge = bg, edge
        self.underline = kind == "link"
        super()._restyle()
        self.color = self.disabled_color = fg
