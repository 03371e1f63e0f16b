"""A notice box that cannot be missed: a thick coloured edge, a heading and a few lines, in
the citizen's language (like GOV.UK's notification banner). Used before a service or lesson
that is not yet in the citizen's language, and for the centre's own notice on the attract
and home screens."""

from __future__ import annotations

from kivy.metrics import dp

from kiosk.app.widgets.layout import Panel
from kiosk.app.widgets.text import KLabel


class Notice(Panel):
    edge_width = dp(5)

    def __init__(self, heading: str, *lines: str, line_lang: str = "", **kwargs):
        """`heading` may be empty (no heading); `line_lang` is the language of the lines
        when it is not the interface's (the centre's own text, maybe in English)."""
        kwargs.setdefault("bg_name", "background")
        kwargs.setdefault("edge_name", "link")
        kwargs.setdefault("padding", [dp(24), dp(14)])
        kwargs.setdefault("spacing", dp(6))
        super().__init__(**kwargs)
        self.heading = None
        if heading:
            self.heading = KLabel(text=heading, role="lead", bold=True, size_hint_y=None)
            self.add_widget(self.heading)
        self.lines = [KLabel(text=line, text_lang=line_lang, size_hint_y=None)
                      for line in lines]
        for label in self.lines:
            self.add_widget(label)
