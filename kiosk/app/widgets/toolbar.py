"""The bar on every screen but the attract screen: Back and Home; Help, the language and the
three accessibility controls (text size, contrast, read aloud); and, apart at the far end,
Finish and clear. Mirrored for right-to-left."""

from __future__ import annotations

from kivy.app import App
from kivy.core.window import Window
from kivy.metrics import dp
from kivy.uix.boxlayout import BoxLayout

from kiosk.app.widgets.layout import Panel, Spacer, ToolButton, fit_tool_labels, two_lines
from kiosk.app.widgets.paint import restyle_tree

# The toolbar's words grow with the text size as far as this share of the window's height
# (and its width) allows, so the page keeps most of the screen at 200 %.
MAX_HEIGHT_SHARE = 0.2


class Toolbar(Panel):
    """One toolbar for the whole app (not one per screen): built once, and given the new
    language's words (and mirrored) when the language changes (`relabel`)."""

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
        nav = [("back", "back", "Back", app.back), ("home", "home", "Home", app.home)]
        access = [("help", "help", "Help", app.show_help),
                  ("language", "language", "Language", app.open_languages),
                  ("text_size", "text", "Text size", app.cycle_text_size),
                  ("contrast", "contrast", "Contrast", app.toggle_contrast),
                  ("read_aloud", "speaker", "Read aloud", app.toggle_read_aloud)]
        # Ending the visit is not navigation: it sits apart at the far end, outlined rather
        # than filled, and asks first. (Its key keeps the event outcome's name.)
        end = [("start_again", "exit", "Finish and clear",
                lambda: app.ask_end_session("start_again"))]
        self._msgids: dict[str, str] = {}
        left = BoxLayout(spacing=dp(16))
        right = BoxLayout(spacing=dp(16))
        last = BoxLayout(padding=[0, 0, dp(8), 0] if app.rtl else [dp(8), 0, 0, 0])
        # Without a voice for the language (Somali), Read aloud looks unavailable; a tap on it
        # says why, in the citizen's language (KioskApp.toggle_read_aloud).
        voice = app.services.speech.can_speak(app.lang)
        for box, items in ((left, nav), (right, access), (last, end)):
            for name, icon, msgid, action in items:
                text = tr(msgid)
                self._msgids[name] = msgid
                if box is last:
                    b = FinishButton(icon, text, name)
                elif name == "read_aloud" and not voice:
                    b = UnavailableButton("speaker_off", text, name)
                else:
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
        self._back_box, self._rtl = left, False
        self._voice = voice
        self._boxes, self._last = (left, right, last), last
        app.bind(speaking=self._speaking)
        self._speaking(app, app.speaking)
        for p in (left, Spacer(), right, last):
            self.add_widget(p)
        if app.rtl:
            self._mirror()

    def _mirror(self) -> None:
        """Right to left and back: the bar's parts and each part's buttons in the other
        order, Finish and clear's margin on its other side, pointing icons turned."""
        self._rtl = not self._rtl
        for box in self._boxes:
            kids = list(box.children)
            box.clear_widgets()
            for k in kids:  # children are stored last-first: re-adding reverses them
                box.add_widget(k)
        parts = list(self.children)
        self.clear_widgets()
        for p in parts:
            self.add_widget(p)
        self._last.padding = [0, 0, dp(8), 0] if self._rtl else [dp(8), 0, 0, 0]
        for b in self.buttons.values():
            b.icon.mirrored = self._rtl

    def relabel(self) -> bool:
        """The app's language changed: the same buttons, in the new language's words, font
        and direction; much cheaper than a new bar. False when this bar cannot show the
        language (Read aloud has a voice in one and not the other): make a new one."""
        app = App.get_running_app()
        if app.services.speech.can_speak(app.lang) != self._voice:
            return False
        self.lang = app.lang
        if app.rtl != self._rtl:
            self._mirror()
        for name, b in self.buttons.items():
            text = app.tr(self._msgids[name])
            if isinstance(b, FinishButton):
                b.one_line, b.two_lines = text, balanced_lines(text)
            b.label.text = text
        self._show_states()
        self._speaking(app, app.speaking)
        self._fitted = None
        restyle_tree(self)  # each label's font, script and alignment follow the language
        return True

    def _fit_height(self, *_):
        shown = [b for b in self.buttons.values() if b.parent is not None]
        finish = self.buttons["start_again"]
        # Between buttons, at the ends, and the margin that sets Finish and clear apart.
        gaps = len(shown) * self.spacing + 2 * self.padding[0] + \
            finish.parent.padding[0] + finish.parent.padding[2]
        limit = Window.height * MAX_HEIGHT_SHARE
        # Finish and clear's words as written: where they break is decided here.
        words = tuple(finish.one_line if b is finish else b.label.text for b in shown)
        if self._fitted != (key := (Window.size, words,
                                    shown[0].label.font_size / shown[0].label.fit)):
            self._fitted = key
            self._fit_words(shown, Window.width - gaps, limit - 2 * self.padding[1])
        needed = max(b.natural_height for b in shown) + 2 * self.padding[1]
        self.min_height = min(limit, max(dp(104), needed))

    def _fit_words(self, shown, width: float, height: float) -> None:
        """The words as large as the text size asks. When the bar has no room for them,
        *Finish and clear* goes on two lines first (as tall as the two-line toggles beside
        it, so the bar does not grow); only if that is not enough do all the words shrink."""
        finish = self.buttons["start_again"]
        finish.label.text = finish.one_line
        on_one = fit_tool_labels(shown, width, height)
        if on_one >= 1.0 or finish.two_lines == finish.one_line:
            return
        finish.label.text = finish.two_lines
        if fit_tool_labels(shown, width, height) <= on_one:  # no larger for the break
            finish.label.text = finish.one_line
            fit_tool_labels(shown, width, height)

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
        if isinstance(b, UnavailableButton):
            return
        b.icon.name = "stop" if speaking else "speaker"
        b.label.text = app.tr("Stop reading") if speaking else app.tr("Read aloud")


class FinishButton(ToolButton):
    """*Finish and clear*: not in the navigation buttons' filled colour but outlined (the
    page's background, a heavy border and text in the text colour, as GOV.UK's secondary
    buttons are plain), so it is not taken for Back or Home; it asks before clearing. Its
    words go on two lines when one line would not leave the bar room (Somali, Tamil or
    Romanian at 200 %), before the bar's words shrink: `Toolbar._fit_words`."""

    edge_width = dp(3)

    def __init__(self, icon: str, text: str, name: str, **kwargs):
        super().__init__(icon, text, name, **kwargs)
        self.one_line, self.two_lines = text, balanced_lines(text)

    def restyle(self, *_):
        if self.state == "down":
            return super().restyle()
        t = self._app.theme
        self.bg, self.edge = t.background, t.text
        self.icon.colour = t.text
        self.label.colour_name = "text"
        self.label.color = t.text


class UnavailableButton(ToolButton):
    """A control that cannot work here (Read aloud in a language without a voice): greyed,
    on the bar's own colour with a thin border, its text still readable (secondary text on
    the panel keeps 4.5:1). Not `disabled`, so a tap still reaches it and can say why."""

    edge_width = dp(2)

    def restyle(self, *_):
        if self.state == "down":
            return super().restyle()
        t = self._app.theme
        self.bg, self.edge = t.panel, t.border
        self.icon.colour = t.secondary_text
        self.label.colour_name = "secondary_text"
        self.label.color = t.secondary_text


def balanced_lines(text: str) -> str:
    """Words split into two lines of about the same length (one word stays one line)."""
    words = text.split()
    if len(words) < 2:
        return text
    cut = min(range(1, len(words)), key=lambda i: abs(len(" ".join(words[:i])) -
                                                    len(" ".join(words[i:]))))
    return " ".join(words[:cut]) + "\n" + " ".join(words[cut:])
