"""While an official service is open in the browser: the kiosk's window stays under it,
covered by this, and the browser is placed below its bar. The bar holds *Back to the kiosk*
in the citizen's language and what is open; the rest of the window (under the browser)
says what is happening, which shows only while the browser starts."""

from __future__ import annotations

from kivy.app import App
from kivy.metrics import dp
from kivy.uix.anchorlayout import AnchorLayout
from kivy.uix.boxlayout import BoxLayout

from kiosk.app.widgets.icon import Icon
from kiosk.app.widgets.layout import Backdrop, Panel
from kiosk.app.widgets.text import KButton, KLabel, measure


class BrowserCover(Backdrop):
    """Over the whole kiosk window (added to the Window, so the screen under it keeps its
    state: the guide the citizen came from is there again when they come back)."""

    def __init__(self, title: str, title_lang: str = "", **kwargs):
        super().__init__(**kwargs)
        app = App.get_running_app()
        tr = app.tr
        self.back = KButton(text=tr("Back to the kiosk"), kind="primary", role="heading",
                            bold=True, size_hint=(None, None), wrap=False,
                            pad=[dp(28), dp(14)], min_height=dp(80))
        w, h = measure(self.back)
        self.back.width = w + 2 * self.back.pad[0] + dp(8)
        arrow = Icon(name="back", mirrored=app.rtl, colour_name="text",
                     size_hint=(None, None), size=(dp(44), dp(44)))
        self.what = KLabel(text=title, text_lang=title_lang, role="lead", bold=True,
                           size_hint_y=None)
        self.where = KLabel(text=tr("Official website, in a safe browser"), role="small",
                            colour_name="secondary_text", size_hint_y=None)
        words = BoxLayout(orientation="vertical", spacing=dp(2))
        words.add_widget(self.what)
        words.add_widget(self.where)
        self.bar_height = max(dp(104), h + 2 * self.back.pad[1] + dp(32))
        self.bar = Panel(orientation="horizontal", size_hint=(1, None),
                         height=self.bar_height, padding=[dp(20), dp(12)], spacing=dp(20),
                         edge_name="link", pos_hint={"x": 0, "top": 1})
        self.back.height = self.bar_height - dp(24)
        parts = [_centred(arrow), self.back, words]
        for part in reversed(parts) if app.rtl else parts:
            self.bar.add_widget(part)
        self.add_widget(self.bar)
        self.status = KLabel(text=tr("The official website is opening. Please wait."),
                             role="lead", align="center", size_hint=(0.8, None),
                             pos_hint={"center_x": 0.5, "center_y": 0.45})
        self.add_widget(self.status)

    def opened(self) -> None:
        """The browser is up (it covers this text; it shows if the browser is hidden)."""
        self.status.text = App.get_running_app().tr(
            "The official website is open. To come back here, tap Back to the kiosk.")

    def on_touch_down(self, touch):
        super().on_touch_down(touch)
        return True  # nothing under the cover (the guide) takes a touch meant for it

    def on_touch_up(self, touch):
        super().on_touch_up(touch)
        return True


def _centred(widget) -> AnchorLayout:
    box = AnchorLayout(size_hint_x=None, width=widget.width)
    box.add_widget(widget)
    return box
