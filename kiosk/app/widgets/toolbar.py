"""The bar on every screen but the attract screen: Back, Home, Start again, and the three
accessibility controls (text size, contrast, read aloud). Mirrored for right-to-left."""

from __future__ import annotations

from kivy.app import App
from kivy.core.window import Window
from kivy.metrics import dp
from kivy.uix.boxlayout import BoxLayout

from kiosk.app.widgets.layout import Panel, Spacer, ToolButton, fit_tool_labels, two_lines

# The toolbar's words grow with the text size as far as this share of the window's height
# (and its width) allows, so the page keeps most of the screen at 200 %.
MAX_HEIGHT_SHARE = 0.2


class Toolbar(Panel):
    """One toolbar for the whole app (not one per screen): built for a language, rebuilt only
    when the language changes."""

    def __init__(self, **kwargs):
        kwargs.setdefault("orientation", "horizontal")
        kwargs.setdefault("size_hint_y", None)
        kwargs.setdefault("height", dp(104))
        kwargs.setdefault("padding", [dp(12), dp(8)])
        kwargs.setdefault("spacing", dp(16))
        kwargs.setdefault("min_height", dp(104))
        super().__init__(**kwargs)
        app = App.get_running_app()
        self.lang = app.lang
        tr = app.tr
        self.buttons: dict[str, ToolButton] = {}
        nav = [("back", "back", tr("Back"), app.back), ("home", "home", tr("Home"), app.home),
               ("start_again", "restart", tr("Start again"),
                lambda: app.end_session("start_again"))]
        access = [("language", "language", tr("Language"), app.open_languages),
                  ("text_size", "text", tr("Text size"), app.cycle_text_size),
                  ("contrast", "contrast", tr("Contrast"), app.toggle_contrast),
                  ("read_aloud", "speaker", tr("Read aloud"), app.toggle_read_aloud)]
        left = BoxLayout(spacing=dp(16))
        right = BoxLayout(spacing=dp(16))
        for box, items in ((left, nav), (right, access)):
            for name, icon, text, action in items:
                b = ToolButton(icon, text, name)
                b.bind(on_release=lambda _b, a=action: a())
                box.add_widget(b)
                self.buttons[name] = b
            box.size_hint_x = None
            box.bind(minimum_width=box.setter("width"))
        self._fitted = None
        self._show_states()
        for b in self.buttons.values():
            b.label.bind(texture_size=self._fit_height)
        self._back_box, self._rtl = left, app.rtl
        app.bind(speaking=self._speaking)
        self._speaking(app, app.speaking)
        parts = [left, Spacer(), right]
        if app.rtl:
            parts.reverse()
            for box in (left, right):
                kids = list(box.children)
                box.clear_widgets()
                for k in kids:  # children are stored last-first: re-adding reverses them
                    box.add_widget(k)
        for p in parts:
            self.add_widget(p)

    def _fit_height(self, *_):
        shown = [b for b in self.buttons.values() if b.parent is not None]
        gaps = len(shown) * self.spacing + 2 * self.padding[0]  # between buttons, at the ends
        limit = Window.height * MAX_HEIGHT_SHARE
        if self._fitted != (key := (Window.size, tuple(b.label.text for b in shown),
                                    shown[0].label.font_size / shown[0].label.fit)):
            self._fitted = key
            fit_tool_labels(shown, Window.width - gaps, limit - 2 * self.padding[1])
        needed = max(b.natural_height for b in shown) + 2 * self.padding[1]
        self.min_height = min(limit, max(dp(104), needed))

    def restyle(self, *_):
        super().restyle()
        if hasattr(self, "buttons"):
            self._show_states()
            self._fit_height()

    def _show_states(self):
        """Text size and Contrast say their state in words ("Text size: 200 %")."""
        app = App.get_running_app()
        size = app.fmt("Text size: {n} %", n=round(app.text_scale * 100))
        self.buttons["text_size"].label.text = two_lines(size)
        on = app.tr("Contrast: on") if app.high_contrast else app.tr("Contrast: off")
        self.buttons["contrast"].label.text = two_lines(on)

    def show_back(self, show: bool) -> None:
        """Back only when there is somewhere to go back to; otherwise it is off the bar, not
        an empty gap, and the next button takes its place."""
        b = self.buttons["back"]
        b.disabled = not show
        box = self._back_box
        if show and b.parent is None:
            # First in reading order: leftmost (last child) left to right, else rightmost.
            box.add_widget(b, index=0 if self._rtl else len(box.children))
        elif not show and b.parent is not None:
            box.remove_widget(b)
        self._fit_height()  # one button more or less in the same width

    def _speaking(self, app, speaking):
        b = self.buttons["read_aloud"]
        b.icon.name = "stop" if speaking else "speaker"
        b.label.text = app.tr("Stop reading") if speaking else app.tr("Read aloud")
