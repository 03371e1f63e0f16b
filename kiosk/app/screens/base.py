"""What every screen shares: the toolbar, a page that scrolls, a footer for the main action,
and read-aloud text gathered from what the page shows."""

from __future__ import annotations

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.metrics import dp
from kivy.properties import DictProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.floatlayout import FloatLayout
from kivy.uix.screenmanager import Screen
from kivy.uix.widget import Widget

from kiosk.app.widgets.layout import (
    Backdrop,
    Divider,
    PageScroll,
    ScrollCues,
    Spacer,
    ToolButton,
)
from kiosk.app.widgets.text import KButton, KLabel, measure
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
        # The bar on the side of Up and Down (the left in right-to-left languages), at the
        # window's edge, in the gap the rail leaves there.
        self.scroll = PageScroll(do_scroll_x=False, bar_width=dp(10), bar_margin=dp(1),
                                 scroll_type=["bars", "content"],
                                 bar_pos_y="left" if self.app.rtl else "right",
                                 pos_hint={"x": 0, "y": 0})
        margin = dp(48)
        self.page = BoxLayout(orientation="vertical", size_hint_y=None,
                              padding=[margin, dp(28), margin, dp(28)], spacing=dp(18))
        self.page.bind(minimum_height=self.page.setter("height"))
        self.scroll.add_widget(self.page)
        # Up and Down stand over the page's margin on their side (the left in right-to-left),
        # which is kept wide enough for them whether they show or not: showing them never
        # narrows the page, so its text never wraps longer because the page scrolls.
        middle = FloatLayout()
        self._side_margin: float | None = None
        self.rail = self._page_buttons()
        middle.add_widget(self.scroll)
        middle.add_widget(self.rail)
        outer.add_widget(middle)
        # Up greyed at the top, Down at the bottom, and the lower edge fading out while the
        # page goes on (shared with the Help dialog).
        self.cues = ScrollCues(self.scroll, self.page, self.page_up, self.page_down)
        # Where the page ends and the footer begins: a line, shown with the footer.
        self.divider = Divider(size_hint_y=None, height=0)
        outer.add_widget(self.divider)
        self.footer = BoxLayout(size_hint_y=None, height=0, spacing=dp(24),
                                padding=[margin, 0, margin, 0])
        outer.add_widget(self.footer)
        self.restyle()
        before = self.app.fallbacks
        self.build()
        self._size_rail()
        self.in_english = self.app.fallbacks - before  # texts shown in English: untranslated
        if self.in_english and self.app.lang != "en" and self.notice is None:
            note = KLabel(text=self.tr("Some of this page is in English because it has not "
                                       "been translated yet."),
                          role="small", colour_name="secondary_text", size_hint_y=None)
            box = self.notes_box or self.page
            box.add_widget(note, index=len(box.children))  # at the top

    def build(self) -> None:
        """Fill self.page (and maybe self.footer)."""

    def restyle(self, *_):
        """What of the screen itself follows the theme (its widgets restyle themselves)."""
        t = self.app.theme
        self.scroll.bar_color = t.secondary_text
        self.scroll.bar_inactive_color = (*t.secondary_text[:3], 0.7)
        if hasattr(self, "cues"):
            self.cues.restyle()
        if hasattr(self, "_size_rail_trigger"):
            self._size_rail_trigger()  # once Up and Down have their new size
        if hasattr(self, "footer_actions"):
            for b in (*self.footer_actions, self.more):
                if b is not None and b.parent is None:  # off the footer's row, so not reached by the walk
                    b.restyle()
            self._arrange_trigger()  # once the buttons on the row have their new size too

    @property
    def fade_height(self) -> float:
        """How much of the page's lower edge fades out now (0 when nothing is below)."""
        return self.cues.height

    @property
    def fade_colour(self):
        return self.cues.colour

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
        rtl = self.app.rtl
        rail = BoxLayout(orientation="vertical", size_hint_x=None, width=0, opacity=0,
                         pos_hint={"x": 0, "y": 0} if rtl else {"right": 1, "y": 0},
                         spacing=dp(24),
                         padding=[dp(12) if rtl else 0, dp(16), 0 if rtl else dp(12), dp(16)])
        self.page_up = ToolButton("up", self.tr("Up"), "page_up", role="rail",
                                  size_hint_y=None, height=dp(96))
        self.page_down = ToolButton("down", self.tr("Down"), "page_down", role="rail",
                                    size_hint_y=None, height=dp(96))
        rail.add_widget(self.page_up)
        rail.add_widget(Widget())
        rail.add_widget(self.page_down)
        self.page.bind(height=self._update_rail)
        self.scroll.bind(height=self._update_rail)
        self._rail_room = 0.0
        self._size_rail_trigger = Clock.create_trigger(self._size_rail, -1)
        return rail

    def _size_rail(self, *_):
        """Up and Down as wide and as tall as the larger of them, from their measured words
        (before anything is laid out or rendered), and the page's margin on their side kept
        for them: set once when the screen is built and again when the text size changes,
        never by the scrolling, so the page's text is laid out once."""
        if not self.scroll.do_scroll_y:  # a page that never scrolls (the attract screen)
            return
        buttons = (self.page_up, self.page_down)
        sizes = [(b, *measure(b.label)) for b in buttons]
        widest = max([dp(64)] + [max(b.icon.height, w) + 2 * b.padding[0] for b, w, _ in sizes])
        tallest = max([dp(96)] + [b.icon.height + b.spacing + h + 2 * b.padding[1]
                                  for b, _, h in sizes])  # Nastaliq at 200 %
        for b in buttons:
            b.min_width = widest
            b.height = tallest
        self._rail_room = widest + dp(12)
        side = 0 if self.app.rtl else 2
        if self._side_margin is None:
            self._side_margin = self.page.padding[side]
        margin = max(self._side_margin, self._rail_room + dp(24))  # apart from cards, links
        if self.page.padding[side] != margin:
            padding = list(self.page.padding)
            padding[side] = margin
            self.page.padding = padding
        self._update_rail()

    def _update_rail(self, *_):
        if not self.scroll.do_scroll_y:
            return
        overflow = self.page.height > self.scroll.height + 1
        self.rail.width = self._rail_room if overflow else 0
        self.rail.opacity = 1 if overflow else 0
        self.rail.disabled = not overflow
        if hasattr(self, "cues"):
            self.cues.update()  # Up and Down greyed at the ends again

    def page_by(self, direction: int) -> None:
        """Move the page by most of a screen: +1 up, -1 down."""
        self.cues.page_by(direction)

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
        """The main actions, the main one first: always visible, on one row in reading order,
        each in words on one line. When they do not all fit (large text, long words) the
        main action stays and the others go behind More, which lists them in large type;
        while the main action is greyed out (Continue, until the practice is done), the
        first action that can be pressed stays instead (Skip this practice): a greyed action
        goes behind More before one that can be pressed. The footer grows with its tallest
        button, so large text never spills out."""
        self.divider.height = dp(3)
        self.footer.padding = [dp(48), dp(12), dp(48), dp(16)]
        self.footer_actions = list(buttons)
        self.more: KButton | None = None  # made when first needed
        self._arrange_trigger = Clock.create_trigger(self._arrange_footer, -1)
        for b in buttons:
            b.size_hint_y = None
            b.bind(texture_size=self._fit_footer, disabled=self._arrange_trigger)
        self.footer.bind(width=self._arrange_trigger)
        self._arrange_footer()

    def _arrange_footer(self, *_):
        actions = self.footer_actions
        footer = self.footer
        # Before the first layout the footer has Kivy's default width; a screen spans the window.
        room = (footer.width if footer.width != 100 else Window.width) - footer.padding[0] - \
            footer.padding[2]
        gap = footer.spacing
        natural = [measure(b)[0] + 2 * b.pad[0] + 2 for b in actions]
        if sum(natural) + gap * (len(actions) - 1) <= room:
            row, widths = actions, natural
        else:
            if self.more is None:
                self.more = KButton(text=self.tr("More"), kind="secondary", size_hint_y=None)
                self.more.bind(on_release=lambda *_: self.show_more(),
                               texture_size=self._fit_footer)
            # The only thing a stuck citizen can do is never the one hidden.
            keep = next((i for i, b in enumerate(actions) if not b.disabled), 0)
            row = [actions[keep], self.more]
            widths = [natural[keep], measure(self.more)[0] + 2 * self.more.pad[0] + 2]
        free = room - gap * (len(row) - 1)
        if max(widths) <= free / len(row):
            widths = [free / len(row)] * len(row)  # equal, when the widest fits an equal share
        elif sum(widths) <= free:
            extra = (free - sum(widths)) / len(row)
            widths = [w + extra for w in widths]
        else:  # not even the main action and More on one line: the main action wraps
            widths = [free - widths[1], widths[1]]
        for b, w in zip(row, widths):
            b.size_hint_x = None
            b.width = w
        ordered = list(reversed(row)) if self.app.rtl else row
        if list(reversed(footer.children)) != ordered:
            footer.clear_widgets()
            for b in ordered:
                footer.add_widget(b)
        self._fit_footer()

    def _fit_footer(self, *_):
        # From the texts' own heights (not the buttons'), so the row can shrink again.
        tallest = max([dp(76)] + [b.texture_size[1] + 2 * b.pad[1]
                                  for b in self.footer.children])
        for b in self.footer.children:  # one row of equally tall buttons
            b.min_height = tallest
        self.footer.height = tallest + dp(28)

    def show_more(self) -> None:
        """The footer's actions that are not on its row, as a list in large type."""
        from kiosk.app.widgets.more import MoreDialog

        self.app.open_modal(MoreDialog([b for b in self.footer_actions if b.parent is None]))

    def more_for(self, action) -> KButton | None:
        """The More button when `action` is a footer action behind it (else None)."""
        if action in getattr(self, "footer_actions", ()) and action.parent is None:
            return self.more
        return None

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

    def finish_button(self) -> KButton:
        """*I have finished*, at the end of the page: away from the main action in the footer
        (it ends the visit, after asking, so it must not sit where the next step is)."""
        finish = KButton(text=self.tr("I have finished"), kind="secondary")
        finish.bind(on_release=lambda *_: self.app.ask_end_session("finished"))
        row = BoxLayout(size_hint_y=None, spacing=dp(24), padding=[0, dp(24), 0, 0])
        finish.bind(height=lambda *_: setattr(row, "height", finish.height + dp(24)))
        for w in ((Spacer(), finish) if self.app.rtl else (finish, Spacer())):
            row.add_widget(w)
        self.page.add_widget(row)
        return finish
