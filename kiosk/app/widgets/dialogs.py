"""Dialogs: a message, the QR code hand-off, the idle "Do you need more time?" warning, the
question before a visit is cleared, and Help."""

from __future__ import annotations

from kivy.app import App
from kivy.core.window import Window
from kivy.metrics import dp
from kivy.properties import NumericProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.modalview import ModalView
from kivy.uix.widget import Widget

from kiosk.app.widgets.icon import Icon
from kiosk.app.widgets.layout import PageScroll, Panel, ScrollCues, ToolButton
from kiosk.app.widgets.qr import QRCode
from kiosk.app.widgets.text import KButton, KLabel
from kiosk.core import languages


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
        """What the dialog shows, read in place of the screen behind it: its text, then the
        words of the buttons that can be pressed, in the order they are shown (a person who
        cannot read must hear what they can press: "Go back", "Clear and start again").
        Up and Down beside a text that scrolls are not read (beside a page they are not
        either), nor anything hidden, greyed or private."""
        texts: list[str] = []
        buttons: list[str] = []

        def walk(w):
            if w.opacity <= 0 or getattr(w, "private", False) or isinstance(w, ToolButton):
                return
            if isinstance(w, KButton):
                if w.text and not w.disabled:
                    buttons.append(w.text)
            elif isinstance(w, KLabel) and w.text:
                texts.append(w.text)
            for child in reversed(w.children):
                walk(child)

        walk(self.box)
        return "\n".join(texts + buttons)


class MessageDialog(Dialog):
    title = StringProperty("")
    message = StringProperty("")
    message_lang = StringProperty("")  # when not the interface's (a centre's own words)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.add(KLabel(text=self.title, role="heading", bold=True, size_hint_y=None))
        self.message_label = self.add(KLabel(text=self.message, text_lang=self.message_lang,
                                             size_hint_y=None))
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


class OfflineDialog(Dialog):
    """The official website cannot be reached from here now: the other ways to apply (from
    the service's content: `ways`, each (text, language)) and the phone hand-off."""

    __events__ = ("on_phone",)

    def __init__(self, ways=(), **kwargs):
        kwargs.setdefault("size_hint", (0.75, None))
        super().__init__(**kwargs)
        tr = self.app.tr
        self.add(KLabel(text=tr("The official website cannot be reached at the moment"),
                        role="heading",
                        bold=True, size_hint_y=None))
        self.add(KLabel(text=tr("This computer cannot reach the official website at the "
                                "moment. You can try again later, or:"), size_hint_y=None))
        for text, lang in ways:
            self.add(KLabel(text=f"•  {text}", text_lang=lang, size_hint_y=None))
        self.add(KLabel(text=tr("Or tap Continue on your phone to open it on your phone."),
                        size_hint_y=None))
        self.phone = self.add(KButton(text=tr("Continue on your phone"), kind="primary"))
        self.phone.bind(on_release=lambda *_: (self.dismiss(animation=False),
                                               self.dispatch("on_phone")))
        close = self.add(KButton(text=tr("Close"), kind="secondary"))
        close.bind(on_release=lambda *_: self.dismiss(animation=False))

    def on_phone(self):
        pass


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


class HelpDialog(Dialog):
    """*Help*, from the toolbar on every screen: how to ask a member of staff (with the
    centre's hours, from its own information), that staff can help in the citizen's language
    when what is shown is in English, and which toolbar buttons change the language, text
    size, colours and speech, named as the toolbar shows them. Large type; a long text
    scrolls with Up and Down (never a drag), with the page's cues: Up greyed at the top,
    Down at the end, and the lower edge fading out while there is more. One big button
    closes it. It records nothing."""

    def __init__(self, **kwargs):
        kwargs.setdefault("size_hint", (0.9, None))
        super().__init__(**kwargs)
        app = self.app
        tr = app.tr
        self.window = Window
        self.title = self.add(KLabel(text=tr("Help"), role="heading", bold=True,
                                     size_hint_y=None))
        # The scroll bar on the rail's side, the end of the lines, clear of the text.
        self.body = BoxLayout(orientation="vertical", size_hint_y=None, spacing=dp(14),
                              padding=[dp(24), 0, 0, 0] if app.rtl else [0, 0, dp(24), 0])
        self.body.bind(minimum_height=self.body.setter("height"))
        self._fill(app, tr)
        self.scroll = PageScroll(do_scroll_x=False, bar_width=dp(10),
                                 bar_pos_y="left" if app.rtl else "right",
                                 scroll_type=["bars", "content"])
        self.scroll.add_widget(self.body)
        self.rail = BoxLayout(orientation="vertical", size_hint_x=None, width=0, opacity=0,
                              spacing=dp(24))
        # As beside a page: words that grow less than the text (role "rail"), buttons as
        # tall as their words need (Nastaliq at 200 %): _fit.
        self.up = ToolButton("up", tr("Up"), "page_up", role="rail", size_hint_y=None,
                             height=dp(96))
        self.down = ToolButton("down", tr("Down"), "page_down", role="rail",
                               size_hint_y=None, height=dp(96))
        for w in (self.up, Widget(), self.down):
            self.rail.add_widget(w)
        self.middle = self.add(BoxLayout(size_hint_y=None, spacing=dp(16)))
        for w in ((self.rail, self.scroll) if app.rtl else (self.scroll, self.rail)):
            self.middle.add_widget(w)
        self.cues = ScrollCues(self.scroll, self.body, self.up, self.down)
        self.close = self.add(KButton(text=tr("Close"), kind="primary", role="lead",
                                      min_height=dp(96)))
        self.close.bind(on_release=lambda *_: self.dismiss(animation=False))
        for w, prop in ((self.body, "height"), (self.title, "height"), (self.close, "height"),
                        (self.up.label, "texture_size"), (self.down.label, "texture_size")):
            w.bind(**{prop: self._fit})
        Window.bind(height=self._fit)
        self.bind(on_dismiss=lambda *_: Window.unbind(height=self._fit))
        self._fit()

    def _fill(self, app, tr) -> None:
        centre = app.offer.centre
        lang = app.lang
        english = lang != "en" and bool(getattr(app.current, "in_english", 0))

        def say(text, text_lang="", role="lead", **kw):
            label = KLabel(text=text, text_lang=text_lang, role=role, size_hint_y=None, **kw)
            self.body.add_widget(label)
            return label

        say(tr("Ask a member of staff"), role="heading", bold=True)
        # The centre's own words (the first line of its "who can help") when they are in
        # the citizen's language; otherwise the kiosk's own sentence.
        staff = centre.help is not None and centre.help.has(lang)
        say(centre.help.get(lang).split("\n")[0] if staff else
            tr("You can ask a member of staff to help you."))
        hours = [] if centre.hours is None else \
            [(line, centre.hours.lang_for(lang)) for line in
             centre.hours.get(lang).split("\n") if line.strip()]
        english = english or any(shown != lang for _, shown in hours)
        if english:  # the guide, lesson or the centre's hours are shown in English
            box = Panel(bg_name="focus", edge_name="text", padding=[dp(20), dp(14)])
            box.add_widget(KLabel(text=tr("Ask staff for help in your language"),
                                  role="heading", bold=True, colour_name="focus_text",
                                  size_hint_y=None))
            self.body.add_widget(box)
        if hours:
            say(tr("Opening hours"), role="heading", bold=True)
            for text, shown in hours:
                say(f"•  {text}", text_lang=shown)
        say(tr("The buttons at the top of the screen"), role="heading", bold=True)
        # Literal msgids (make i18n-extract finds only those); buttons named as the toolbar
        # names them.
        for icon, line in (
                ("language", tr("To change the language, tap “{button}”.").format(
                    button=tr("Language"))),
                ("text", tr("To make the text bigger, tap “{button}”.").format(
                    button=tr("Text size"))),
                ("contrast", tr("To change the colours (for example, yellow on black), tap "
                                "“{button}”.").format(button=tr("Contrast"))),
                ("speaker", tr("To hear the screen read aloud, tap “{button}”.").format(
                    button=tr("Read aloud"))) if app.services.speech.can_speak(lang) else
                ("speaker_off", app.fmt("Read aloud is not available in {language} yet.",
                                        language=languages.get(lang).native_name)),
                ("exit", tr("When you have finished, tap “{button}”. Everything you did here "
                            "is cleared, so the next person cannot see it.").format(
                    button=tr("Finish and clear")))):
            self._with_icon(icon, say(line))

    def _with_icon(self, name: str, label: KLabel) -> None:
        """The button's icon, as the toolbar draws it, beside the first line of its text."""
        app = self.app
        size = dp(34) * (1 + (app.text_scale - 1) * 0.5)
        row = BoxLayout(size_hint_y=None, spacing=dp(14))
        slot = Widget(size_hint_x=None, width=size)
        icon = Icon(name=name, size_hint=(None, None), size=(size, size),
                    colour=app.theme.text, mirrored=app.rtl)
        slot.add_widget(icon)

        def place(*_):
            lines = max(1, len(getattr(label._label, "_cached_lines", None) or ()))
            first = label.texture_size[1] / lines  # centred on the first line, tall or not
            row.height = max(size, label.height)
            icon.x = slot.x
            icon.center_y = row.top - max(first, size) / 2 if first else row.center_y

        for w, props in ((label, ("height", "texture_size")), (row, ("pos", "size")),
                         (slot, ("pos",))):
            for prop in props:
                w.fbind(prop, place)
        self.body.remove_widget(label)
        for w in ((label, slot) if app.rtl else (slot, label)):
            row.add_widget(w)
        self.body.add_widget(row)

    def _fit(self, *_):
        """The body scrolls when the whole dialog would be taller than most of the window."""
        pad = self.box.padding[1] + self.box.padding[3] + 2 * self.box.spacing
        room = self.window.height * 0.95 - pad - self.title.height - self.close.height
        widest = max(dp(64), self.up.natural_width, self.down.natural_width)
        tallest = max(dp(96), self.up.natural_height, self.down.natural_height)
        for b in (self.up, self.down):
            b.min_width, b.height = widest, tallest
        # Never shorter than Up and Down one above the other.
        least = max(dp(120), 2 * tallest + self.rail.spacing)
        self.middle.height = self.scroll.height = max(least, min(self.body.height, room))
        overflow = self.body.height > self.middle.height + 1
        self.rail.width = widest if overflow else 0
        self.rail.opacity = 1 if overflow else 0
        self.rail.disabled = not overflow
        self.cues.update()  # Up and Down greyed at the ends again

    @property
    def fade_height(self) -> float:
        """How much of the text's lower edge fades out now (0 when nothing is below)."""
        return self.cues.height

    def restyle(self, *_):
        self.cues.restyle()  # the fade in the new theme's background

    def page_by(self, direction: int) -> None:
        """Move the text by most of what shows: +1 up, -1 down."""
        self.cues.page_by(direction)
