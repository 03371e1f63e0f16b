"""A notice box that cannot be missed: a thick coloured edge, a heading and a few lines, in
the citizen's language (like GOV.UK's notification banner). Used before a service or lesson
that is not yet in the citizen's language, and for the centre's own notice on the attract
and home screens.

On the home screen the centre's notice is kept to one row (its heading, then `clamp` lines
of its text) so that it never pushes the three choices, Help here last, out of view: when
its text is longer, the row ends with *More*, and a tap anywhere on the box shows all of it
in a dialog."""

from __future__ import annotations

from kivy.metrics import dp
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout

from kiosk.app.widgets.layout import Panel
from kiosk.app.widgets.text import KButton, KLabel, fit_word, measure


class FirstLines(KLabel):
    """A label of which only the first `max_lines` lines show (Kivy keeps the middle ones
    of a label aligned to the middle)."""

    def _style(self, given=None):
        return {**super()._style(given), "valign": "top"}


def _letters(text: str) -> int:
    return sum(1 for c in text if not c.isspace())


def clipped(label: KLabel) -> bool:
    """Whether a label with max_lines shows less than its whole text (Kivy lays out only
    the lines that fit, dropping the spaces where it breaks lines: letters are counted)."""
    lines = getattr(label._label, "_cached_lines", None) or []
    shown = sum(_letters(word.text) for line in lines for word in line.words)
    return bool(label.text) and shown < _letters(label.text)


class Notice(ButtonBehavior, Panel):
    edge_width = dp(5)

    def __init__(self, heading: str, *lines: str, line_lang: str = "", clamp: int = 0,
                 **kwargs):
        """`heading` may be empty (no heading); `line_lang` is the language of the lines
        when it is not the interface's (the centre's own text, maybe in English); `clamp`:
        one row, the heading then the first `clamp` lines of the text, with More for the
        rest (0: all of it, under the heading)."""
        kwargs.setdefault("bg_name", "background")
        kwargs.setdefault("edge_name", "link")
        kwargs.setdefault("padding", [dp(24), dp(8) if clamp else dp(14)])
        kwargs.setdefault("spacing", dp(6))
        super().__init__(**kwargs)
        self.clamp = clamp
        self.heading = self.more = None
        self.line_lang = line_lang
        if heading:
            self.heading = KLabel(text=heading, role="lead", bold=True, size_hint_y=None)
        self.lines = [(FirstLines if clamp else KLabel)(text=line, text_lang=line_lang,
                                                        size_hint_y=None)
                      for line in lines]
        if not clamp:
            for w in ([self.heading] if self.heading else []) + self.lines:
                self.add_widget(w)
            return
        # One row: heading (as wide as its words), the text's first lines, More, in
        # reading order; when the heading would take more than 40 % of the row (large text,
        # long words), the heading and More on a row and the text's first lines under it.
        self.more = fit_word(KButton(text=self._app.tr("More"), kind="link", role="body",
                                     size_hint_x=None, min_height=dp(44),
                                     pad=[dp(8), dp(2)], opacity=0, disabled=True), dp(60))
        self.more.bind(on_release=lambda *_: self.show_all())
        self.row = BoxLayout(size_hint_y=None, spacing=dp(16))
        self.inline = None
        for w in ([self.heading] if self.heading else []) + self.lines + [self.more]:
            w.bind(height=self._fit_row)
        for label in self.lines:
            # Set after it is made: Kivy passes max_lines to the text's layout only when
            # it changes.
            label.max_lines = clamp
            label.bind(texture_size=self._check_clipped)
        self.more.bind(opacity=self._fit_row)
        self.add_widget(self.row)
        self.bind(width=self._arrange)
        if self.heading is not None:
            self.heading.bind(font_size=self._arrange, text=self._arrange)
        self._arrange()

    def _arrange(self, *_):
        inline = True
        room = self.width - self.padding[0] - self.padding[2]
        if self.heading is not None:
            natural = measure(self.heading)[0] + 2 * self.heading.pad[0] + dp(4)
            inline = natural <= 0.4 * room
            self.heading.size_hint_x = None if inline else 1
            if inline:
                self.heading.width = natural
        if inline == self.inline:
            return
        self.inline = inline
        self.row.clear_widgets()
        for label in self.lines:
            if label.parent is not None:
                label.parent.remove_widget(label)
            label.size_hint_x = 1
        heading = [self.heading] if self.heading else []
        parts = heading + (self.lines if inline else []) + [self.more]
        for w in (reversed(parts) if self._app.rtl else parts):
            w.pos_hint = {"center_y": 0.5}
            self.row.add_widget(w)
        if not inline:
            for label in self.lines:
                self.add_widget(label)
        self._fit_row()

    def _fit_row(self, *_):
        parts = ([self.heading] if self.heading else []) + \
            (self.lines if self.inline else [])
        if self.more.opacity:
            parts.append(self.more)
        self.row.height = max([w.height for w in parts] or [0])

    @property
    def is_clipped(self) -> bool:
        return any(label.max_lines and clipped(label) for label in self.lines)

    def _check_clipped(self, *_):
        cut = self.is_clipped
        self.more.opacity, self.more.disabled = (1, False) if cut else (0, True)

    def on_touch_down(self, touch):
        if not self.clamp:  # a notice that shows all of itself is not a button
            return Panel.on_touch_down(self, touch)
        return super().on_touch_down(touch)

    def on_release(self):
        if self.is_clipped:
            self.show_all()

    def show_all(self) -> None:
        """All of the notice, in a dialog (read aloud with it, as any dialog is)."""
        from kiosk.app.widgets.dialogs import MessageDialog

        self._app.open_modal(MessageDialog(
            title=self.heading.text if self.heading else "",
            message="\n".join(label.text for label in self.lines),
            message_lang=self.line_lang))
