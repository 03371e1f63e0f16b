"""What every screen shares: the toolbar, a page that scrolls, a footer for the main action,
and read-aloud text gathered from what the page shows."""

from __future__ import annotations

from kivy.app import App
from kivy.clock import Clock
from kivy.metrics import dp
from kivy.properties import DictProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import Screen
from kivy.uix.scrollview import ScrollView
from kivy.uix.widget import Widget

from kiosk.app.widgets.layout import Backdrop, ToolButton
from kiosk.app.widgets.text import KButton, KLabel
from kiosk.app.widgets.toolbar import Toolbar


class KioskScreen(Screen):
    params = DictProperty({})
    has_toolbar = True  # the app's toolbar shows above this screen
    notes_box = None  # where build() wants notes about the page to go (None: the page)
    notice = None  # a Notice that build() put on the page (then no small note as well)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.app = App.get_running_app()
        self.tr = self.app.tr
        back = Backdrop()
        self.add_widget(back)
        outer = BoxLayout(orientation="vertical")
        back.add_widget(outer)
        self.scroll = ScrollView(do_scroll_x=False, bar_width=dp(14), scroll_type=["bars",
                                 "content"], bar_inactive_color=(0.4, 0.4, 0.4, 0.6))
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
        self.footer = BoxLayout(size_hint_y=None, height=0, spacing=dp(24),
                                padding=[margin, 0, margin, 0])
        outer.add_widget(self.footer)
        before = self.app.fallbacks
        self.build()
        self.in_english = self.app.fallbacks - before  # texts shown in English: untranslated
        if self.in_english and self.app.lang != "en" and self.notice is None:
            note = KLabel(text=self.tr("Some of this page is in English because it has not "
                                       "been translated yet."),
                          role="small", colour_name="secondary_text", size_hint_y=None)
            box = self.notes_box or self.page
            box.add_widget(note, index=len(box.children))  # at the top

    def build(self) -> None:
        """Fill self.page (and maybe self.footer)."""

    def english_notice(self, item, what: str, to=None) -> None:
        """When most of `item` is not in the citizen's language, a box at the top of the page
        (or of `to`) says so, before they start: `what` is "guide" or "lesson"."""
        from kiosk.app.widgets.notice import Notice
        from kiosk.core.content import mostly_in

        if self.app.lang == "en" or mostly_in(item, self.app.lang):
            return
        tr = self.tr
        heading = {"guide": tr("This guide is in English"),
                   "lesson": tr("This lesson is in English")}[what]
        self.notice = self.add(Notice(heading, tr("Ask staff for help in your language.")), to)

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
        return rail

    def _update_rail(self, *_):
        overflow = self.page.height > self.scroll.height + 1
        widest = max(dp(64), self.page_up.natural_width, self.page_down.natural_width)
        self.page_up.min_width = self.page_down.min_width = widest
        self.rail.width = widest + dp(12) if overflow else 0
        self.rail.opacity = 1 if overflow else 0
        self.rail.disabled = not overflow

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
