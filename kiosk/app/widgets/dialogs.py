"""Dialogs: a message, the QR code hand-off, and the idle "Do you need more time?" warning."""

from __future__ import annotations

from kivy.app import App
from kivy.metrics import dp
from kivy.properties import NumericProperty, StringProperty
from kivy.uix.modalview import ModalView

from kiosk.app.widgets.layout import Panel
from kiosk.app.widgets.qr import QRCode
from kiosk.app.widgets.text import KButton, KLabel


class Dialog(ModalView):
    def __init__(self, **kwargs):
        kwargs.setdefault("size_hint", (0.7, None))
        kwargs.setdefault("auto_dismiss", False)
        kwargs.setdefault("overlay_color", (0, 0, 0, 0.6))
        kwargs.setdefault("background_color", (0, 0, 0, 0))
        kwargs.setdefault("background", "")
        super().__init__(**kwargs)
        self.app = App.get_running_app()
        self.box = Panel(bg_name="background", edge_name="text", padding=[dp(32), dp(28)],
                         spacing=dp(20))
        self.box.bind(height=lambda *_: setattr(self, "height", self.box.height))
        self.add_widget(self.box)

    def add(self, widget):
        self.box.add_widget(widget)
        return widget

    def read_aloud_text(self) -> str:
        return "\n".join(w.text for w in reversed(self.box.children) if isinstance(w, KLabel)
                         and not isinstance(w, KButton))


class MessageDialog(Dialog):
    title = StringProperty("")
    message = StringProperty("")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.add(KLabel(text=self.title, role="heading", bold=True, size_hint_y=None))
        self.add(KLabel(text=self.message, size_hint_y=None))
        ok = self.add(KButton(text=self.app.tr("OK"), kind="primary"))
        ok.bind(on_release=lambda *_: self.dismiss(animation=False))


class QRDialog(Dialog):
    url = StringProperty("")

    def __init__(self, **kwargs):
        kwargs.setdefault("size_hint", (0.6, None))
        super().__init__(**kwargs)
        tr = self.app.tr
        self.add(KLabel(text=tr("Continue on your phone"), role="heading", bold=True,
                        size_hint_y=None))
        self.add(KLabel(text=tr("Point your phone's camera at this code. The official "
                                "website will open on your phone."), size_hint_y=None))
        self.code = self.add(QRCode(url=self.url, size_hint_y=None, height=dp(300)))
        self.add(KLabel(text=self.url, text_lang="en", role="small", size_hint_y=None,
                        align="center"))
        close = self.add(KButton(text=tr("Close"), kind="primary"))
        close.bind(on_release=lambda *_: self.dismiss(animation=False))


class IdleDialog(Dialog):
    """Asks before the session ends; one big button gives more time."""

    seconds = NumericProperty(30)
    remaining = NumericProperty(30)
    __events__ = ("on_continue", "on_expired")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        tr = self.app.tr
        self.clock = self.app.services.clock
        self.started = self.clock()
        self.remaining = self.seconds
        self.add(KLabel(text=tr("Do you need more time?"), role="title", bold=True,
                        size_hint_y=None))
        self.countdown = self.add(KLabel(size_hint_y=None, role="heading"))
        self.add(KLabel(text=tr("If you do not answer, everything on this screen will be "
                                "cleared so that the next person cannot see it."),
                        size_hint_y=None))
        self.more = self.add(KButton(text=tr("Yes, I need more time"), kind="primary",
                                     min_height=dp(96), role="heading"))
        self.more.bind(on_release=lambda *_: self.dispatch("on_continue"))
        self.expired = False
        self.tick()

    def tick(self, *_):
        """Called by the app's idle clock; the countdown follows the app's clock."""
        if self.expired:
            return
        self.remaining = max(0, self.seconds - (self.clock() - self.started))
        n = int(self.remaining + 0.999)
        self.countdown.text = self.app.ntr("The screen will clear in {n} second.",
                                           "The screen will clear in {n} seconds.",
                                           n).format(n=self.app.num(n))
        if self.remaining <= 0:
            self.expired = True
            self.dispatch("on_expired")

    def on_continue(self):
        pass

    def on_expired(self):
        pass


class ConfirmEndDialog(Dialog):
    """Asks before a visit is cleared (*Finish and clear*, *I have finished*): one tap must not
    wipe what the citizen did. *Go back*, the safe choice, comes first and stands out; only
    *Clear and start again* ends the session (the app then calls `end_session`)."""

    __events__ = ("on_confirm",)

    def __init__(self, **kwargs):
        kwargs.setdefault("size_hint", (0.8, None))  # wide: large type, few lines at 200 %
        super().__init__(**kwargs)
        tr = self.app.tr
        self.question = self.add(KLabel(
            text=tr("This will clear everything you did here. Clear and start again?"),
            role="lead", bold=True, size_hint_y=None))
        self.go_back = self.add(KButton(text=tr("Go back"), kind="primary", role="lead",
                                        min_height=dp(96)))
        self.clear = self.add(KButton(text=tr("Clear and start again"), kind="secondary",
                                      role="lead", min_height=dp(96)))
        self.go_back.bind(on_release=lambda *_: self.dismiss(animation=False))
        self.clear.bind(on_release=lambda *_: self.dispatch("on_confirm"))

    def on_confirm(self):
        pass
