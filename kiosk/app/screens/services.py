"""E-government services: the list, a service's start page, and its step-by-step guide."""

from __future__ import annotations

from kivy.clock import Clock
from kivy.metrics import dp
from kivy.properties import BooleanProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout

from kiosk.app.screens.base import KioskScreen
from kiosk.app.screens.home import Card
from kiosk.app.widgets.layout import Panel
from kiosk.app.widgets.text import KButton, KLabel, fit_word
from kiosk.core import content as model


def card_grid(cols: int = 2) -> GridLayout:
    """Cards side by side; the cards of a row are as tall as the tallest (a grid would
    otherwise leave the shorter ones hanging at the bottom of their row)."""
    grid = GridLayout(cols=cols, spacing=dp(20), size_hint_y=None)
    grid.bind(minimum_height=grid.setter("height"))

    def even_rows(*_):
        cards = list(reversed(grid.children))  # reading order
        for i in range(0, len(cards), cols):
            row = cards[i:i + cols]
            tallest = max(c.minimum_height for c in row)
            for c in row:
                c.min_height = tallest

    settle = Clock.create_trigger(even_rows, -1)  # once per frame, not once per card change

    watched: set[int] = set()

    def watch(_, children):
        for card in children:  # each card once (children changes on every add)
            if id(card) not in watched:
                watched.add(id(card))
                card.bind(minimum_height=settle)

    grid.bind(children=watch)
    return grid


class ServicesScreen(KioskScreen):
    def build(self):
        self.label(self.tr("Get help with a service"), role="title", bold=True)
        self.label(self.tr("Choose the service you need. We will show you what you need and "
                           "each step."), role="lead")
        grid = card_grid()
        self.cards = {}

        def card(service):
            (title, tl), (summary, sl) = self.app.text(service.title), \
                self.app.text(service.summary)
            c = Card(title, summary, heading_lang=tl, detail_lang=sl)
            c.bind(on_release=lambda _c: self.app.go("service", id=service.id))
            self.cards[service.id] = c
            return c

        self.fill(grid, [lambda s=s: card(s) for s in self.app.catalogue.services.values()])
        self.add(grid)


class ServiceScreen(KioskScreen):
    """The start page: what it does, what you need, how long, the cost, other ways."""

    def build(self):
        s: model.Service = self.app.catalogue.services[self.params["id"]]
        start = s.start
        self.content(s.title, role="title", bold=True)
        self.content(start.what_it_does, role="lead")
        if start.you_need:
            self.label(self.tr("What you need"), role="heading", bold=True)
            for t in start.you_need:
                self.bullet(t)
        facts = Panel()
        self.label(self.tr("How long it takes"), to=facts, bold=True)
        self.content(start.time, to=facts)
        self.label(self.tr("Cost"), to=facts, bold=True)
        self.content(start.cost, to=facts)
        self.add(facts)
        if start.other_ways:
            self.label(self.tr("Other ways to apply"), role="heading", bold=True)
            for t in start.other_ways:
                self.bullet(t)
        self.start_now = KButton(text=self.tr("Show me the steps"), kind="primary")
        self.start_now.bind(on_release=lambda *_: self.app.go("guide", id=s.id))
        self.footer_buttons(self.start_now)

    def bullet(self, t, to=None):
        text, lang = self.app.text(t)
        return self.label(f"•  {text}", text_lang=lang, to=to)


class StepHeader(ButtonBehavior, BoxLayout):
    """A step's number (or "and" / "or"), its title, and Show / Hide."""

    expanded = BooleanProperty(False)


class StepView(BoxLayout):
    """One step of a step-by-step guide; its contents are built when first opened."""

    expanded = BooleanProperty(False)

    def __init__(self, screen: GuideScreen, step: model.Step, number: int, **kwargs):
        super().__init__(orientation="vertical", size_hint_y=None, spacing=dp(8), **kwargs)
        self.bind(minimum_height=self.setter("height"))
        self.screen, self.step, self.number = screen, step, number
        app = screen.app
        tr = screen.tr
        marker = {"number": app.num(number), "and": tr("and"), "or": tr("or")}[step.logic]
        header = StepHeader(size_hint_y=None, spacing=dp(16))
        header.bind(minimum_height=header.setter("height"))
        self.marker = KButton(text=marker, kind="secondary", size_hint=(None, None),
                              width=dp(84), min_height=dp(72), role="heading")
        title, lang = app.text(step.title)
        self.title = KLabel(text=title, text_lang=lang, role="heading", bold=True,
                            size_hint_y=None, min_height=dp(72))
        self.toggle = KButton(text=tr("Show"), kind="link", size_hint=(None, None),
                              width=dp(150))
        for b, least in ((self.marker, dp(84)), (self.toggle, dp(150))):
            fit_word(b, least)
        self.marker.bind(on_release=lambda *_: self.flip())
        self.toggle.bind(on_release=lambda *_: self.flip())
        header.bind(on_release=lambda *_: self.flip())
        parts = [self.marker, self.title, self.toggle]
        for w in (reversed(parts) if app.rtl else parts):
            header.add_widget(w)
        self.add_widget(header)
        self.body = None

    def flip(self):
        self.set_expanded(not self.expanded)

    def set_expanded(self, expanded: bool, record: bool = True):
        if expanded == self.expanded:
            return
        self.expanded = expanded
        self.toggle.text = self.screen.tr("Hide") if expanded else self.screen.tr("Show")
        self.marker.selected = expanded
        if expanded:
            if self.body is None:
                self.body = self._build_body()
            self.add_widget(self.body)
            if record:
                self.screen.app.record("step_expanded", content_id=self.screen.service.id,
                                       outcome=f"step-{self.number}")
        elif self.body is not None:
            self.remove_widget(self.body)
        self.screen.update_show_all()

    def _build_body(self) -> BoxLayout:
        app = self.screen.app
        body = BoxLayout(orientation="vertical", size_hint_y=None, spacing=dp(10),
                         padding=[dp(100), dp(4), dp(100), dp(16)] if app.rtl else
                         [dp(100), dp(4), dp(24), dp(16)])
        body.bind(minimum_height=body.setter("height"))
        for item in self.step.contents:
            if isinstance(item, model.Paragraph):
                self.screen.content(item.text, to=body)
                continue
            for task in item.items:
                text, lang = app.text(task.text)
                if task.context:
                    ctx, _ = app.text(task.context)
                    text = f"{text} ({ctx})"
                if task.href:
                    b = KButton(text=text, text_lang=lang, kind="link", align="start",
                                min_height=dp(64))
                    b.bind(on_release=lambda _b, url=task.href: self.screen.open_task(url))
                    body.add_widget(b)
                else:
                    bullet = "•  " if item.style != "choice" else "○  "
                    self.screen.label(bullet + text, text_lang=lang, to=body)
        return body


class GuideScreen(KioskScreen):
    """Step-by-step navigation, the GOV.UK way: numbered steps that expand."""

    def build(self):
        self.service: model.Service = self.app.catalogue.services[self.params["id"]]
        g = self.service.guide
        self.app.record("guide_opened", content_id=self.service.id)
        self.content(g.title, role="title", bold=True)
        self.content(g.introduction, role="lead")
        self.show_all = KButton(text=self.tr("Show all steps"), kind="secondary",
                                size_hint_x=None, width=dp(320))
        self.show_all.bind(on_release=lambda *_: self.toggle_all())
        self.add(self.show_all)
        self.steps: list[StepView] = []
        numbers, number = [], 0
        for step in g.steps:
            number += step.logic == "number"
            numbers.append(number)

        def step_view(step, n):
            view = StepView(self, step, n)
            self.steps.append(view)
            return view

        self.fill(self.page, [lambda s=s, n=n: step_view(s, n)
                              for s, n in zip(g.steps, numbers)], now=3)
        tr = self.tr
        self.official = KButton(text=tr("Open the official service"), kind="primary")
        self.official.bind(on_release=lambda *_: self.app.open_official(
            self.service.id, self.service.official_url))
        self.phone = KButton(text=tr("Continue on your phone"), kind="button")
        self.phone.bind(on_release=lambda *_: self.app.show_qr(
            self.service.id, self.service.official_url))
        self.finish = KButton(text=tr("I have finished"), kind="secondary")
        self.finish.bind(on_release=lambda *_: self.app.end_session("finished"))
        self.footer_buttons(self.official, self.phone, self.finish)

    def open_task(self, url: str):
        self.app.open_official(self.service.id, url)

    def toggle_all(self):
        expand = not all(s.expanded for s in self.steps)
        for s in self.steps:
            s.set_expanded(expand, record=False)
        self.update_show_all()

    def update_show_all(self):
        if hasattr(self, "show_all"):
            all_open = self.steps and all(s.expanded for s in self.steps)
            self.show_all.text = self.tr("Hide all steps") if all_open else \
                self.tr("Show all steps")
