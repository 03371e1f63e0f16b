"""The staff panel: one screen behind the corner gesture and the PIN, in sections (status and
actions, then the settings staff may change), GOV.UK-like: large touch targets, a side list
of sections, a footer with Save changes.

What is changed goes into a draft (StaffState) kept with the screen's place, so switching
section or the panel's language (which builds the screen again) keeps it. Saving checks
every change with core/config.py's rules first (a clear message per field, and nothing is
saved while any is wrong), then writes them all at once with ConfigStore.set_staff on a
worker thread (the UI thread never waits on disk), then tells the app, which applies the new
configuration at the next attract screen, when the panel has closed.

The panel reads the configuration and the terminal's status on worker threads too: it opens
at once, saying "Reading...", and fills in when they arrive.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from kivy.clock import Clock
from kivy.metrics import dp
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.widget import Widget

from kiosk.app.screens.base import KioskScreen
from kiosk.app.staff import fields, name_in, sfmt, st, stn, texts
from kiosk.app.widgets.dialogs import Dialog
from kiosk.app.widgets.layout import Panel
from kiosk.app.widgets.text import KButton, KLabel
from kiosk.core import config, languages

SECTIONS = ("status", "languages", "items", "centre", "notice", "session", "pin")
SETTINGS_SECTIONS = ("languages", "items", "centre", "notice", "session")


def section_names() -> dict[str, str]:
    return {"status": st("Status and actions"), "languages": st("Languages"),
            "items": st("Services and tutorials"), "centre": st("Centre information"),
            "notice": st("Notice"), "session": st("Session"), "pin": st("Staff PIN")}


def section_of(key: str) -> str:
    base = config.field_for(key.split("[")[0])[0].key
    return {"languages": "languages", "services": "items", "tutorials": "items",
            "centre": "centre", "notice": "notice", "session": "session", "typing": "session",
            "staff": "pin"}[base.split(".")[0]]


@dataclass
class StaffState:
    """What the panel knows and what staff changed, kept across rebuilds of the screen."""
    resolved: dict[str, config.Effective] | None = None
    problems: list[str] = field(default_factory=list)
    draft: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    status: dict | None = None
    status_reads: int = 0  # how many times the status was read (tests wait on it)
    hub: str | None = None
    hub_checking: bool = False
    results: dict[str, str] = field(default_factory=dict)
    results_at: dict[str, int] = field(default_factory=dict)  # status_reads at each result
    writing: str = "en"  # the language centre information and the notice are written in
    message: str = ""
    saving: bool = False

    def eff(self, key: str) -> config.Effective:
        if self.resolved is None or key not in self.resolved:
            return config.Effective(config.default(key), "default")
        return self.resolved[key]

    def value(self, key: str) -> Any:
        return self.draft[key] if key in self.draft else self.eff(key).value

    def change(self, key: str, value: Any) -> None:
        if isinstance(value, list):
            value = tuple(value)
        self.errors.pop(key, None)
        self.message = ""
        eff = self.eff(key)
        if (value == eff.value and not eff.stale) or (value in ("", None) and
                                                      eff.value in ("", None)):
            # (an out-of-date translation kept as it is: saved again, it is still right)
            self.draft.pop(key, None)
        else:
            self.draft[key] = value

    def check(self) -> dict[str, str]:
        """Every change checked with core/config.py's rules: {key: message}, empty when all
        can be saved."""
        errors: dict[str, str] = {}
        merged = {k: e.value for k, e in (self.resolved or {}).items()}
        for key, value in self.draft.items():
            try:
                merged[key] = config.check(key, value)
            except config.ConfigError as e:
                errors[key] = texts.problem(e)
            if self.eff(key).locked_at is not None:
                errors[key] = st("This setting is locked by your hub admin.")
        # The rules between settings too, on the values that are right: every problem is
        # listed at once.
        for e in config.check_together(merged):
            errors.setdefault(e.key, texts.problem(e))
        return errors


class ChoiceDialog(Dialog):
    """A heading, a grid of choices (the chosen one marked; a tap closes the dialog and
    passes its key on) and Cancel: what the language and council dialogs share."""

    def __init__(self, heading: str, choices: list[tuple[str, KButton]], chosen: str,
                 on_choose, cols: int, spacing: float, **kwargs):
        super().__init__(**kwargs)
        self.add(KLabel(text=heading, role="heading", bold=True, size_hint_y=None))
        grid = GridLayout(cols=cols, spacing=spacing, size_hint_y=None)
        grid.bind(minimum_height=grid.setter("height"))
        self.choices = {}
        for key, b in choices:
            b.selected = key == chosen
            b.bind(on_release=lambda _b, k=key: (self.dismiss(animation=False),
                                                 on_choose(k)))
            self.choices[key] = b
            grid.add_widget(b)
        self.add(grid)
        close = self.add(KButton(text=st("Cancel"), kind="secondary"))
        close.bind(on_release=lambda *_: self.dismiss(animation=False))


class LanguageDialog(ChoiceDialog):
    """Choose a language from a list in large type, each named in its own language."""

    def __init__(self, title: str, codes: list[str], chosen: str, on_choose, **kwargs):
        kwargs.setdefault("size_hint", (0.8, None))
        buttons = [(code, KButton(text=languages.get(code).native_name, text_lang=code,
                                  kind="choice", min_height=dp(64))) for code in codes]
        super().__init__(title, buttons, chosen, on_choose, cols=4 if len(codes) > 8 else 2,
                         spacing=dp(10), **kwargs)


class CouncilDialog(ChoiceDialog):
    """Choose the centre's council from London's 33, by name (its code beside it)."""

    def __init__(self, chosen: str, on_choose, **kwargs):
        from kiosk.core import councils

        kwargs.setdefault("size_hint", (0.94, None))
        buttons = [(code, KButton(text=name, text_lang="en", kind="choice", min_height=dp(52),
                                  role="small"))
                   for code, name in sorted(councils.LONDON.items(), key=lambda kv: kv[1])]
        super().__init__(st("Choose the centre's council"), buttons, chosen, on_choose,
                         cols=4, spacing=dp(8), **kwargs)


class StaffPanel(KioskScreen):
    has_toolbar = False

    def build(self):
        app = self.app
        self.state: StaffState = self.params.get("state") or StaffState()
        self.section = self.params.get("section", "status")
        self._header()
        self._nav()
        names = section_names()
        self.heading = self.label(names[self.section], role="title", bold=True)
        self.summary_box = self.add(BoxLayout(orientation="vertical", size_hint_y=None,
                                              spacing=dp(10), height=0))
        self.summary_box.bind(minimum_height=self.summary_box.setter("height"))
        self.body = self.add(BoxLayout(orientation="vertical", size_hint_y=None,
                                       spacing=dp(18), height=0))
        self.body.bind(minimum_height=self.body.setter("height"))
        self.rows: dict[str, fields.FieldRow] = {}
        self.status = None
        if self.section in SETTINGS_SECTIONS:
            self.save_button = KButton(text=st("Save changes"), kind="primary")
            self.save_button.bind(on_release=lambda *_: self.save())
            self.discard_button = KButton(text=st("Discard changes"), kind="secondary")
            self.discard_button.bind(on_release=lambda *_: self.discard())
            self.footer_buttons(self.save_button, self.discard_button)
        self.render()
        if self.state.resolved is None:
            self.load_config()
        if self.section == "status":
            self.reload_status()
        app.last_activity = app.services.clock()

    # ----- the frame: header and sections ------------------------------------------------
    def _header(self) -> None:
        app = self.app
        outer = self.scroll.parent.parent
        header = Panel(orientation="vertical", bg_name="panel", edge_name="panel",
                       padding=[dp(32), dp(12)], spacing=dp(8))
        title = KLabel(text=st("Staff panel"), role="heading", bold=True, size_hint_y=None)
        where = KLabel(text=sfmt("Terminal {kiosk} at {centre}", kiosk=app.settings.kiosk_id,
                                 centre=app.centre_id), role="small",
                       colour_name="secondary_text", size_hint_y=None)
        words = BoxLayout(orientation="vertical", size_hint_y=None, height=0)
        words.add_widget(title)
        words.add_widget(where)
        words.bind(minimum_height=words.setter("height"))
        self.language_button = fields.button(
            sfmt("Language: {language}", language=lambda lang: name_in(app.lang, lang)),
            self.choose_language, width=dp(260))
        self.contrast_button = fields.button(self._contrast_words(), self.toggle_contrast,
                                             width=dp(220))
        self.close_button = fields.button(st("Close the panel"), self.close, kind="button",
                                          width=dp(240))
        header.add_widget(fields.line(words, self.language_button, self.contrast_button,
                                      self.close_button, spacing=dp(16)))
        self.maintenance_banner = None
        if app.staff is not None and app.staff.in_maintenance:
            banner = Panel(bg_name="focus", edge_name="text", padding=[dp(20), dp(10)])
            self.maintenance_words = KLabel(bold=True, colour_name="focus_text",
                                            size_hint_y=None)
            self.back_to_kiosk = fields.button(st("Back to kiosk mode now"), self.close,
                                               kind="button", width=dp(320))
            banner.add_widget(fields.line(self.maintenance_words, self.back_to_kiosk))
            header.add_widget(banner)
            self.maintenance_banner = banner
            self.tick()
        outer.add_widget(header, index=len(outer.children))

    def _contrast_words(self) -> str:
        return st("Contrast: on") if self.app.high_contrast else st("Contrast: off")

    def _nav(self) -> None:
        rtl = self.app.rtl
        share = 0.25
        self.scroll.size_hint_x = 1 - share
        self.scroll.pos_hint = {"x": 0, "y": 0} if rtl else {"right": 1, "y": 0}
        nav = Panel(bg_name="panel", edge_name="panel", size_hint=(share, 1),
                    pos_hint={"right": 1, "top": 1} if rtl else {"x": 0, "top": 1},
                    padding=[dp(16), dp(20)], spacing=dp(10))
        nav.size_hint_y = 1
        self.nav_buttons = {}
        for name, text in section_names().items():
            b = KButton(text=text, kind="choice", min_height=dp(64), align="start",
                        pad=[dp(16), dp(8)])
            b.selected = name == self.section
            b.bind(on_release=lambda _b, n=name: self.show_section(n))
            self.nav_buttons[name] = b
            nav.add_widget(b)
        nav.add_widget(Widget())
        self.scroll.parent.add_widget(nav)
        self.nav = nav

    # ----- sections --------------------------------------------------------------------
    def render(self) -> None:
        """(Re)build the section's body from the state."""
        self.body.clear_widgets()
        self.rows = {}
        self._summary()
        section = self.section
        if section == "status":
            from kiosk.app.staff.status import StatusSection

            self.status = StatusSection(self, self.body)
            self.status.build()
            return
        if section == "pin":
            self._pin()
            return
        if self.state.resolved is None:
            self.body.add_widget(KLabel(text=st("Reading the settings..."), size_hint_y=None))
            return
        getattr(self, f"_{section}")()
        self.draft_changed()

    def _summary(self) -> None:
        """The result of the last save, or the problems that stopped it (GOV.UK's error
        summary: each problem a link to its setting)."""
        box = self.summary_box
        box.clear_widgets()
        state = self.state
        if state.errors:
            summary = Panel(bg_name="background", edge_name="error", padding=[dp(24), dp(16)],
                            spacing=dp(8))
            summary.edge_width = dp(5)
            summary.add_widget(KLabel(text=st("There is a problem"), role="heading",
                                      bold=True, size_hint_y=None))
            summary.add_widget(KLabel(text=st("Nothing was saved. Correct these, then save "
                                              "again:"), size_hint_y=None))
            self.error_links = {}
            for key, message in state.errors.items():
                name = texts.label(key.split("[")[0])
                link = KButton(text=f"{name}: {message}", kind="link", align="start",
                               min_height=dp(48), pad=[0, dp(6)])
                link.color = link.disabled_color = self.app.theme.error
                link.bind(on_release=lambda _l, k=key: self.show_section(section_of(k)))
                self.error_links[key] = link
                summary.add_widget(link)
            box.add_widget(summary)
        elif state.message:
            done = Panel(bg_name="success", edge_name="success", padding=[dp(24), dp(14)])
            done.add_widget(KLabel(text=state.message, bold=True, colour_name="success_text",
                                   size_hint_y=None))
            box.add_widget(done)

    def _add_row(self, row: fields.FieldRow) -> fields.FieldRow:
        self.rows[row.key] = row
        self.body.add_widget(row)
        return row

    def _languages(self) -> None:
        self._add_row(fields.LanguagesRow(self))

    def _items(self) -> None:
        self.body.add_widget(KLabel(text=st("Service guides"), role="heading", bold=True,
                                    size_hint_y=None))
        self._add_row(fields.ItemsRow(self, "services"))
        self.body.add_widget(KLabel(text=st("Tutorials"), role="heading", bold=True,
                                    size_hint_y=None))
        self._add_row(fields.ItemsRow(self, "tutorials"))

    def _writing_choice(self) -> None:
        lang = self.state.writing
        offered = [c for c in self.state.value("languages.offered") if c != "en"]
        if lang != "en" and lang not in offered:
            lang = self.state.writing = "en"
        words = KLabel(text=sfmt("Writing in: {language}",
                                 language=lambda shown: name_in(lang, shown)),
                       role="lead", bold=True, size_hint_y=None)
        self.writing_button = fields.button(st("Write in another language"),
                                            self.choose_writing, width=dp(380),
                                            disabled=not offered)
        self.body.add_widget(fields.line(words, self.writing_button))
        self.body.add_widget(fields.small(st("Write everything in English first. A text not "
                                             "written in a citizen's language shows in "
                                             "English, and says so.")))

    def _centre(self) -> None:
        self._writing_choice()
        for key in ("centre.name", "centre.greeting", "centre.hours", "centre.address",
                    "centre.help", "centre.phones", "centre.accessibility"):
            self._add_row(fields.TextRow(self, key, self.state.writing))
        self._add_row(fields.LinksRow(self, "centre.links", self.state.writing))
        self._add_row(fields.CouncilRow(self, "centre.council"))

    def _notice(self) -> None:
        self._writing_choice()
        self._add_row(fields.TextRow(self, "notice.text", self.state.writing))
        self._add_row(fields.DateRow(self, "notice.start"))
        self._add_row(fields.DateRow(self, "notice.end"))

    def _session(self) -> None:
        self._add_row(fields.StepperRow(self, "session.idle_timeout", step=10))
        self._add_row(fields.StepperRow(self, "session.idle_warning", step=5))
        self._add_row(fields.SwitchRow(self, "session.read_aloud"))
        self._add_row(fields.SwitchRow(self, "typing.inscript"))

    def _pin(self) -> None:
        self.body.add_widget(KLabel(text=st("The PIN opens this panel. Changing it needs the "
                                            "current PIN. It can also be set for the whole "
                                            "centre on the hub; the later change wins."),
                                    size_hint_y=None))
        locked = self.state.eff("staff.pin_hash").locked_at is not None
        self.change_pin = fields.button(st("Change the PIN"), self.open_change_pin,
                                        kind="button", width=dp(320), disabled=locked)
        self.body.add_widget(fields.line(self.change_pin, Widget()))
        if locked:
            self.body.add_widget(fields.small(texts.source(self.state.eff("staff.pin_hash"))))

    def draft_changed(self) -> None:
        """After any change: the footer says how many changes wait to be saved."""
        n = len(self.state.draft)
        if hasattr(self, "save_button"):
            self.save_button.text = stn("Save {n} change", "Save {n} changes", n) if n else \
                st("Save changes")
            self.save_button.disabled = n == 0 or self.state.saving
            self.discard_button.disabled = n == 0 or self.state.saving

    # ----- navigation ------------------------------------------------------------------
    def show_section(self, name: str) -> None:
        self.app.go("staff", remember=False, section=name, state=self.state)

    def rebuild_keeping_state(self) -> None:
        self.show_section(self.section)

    def is_current(self) -> bool:
        return self.app.current is self

    def close(self) -> None:
        self.app.staff.close_panel()

    def choose_language(self) -> None:
        codes = [c for c, lang in languages.LANGUAGES.items() if lang.ui_ready]
        self.app.open_modal(LanguageDialog(st("Language of the panel"), codes, self.app.lang,
                                           self.app.switch_language))

    def choose_writing(self) -> None:
        offered = ["en"] + [c for c in self.state.value("languages.offered") if c != "en"]

        def chosen(code):
            self.state.writing = code
            self.rebuild_keeping_state()

        self.app.open_modal(LanguageDialog(st("Write the centre's texts in"), offered,
                                           self.state.writing, chosen))

    def toggle_contrast(self) -> None:
        self.app.toggle_contrast()
        self.contrast_button.text = self._contrast_words()

    def open_change_pin(self) -> None:
        from kiosk.app.staff.pinpad import PinPad

        pad = PinPad("change")

        def changed(*_):
            pad.dismiss(animation=False)
            self.state.message = st("The PIN was changed.")
            self._summary()

        pad.bind(on_success=changed)
        self.app.open_modal(pad)

    # ----- worker threads --------------------------------------------------------------
    def work(self, fn, done) -> None:
        """fn() on a worker thread; done(result, error) back on the UI thread."""
        def run():
            try:
                result, error = fn(), None
            except Exception as e:  # noqa: BLE001 (shown to staff)
                result, error = None, e
            Clock.schedule_once(lambda dt: done(result, error))

        threading.Thread(target=run, daemon=True, name="staff-panel").start()

    def load_config(self) -> None:
        store = self.app.services.config_store
        state = self.state

        def read():
            if store is None:
                return config.resolve([]), []
            loaded = store.load()
            return store.resolved(loaded), loaded.problems

        def done(result, error):
            if error is not None:
                state.resolved, state.problems = config.resolve([]), [str(error)]
            else:
                state.resolved, state.problems = result
            if self.is_current() and self.section != "status":
                self.render()

        self.work(read, done)

    def reload_status(self) -> None:
        from kiosk.app.staff import status

        app = self.app
        state = self.state

        def done(result, error):
            if error is not None:
                state.results["status"] = str(error)
                return
            state.status = result
            state.status_reads += 1
            if self.is_current() and self.section == "status":
                self.render()
            enrolled = result["enrolled"] and not result.get("demo")
            if enrolled and not state.hub_checking:
                state.hub_checking = True
                self.work(lambda: status.check_hub(app), hub_done)

        def hub_done(result, error):
            state.hub_checking = False
            state.hub = result if error is None else f"unreachable: {error}"
            if self.is_current() and self.section == "status" and self.status is not None:
                self.status.update_hub()

        self.work(lambda: status.gather(app), done)

    # ----- saving ----------------------------------------------------------------------
    def save(self) -> None:
        state = self.state
        if not state.draft or state.saving:
            return
        state.errors = state.check()
        if state.errors:
            state.message = ""
            self.render()
            self.scroll.scroll_y = 1
            return
        store = self.app.services.config_store
        changes = dict(state.draft)
        state.saving = True
        self.save_button.text = st("Saving...")
        self.draft_changed()

        def write():
            store.set_staff(changes)
            loaded = store.load()
            return store.resolved(loaded), loaded.problems

        def done(result, error):
            state.saving = False
            if isinstance(error, config.ConfigError):
                state.errors = {error.key: texts.problem(error)}
            elif error is not None:
                state.errors = {next(iter(changes)): st("Could not be saved:") + f" {error}"}
            else:
                state.resolved, state.problems = result
                state.draft.clear()
                state.errors = {}
                state.message = st("Saved. Citizens see the changes from the next visit, "
                                   "after this panel closes.")
                self.app.config_changed()
            if self.is_current():
                self.render()
                self.scroll.scroll_y = 1

        self.work(write, done)

    def discard(self) -> None:
        self.state.draft.clear()
        self.state.errors = {}
        self.state.message = ""
        self.render()

    # ----- time ------------------------------------------------------------------------
    def tick(self) -> None:
        """From StaffMode.tick: the maintenance countdown."""
        staff = self.app.staff
        if self.maintenance_banner is None or staff is None:
            return
        left = int(staff.maintenance_left() + 0.999)
        num = self.app.num
        clock = f"{num(left // 60)}:{num((left % 60) // 10)}{num(left % 10)}"
        self.maintenance_words.text = sfmt("Maintenance mode: the window can be closed and "
                                           "every key works. Back to kiosk mode in {time}.",
                                           time=clock)

    def read_aloud_text(self) -> str:
        return ""
