"""Typing a setting's text at the terminal: the kiosk's own keyboard (in the language being
written, with its switch to Latin), a row of the signs addresses and opening hours need, and
New line for texts of several lines; or a physical keyboard (its characters arrive as text
input, Backspace deletes, Enter is a new line or Done, Esc cancels).

The text is shown in its language's font and direction as it is typed (a label, not Kivy's
TextInput, which cannot shape Arabic or Bengali). Nothing is saved here: Done hands the text
to the panel, which saves it with the other changes."""

from __future__ import annotations

from kivy.core.window import Window
from kivy.metrics import dp
from kivy.properties import NumericProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.scrollview import ScrollView

from kiosk.app.staff import sfmt, st
from kiosk.app.widgets.dialogs import Dialog
from kiosk.app.widgets.keyboard import KeyRow, OnScreenKeyboard
from kiosk.app.widgets.layout import Panel
from kiosk.app.widgets.text import KButton, KLabel
from kiosk.core import bidi, languages

SIGNS = [",", ":", "/", "(", ")", "?", "!", "&", "+", "#", "_", "="]
BACKSPACE, ENTER, NUMPAD_ENTER, ESCAPE = 8, 13, 271, 27


class TextBox(Panel):
    """What is typed, wrapped over lines, with a caret; scrolls to its end as it grows. The
    same interface as the keyboard's TypedField (type, delete, clear, text_lang)."""

    text = StringProperty("")
    text_lang = StringProperty("en")
    max_length = NumericProperty(600)

    def __init__(self, **kwargs):
        kwargs.setdefault("bg_name", "background")
        kwargs.setdefault("edge_name", "text")
        kwargs.setdefault("padding", [dp(16), dp(8)])
        super().__init__(**kwargs)
        self.scroll = ScrollView(do_scroll_x=False, bar_width=dp(8))
        self.shown = KLabel(role="lead", size_hint_y=None)
        self.scroll.add_widget(self.shown)
        self.add_widget(self.scroll)
        self.fbind("text", self._show)
        self.fbind("text_lang", self._show)
        # The end of the text in view (the top while it all fits).
        self.shown.bind(height=self._to_end)
        self.scroll.bind(height=self._to_end)
        self._show()

    def _to_end(self, *_):
        self.scroll.scroll_y = 0 if self.shown.height > self.scroll.height else 1

    def _show(self, *_):
        self.shown.text_lang = self.text_lang
        self.shown.text = bidi.with_caret(self.text)  # beside the last character typed

    def type(self, s: str) -> None:
        room = self.max_length - len(self.text)
        if room > 0:
            self.text += s[:room]

    def delete(self) -> None:
        self.text = self.text[:-1]

    def clear(self) -> None:
        self.text = ""


class TextEditor(Dialog):
    """`on_done(text)` when staff tap Done; Cancel changes nothing."""

    __events__ = ("on_done",)

    def __init__(self, title: str, text: str, lang: str = "en", max_length: int = 600,
                 multiline: bool = False, latin: bool = False, hint: str = "", **kwargs):
        kwargs.setdefault("size_hint", (0.96, None))
        super().__init__(**kwargs)
        app = self.app
        self.multiline = multiline
        self.box.padding = [dp(20), dp(14)]
        self.box.spacing = dp(10)
        top = self.add(BoxLayout(size_hint_y=None, spacing=dp(16)))
        self.title = KLabel(text=title, role="lead", bold=True, size_hint_y=None)
        self.cancel = KButton(text=st("Cancel"), kind="secondary", size_hint_x=None,
                              width=dp(180))
        self.done = KButton(text=st("Done"), kind="primary", size_hint_x=None, width=dp(180))
        self.cancel.bind(on_release=lambda *_: self.dismiss(animation=False))
        self.done.bind(on_release=lambda *_: self.finish())
        for w in ((self.done, self.cancel, self.title) if app.rtl else
                  (self.title, self.cancel, self.done)):
            top.add_widget(w)
        top.height = dp(72)
        self.title.bind(height=lambda *_: setattr(top, "height", max(dp(72),
                                                                     self.title.height)))
        self.counter = self.add(KLabel(role="small", colour_name="secondary_text",
                                       size_hint_y=None))
        if hint:
            self.counter_hint = hint
        else:
            self.counter_hint = ""
        self.field = self.add(TextBox(text=text, text_lang=lang, max_length=max_length,
                                      min_height=dp(112)))
        self.field.bind(text=self._count)
        signs = self.add(BoxLayout(size_hint_y=None, height=dp(60), spacing=dp(8)))
        self.signs = KeyRow(SIGNS, "en", self.field.type, height=dp(60))
        signs.add_widget(self.signs)
        self.keys = {}
        if multiline:
            self.keys["newline"] = KButton(text=st("New line"), kind="secondary",
                                           role="key", size_hint_x=None, width=dp(160),
                                           min_height=dp(60), pad=[dp(4), dp(4)])
            self.keys["newline"].bind(on_release=lambda *_: self.field.type("\n"))
            signs.add_widget(self.keys["newline"])
        self.keys["clear"] = KButton(text=st("Clear all"), kind="secondary", role="key",
                                     size_hint_x=None, width=dp(160), min_height=dp(60),
                                     pad=[dp(4), dp(4)])
        self.keys["clear"].bind(on_release=lambda *_: self.field.clear())
        signs.add_widget(self.keys["clear"])
        native = languages.get(lang).keyboard if languages.is_known(lang) else "latin"
        self.keyboard = self.add(OnScreenKeyboard(self.field, native=native, lang=lang))
        if latin and self.keyboard.layout_name != "latin":
            self.keyboard.layout_name = "latin"
        self.field.text_lang = lang  # the field keeps the text's own font and direction
        self.keyboard.bind(layout_name=lambda *_: setattr(self.field, "text_lang", lang))
        self._count()
        Window.bind(on_textinput=self._textinput, on_key_down=self._key)
        self.bind(on_dismiss=lambda *_: Window.unbind(on_textinput=self._textinput,
                                                      on_key_down=self._key))

    def _count(self, *_):
        n, most = len(self.field.text), int(self.field.max_length)
        count = sfmt("{n} of {most} characters", n=n, most=most)
        self.counter.text = f"{self.counter_hint}  {count}" if self.counter_hint else count

    @property
    def text(self) -> str:
        return self.field.text

    def finish(self) -> None:
        text = self.field.text
        self.dismiss(animation=False)
        self.dispatch("on_done", text)

    # a physical keyboard ------------------------------------------------------------
    def _textinput(self, window, text):
        if text and text.isprintable():
            self.field.type(text)
        return True

    def _key(self, window, key, scancode, codepoint, modifiers):
        if key == BACKSPACE:
            self.field.delete()
            return True
        if key in (ENTER, NUMPAD_ENTER):
            if self.multiline and "ctrl" not in modifiers:
                self.field.type("\n")
            else:
                self.finish()
            return True
        if key == ESCAPE:
            self.dismiss(animation=False)
            return True
        return False

    def on_done(self, text):
        pass
