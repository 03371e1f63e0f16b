"""E-government services: the list, a service's start page, and its step-by-step guide."""

from __future__ import annotations

from urllib.parse import urlsplit

from kivy.app import App
from kivy.clock import Clock
from kivy.graphics import Color, Ellipse, Line, Rectangle
from kivy.metrics import dp
from kivy.properties import BooleanProperty, ListProperty, NumericProperty
from kivy.uix.anchorlayout import AnchorLayout
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.widget import Widget

from kiosk.app.screens.base import KioskScreen
from kiosk.app.screens.home import Card
from kiosk.app.widgets.layout import Panel
from kiosk.app.widgets.paint import restyle_tree, style_key
from kiosk.app.widgets.text import KButton, KLabel, fit_word
from kiosk.core import content as model
from kiosk.core import sites

_STROKE = dp(1.5)  # the step line and the circles' ring (GOV.UK: a thin mid-grey line)


class CardGrid(GridLayout):
    """Cards side by side at 100 % text, in one column when the text is bigger (following a
    change while the screen is shown); the cards of a row are as tall as the tallest (a grid
    would otherwise leave the shorter ones hanging at the bottom of their row)."""

    def __init__(self, **kwargs):
        super().__init__(spacing=dp(20), size_hint_y=None, **kwargs)
        self.app = App.get_running_app()
        self.bind(minimum_height=self.setter("height"))
        self._settle = Clock.create_trigger(self._even_rows, -1)  # once per frame
        self._watched: set[int] = set()
        self.bind(children=self._watch)
        self.restyle()

    def restyle(self, *_):
        cols = 2 if self.app.text_scale <= 1.0 else 1
        if cols != self.cols:
            self.cols = cols
            self._settle()

    def _watch(self, _, children):
        for card in children:  # each card once (children changes on every add)
            if id(card) not in self._watched:
                self._watched.add(id(card))
                card.bind(minimum_height=self._settle)

    def _even_rows(self, *_):
        cards = list(reversed(self.children))  # reading order
        cols = self.cols
        for i in range(0, len(cards), cols):
            row = cards[i:i + cols]
            tallest = max(c.minimum_height for c in row)
            for c in row:
                c.min_height = tallest


def card_grid() -> CardGrid:
    return CardGrid()


def offered_cards(screen: KioskScreen, items: list, featured: tuple[str, ...], card,
                  others: str) -> None:
    """The cards of what the centre shows, in its order: the few it features first, under
    the heading "Featured at this centre" (words, not only a colour, so it is read aloud
    too), then the rest under `others`. Without featured items: one grid, no headings."""
    top = [i for i in items if i.id in featured]
    rest = [i for i in items if i.id not in featured]
    screen.featured_heading = None
    if top:
        screen.featured_heading = screen.label(screen.tr("Featured at this centre"),
                                               role="heading", bold=True)
        grid = screen.add(card_grid())
        screen.fill(grid, [lambda i=i: card(i) for i in top])
        if rest:
            screen.label(others, role="heading", bold=True)
    if rest:  # the first ones at once, the rest below the fold on the next frame
        grid = screen.add(card_grid())
        screen.fill(grid, [lambda i=i: card(i) for i in rest], now=max(1, 4 - len(top)))


class ServicesScreen(KioskScreen):
    def build(self):
        self.label(self.tr("Get help with a service"), role="title", bold=True)
        self.label(self.tr("Choose the service you need. We will show you what you need and "
                           "each step."), role="lead")
        self.cards = {}

        def card(service):
            (title, tl), (summary, sl) = self.app.text(service.title), \
                self.app.text(service.summary)
            c = Card(title, summary, heading_lang=tl, detail_lang=sl)
            c.bind(on_release=lambda _c: self.app.go("service", id=service.id))
            self.cards[service.id] = c
            return c

        offer, services = self.app.offer, self.app.catalogue.services
        offered_cards(self, [services[i] for i in offer.services if i in services],
                      offer.featured_services, card, self.tr("More services"))


class ServiceScreen(KioskScreen):
    """The start page: what it does, what you need, how long, the cost, other ways."""

    def build(self):
        s: model.Service = self.app.catalogue.services[self.params["id"]]
        start = s.start
        self.english_notice(s, "guide")
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


class StepMarker(KLabel):
    """A step's number in a circle, or "and" / "or" in the line's place (on the page's
    colour, so the line stops for it). Drawn, not a button: a finger taps the whole step
    header. Colours from the theme, set again on every restyle (contrast)."""

    fill = ListProperty([1, 1, 1, 1])
    ring = ListProperty([0, 0, 0, 1])

    def __init__(self, text: str, shape: str, **kwargs):
        self.shape = shape  # "circle" or "word"
        # "and" / "or" as big as running text: a long word (Tamil) widens the gutter less.
        super().__init__(text=text, role="heading" if shape == "circle" else "body",
                         bold=True, wrap=False, align="center", size_hint=(None, None),
                         **kwargs)
        with self.canvas.before:
            self._fill_colour = Color(*self.fill)
            self._fill_shape = Ellipse() if shape == "circle" else Rectangle()
            self._ring_colour = Color(*self.ring)
            self._ring = Line(width=_STROKE) if shape == "circle" else None
        self.fbind("texture_size", self._fit_marker)
        self.fbind("pos", self._draw)
        self.fbind("size", self._draw)
        self._fit_marker()
        self.restyle()

    def _fit_marker(self, *_):
        tw, th = self.texture_size
        if self.shape == "circle":
            d = max(dp(48), th + dp(8), tw + dp(24))
            self.size = (d, d)
        else:
            self.size = (tw + dp(8), max(th, dp(8)))

    def _fit(self, *_):  # the size is the marker's own, not the text's height
        pass

    def _draw(self, *_):
        if not hasattr(self, "_fill_shape"):
            return
        self._fill_shape.pos, self._fill_shape.size = self.pos, self.size
        if self._ring is not None:
            w = _STROKE
            self._ring.ellipse = (self.x + w, self.y + w, self.width - 2 * w,
                                  self.height - 2 * w)

    def restyle(self, *_):
        super().restyle()
        if not hasattr(self, "_fill_colour"):
            return
        t = self._app.theme
        self.fill, self.ring = list(t.background), list(t.border)
        self._fill_colour.rgba, self._ring_colour.rgba = self.fill, self.ring


class StepList(BoxLayout):
    """The steps, one under another, with GOV.UK's vertical line through their markers
    (from the first marker down past the last step, ending in a short dash), on the start
    side of the reading direction."""

    gutter = NumericProperty(dp(48))

    def __init__(self, rtl: bool, **kwargs):
        super().__init__(orientation="vertical", size_hint_y=None, **kwargs)
        self.rtl = rtl
        self._app = App.get_running_app()
        self.bind(minimum_height=self.setter("height"))
        with self.canvas.before:
            self.line_colour = Color(*self._app.theme.border)
            self.line = Line(points=[0, 0, 0, 0], width=_STROKE)
            self.dash = Line(points=[0, 0, 0, 0], width=_STROKE)
        self._redraw = Clock.create_trigger(self._draw, -1)
        for prop in ("pos", "size", "gutter"):
            self.fbind(prop, self._redraw)

    def _draw(self, *_):
        steps = [c for c in reversed(self.children) if isinstance(c, StepView)]
        if not steps:
            return
        x = self.right - self.gutter / 2 if self.rtl else self.x + self.gutter / 2
        top = steps[0].marker.center_y
        bottom = self.y + dp(4)
        self.line.points = [x, top, x, bottom]
        half = steps[0].marker.width / 4
        self.dash.points = [x - half, bottom, x + half, bottom]

    def restyle(self, *_):
        self.line_colour.rgba = self._app.theme.border


class StepHeader(ButtonBehavior, BoxLayout):
    """A step's marker, its title, and Show / Hide right beside the title."""


class StepView(BoxLayout):
    """One step of a step-by-step guide; its contents are built when first opened."""

    expanded = BooleanProperty(False)

    def __init__(self, screen: GuideScreen, step: model.Step, number: int, **kwargs):
        super().__init__(orientation="vertical", size_hint_y=None, padding=[0, 0, 0, dp(20)],
                         **kwargs)
        self.bind(minimum_height=self.setter("height"))
        self.screen, self.step, self.number = screen, step, number
        app = screen.app
        tr = screen.tr
        self.rtl = app.rtl
        marker = {"number": app.num(number), "and": tr("and"), "or": tr("or")}[step.logic]
        self.marker = StepMarker(marker, "circle" if step.logic == "number" else "word")
        self.gutter = AnchorLayout(anchor_x="center", anchor_y="center", size_hint=(None, None),
                                   pos_hint={"top": 1})
        self.gutter.add_widget(self.marker)
        title, lang = app.text(step.title)
        self.title = KLabel(text=title, text_lang=lang, role="heading", bold=True,
                            size_hint=(None, None), pos_hint={"top": 1})
        self.toggle = KButton(text=tr("Show"), kind="link", size_hint=(None, None),
                              pad=[dp(8), dp(12)], min_height=dp(64), pos_hint={"top": 1})
        fit_word(self.toggle, dp(64))
        self.header = header = StepHeader(size_hint_y=None, spacing=dp(16))
        header.bind(on_release=lambda *_: self.flip())
        self.toggle.bind(on_release=lambda *_: self.flip())
        parts = [self.gutter, self.title, self.toggle, Widget()]
        for w in (reversed(parts) if self.rtl else parts):
            header.add_widget(w)
        fit = Clock.create_trigger(self._fit_header, -1)
        for w, prop in ((header, "width"), (self.title, "texture_size"),
                        (self.toggle, "size"), (self.marker, "size"), (self.gutter, "width")):
            w.fbind(prop, fit)
        self.title.fbind("font_size", fit)
        self.add_widget(header)
        self.body = None
        self._body_style = None
        self._title_key = None
        fit()

    def _fit_header(self, *_):
        """The title as wide as its words (up to the room there is), so Show / Hide sits right
        beside it; the marker centred on the first line."""
        header, title = self.header, self.title
        room = header.width - self.gutter.width - self.toggle.width - 3 * header.spacing
        if room <= 0:
            return
        key = (room, title.font_size, title.font_name, title.text)
        if key != self._title_key:  # measured once per room, size and font
            self._title_key = key
            # Laid out in all the room there is, the way it is drawn (shaped): then as wide
            # as its widest line, so Show / Hide is right beside the words. Laid out only
            # (its own core label, its own options): drawn once, at the width chosen.
            title.width = room
            title._label.resolve_font_name()
            title._label.render()
            lines = title._label._cached_lines
            title.width = max(dp(24), min(room, max((ln.w for ln in lines), default=room) + 2))
        first_line = max(dp(64), self.marker.height, self.toggle.height)
        self.gutter.height = first_line
        title.min_height = first_line
        header.height = max(first_line, title.height)

    def set_gutter(self, width: float) -> None:
        self.gutter.width = width
        if self.body is not None:
            self._pad_body(self.body)

    def _pad_body(self, body):
        # The step's text and task links start where its title starts.
        start = self.gutter.width + self.header.spacing
        body.padding = [dp(24), dp(8), start, dp(8)] if self.rtl else \
            [start, dp(8), dp(24), dp(8)]

    def flip(self):
        self.set_expanded(not self.expanded)

    def set_expanded(self, expanded: bool, record: bool = True):
        if expanded == self.expanded:
            return
        self.expanded = expanded
        self.toggle.text = self.screen.tr("Hide") if expanded else self.screen.tr("Show")
        if expanded:
            if self.body is None:
                self.body = self._build_body()
            elif self._body_style != style_key(self.screen.app):
                restyle_tree(self.body)  # text size or contrast changed while it was put away
            self._body_style = style_key(self.screen.app)
            self.add_widget(self.body)
            if record:
                self.screen.app.record("step_expanded", content_id=self.screen.service.id,
                                       outcome=f"step-{self.number}")
        elif self.body is not None:
            self.remove_widget(self.body)
        self.screen.update_show_all()

    def _build_body(self) -> BoxLayout:
        app = self.screen.app
        body = BoxLayout(orientation="vertical", size_hint_y=None, spacing=dp(10))
        self._pad_body(body)
        body.bind(minimum_height=body.setter("height"))
        for item in self.step.contents:
            if isinstance(item, model.Paragraph):
                self.screen.content(item.text, to=body)
                continue
            if isinstance(item, model.CouncilLink):
                body.add_widget(self.screen.council_box(item))
                continue
            for task in item.items:
                text, lang = app.text(task.text)
                if task.context:
                    ctx, _ = app.text(task.context)
                    text = f"{text} \u2013 {ctx}"  # GOV.UK: the cost after a dash
                if task.href:
                    b = KButton(text=text, text_lang=lang, kind="link", align="start",
                                pad=[0, dp(12)], min_height=dp(64))
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
        self.title_label = self.content(g.title, role="title", bold=True)
        self.content(g.introduction, role="lead")
        # As wide as its words on one line ("Show all steps" is long in Tamil), at least 320.
        self.show_all = fit_word(KButton(text=self.tr("Show all steps"), kind="secondary",
                                         size_hint_x=None, width=dp(320),
                                         pos_hint={"right": 1} if self.app.rtl else {}),
                                 dp(320))
        self.show_all.bind(on_release=lambda *_: self.toggle_all())
        self.add(self.show_all)
        self.steps: list[StepView] = []
        self.step_list = self.add(StepList(self.app.rtl))
        numbers, number = [], 0
        for step in g.steps:
            number += step.logic == "number"
            numbers.append(number)
        fit_gutter = Clock.create_trigger(self._fit_gutter, -1)

        def step_view(step, n):
            view = StepView(self, step, n)
            view.marker.fbind("width", fit_gutter)
            view.marker.fbind("pos", self.step_list._redraw)  # positions settle after sizes
            self.steps.append(view)
            fit_gutter()
            return view

        self.fill(self.step_list, [lambda s=s, n=n: step_view(s, n)
                                   for s, n in zip(g.steps, numbers)], now=3)
        tr = self.tr
        self.official = KButton(text=tr("Open the official service"), kind="primary")
        self.official.bind(on_release=lambda *_: self.app.open_official(
            self.service.id, self.service.official_url))
        self.offline_notice = None
        self.phone = KButton(text=tr("Continue on your phone"), kind="secondary")
        self.phone.bind(on_release=lambda *_: self.app.show_qr(
            self.service.id, self.service.official_url))
        self.finish = self.finish_button()
        self.footer_buttons(self.official, self.phone)
        # Said before the citizen taps: known now from the cache, or when a check ends.
        self.show_reachable(self.app.official_reachable(self.service.official_url,
                                                        self.show_reachable))

    def show_reachable(self, ok: bool | None) -> None:
        """Offline: *Open the official service* says the website cannot be reached, and a
        box at the top of the guide offers the other ways to apply and the phone."""
        tr = self.tr
        offline = ok is False
        self.official.text = tr("Official website: no connection now") if offline else \
            tr("Open the official service")
        self.official.kind = "secondary" if offline else "primary"
        if offline and self.offline_notice is None:
            from kiosk.app.widgets.notice import Notice

            ways = [self.app.text(t) for t in self.service.start.other_ways]
            self.offline_notice = Notice(
                tr("The official website cannot be reached at the moment"),
                tr("You can still read every step here."),
                *[f"•  {text}" for text, _ in ways],
                tr("Or tap Continue on your phone to open it on your phone."),
                edge_name="error")
            page = self.page
            at = page.children.index(self.title_label) if self.title_label in \
                page.children else len(page.children)
            page.add_widget(self.offline_notice, index=at)  # just below the title
        elif not offline and self.offline_notice is not None:
            self.page.remove_widget(self.offline_notice)
            self.offline_notice = None

    def _fit_gutter(self, *_):
        """One gutter width for every step (the widest marker), so the line is straight."""
        width = max([dp(48)] + [s.marker.width for s in self.steps])
        for s in self.steps:
            s.set_gutter(width)
        self.step_list.gutter = width

    def open_task(self, url: str):
        self.app.open_official(self.service.id, url)

    def council_box(self, item: model.CouncilLink) -> Panel:
        """A council service at this centre: "Your council: Lambeth" and a link to the
        council's page for it (or GOV.UK's, which asks for a postcode), with its QR code;
        without a council set, GOV.UK's "find your local council"."""
        from kiosk.app.widgets.qr import QRCode
        from kiosk.core import councils

        app, tr = self.app, self.tr
        dest = councils.destination(app.catalogue.councils, app.offer.council, item.service)
        table = app.catalogue.councils
        svc = table.services.get(item.service) if table is not None else None
        # On the page's own colour, framed: its link looks like the guide's other links.
        box = Panel(orientation="horizontal", spacing=dp(24), padding=[dp(20), dp(16)],
                    bg_name="background")
        words = BoxLayout(orientation="vertical", size_hint_y=None, spacing=dp(8),
                          pos_hint={"top": 1})
        words.bind(minimum_height=words.setter("height"))
        # An interface string not translated yet shows as English (KLabel sees its script).
        heading = tr("Your council: {council}").format(council=dest.council.name) \
            if dest.council is not None else tr("Find your local council")
        self.council_heading = KLabel(text=heading, role="lead", bold=True, size_hint_y=None)
        words.add_widget(self.council_heading)
        host = sites.site_of(sites.host_of(dest.url))
        if svc is not None and dest.council is not None:
            text, lang = app.text(svc.title)
            self.council_link = KButton(text=f"{text} \u2013 {host}", text_lang=lang,
                                        kind="link", align="start", pad=[0, dp(12)],
                                        min_height=dp(64))
        else:
            # The heading already says it: the link is the address a citizen could type.
            where = host + urlsplit(dest.url).path.rstrip("/")
            self.council_link = KButton(text=where, text_lang="en", kind="link", align="start", pad=[0, dp(12)],
                                        min_height=dp(64))
        self.council_link.bind(on_release=lambda *_: self.open_task(dest.url))
        self.council_url = dest.url
        words.add_widget(self.council_link)
        if not dest.on_council_site:
            words.add_widget(KLabel(text=tr("GOV.UK asks for your postcode and takes you to "
                                            "your council's page."), role="small",
                                    colour_name="panel_text", size_hint_y=None))
        words.add_widget(KLabel(text=tr("Point your phone's camera at a code to open the "
                                        "website on your phone."), role="small",
                                colour_name="panel_text", size_hint_y=None))
        self.council_qr = QRCode(url=dest.url, size_hint=(None, None),
                                 size=(dp(160), dp(160)), pos_hint={"top": 1})
        for w in ((self.council_qr, words) if app.rtl else (words, self.council_qr)):
            box.add_widget(w)
        return box

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
