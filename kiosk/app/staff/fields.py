"""A row per setting in the staff panel: its name and help, its value with a way to change it
by touch (toggles, Up and Down, steppers, the kiosk's keyboard), where the value comes from,
and the problem with it after a failed save.

A locked setting shows its value and who locked it, with every control greyed: staff cannot
change it here (ConfigStore.set_staff would refuse it too). Changes go into the panel's
draft (StaffState.change), saved together with Save changes."""

from __future__ import annotations

from kivy.app import App
from kivy.metrics import dp
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.widget import Widget

from kiosk.app.staff import name_in, sfmt, st, texts
from kiosk.app.widgets.layout import Panel
from kiosk.app.widgets.text import KButton, KLabel
from kiosk.core import config, languages

ROW_HEIGHT = dp(64)


def small(text: str = "", **kwargs) -> KLabel:
    kwargs.setdefault("colour_name", "secondary_text")
    return KLabel(text=text, role="small", size_hint_y=None, **kwargs)


def button(text: str, action, kind: str = "secondary", width: float | None = None,
           **kwargs) -> KButton:
    kwargs.setdefault("min_height", ROW_HEIGHT)
    kwargs.setdefault("pad", [dp(14), dp(8)])
    if width is not None:
        kwargs.update(size_hint_x=None, width=width)
    b = KButton(text=text, kind=kind, **kwargs)
    b.bind(on_release=lambda *_: action())
    return b


def line(*widgets, height: float = ROW_HEIGHT, spacing: float = dp(12),
         top: bool = False) -> BoxLayout:
    """A row of widgets in reading order (mirrored for right-to-left), as tall as the
    tallest of them; each centred on the row, or at its top."""
    row = BoxLayout(size_hint_y=None, height=height, spacing=spacing)
    for w in (reversed(widgets) if App.get_running_app().rtl else widgets):
        if w.size_hint_y is None:
            w.pos_hint = {"top": 1} if top else {"center_y": 0.5}
        row.add_widget(w)

    def fit(*_):
        row.height = max([height] + [w.height for w in widgets if w.size_hint_y is None])

    for w in widgets:
        w.bind(height=fit)
    fit()
    return row


class FieldRow(Panel):
    """One setting (or two that are edited together: `keys`), in a box."""

    def __init__(self, panel, key: str, keys: tuple[str, ...] = (), **kwargs):
        kwargs.setdefault("bg_name", "background")
        kwargs.setdefault("padding", [dp(24), dp(16)])
        kwargs.setdefault("spacing", dp(10))
        super().__init__(**kwargs)
        self.panel = panel
        self.state = panel.state
        self.key = key
        self.keys = keys or (key,)
        self.head = KLabel(text=self.title(), role="lead", bold=True, size_hint_y=None)
        self.add_widget(self.head)
        hint = texts.help_text(key)
        if hint:
            self.add_widget(small(hint))
        self.error = KLabel(role="body", bold=True, colour_name="error", size_hint_y=None)
        self.add_widget(self.error)
        self.body = BoxLayout(orientation="vertical", size_hint_y=None, spacing=dp(10),
                              height=0)
        self.body.bind(minimum_height=self.body.setter("height"))
        self.add_widget(self.body)
        self.source = small()
        self.add_widget(self.source)
        self.refresh()

    def title(self) -> str:
        return texts.label(self.key)

    @property
    def locked(self) -> bool:
        return any(self.state.eff(k).locked_at is not None for k in self.keys)

    def value(self, key: str | None = None):
        return self.state.value(key or self.key)

    def change(self, key: str, value) -> None:
        self.state.change(key, value)
        self.refresh()
        self.panel.draft_changed()

    def refresh(self) -> None:
        self.body.clear_widgets()
        self.fill(self.body)
        problems = [self.state.errors[k] for k in self.keys if k in self.state.errors]
        self.error.text = "\n".join(dict.fromkeys(problems))
        self.error.opacity = 1 if problems else 0
        if not problems:
            self.error.height = 0
        self.edge_name = "error" if problems else "border"
        self.edge_width = dp(5) if problems else dp(2)
        self._repaint_shape()
        locked = [k for k in self.keys if self.state.eff(k).locked_at is not None]
        key = locked[0] if locked else next((k for k in self.keys if k in self.state.draft),
                                            self.keys[0])
        self.source.text = texts.source(self.state.eff(key), key in self.state.draft)
        self.source.colour_name = "text" if locked else "secondary_text"
        self.source.bold = bool(locked)

    def fill(self, body) -> None:
        raise NotImplementedError


# ----- single values ------------------------------------------------------------------

class StepperRow(FieldRow):
    """A number of seconds: − and + in steps, within the setting's bounds."""

    def __init__(self, panel, key: str, step: int, **kwargs):
        self.step = step
        super().__init__(panel, key, **kwargs)

    def fill(self, body):
        f, _ = config.field_for(self.key)
        value = self.value()
        locked = self.locked
        self.minus = button(sfmt("{n} seconds less", n=self.step),
                            lambda: self._by(-self.step), width=dp(230),
                            disabled=locked or value - self.step < f.low)
        self.plus = button(sfmt("{n} seconds more", n=self.step),
                           lambda: self._by(+self.step), width=dp(230),
                           disabled=locked or value + self.step > f.high)
        self.shown = KLabel(text=sfmt("{n} seconds", n=value), role="heading", bold=True,
                            align="center", size_hint_y=None)
        body.add_widget(line(self.minus, self.shown, self.plus))

    def _by(self, delta: int) -> None:
        f, _ = config.field_for(self.key)
        self.change(self.key, min(f.high, max(f.low, self.value() + delta)))


class SwitchRow(FieldRow):
    """On or off."""

    def fill(self, body):
        value = bool(self.value())
        self.on = button(st("On"), lambda: self.change(self.key, True), kind="choice",
                         width=dp(180), disabled=self.locked)
        self.off = button(st("Off"), lambda: self.change(self.key, False), kind="choice",
                          width=dp(180), disabled=self.locked)
        self.on.selected, self.off.selected = value, not value
        body.add_widget(line(self.on, self.off, Widget()))


class TextRow(FieldRow):
    """A text for citizens, in the language being written (`state.writing`): English is the
    setting itself, another language its translation key."""

    def __init__(self, panel, key: str, lang: str = "en", **kwargs):
        self.base, self.lang = key, lang
        edited = key if lang == "en" else f"{key}.{lang}"
        super().__init__(panel, edited, **kwargs)

    def title(self) -> str:
        return texts.label(self.base)

    def fill(self, body):
        text = self.value() or ""
        if text and out_of_date(self):
            body.add_widget(out_of_date_note())
            body.add_widget(KLabel(text=text, text_lang=self.lang,
                                   colour_name="secondary_text", size_hint_y=None))
        elif text:
            body.add_widget(KLabel(text=text, text_lang=self.lang, size_hint_y=None))
        elif self.lang != "en" and self.state.value(self.base):
            body.add_widget(small(st("Not written in this language yet: citizens see the "
                                     "English.")))
            body.add_widget(KLabel(text=self.state.value(self.base), text_lang="en",
                                   colour_name="secondary_text", size_hint_y=None))
        else:
            body.add_widget(small(st("Nothing written yet.")))
        self.edit = button(st("Change"), self.open_editor, kind="button", width=dp(200),
                           disabled=self.locked)
        self.clear = button(st("Clear"), lambda: self.change(self.key, ""), width=dp(200),
                            disabled=self.locked or not text)
        body.add_widget(line(self.edit, self.clear, Widget()))

    def open_editor(self) -> None:
        from kiosk.app.staff.editor import TextEditor

        f, _ = config.field_for(self.base)
        title = texts.label(self.base)
        if self.lang != "en":
            title = f"{title} ({name_in(self.lang, title.lang)})"
        editor = TextEditor(title, self.value() or "", lang=self.lang, max_length=f.high or 600,
                            multiline=(f.high or 0) > 200)
        editor.bind(on_done=lambda _e, text: self.change(self.key, text))
        self.panel.app.open_modal(editor)


class DateRow(FieldRow):
    def fill(self, body):
        value = self.value()
        shown = value or st("No date")
        body.add_widget(KLabel(text=shown, text_lang="en" if value else "",
                               role="lead", size_hint_y=None))
        self.edit = button(st("Change"), self.open_editor, kind="button", width=dp(200),
                           disabled=self.locked)
        self.clear = button(st("No date"), lambda: self.change(self.key, None), width=dp(200),
                            disabled=self.locked or not value)
        body.add_widget(line(self.edit, self.clear, Widget()))

    def open_editor(self) -> None:
        from kiosk.app.staff.editor import TextEditor

        editor = TextEditor(texts.label(self.key), self.value() or "", lang="en",
                            max_length=10, latin=True, hint=st("Year-month-day, for example "
                                                               "2026-12-24."))
        editor.bind(on_done=lambda _e, text: self.change(self.key, text.strip() or None))
        self.panel.app.open_modal(editor)


def out_of_date(row: FieldRow) -> bool:
    """A translation written for an earlier English (and not changed here since)."""
    return row.key not in row.state.draft and row.state.eff(row.key).stale


def out_of_date_note() -> KLabel:
    return small(st("Written for an earlier English: citizens see the English. Change it, or "
                    "open it and tap Done if it is still right."), colour_name="text",
                 bold=True)


class LinksRow(FieldRow):
    """Up to five local links: a title and an https address each. In another language
    (`lang`), the titles in it (`centre.links.<lang>`, one per link): the addresses and
    which links there are stay as written in English."""

    def __init__(self, panel, key: str, lang: str = "en", **kwargs):
        self.base, self.lang = key, lang
        super().__init__(panel, key if lang == "en" else f"{key}.{lang}", **kwargs)

    def title(self) -> str:
        return texts.label(self.base)

    def fill(self, body):
        if self.lang != "en":
            self._fill_titles(body)
            return
        links = [dict(link) for link in (self.value() or ())]
        locked = self.locked
        for i, link in enumerate(links):
            box = BoxLayout(orientation="vertical", size_hint_y=None, spacing=dp(6),
                            height=0)
            box.bind(minimum_height=box.setter("height"))
            box.add_widget(KLabel(text=link["title"] or st("(no title)"), bold=True,
                                  size_hint_y=None))
            box.add_widget(KLabel(text=link["url"], text_lang="en", colour_name="link",
                                  size_hint_y=None))
            box.add_widget(line(
                button(st("Change title"), lambda i=i: self._edit(i, "title"), width=dp(220),
                       disabled=locked),
                button(st("Change address"), lambda i=i: self._edit(i, "url"), width=dp(240),
                       disabled=locked),
                button(st("Remove"), lambda i=i: self._remove(i), width=dp(160),
                       disabled=locked),
                Widget()))
            body.add_widget(box)
        if not links:
            body.add_widget(small(st("No links yet.")))
        self.add = button(st("Add a link"), self._add, kind="button", width=dp(220),
                          disabled=locked or len(links) >= config.MAX_LINKS)
        body.add_widget(line(self.add, Widget()))

    def _fill_titles(self, body):
        links = self.state.value(self.base) or ()
        titles = list(self.value() or ())
        if titles and out_of_date(self):
            body.add_widget(out_of_date_note())
        self.title_buttons = []
        for i, link in enumerate(links):
            box = BoxLayout(orientation="vertical", size_hint_y=None, spacing=dp(6),
                            height=0)
            box.bind(minimum_height=box.setter("height"))
            own = titles[i] if i < len(titles) else ""
            if own:
                box.add_widget(KLabel(text=own, text_lang=self.lang, bold=True,
                                      size_hint_y=None))
            else:
                box.add_widget(small(st("Not written in this language yet: citizens see the "
                                        "English.")))
            box.add_widget(KLabel(text=link["title"], text_lang="en", size_hint_y=None,
                                  colour_name="text" if not own else "secondary_text"))
            box.add_widget(KLabel(text=link["url"], text_lang="en", colour_name="link",
                                  size_hint_y=None))
            change = button(st("Change title"), lambda i=i: self._edit_title(i),
                            width=dp(220), disabled=self.locked)
            self.title_buttons.append(change)
            box.add_widget(line(change, Widget()))
            body.add_widget(box)
        if not links:
            body.add_widget(small(st("No links yet.")))

    def _edit_title(self, i: int) -> None:
        from kiosk.app.staff.editor import TextEditor

        titles = list(self.value() or ())
        editor = TextEditor(f"{st('Link title')} ({name_in(self.lang, st('Link title').lang)})",
                            titles[i] if i < len(titles) else "", lang=self.lang,
                            max_length=80)

        def done(_e, text):
            now = list(self.value() or ())
            now += [""] * (i + 1 - len(now))
            now[i] = text.strip()
            while now and not now[-1]:
                now.pop()
            self.change(self.key, tuple(now))

        editor.bind(on_done=done)
        self.panel.app.open_modal(editor)

    def _links(self) -> list[dict]:
        return [dict(link) for link in (self.value() or ())]

    def _set(self, links: list[dict]) -> None:
        self.change(self.key, tuple(links))

    def _remove(self, i: int) -> None:
        links = self._links()
        del links[i]
        self._set(links)

    def _add(self) -> None:
        links = self._links() + [{"title": "", "url": "https://"}]
        self._set(links)
        self._edit(len(links) - 1, "title")

    def _edit(self, i: int, part: str) -> None:
        from kiosk.app.staff.editor import TextEditor

        links = self._links()
        title = st("Link title") if part == "title" else st("Link address")
        editor = TextEditor(title, links[i][part], lang="en" if part == "url" else
                            self.panel.app.lang, max_length=80 if part == "title" else 300,
                            latin=part == "url")

        def done(_e, text):
            now = self._links()
            if i < len(now):
                now[i][part] = text.strip()
                self._set(now)

        editor.bind(on_done=done)
        self.panel.app.open_modal(editor)


# ----- lists ----------------------------------------------------------------------------

class LanguagesRow(FieldRow):
    """Which languages are offered, in which order, and the default: a line per language."""

    def __init__(self, panel, **kwargs):
        super().__init__(panel, "languages.offered",
                         keys=("languages.offered", "languages.default"), **kwargs)

    def fill(self, body):
        offered = list(self.value("languages.offered"))
        default = self.value("languages.default")
        order_locked = self.state.eff("languages.offered").locked_at is not None
        default_locked = self.state.eff("languages.default").locked_at is not None
        self.lines = {}
        for code in offered + [c for c in languages.LANGUAGES if c not in offered]:
            lang = languages.get(code)
            on = code in offered
            at = offered.index(code) if on else -1
            toggle = button(st("Offered") if on else st("Not offered"),
                            lambda c=code: self._toggle(c), kind="choice", width=dp(190),
                            disabled=order_locked)
            toggle.selected = on
            names = BoxLayout(orientation="vertical", size_hint_y=None, height=0)
            native = KLabel(text=lang.native_name, text_lang=code, bold=True,
                            size_hint_y=None)
            english = small(lang.english_name, text_lang="en")
            names.add_widget(native)
            names.add_widget(english)
            for said in self._content_state(code):
                names.add_widget(small(said, text_lang=said.lang))
            names.bind(minimum_height=names.setter("height"))
            dflt = button(st("Default") if code == default else st("Make default"),
                          lambda c=code: self.change("languages.default", c), kind="choice",
                          width=dp(190), disabled=default_locked or not on)
            dflt.selected = code == default
            up = button(st("Up"), lambda c=code: self._move(c, -1), width=dp(110),
                        disabled=order_locked or at <= 0)
            down = button(st("Down"), lambda c=code: self._move(c, +1), width=dp(110),
                          disabled=order_locked or not on or at == len(offered) - 1)
            row = line(toggle, names, dflt, up, down)
            self.lines[code] = {"toggle": toggle, "default": dflt, "up": up, "down": down}
            body.add_widget(row)

    def _content_state(self, code: str) -> list:
        """How much of the guides and tutorials is in the language, and whether a native
        speaker has reviewed it (content.json's "review"), in two short lines."""
        catalogue = self.panel.app.catalogue
        review = catalogue.review(code)
        if review is None or code not in catalogue.languages:
            return []
        pct = int(catalogue.share(code) * 100)
        if pct == 0:
            return [st("Guides and tutorials: not translated yet")]
        out = [sfmt("Guides and tutorials: {pct} % translated", pct=pct)]
        if review.reviewed:
            out.append(sfmt("Reviewed by {name}, {date}", name=review.by, date=review.date))
        else:
            out.append(st("Not yet reviewed by a native speaker"))
        return out

    def _toggle(self, code: str) -> None:
        offered = list(self.value("languages.offered"))
        if code in offered:
            offered.remove(code)
        else:
            offered.append(code)
        self.change("languages.offered", tuple(offered))

    def _move(self, code: str, by: int) -> None:
        offered = list(self.value("languages.offered"))
        i = offered.index(code)
        j = i + by
        if 0 <= j < len(offered):
            offered[i], offered[j] = offered[j], offered[i]
            self.change("languages.offered", tuple(offered))


class ItemsRow(FieldRow):
    """Service guides or tutorials: which are shown, in which order, and the few featured
    first. All shown in the content's order is saved as "all" (a new guide in a later
    content pack then shows too)."""

    def __init__(self, panel, kind: str, **kwargs):
        self.kind = kind  # services | tutorials
        super().__init__(panel, f"{kind}.shown", keys=(f"{kind}.shown", f"{kind}.featured"),
                         **kwargs)

    def known(self) -> dict:
        catalogue = self.panel.app.catalogue
        return catalogue.services if self.kind == "services" else catalogue.tutorials

    def order(self) -> tuple[list[str], set[str]]:
        known = list(self.known())
        shown = self.value(f"{self.kind}.shown")
        listed = [i for i in (known if shown is None else shown) if i in known]
        return listed + [i for i in known if i not in listed], set(listed)

    def fill(self, body):
        app = self.panel.app
        order, shown = self.order()
        featured = list(self.value(f"{self.kind}.featured") or ())
        shown_locked = self.state.eff(f"{self.kind}.shown").locked_at is not None
        featured_locked = self.state.eff(f"{self.kind}.featured").locked_at is not None
        self.lines = {}
        listed = [i for i in order if i in shown]
        for item_id in order:
            item = self.known()[item_id]
            on = item_id in shown
            at = listed.index(item_id) if on else -1
            toggle = button(st("Shown") if on else st("Hidden"),
                            lambda i=item_id: self._toggle(i), kind="choice", width=dp(170),
                            disabled=shown_locked)
            toggle.selected = on
            title = KLabel(text=item.title.get(app.lang),
                           text_lang=item.title.lang_for(app.lang), bold=True,
                           size_hint_y=None)
            star = button(st("Featured") if item_id in featured else st("Feature"),
                          lambda i=item_id: self._feature(i), kind="choice", width=dp(170),
                          disabled=featured_locked or (not on and item_id not in featured) or
                          (item_id not in featured and len(featured) >= config.MAX_FEATURED))
            star.selected = item_id in featured
            up = button(st("Up"), lambda i=item_id: self._move(i, -1), width=dp(110),
                        disabled=shown_locked or at <= 0)
            down = button(st("Down"), lambda i=item_id: self._move(i, +1), width=dp(110),
                          disabled=shown_locked or not on or at == len(listed) - 1)
            self.lines[item_id] = {"toggle": toggle, "featured": star, "up": up, "down": down}
            body.add_widget(title)
            body.add_widget(line(toggle, star, up, down, Widget()))
        usual = button(st("Show all, in the usual order"), self._all, width=dp(420),
                       disabled=shown_locked or self.value(f"{self.kind}.shown") is None)
        body.add_widget(line(usual, Widget()))

    def _save_order(self, listed: list[str]) -> None:
        known = list(self.known())
        self.change(f"{self.kind}.shown", None if listed == known else tuple(listed))

    def _toggle(self, item_id: str) -> None:
        order, shown = self.order()
        listed = [i for i in order if i in shown]
        if item_id in shown:
            listed.remove(item_id)
            featured = [i for i in self.value(f"{self.kind}.featured") or () if i != item_id]
            if tuple(featured) != tuple(self.value(f"{self.kind}.featured") or ()):
                self.state.change(f"{self.kind}.featured", tuple(featured))
        else:
            listed.append(item_id)
        self._save_order(listed)

    def _move(self, item_id: str, by: int) -> None:
        order, shown = self.order()
        listed = [i for i in order if i in shown]
        i = listed.index(item_id)
        j = i + by
        if 0 <= j < len(listed):
            listed[i], listed[j] = listed[j], listed[i]
            self._save_order(listed)

    def _feature(self, item_id: str) -> None:
        featured = list(self.value(f"{self.kind}.featured") or ())
        if item_id in featured:
            featured.remove(item_id)
        else:
            featured.append(item_id)
        self.change(f"{self.kind}.featured", tuple(featured))

    def _all(self) -> None:
        self.change(f"{self.kind}.shown", None)


class CouncilRow(FieldRow):
    """The centre's council: its name and official code, chosen from London's 33 in a
    list (a code typed wrong would send citizens to the wrong council)."""

    def fill(self, body):
        from kiosk.core import councils

        code = self.value() or ""
        shown = councils.named(code) if code else st("No council set")
        self.shown = KLabel(text=shown, role="lead", bold=True, size_hint_y=None)
        self.choose = button(st("Choose the council"), self.open_choice, width=dp(300),
                             disabled=self.locked)
        self.clear = button(st("No council"), lambda: self.change(self.key, ""),
                            width=dp(220), disabled=self.locked or not code)
        body.add_widget(self.shown)
        body.add_widget(line(self.choose, self.clear, Widget()))

    def open_choice(self) -> None:
        from kiosk.app.staff.panel import CouncilDialog

        app = App.get_running_app()
        app.open_modal(CouncilDialog(self.value() or "",
                                     lambda code: self.change(self.key, code)))
