"""Layout pieces shared by every screen: panels, the toolbar, a page that scrolls."""

from __future__ import annotations

from kivy.app import App
from kivy.graphics import Color, Rectangle
from kivy.metrics import dp
from kivy.properties import ListProperty, NumericProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.floatlayout import FloatLayout
from kivy.uix.scrollview import ScrollView
from kivy.uix.widget import Widget

from kiosk.app.widgets.icon import Icon
from kiosk.app.widgets.paint import Boxed
from kiosk.app.widgets.text import KLabel, measure


class _Filled:
    """A widget filled with one of the theme's colours (`colour_name`), drawn from Python and
    restyled with everything else."""

    colour_name = "background"
    _layer = "before"  # canvas.before under children, or canvas

    def _fill(self):
        self._app = App.get_running_app()
        canvas = self.canvas.before if self._layer == "before" else self.canvas
        with canvas:
            self._colour = Color(*getattr(self._app.theme, self.colour_name))
            self._rect = Rectangle(pos=self.pos, size=self.size)
        self.fbind("pos", self._shape)
        self.fbind("size", self._shape)

    def _shape(self, *_):
        self._rect.pos = self.pos
        self._rect.size = self.size

    def restyle(self, *_):
        self._colour.rgba = getattr(self._app.theme, self.colour_name)


class Backdrop(_Filled, FloatLayout):
    """The screen's background colour (a kv rule on `app.theme` kept the old colour until
    the next screen was built)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._fill()


class Divider(_Filled, Widget):
    """A line across the window (above the footer): where the page ends. In the theme's
    secondary text colour, which stands out of the background by more than 3:1."""

    colour_name = "secondary_text"
    _layer = "canvas"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._fill()


class Panel(Boxed, BoxLayout):
    """A bordered box on the panel colour (cards, the step list, feedback)."""

    bg = ListProperty([1, 1, 1, 1])
    edge = ListProperty([0, 0, 0, 1])
    bg_name = StringProperty("panel")
    edge_width = dp(2)
    edge_name = StringProperty("border")
    min_height = NumericProperty(0)

    def __init__(self, **kwargs):
        kwargs.setdefault("orientation", "vertical")
        kwargs.setdefault("padding", [dp(24), dp(16)])
        kwargs.setdefault("spacing", dp(12))
        kwargs.setdefault("size_hint_y", None)
        super().__init__(**kwargs)
        self._app = App.get_running_app()
        self.fbind("bg_name", self.restyle)
        self.fbind("edge_name", self.restyle)
        self.fbind("minimum_height", self._fit)
        self.fbind("min_height", self._fit)
        self.restyle()
        self._init_paint()

    def restyle(self, *_):
        self.bg = getattr(self._app.theme, self.bg_name)
        self.edge = getattr(self._app.theme, self.edge_name)

    def _fit(self, *_):
        if self.size_hint_y is None:
            self.height = max(self.minimum_height, self.min_height)


class ToolButton(Boxed, ButtonBehavior, BoxLayout):
    """A toolbar button: an icon above a word (narrow, so seven fit across the screen in
    every language), at least 64 dp square."""

    bg = ListProperty([0, 0, 0, 0])
    edge = ListProperty([0, 0, 0, 0])
    edge_width = dp(2)  # the colour of the fill unless greyed
    min_width = NumericProperty(0)
    name = StringProperty("")

    def __init__(self, icon: str, text: str, name: str, role: str = "toolbar", **kwargs):
        kwargs.setdefault("padding", [dp(10), dp(4)])
        kwargs.setdefault("spacing", dp(2))
        kwargs.setdefault("size_hint_x", None)
        kwargs.setdefault("width", dp(64))
        kwargs.setdefault("orientation", "vertical")
        super().__init__(name=name, **kwargs)
        self._app = App.get_running_app()
        self.icon = Icon(name=icon, size_hint=(1, None), height=dp(26),
                         mirrored=self._app.rtl)
        self.label = KLabel(text=text, role=role, bold=True, wrap=False, align="center")
        self.label.bind(texture_size=self._fit)
        self.add_widget(self.icon)
        self.add_widget(self.label)
        self.fbind("state", self.restyle)
        self.fbind("disabled", self.restyle)
        self.fbind("min_width", self._fit)
        self.restyle()
        self._fit()
        self._init_paint()

    def _fit(self, *_):
        self.width = max(dp(64), self.min_width, self.natural_width)

    @property
    def natural_height(self) -> float:
        """Icon, gap and word: tall scripts (Nastaliq) need more than Latin."""
        return self.icon.height + self.spacing + self.label.texture_size[1] + \
            2 * self.padding[1]

    @property
    def natural_width(self) -> float:
        return max(self.icon.height, self.label.texture_size[0]) + 2 * self.padding[0]

    def restyle(self, *_):
        t = self._app.theme
        if self.disabled:  # greyed, with an edge to keep its shape, its word still readable
            self.bg, self.edge, colour = t.panel, t.border, "secondary_text"
        elif self.state == "down":
            self.bg = self.edge = t.focus
            colour = "focus_text"
        else:
            self.bg = self.edge = t.button
            colour = "button_text"
        fg = getattr(t, colour)
        self.icon.colour = fg
        self.label.colour_name = colour
        self.label.color = self.label.disabled_color = fg


class Spacer(Widget):
    pass


class PageScroll(ScrollView):
    """A ScrollView whose bar does not fade. Kivy animates the bar's colour for half a
    second, half a second after every change of position or size (a new page, each step
    of Up and Down): an animation on every frame for a cosmetic fade, kept running by the
    screen that was just dropped too. The bar here goes straight to its resting colour,
    which the theme keeps readable (secondary text at 70 %)."""

    def _bind_inactive_bar_color(self, *_):  # Kivy 2.3.1's fade, without the Animation
        self.funbind("bar_color", self._change_bar_color)
        self.fbind("bar_inactive_color", self._change_bar_color)
        self._bar_color = self.bar_inactive_color


# The fade at a scrolling text's lower edge: bands from opaque (bottom) to clear (top), drawn
# over the text with plain rectangles.
_FADE_BANDS = 12


class ScrollCues:
    """What tells a reader that the text in a ScrollView goes on, the same beside a page and
    in the Help dialog: Up greyed at the top and Down at the end (greyed, they do nothing),
    and the lower edge fading into the background while there is more below, so a line
    running under it fades out instead of being cut in half. Follows the scrolling, by the
    buttons or by a finger; `restyle()` after the theme or text size changes.

    `height` is how much of the lower edge fades now (0 when nothing is below): text there
    is a cue that the text goes on, not text to read."""

    def __init__(self, scroll, content, up: ToolButton, down: ToolButton):
        self.app = App.get_running_app()
        self.scroll, self.content, self.up, self.down = scroll, content, up, down
        self.height = 0.0
        self.bands = []
        with scroll.canvas.after:
            for _ in range(_FADE_BANDS):
                self.bands.append((Color(0, 0, 0, 0), Rectangle()))
        self.colour = self.bands[0][0]  # the lowest, opaque band
        for prop in ("pos", "size", "scroll_y"):
            scroll.fbind(prop, self.update)
        content.fbind("height", self.update)
        up.bind(on_release=lambda *_: self.page_by(+1))
        down.bind(on_release=lambda *_: self.page_by(-1))
        self.update()

    def restyle(self, *_):
        self.update()

    def update(self, *_):
        scroll = self.scroll
        y = scroll.scroll_y
        self.up.disabled = y >= 0.999
        self.down.disabled = y <= 0.001
        more_below = self.content.height > scroll.height + 1 and y > 0.001
        rgb = self.app.theme.background[:3]
        height = min(max(dp(28), self.app.base_font * self.app.text_scale), scroll.height / 4)
        band = height / _FADE_BANDS
        self.height = height if more_below else 0.0
        for i, (colour, rect) in enumerate(self.bands):  # i = 0 at the bottom
            colour.rgba = (*rgb, min(1, 1.3 * (1 - i / _FADE_BANDS)) if more_below else 0)
            rect.pos = (scroll.x, scroll.y + i * band)
            rect.size = (scroll.width, band + 0.5)

    def page_by(self, direction: int) -> None:
        """Move the text by most of what shows: +1 up, -1 down."""
        extra = self.content.height - self.scroll.height
        if extra <= 0:
            return
        step = self.scroll.height * 0.8 / extra
        self.scroll.scroll_y = min(1.0, max(0.0, self.scroll.scroll_y + direction * step))


def two_lines(text: str) -> str:
    """A toolbar word with its state ("Text size: 200 %") on two lines, so it takes the
    width of the word, not of the whole phrase."""
    return text.replace(": ", ":\n", 1)


def fit_tool_labels(buttons: list[ToolButton], width: float, height: float) -> float:
    """Size the words of a row of ToolButtons to their space: as large as the text size asks
    (KLabel.fit 1), shrunk by one factor for all (never below half) until the buttons fit
    `width` side by side and the tallest fits `height`. Returns the factor and sets it.

    Sizes are measured (not read from the textures, which catch up a frame later), so the
    answer does not depend on when it is asked."""
    natural = [(b, *measure(b.label)) for b in buttons]
    chosen = 0.5
    for step in range(11):
        f = 1.0 - step * 0.05
        total = sum(max(dp(64), b.min_width, max(b.icon.height, tw * f) + 2 * b.padding[0])
                    for b, tw, _ in natural)
        tallest = max(b.icon.height + b.spacing + th * f + 2 * b.padding[1]
                      for b, _, th in natural)
        if total <= width and tallest <= height:
            chosen = f
            break
    for b in buttons:
        if abs(b.label.fit - chosen) > 0.01:
            b.label.fit = chosen
    return chosen
