"""A notice box that cannot be missed: a thick coloured edge, a heading and a few lines, in
the citizen's language (like GOV.UK's notification banner). Used before a service or lesson
that is not yet in the citizen's language."""

from __future__ import annotations

from kivy.metrics import dp

from kiosk.app.widgets.layout import Panel
from kiosk.app.widgets.text import KLabel


class Notice(Panel):
    edge_width = dp(5)

    def __init__(self, heading: str, *lines: str, **kwargs):
        kwargs.setdefault("bg_name", "background")
        kwargs.setdefault("edge_name", "link")
        kwargs.setdefault("padding", [dp(24), dp(14)])
        kwargs.setdefault("spacing", dp(6))
        super().__init__(**kwargs)
        self.add_widget(KLabel(text=heading, role="lead", bold=True, size_hint_y=None))
        for line in lines:
            self.add_widget(KLabel(text=line, size_hint_y=None))
