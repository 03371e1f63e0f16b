"""Practice on the screen: the fixed vocabulary that tutorial content configures.

Each practice widget says when it is `done` and reports each answer through `on_answer`
(correct or not) so the lesson can record it. Nothing is drag-only; every answer is a tap.
"""

from __future__ import annotations

import math

from kivy.app import App
from kivy.clock import Clock
from kivy.metrics import dp
from kivy.properties import BooleanProperty, NumericProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.floatlayout import FloatLayout

from kiosk.app.widgets.icon import Icon
from kiosk.app.widgets.keyboard import TypedField, keyboard_for
from kiosk.app.widgets.layout import Panel
from kiosk.app.widgets.text import KButton, KLabel, fit_word, measure
from kiosk.core import content as model

_FIELD_MARGIN = dp(8)
# How far a text in a narrow box may shrink to keep its longest word whole.
_LEAST_FIT = 0.6


def keep_words_whole(label: KLabel) -> None:
    """A wrapping label in a narrow box (the practice column at 200 %) shrinks its text just
    enough for its longest word to fit: Kivy would break that word between letters, and a
    Tamil word between the parts of one letter.

    Decided once the box has its width (not for every width it passes through while the
    layout settles), in steps of 5 %, with a little to spare (glyphs do not scale exactly
    with the size): each size is one more font for Kivy to keep open."""
    words = [KLabel(text=w, text_lang=label.text_lang, role=label.role, bold=label.bold)
             for w in set(label.text.split())]
    widest = max((measure(w)[0] for w in words), default=0)

    def fit(*_):
        room = label.width - 2 * label.pad[0] - 2
        if room < dp(48) or widest <= 0:  # no width from layout yet
            return
        steps = math.floor(0.95 * room / widest / 0.05) if widest > room else 20
        label.fit = max(_LEAST_FIT, min(1.0, steps * 0.05))

    trigger = Clock.create_trigger(fit, -1)
    label.bind(width=trigger)
    trigger()


class Practice(BoxLayout):
    done = BooleanProperty(False)
    __events__ = ("on_answer",)

    def __init__(self, item, **kwargs):
        kwargs.setdefault("orientation", "vertical")
        kwargs.setdefault("size_hint_y", None)
        kwargs.setdefault("spacing", dp(16))
        super().__init__(**kwargs)
        self.item = item
        self.app = App.get_running_app()
        self.tr = self.app.tr
        self.bind(minimum_height=self.setter("height"))
        self.build()

    def build(self) -> None:
        """Add the practice's widgets."""

    def on_answer(self, correct: bool) -> None:
        pass

    def label(self, t, **kwargs) -> KLabel:
        if isinstance(t, model.Text):
            text, lang = self.app.text(t)
        else:
            text, lang = t, kwargs.pop("text_lang", "")
        kwargs.setdefault("size_hint_y", None)
        lab = KLabel(text=text, text_lang=lang, **kwargs)
        self.add_widget(lab)
        return lab

    def feedback(self, correct: bool, *texts: tuple[str, str]) -> Panel:
        """Kind feedback in a coloured panel (replaces the previous one): a tick or a cross
        that needs no reading, then each (text, language) on its own line."""
        old = getattr(self, "_feedback", None)
        if old is not None and old.parent is self:
            self.remove_widget(old)
        name = "success" if correct else "focus"
        panel = Panel(bg_name=name, edge_name=name)
        icon = Icon(name="check" if correct else "cross", size_hint=(None, None),
                    size=(dp(40), dp(40)), colour_name=f"{name}_text")
        panel.add_widget(icon)
        for text, lang in texts:
            panel.add_widget(KLabel(text=text, text_lang=lang, size_hint_y=None,
                                    colour_name=f"{name}_text"))
        if self.app.rtl:
            icon.pos_hint = {"right": 1}
        self._feedback = panel
        self.add_widget(panel)
        return panel


class TapTargetPractice(Practice):
    """Targets appear one at a time at different places; tap each one.

    The practice area holds the count ("Target 1 of 3"), the target, and at the end the
    "Well done" feedback, so finishing does not make the page longer. A target is always
    placed wholly inside the area, whatever its size (200 % text) and the area's: x and y
    say where in the free room it sits. The lesson sets the area's height (`area.min_height`)
    so that the area fits the screen, and never below `least_area`."""

    index = NumericProperty(0)
    least_area = NumericProperty(0)
    """The smallest area that holds what it shows now: the count and a target, or the
    "Well done" that takes their place (all grow with the text)."""

    def build(self):
        self.prompt = self.label(self.item.prompt, role="lead")
        self.area = Panel(min_height=dp(380), bg_name="panel", padding=[dp(16), dp(12)],
                          spacing=dp(4))
        self.progress = KLabel(text="", role="small", size_hint_y=None,
                               colour_name="panel_text")
        self.field = FloatLayout()
        self.area.add_widget(self.progress)
        self.area.add_widget(self.field)
        self.add_widget(self.area)
        self.field.bind(pos=self._place, size=self._place)
        self.progress.bind(height=self._least)
        self._show_target()

    def least_area_height(self) -> float:
        return self.least_area

    def _least(self, *_):
        shown = max([dp(96)] + [w.height for w in self.field.children])
        self.least_area = (self.progress.height + self.area.spacing + shown
                           + 2 * self.area.padding[1] + 2 * _FIELD_MARGIN)

    def _show_target(self):
        self.field.clear_widgets()
        targets = self.item.targets
        if self.index >= len(targets):
            self.progress.text = ""
            self.done = True
            panel = self.feedback(True, (self.tr("Well done! You tapped every target."), ""))
            self.remove_widget(panel)  # into the area, which grows to hold it if need be
            panel.size_hint_x = 1
            panel.pos_hint = {"center_x": 0.5, "center_y": 0.5}
            for label in panel.children:
                if isinstance(label, KLabel):
                    keep_words_whole(label)
            panel.bind(height=self._least)
            self.field.add_widget(panel)
            self._least()
            return
        self.progress.text = self.app.fmt("Target {n} of {total}",
            n=self.index + 1, total=len(targets))
        t = targets[self.index]
        text, lang = self.app.text(t.label)
        b = KButton(text=text, text_lang=lang, kind="primary", size_hint=(None, None),
                    width=dp(220), min_height=dp(96))
        fit_word(b, dp(220))
        b.bind(on_release=lambda *_: self.hit(), size=self._place, height=self._least)
        self.target_button = b
        self.target = t
        self.field.add_widget(b)
        self._least()
        self._place()

    def _place(self, *_):
        b = getattr(self, "target_button", None)
        if b is None or b.parent is not self.field:
            return
        f, t, m = self.field, self.target, _FIELD_MARGIN
        x = 1 - t.x if self.app.rtl else t.x
        free_x = max(0.0, f.width - b.width - 2 * m)
        free_y = max(0.0, f.height - b.height - 2 * m)
        b.x = f.x + m + free_x * x
        b.top = f.top - m - free_y * t.y  # y runs down from the top, as people read a screen

    def hit(self):
        self.dispatch("on_answer", True)
        self.index += 1
        self._show_target()


class TypeThisPractice(Practice):
    def build(self):
        self.label(self.item.prompt, role="lead")
        # The answer to copy, shown in Latin letters whatever the interface language.
        self.label(self.item.answer, text_lang="en", role="heading", bold=True)
        if self.item.hint:
            self.label(self.item.hint, role="small", colour_name="secondary_text")
        self.field = TypedField()
        self.add_widget(self.field)
        self.keyboard = keyboard_for(self.field, start_latin=True)  # answers are Latin
        self.add_widget(self.keyboard)
        self.check = KButton(text=self.tr("Check my typing"), kind="primary")
        self.check.bind(on_release=lambda *_: self.check_answer())
        self.add_widget(self.check)

    def check_answer(self):
        ok = self.item.accepts(self.field.text)
        self.dispatch("on_answer", ok)
        if ok:
            self.done = True
            self.feedback(True, (self.tr("Well done! That is exactly right."), ""))
        else:
            self.feedback(False, (self.tr("Not quite. Check each letter against the example, "
                                          "use Delete to fix it, and try again."), ""))


class ChooseAnswerPractice(Practice):
    def build(self):
        self.label(self.item.question, role="lead")
        self.options = []
        for i, option in enumerate(self.item.options):
            text, lang = self.app.text(option.text)
            b = KButton(text=text, text_lang=lang, kind="choice", align="start")
            b.bind(on_release=lambda _b, i=i: self.choose(i))
            self.options.append(b)
            self.add_widget(b)

    def choose(self, i: int):
        option = self.item.options[i]
        for j, b in enumerate(self.options):
            b.selected = j == i
        self.dispatch("on_answer", option.correct)
        # The content's own feedback says right or not; the tick or cross shows it too.
        self.feedback(option.correct, self.app.text(option.feedback))
        if option.correct:
            self.done = True


class RealOrScamPractice(Practice):
    index = NumericProperty(0)
    right = NumericProperty(0)

    def build(self):
        self.label(self.item.prompt, role="lead")
        self.progress = self.label("", role="small")
        self.card = Panel(bg_name="background", edge_name="text")
        self.add_widget(self.card)
        self.answers = BoxLayout(size_hint_y=None, height=dp(88), spacing=dp(24))
        self.real = KButton(text=self.tr("Real"), kind="button", size_hint_y=1)
        self.scam = KButton(text=self.tr("Scam"), kind="danger", size_hint_y=1)
        self.real.bind(on_release=lambda *_: self.answer(False))
        self.scam.bind(on_release=lambda *_: self.answer(True))
        for b in ([self.scam, self.real] if self.app.rtl else [self.real, self.scam]):
            self.answers.add_widget(b)
        self.add_widget(self.answers)
        self.next_button = KButton(text=self.tr("Next message"), kind="primary")
        self.next_button.bind(on_release=lambda *_: self.next_card())
        self._show_card()

    def _show_card(self):
        self.card.clear_widgets()
        cards = self.item.cards
        self.progress.text = self.app.fmt("Message {n} of {total}",
            n=self.index + 1, total=len(cards))
        c = cards[self.index]
        self.card.add_widget(KLabel(text=self.tr("From: {sender}").format(sender=c.sender),
                                    size_hint_y=None, bold=True))
        text, lang = self.app.text(c.message)
        self.card.add_widget(KLabel(text=text, text_lang=lang, size_hint_y=None))
        self.answers.disabled = False
        self.answers.opacity = 1

    def answer(self, says_scam: bool):
        if self.answers.disabled:
            return
        c = self.item.cards[self.index]
        correct = says_scam == c.is_scam
        self.right += int(correct)
        self.dispatch("on_answer", correct)
        verdict = self.tr("This one is a scam.") if c.is_scam else self.tr("This one is real.")
        text, lang = self.app.text(c.explanation)
        head = self.tr("Right!") if correct else self.tr("Not quite.")
        self.feedback(correct, (f"{head} {verdict}", ""), (text, lang))
        self.answers.disabled = True
        self.answers.opacity = 0.5
        if self.index + 1 < len(self.item.cards):
            if self.next_button.parent is None:
                self.add_widget(self.next_button)
        else:
            self.done = True
            self.label(self.app.fmt("You got {right} of {total} right.",
                right=self.right, total=len(self.item.cards)), role="heading", bold=True)

    def next_card(self):
        if self.next_button.parent is not None:
            self.remove_widget(self.next_button)
        old = getattr(self, "_feedback", None)
        if old is not None and old.parent is self:
            self.remove_widget(old)
        self.index += 1
        self._show_card()


PRACTICE = {
    "tap_target": TapTargetPractice,
    "type_this": TypeThisPractice,
    "choose_answer": ChooseAnswerPractice,
    "real_or_scam": RealOrScamPractice,
}


def make(item) -> Practice:
    return PRACTICE[item.type](item)
