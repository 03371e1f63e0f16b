"""What every screen shares: the toolbar, a page that scrolls, a footer for the main action,
and read-aloud text gathered from what the page shows."""

from __future__ import annotations

from kivy.app import App
from kivy.clock import Clock
from kivy.graphics import Color, Rectangle
from kivy.metrics import dp
from kivy.properties import DictProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import Screen
from kivy.uix.scrollview import ScrollView
from kivy.uix.widget import Widget

from kiosk.app.widgets.layout import Backdrop, Divider, ToolButton
from kiosk.app.widgets.text import KButton, KLabel
from kiosk.app.widgets.toolbar import Toolbar

# The fade at the page's lower edge: bands from opaque (bottom) to clear (top), drawn after
# the page (and the scroll bar) with plain rectangles.
_FADE_BANDS = 12


class KioskScreen(Screen):
    params = DictProperty({})
    has_toolbar = True  # the app's toolbar shows above this screen

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.app = App.get_running_app()
        self.tr = self.app.tr
        back = Backdrop()
        self.add_widget(back)
        outer = BoxLayout(orientation="vertical")
        back.add_widget(outer)
        # The bar on the side of Up and Down: the left in right-to-left languages.
        self.scroll = ScrollView(do_scroll_x=False, bar_width=dp(14), scroll_type=["bars",
                                 "content"], bar_pos_y="left" if self.app.rtl else "right")
        margin = dp(48)
        self.page = BoxLayout(orientation="vertical", size_hint_y=None,
                              padding=[margin, dp(28), margin, dp(28)], spacing=dp(18))
        self.page.bind(minimum_height=self.page.setter("height"))
        self.scroll.add_widget(self.page)
        middle = BoxLayout()
        self.rail = self._page_buttons()
        for w in ((self.rail, self.scroll) if self.app.rtl else (self.scroll, self.rail)):
            middle.add_widget(w)
        outer.add_widget(middle)
        self._fade()
        # Where the page ends and the footer begins: a line, shown with the footer.
        self.divider = Divider(size_hint_y=None, height=0)
        outer.add_widget(self.divider)
        self.footer = BoxLayout(size_hint_y=None, height=0, spacing=dp(24),
                                padding=[margin, 0, margin, 0])
        outer.add_widget(self.footer)
        self.restyle()
        before = self.app.fallbacks
        self.build()
        self.in_english = self.app.fallbacks - before  # texts shown in English: untranslated
        if self.in_english and self.app.lang != "en":
            note = KLabel(text=self.tr("Some of this page is in English because it has not "
                                       "been translated yet."),
                          role="small", colour_name="secondary_text", size_hint_y=None)
            self.page.add_widget(note, index=len(self.page.children))  # at the top

    def build(self) -> None:
        """Fill self.page (and maybe self.footer)."""

    def restyle(self, *_):
        """What of the screen itself follows the theme (its widgets restyle themselves)."""
        t = self.app.theme
        self.scroll.bar_color = t.secondary_text
        self.scroll.bar_inactive_color = (*t.secondary_text[:3], 0.7)
        if hasattr(self, "fade_colour"):
            self._update_fade()

    def _fade(self):
        """The page's lower edge fades into the background while there is more below, so a
        line of text running under the edge fades out instead of being cut in half. Drawn
        under the scroll bar, in the theme's background colour."""
        self._fade_bands = []
        with self.scroll.canvas.after:
            for _ in range(_FADE_BANDS):
                self._fade_bands.append((Color(0, 0, 0, 0), Rectangle()))
        self.fade_colour = self._fade_bands[0][0]  # the lowest, opaque band
        for prop in ("pos", "size", "scroll_y"):
            self.scroll.fbind(prop, self._update_fade)
        self.page.fbind("height", self._update_fade)
        self._update_fade()

    def _update_fade(self, *_):
        scroll = self.scroll
        more_below = self.page.height > scroll.height + 1 and scroll.scroll_y > 0.001
        rgb = self.app.theme.background[:3]
        height = min(max(dp(28), self.app.base_font * self.app.text_scale), scroll.height / 4)
        band = height / _FADE_BANDS
        for i, (colour, rect) in enumerate(self._fade_bands):  # i = 0 at the bottom
            colour.rgba = (*rgb, min(1, 1.3 * (1 - i / _FADE_BANDS)) if more_below else 0)
            rect.pos = (scroll.x, scroll.y + i * band)
            rect.size = (scroll.width, band + 0.5)

    def _page_buttons(self) -> BoxLayout:
        """Up and Down beside a page longer than the screen: scrolling must never need a
        drag. Shown only when there is somewhere to scroll to."""
        rail = BoxLayout(orientation="vertical", size_hint_x=None, width=0, opacity=0,
                         padding=[0, dp(16), dp(12), dp(16)], spacing=dp(24))
        self.page_up = ToolButton("up", self.tr("Up"), "page_up", size_hint_y=None,
                                  height=dp(96))
        self.page_down = ToolButton("down", self.tr("Down"), "page_down", size_hint_y=None,
                                    height=dp(96))
        self.page_up.bind(on_release=lambda *_: self.page_by(+1))
        self.page_down.bind(on_release=lambda *_: self.page_by(-1))
        rail.add_widget(self.page_up)
        rail.add_widget(Widget())
        rail.add_widget(self.page_down)
        self.page.bind(height=self._update_rail)
        self.page_up.label.bind(texture_size=self._update_rail)
        self.page_down.label.bind(texture_size=self._update_rail)
        self.scroll.bind(height=self._update_rail)
        self.scroll.bind(scroll_y=self._update_ends)
        return rail

    def _update_rail(self, *_):
        overflow = self.page.height > self.scroll.height + 1
        widest = max(dp(64), self.page_up.natural_width, self.page_down.natural_width)
        self.page_up.min_width = self.page_down.min_width = widest
        self.rail.width = widest + dp(12) if overflow else 0
        self.rail.opacity = 1 if overflow else 0
        self.rail.disabled = not overflow
        self._update_ends()

    def _update_ends(self, *_):
        """Up is greyed at the top of the page and Down at the bottom."""
        y = self.scroll.scroll_y
        self.page_up.disabled = y >= 0.999
        self.page_down.disabled = y <= 0.001

    def page_by(self, direction: int) -> None:
        """Move the page by most of a screen: +1 up, -1 down."""
        extra = self.page.height - self.scroll.height
        if extra <= 0:
            return
        step = self.scroll.height * 0.8 / extra
        self.scroll.scroll_y = min(1.0, max(0.0, self.scroll.scroll_y + direction * step))

    @property
    def toolbar(self) -> Toolbar | None:
        return self.app.toolbar if self.has_toolbar else None

    # helpers -------------------------------------------------------------------------
    def add(self, widget, to=None):
        (to or self.page).add_widget(widget)
        return widget

    def label(self, text: str = "", to=None, text_lang: str = "", **kwargs) -> KLabel:
        kwargs.setdefault("size_hint_y", None)
        return self.add(KLabel(text=text, text_lang=text_lang, **kwargs), to)

    def content(self, t, to=None, **kwargs) -> KLabel:
        """A label for a content text in the session's language (or English fallback)."""
        text, lang = self.app.text(t)
        return self.label(text, to=to, text_lang=lang, **kwargs)

    def fill(self, container, makers, now: int = 4) -> None:
        """Add widgets made by `makers` to `container`: the first `now` at once (what shows
        on the first frame), the rest on the next frame, below the fold, so a long list of
        cards does not delay the screen."""
        makers = list(makers)
        for make in makers[:now]:
            container.add_widget(make())

        def rest(*_):
            for make in makers[now:]:
                container.add_widget(make())

        if makers[now:]:
            Clock.schedule_once(rest, 0)

    def footer_buttons(self, *buttons: KButton) -> None:
        """The main actions, always visible; in reading order for the language. The footer
        grows with its tallest button, so large text never spills out."""
        self.divider.height = dp(3)
        self.footer.padding = [dp(48), dp(12), dp(48), dp(16)]
        for b in (reversed(buttons) if self.app.rtl else buttons):
            b.size_hint_y = None
            b.bind(texture_size=self._fit_footer)
            self.footer.add_widget(b)
        self._fit_footer()

    def _fit_footer(self, *_):
        # From the texts' own heights (not the buttons'), so the row can shrink again.
        tallest = max([dp(76)] + [b.texture_size[1] + 2 * b.pad[1]
                                  for b in self.footer.children])
        for b in self.footer.children:  # one row of equally tall buttons
            b.min_height = tallest
        self.footer.height = tallest + dp(28)

    def read_aloud_text(self) -> str:
        """What the page shows, top to bottom; never anything typed by the citizen."""
        out: list[str] = []

        def walk(w):
            if getattr(w, "private", False):
                return
            if isinstance(w, KLabel) and w.text and w.opacity > 0:
                out.append(w.text)
            for child in reversed(w.children):
                walk(child)

        walk(self.page)
        walk(self.footer)
        return "\n".join(out)
