"""More: the footer's other actions, when large text leaves room on one row only for the main
action. A simple list in large type, one big button per action, and Close."""

from __future__ import annotations

from kivy.metrics import dp

from kiosk.app.widgets.dialogs import Dialog
from kiosk.app.widgets.text import KButton


class MoreDialog(Dialog):
    def __init__(self, actions: list[KButton], **kwargs):
        kwargs.setdefault("size_hint", (0.8, None))
        super().__init__(**kwargs)
        self.originals: dict[int, KButton] = {}
        self.actions: list[KButton] = []
        for original in actions:
            b = KButton(text=original.text, text_lang=original.text_lang, kind=original.kind,
                        role="lead", min_height=dp(96), disabled=original.disabled)
            b.bind(on_release=lambda _b, o=original: self.choose(o))
            self.originals[id(original)] = b
            self.actions.append(self.add(b))
        self.close = self.add(KButton(text=self.app.tr("Close"), kind="secondary",
                                      role="lead", min_height=dp(96)))
        self.close.bind(on_release=lambda *_: self.dismiss(animation=False))

    def read_aloud_text(self) -> str:
        """The choices in the list (it holds only buttons)."""
        return "\n".join(b.text for b in self.actions)

    def copy_of(self, original: KButton) -> KButton:
        """The button in this list that stands for `original` (a footer button)."""
        return self.originals[id(original)]

    def choose(self, original: KButton) -> None:
        self.dismiss(animation=False)
        original.dispatch("on_release")
