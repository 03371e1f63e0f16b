"""Digital-skills tutorials: the list, each lesson with its practice, and the finish page."""

from __future__ import annotations

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.graphics import Color, Rectangle
from kivy.metrics import dp
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.widget import Widget

from kiosk.app.screens.base import KioskScreen
from kiosk.app.screens.home import Card
from kiosk.app.screens.services import card_grid, offered_cards
from kiosk.app.widgets import practice
from kiosk.app.widgets.text import KButton, measure
from kiosk.core import content as model

# A practice area beside the lesson's text on screens at least this wide (landscape kiosks).
SIDE_BY_SIDE_WIDTH = dp(900)
MAX_AREA = dp(520)
# The practice's share of the row beside the text, and how far it may grow to keep its
# prompt on one line (LessonScreen._fit_columns).
PRACTICE_SHARE, MAX_PRACTICE_SHARE = 0.45, 0.5


def _column(**kwargs) -> BoxLayout:
    """One column of a side-by-side lesson, as tall as its contents, from the top."""
    kwargs.setdefault("spacing", dp(18))
    col = BoxLayout(orientation="vertical", size_hint_y=None, pos_hint={"top": 1}, **kwargs)
    col.bind(minimum_height=col.setter("height"))
    return col


def _depth(widget, top) -> float:
    """How far below the top of `top` the top of `widget` is, once laid out: the heights
    (and spacing, and padding) of what comes before it in each vertical box around it;
    side-by-side columns start at the top of their row."""
    depth, w = 0.0, widget
    while w is not top:
        box = w.parent
        if isinstance(box, BoxLayout):
            depth += box.padding[1]
            if box.orientation == "vertical":
                before = list(reversed(box.children))
                before = before[:before.index(w)]
                depth += sum(c.height for c in before) + box.spacing * len(before)
        w = box
    return depth


class TutorialsScreen(KioskScreen):
    def build(self):
        self.label(self.tr("Learn a skill"), role="title", bold=True)
        self.label(self.tr("Short lessons with practice on this screen. Take your time."),
                   role="lead")
        self.cards = {}

        def card(t):
            (title, tl), (summary, sl) = self.app.text(t.title), self.app.text(t.summary)
            minutes = self.app.ntr("About {n} minute", "About {n} minutes",
                                   t.minutes).format(n=self.app.num(t.minutes))
            c = Card(title, f"{summary}\n{minutes}" if sl == self.app.lang else summary,
                     heading_lang=tl, detail_lang=sl)
            c.bind(on_release=lambda _c: self.app.go("lesson", id=t.id, index=0))
            self.cards[t.id] = c
            return c

        offer, tutorials = self.app.offer, self.app.catalogue.tutorials
        offered_cards(self, [tutorials[i] for i in offer.tutorials if i in tutorials],
                      offer.featured_tutorials, card, self.tr("More lessons"))


class LessonProgress(Widget):
    """How far through the tutorial; fills from the start side of the reading direction.
    Its colours are the theme's at the time it is drawn (restyle draws it again)."""

    def __init__(self, fraction: float, rtl: bool, **kwargs):
        super().__init__(size_hint_y=None, height=dp(14), **kwargs)
        self.fraction, self.rtl = fraction, rtl
        self.app = App.get_running_app()
        self.bind(pos=self._draw, size=self._draw)

    def restyle(self, *_):
        self._draw()

    def _draw(self, *_):
        self.canvas.clear()
        w = self.width * self.fraction
        # x + width, not right: `right` may not follow a size change yet when this runs
        x = self.x + self.width - w if self.rtl else self.x
        theme = self.app.theme
        edge = dp(2)
        with self.canvas:  # a track on the panel colour, edged, so the fill stands out of it
            Color(*theme.border)
            Rectangle(pos=self.pos, size=self.size)
            Color(*theme.panel)
            Rectangle(pos=(self.x + edge, self.y + edge),
                      size=(max(0, self.width - 2 * edge), max(0, self.height - 2 * edge)))
            Color(*theme.link)
            Rectangle(pos=(x, self.y), size=(w, self.height))


class LessonScreen(KioskScreen):
    """One lesson: its text, then its practice.

    A tap-the-target practice sits beside the text (on the end side of the reading
    direction) when the screen is wide, and its area is made as tall as what is left of the
    screen: the learner sees the targets at once, at any text size, without scrolling (the
    first lesson comes before the one that teaches the Up and Down buttons)."""

    def build(self):
        app = self.app
        self.tutorial: model.Tutorial = app.catalogue.tutorials[self.params["id"]]
        self.index = int(self.params.get("index", 0))
        lesson = self.tutorial.lessons[self.index]
        total = len(self.tutorial.lessons)
        if self.index == 0 and not self.params.get("started"):
            self.params["started"] = True  # going Back to this lesson does not count again
            app.record("tutorial_started", content_id=self.tutorial.id)
            app.tutorial_started_at = app.services.clock()
        side = isinstance(lesson.practice, model.TapTarget) and \
            Window.width >= SIDE_BY_SIDE_WIDTH
        text_col = practice_col = None
        if side:
            self.row = row = BoxLayout(size_hint_y=None, spacing=dp(40))
            text_col = _column(size_hint_x=1 - PRACTICE_SHARE, spacing=dp(14))
            self.practice_col = practice_col = _column(size_hint_x=PRACTICE_SHARE)
            self.notes_box = text_col
            for col in (text_col, practice_col):
                col.bind(height=lambda *_: setattr(row, "height", max(text_col.height,
                                                                      practice_col.height)))
            for col in ((practice_col, text_col) if app.rtl else (text_col, practice_col)):
                row.add_widget(col)
            self.add(row)
        if self.index == 0:
            self.english_notice(self.tutorial, "lesson", to=text_col)
        self.content(self.tutorial.title, to=text_col, role="small",
                     colour_name="secondary_text")
        self.label(self.app.fmt("Part {n} of {total}", n=self.index + 1, total=total),
                   to=text_col, role="small", colour_name="secondary_text")
        self.progress = self.add(LessonProgress((self.index + 1) / total, app.rtl), to=text_col)
        self.content(lesson.title, to=text_col, role="title", bold=True)
        for para in lesson.body:
            self.content(para, to=text_col)
        self.practice = None
        last = self.index + 1 >= total
        self.next = KButton(text=self.tr("Finish") if last else self.tr("Continue"),
                            kind="primary")
        self.next.bind(on_release=lambda *_: self.go_on())
        buttons = [self.next]
        if lesson.practice is not None:
            if not side:  # beside the text, the practice's box says what it is
                self.label(self.tr("Practice"), role="heading", bold=True)
            self.practice = practice.make(lesson.practice)
            if side:
                self.practice.prompt.role = "body"
                self.practice.prompt.bold = True
            self.practice.bind(on_answer=self._answered, done=self._done)
            self.add(self.practice, to=practice_col)
            self.skip = KButton(text=self.tr("Skip this practice"), kind="secondary")
            self.skip.bind(on_release=lambda *_: self.go_on())
            buttons.append(self.skip)
            self.next.disabled = True
        self.footer_buttons(*buttons)
        if isinstance(self.practice, practice.TapTargetPractice):
            fit = Clock.create_trigger(self._fit_area, -1)
            self.scroll.bind(height=fit)
            self.page.bind(height=fit)
            for w in (self.practice.children + [self.practice.progress]):
                w.bind(height=fit)
            self.practice.bind(least_area=fit)  # a taller target, or the "Well done"
            fit()
            if side:
                widen = Clock.create_trigger(self._fit_columns, -1)
                self.row.bind(width=widen)
                self.practice.prompt.bind(font_size=widen, font_name=widen)
                widen()

    def _fit_columns(self, *_):
        """The practice's column as wide as its prompt on one line, when the row can spare
        that much (the text keeps at least half): each line the prompt wraps onto pushes the
        targets down, and at 200 % in a tall script (Nastaliq) a second line would push them
        off the screen."""
        row, prompt = self.row, self.practice.prompt
        room = row.width - row.spacing
        if room <= 0:
            return
        need = (measure(prompt)[0] + 2) / room
        # Wider only when that keeps the prompt on one line: otherwise the text's column
        # would be narrower (and the page longer) for nothing.
        share = max(PRACTICE_SHARE, need) if need <= MAX_PRACTICE_SHARE else PRACTICE_SHARE
        text_col = next(c for c in row.children if c is not self.practice_col)
        if abs(self.practice_col.size_hint_x - share) > 0.001:
            self.practice_col.size_hint_x, text_col.size_hint_x = share, 1 - share

    def _fit_area(self, *_):
        """The practice area reaches down to the bottom of the screen's page, and no
        further (when there is room for it at all), but always holds what it shows."""
        area = self.practice.area
        # From the heights above it, not from positions: those follow a frame later, and
        # chasing them made the layout swing for several passes.
        room = self.scroll.height - _depth(area, self.page) - self.page.padding[3]
        area.min_height = max(self.practice.least_area_height(), min(MAX_AREA, room))

    def _answered(self, _practice, correct: bool):
        self.app.record("practice_answered", content_id=self.tutorial.id,
                        outcome="correct" if correct else "incorrect")

    def _done(self, _practice, done: bool):
        if done:
            self.next.disabled = False

    def go_on(self):
        if self.index + 1 < len(self.tutorial.lessons):
            self.app.go("lesson", id=self.tutorial.id, index=self.index + 1, started=True)
        else:
            self.app.go("tutorial_done", id=self.tutorial.id)


class TutorialDoneScreen(KioskScreen):
    def build(self):
        app = self.app
        t: model.Tutorial = app.catalogue.tutorials[self.params["id"]]
        if not self.params.get("recorded"):
            self.params["recorded"] = True
            started = getattr(app, "tutorial_started_at", None)
            duration = int((app.services.clock() - started) * 1000) if started else None
            app.record("tutorial_completed", content_id=t.id, duration_ms=duration)
        self.label(self.tr("Well done!"), role="display", bold=True)
        self.content(t.title, role="heading", bold=True)
        self.label(self.tr("You have learnt:"), role="heading")
        for item in t.learnt:
            text, lang = app.text(item)
            self.label(f"•  {text}", text_lang=lang)
        # Only what this centre shows: a hidden guide or lesson is not reached from here.
        following = [i for i in t.next if app.offer.shows(i) and
                     (i in app.catalogue.services or i in app.catalogue.tutorials)]
        self.next_cards: dict[str, Card] = {}
        if following:
            self.label(self.tr("What to try next"), role="heading", bold=True)
            grid = card_grid()
            for item_id in following:
                item = app.catalogue.item(item_id)
                (title, tl), (summary, sl) = app.text(item.title), app.text(item.summary)
                card = Card(title, summary, heading_lang=tl, detail_lang=sl)
                if isinstance(item, model.Tutorial):
                    card.bind(on_release=lambda _c, i=item_id: app.go("lesson", id=i, index=0))
                else:
                    card.bind(on_release=lambda _c, i=item_id: app.go("service", id=i))
                self.next_cards[item_id] = card
                grid.add_widget(card)
            self.add(grid)
        self.finish = self.finish_button()
        self.more = KButton(text=self.tr("Choose something else"), kind="primary")
        self.more.bind(on_release=lambda *_: app.home())
        self.footer_buttons(self.more)
