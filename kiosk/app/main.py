"""KioskApp: the view-model of the terminal. It holds the session's state as Kivy
properties, gets its services injected, and owns navigation and the one reset path."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.lang import Builder
from kivy.metrics import dp
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import NoTransition, ScreenManager

from kiosk.app import textfix
from kiosk.app.collector import IdleCollector
from kiosk.core import i18n, languages, sites, theme
from kiosk.core.content import Catalogue
from kiosk.core.events import new_session_id
from kiosk.core.settings import Settings
from kiosk.services.browser import Browser
from kiosk.services.outbox import Outbox
from kiosk.services.speech import Speech

if TYPE_CHECKING:  # imported on first use, not at start-up
    from kiosk.app.widgets.keyboard import OnScreenKeyboard
    from kiosk.services.config_store import ConfigStore
    from kiosk.services.staff_access import StaffAccess
    from kiosk.services.syncer import Syncer

log = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent
TEXT_SCALES = (1.0, 1.5, 2.0)

# Keys that must not leave or change the kiosk, with or without modifiers: Esc, F1 (Kivy's
# settings), F4 (Alt+F4), F11 (fullscreen), the Super (Windows) keys as Kivy and SDL name
# them, and the Menu key.
SUPER_KEYS = {309, 1073742051, 1073742055}
BLOCKED_KEYS = {27, 282, 285, 292, 319, 1073741925} | SUPER_KEYS
# With Alt: Tab (switch windows), F4 (close), Esc and Space (window menus).
ALT_KEYS = {9, 285, 27, 32}
# With Ctrl: Q (quit) and W (close), whatever the keyboard layout gives as the character.
CTRL_KEYS = {ord("q"), ord("w")}
# Exit status of a kiosk that staff left for maintenance: the supervisor (config/
# kiosk-supervise, RestartPreventExitStatus in config/kiosk.service) does not restart it.
MAINTENANCE_EXIT = 3


def is_blocked_key(key: int, codepoint: str | None, modifiers) -> bool:
    """True for a key press that must do nothing (it is swallowed before Kivy sees it).
    What the app cannot see (Alt+Tab under a window manager, Ctrl+Alt+F1 to change virtual
    terminal, Ctrl+Alt+Backspace) is the session's to stop: see config/."""
    mods = set(modifiers or ())
    if key in BLOCKED_KEYS or "meta" in mods or "super" in mods:
        return True
    if "alt" in mods and key in ALT_KEYS:
        return True
    return "ctrl" in mods and (key in CTRL_KEYS or
                               bool(codepoint and codepoint.lower() in ("q", "w")))


class KivyTheme:
    """A theme's colours as Kivy rgba tuples, attribute by attribute."""

    def __init__(self, source: theme.Theme):
        self.name = source.name
        for name, value in vars(source).items():
            if name != "name":
                setattr(self, name, theme.rgba(value))


def clear_clipboard() -> None:
    """Nothing a citizen copied is there for the next one. Kivy's Clipboard.copy("") does
    nothing (it ignores empty text), so the provider is given empty text itself. SDL's
    clipboard only takes the selection (microseconds, no waiting); what the browser copied
    went with its process."""
    try:
        from kivy.core.clipboard import Clipboard

        Clipboard.put(b"", "text/plain")
    except Exception:
        log.debug("clipboard not cleared", exc_info=True)


@dataclass
class Services:
    """What the app uses from outside it, injected: tests pass fakes and a fake clock."""

    outbox: Outbox
    speech: Speech
    browser: Browser
    clock: Callable[[], float] = time.monotonic
    """Monotonic seconds (session length, idle timeout); never the wall clock."""
    today: Callable[[], date] = date.today
    """The local date (a notice's first and last day)."""
    config_store: ConfigStore | None = None
    """The terminal's configuration files (hub layers and staff changes); None: defaults."""
    staff_access: StaffAccess | None = None
    """The staff panel's PIN and its lock; None: the panel cannot be opened."""
    syncer: Syncer | None = None
    """The background sync with the hub; None in demo mode and when not enrolled."""


@dataclass
class Place:
    """One entry in the navigation history: a screen and what it shows."""

    screen: str
    params: dict = field(default_factory=dict)


@dataclass(eq=False)
class OfficialVisit:
    """An official service opened in a browser that covers the kiosk (below its bar)."""

    service_id: str
    url: str
    cover: object = None  # the BrowserCover on the window, when the browser covers the kiosk
    started: float | None = None  # the app's clock when the browser opened (None: not yet)


WARM_AFTER = 1.0  # seconds after the first frame: the offered languages' files are read


class KioskApp(App):
    title = "Connecting London"

    lang = StringProperty("en")
    """The interface language of the session, a code from `core.languages`."""

    rtl = BooleanProperty(False)
    """True when the session's language is written right to left (the layout is mirrored)."""

    text_scale = NumericProperty(1.0)
    """The citizen's text size, one of `TEXT_SCALES` (1.0 is 100 %)."""

    high_contrast = BooleanProperty(False)
    """True when the citizen has chosen high contrast (`theme` is then the contrast one)."""

    theme = ObjectProperty(None)
    """The colours in use, a `KivyTheme`; a new one is set on every change."""

    base_font = NumericProperty(22)
    """Body text size in pixels at 100 %, from the window's height."""

    session_id = StringProperty("")
    """The current session's id; empty on the attract screen, between sessions."""

    idle_warning_open = BooleanProperty(False)
    """True while the idle warning ("Do you need more time?") counts down."""

    speaking = BooleanProperty(False)
    """True while the current screen is being read aloud."""

    read_aloud_on = BooleanProperty(False)
    """True while each screen is read aloud as it opens: from the start of a session where
    the centre set read aloud on by default, until the citizen stops it; reset at the end
    of the session."""

    offer = ObjectProperty(None)
    """What this centre offers (core.offer.Offer): the content seen through the terminal's
    configuration. Replaced only at the attract screen (see config_changed)."""

    staff_open = BooleanProperty(False)
    """True while the staff panel is open: like a session, new configuration and content
    wait for it to close (kiosk.app.staff.access)."""

    def __init__(self, settings: Settings, catalogue: Catalogue, services: Services, **kwargs):
        textfix.install()
        self.settings = settings
        self.catalogue = catalogue
        self.services = services
        self.theme = KivyTheme(theme.STANDARD)
        super().__init__(**kwargs)
        self.history: list[Place] = []
        self.leaving = False  # True once the supervisor asked it to stop (SIGTERM, cli.py)
        self.restart_pending = False  # the hub asked for a restart: done when no one uses it
        self.exit_status = 0  # what `kiosk` exits with: MAINTENANCE_EXIT when closed in maintenance
        self.session_started = 0.0
        self.last_activity = 0.0
        self.idle_timeout = settings.idle_timeout
        self.idle_warning = settings.idle_warning
        self._idle_dialog = None
        self._modals: list = []
        self.first_frame_callbacks: list = []
        self.fallbacks = 0
        # New content, loaded off the UI thread, waiting for the session to end (None when
        # nothing waits): set by _content_ready, taken at the attract screen (_take_pending).
        self.pending_catalogue: Catalogue | None = None
        self._content_asked = 0  # content_installed calls so far: the last one wins
        # The app's one on-screen keyboard, reused (widgets.keyboard.keyboard_for): None until
        # a screen first needs it, and again when new content is switched to.
        self.shared_keyboard: OnScreenKeyboard | None = None
        # Text size, contrast and screen size changes restyle the window once, before the
        # next frame is drawn, however many of them come at once (see restyle_all).
        self._restyle_trigger = Clock.create_trigger(self.restyle_all, -1)
        # Full garbage collections wait for a quiet moment, not a tap's frame (collector.py).
        self.collector = IdleCollector()
        self.centre_id = services.outbox.centre  # the centre usage events name
        # The official service open in the browser (None when none is): see open_official.
        self.official: OfficialVisit | None = None
        self._browser_inputs: int | None = None
        # A new configuration, built off the UI thread, waiting for the session to end.
        self.pending_offer = None
        # config_changed() calls, counted: a slow read never replaces a newer one.
        self._offer_lock = threading.Lock()
        self._offer_asked = self._offer_built = 0
        # The staff panel's way in (made on the first gesture) and the gesture itself.
        self.staff = None
        self.gesture = None
        self._started = False  # True from the first frame on
        self.languages_warm = False  # see _warm_languages
        self._apply_offer(self._build_offer(catalogue))

    # ----- configuration ---------------------------------------------------------------
    def _build_offer(self, catalogue: Catalogue):
        """The Offer for `catalogue` under the terminal's configuration. Reads disk: at
        start-up (before the first frame) and on worker threads only."""
        from kiosk.core import config, offer

        store = self.services.config_store
        resolved = store.resolved() if store is not None else config.resolve([])
        return offer.build(catalogue, resolved)

    def _apply_offer(self, new) -> None:
        """Use `new` from now on: between sessions only (at start-up, on the attract screen,
        at the end of a session). The session's timings come from it where the centre set
        them, else from the terminal's settings; the attract screen is in its default
        language."""
        self.offer = new
        self.idle_timeout = new.idle_timeout or self.settings.idle_timeout
        self.idle_warning = new.idle_warning or self.settings.idle_warning
        self._set_language(new.default_language)
        if self._started:
            self._warm_languages()

    def _warm_languages(self, *_) -> None:
        """On a worker thread: what the first switch to each offered language would read
        from disk (its catalogue, its font files), so that a citizen's first language
        choice reads neither on the UI thread. A second after the first frame (and when a
        new configuration is applied), so the first frame does not share the CPU with it.
        `languages_warm` is True once done."""
        from kiosk.app import fonts

        codes = tuple(self.offer.languages)

        def work():
            try:
                i18n.warm(codes)
                fonts.warm_files(codes)
            except Exception:  # never worse than not warming: the first use loads it
                log.exception("warming the offered languages failed")
            self.languages_warm = True

        self.languages_warm = False
        threading.Thread(target=work, daemon=True, name="warm-languages").start()

    def config_changed(self) -> None:
        """The configuration changed on disk (the hub sent one, staff saved one): from any
        thread. It is read and built on a worker thread and applied at the attract screen,
        never in the middle of a citizen's session (nor while the staff panel is open)."""
        with self._offer_lock:
            self._offer_asked += 1
            asked = self._offer_asked

        def load():
            try:
                built = self._build_offer(self.pending_catalogue or self.catalogue)
            except Exception:  # a broken file must not stop citizens
                log.exception("new configuration not used")
                return
            Clock.schedule_once(lambda dt: self._offer_ready(built, asked))

        threading.Thread(target=load, daemon=True, name="config-load").start()

    def _offer_ready(self, built, asked: int = 0) -> None:
        if asked and asked < self._offer_built:
            return  # an older read that finished after a newer one
        self._offer_built = asked
        self.pending_offer = built
        if self.at_attract():
            self._switch_offer()

    def _switch_offer(self) -> None:
        """On the attract screen: show it again, under the new configuration."""
        params = self.history[-1].params if self.history else {}
        self.go("attract", remember=False, **params)  # _show takes what is pending

    def at_attract(self) -> bool:
        """No one is using the kiosk and the attract screen shows: where new content and a
        new configuration are switched to."""
        return not self.busy and bool(self.history) and self.history[-1].screen == "attract"

    def _take_pending(self) -> None:
        """Switch to new content and configuration that waited for the attract screen."""
        if self.pending_catalogue is not None:
            self.catalogue, self.pending_catalogue = self.pending_catalogue, None
            self.shared_keyboard = None
            if self.pending_offer is None:
                self.config_changed()  # the offer follows the new catalogue (its ids)
        if self.pending_offer is not None:
            new, self.pending_offer = self.pending_offer, None
            self._apply_offer(new)

    # ----- strings -------------------------------------------------------------------
    def tr(self, msgid: str, lang: str | None = None) -> str:
        return i18n.tr(msgid, lang or self.lang)

    def ntr(self, singular: str, plural: str, n: int) -> str:
        return i18n.ntr(singular, plural, n, self.lang)

    def fmt(self, msgid: str, **values) -> str:
        """A translated string with its numbers written the language's way (CLDR, Babel)."""
        return self.tr(msgid).format(**{k: self.num(v) if isinstance(v, int) else v
                                        for k, v in values.items()})

    def num(self, n: int) -> str:
        return i18n.number(n, self.lang)

    def text(self, t) -> tuple[str, str]:
        """A content text in the session's language: (text, language it is shown in).
        Texts that fall back to English are counted, so a screen can say so."""
        shown = t.lang_for(self.lang)
        if shown != self.lang:
            self.fallbacks += 1
        return t.get(self.lang), shown

    # ----- building ------------------------------------------------------------------
    def build(self):
        from kiosk.app.screens import SCREENS
        from kiosk.app.widgets.layout import Backdrop

        self.screen_classes = SCREENS
        kv = str(HERE / "kiosk.kv")
        if kv not in Builder.files:  # several apps in one process (tests, shots)
            Builder.load_file(kv)
        self._size_text()
        Window.bind(size=self._size_text)
        self.root_box = Backdrop()
        frame = BoxLayout(orientation="vertical")
        self.toolbar_slot = BoxLayout(size_hint_y=None, height=0)
        self.toolbar = None
        self.manager = ScreenManager(transition=NoTransition())
        frame.add_widget(self.toolbar_slot)
        frame.add_widget(self.manager)
        self.root_box.add_widget(frame)
        for prop in ("theme", "text_scale", "base_font"):
            self.fbind(prop, self._restyle_trigger)
        self.go("attract", remember=False)
        Clock.schedule_interval(self.tick_idle, 0.5)
        self.collector.start()
        Clock.schedule_interval(self.collector.tick, 0.5)
        return self.root_box

    def on_start(self):
        from kiosk.app.staff.gesture import CornerGesture

        # The staff gesture is watched on the window, on every screen. Bound before the
        # activity watch, which therefore sees every touch first (bound last, called first).
        self.gesture = CornerGesture(Window, self.services.clock, self.staff_gesture)
        self.gesture.bind()
        # Bound here, not in build(): only then does it run before Kivy's own F1/Esc handling.
        Window.bind(on_key_down=self._on_key_down, on_request_close=self._on_request_close)
        Window.bind(on_touch_down=self._on_activity, on_key_up=self._on_activity)
        Clock.schedule_once(self._first_frame, 0)

    def _first_frame(self, *_):
        self._started = True
        Clock.schedule_once(self._warm_languages, WARM_AFTER)
        for callback in self.first_frame_callbacks:
            callback()

    def open_settings(self, *args):  # F1 and the settings panel must never open
        return False

    def on_stop(self):
        # The window outlives the app (tests, shots, benchmarks run several in turn): an
        # app that stopped must not go on swallowing keys or watching touches.
        if self.gesture is not None:
            self.gesture.unbind()
        Window.unbind(on_key_down=self._on_key_down, on_request_close=self._on_request_close,
                      on_touch_down=self._on_activity, on_key_up=self._on_activity)
        self.services.speech.stop()
        self._restyle_trigger.cancel()  # not onto the window of an app that comes after
        Clock.unschedule(self.collector.tick)
        self.collector.stop()

    def _size_text(self, *_):
        # Body text about 2.8 % of the screen's height (GOV.UK-like large type), never tiny.
        self.base_font = max(dp(18), Window.height * 0.028)

    def _on_key_down(self, window, key, scancode, codepoint, modifiers):
        self._on_activity()
        if self.in_maintenance:
            return False  # staff left kiosk mode: every key works
        return is_blocked_key(key, codepoint, modifiers)

    def _on_request_close(self, *args, **kwargs):
        # The kiosk cannot be closed by Alt+F4, the window manager or Esc, except in
        # maintenance mode (staff left kiosk mode from the staff panel): it then exits with
        # MAINTENANCE_EXIT, so the supervisor opens a maintenance terminal rather than
        # starting it again at once. (`leaving`: a SIGTERM from the supervisor, cli.py.)
        if self.in_maintenance:
            self.exit_status = MAINTENANCE_EXIT
            return False
        return not self.leaving

    # ----- the hub's heartbeat and remote actions (services/heartbeat.py) ---------------
    def heartbeat_status(self) -> dict:
        """What the app says in the heartbeat; called on the syncer's thread, it only reads
        one attribute (the last session's hour comes from the outbox)."""
        return {"maintenance": self.in_maintenance}

    def remote_action(self, action: dict) -> str:
        """An action an admin queued on the hub, from the syncer's thread: handed to the UI
        thread, never done in the middle of a citizen's session. A restart stops the app
        with RESTART_EXIT_CODE (the supervisor starts it again) once no one is using it;
        leaving maintenance mode ends it and closes the staff panel through end_session."""
        from kiosk.core.protocol import LEAVE_MAINTENANCE, RESTART

        kind = action.get("kind")
        if kind == RESTART:
            Clock.schedule_once(lambda dt: self._restart_when_free())
            return "restarting when no one is using the terminal"
        if kind == LEAVE_MAINTENANCE:
            if not self.in_maintenance:
                return "was not in maintenance mode"
            Clock.schedule_once(lambda dt: self._leave_maintenance())
            return "back to kiosk mode"
        raise ValueError(f"unknown action {kind!r}")

    def _restart_when_free(self) -> None:
        from kiosk.services.heartbeat import RESTART_EXIT_CODE

        self.restart_pending = True
        if not self.busy:
            self.exit_status = RESTART_EXIT_CODE
            self.stop()

    def _leave_maintenance(self) -> None:
        if self.staff is None:
            return
        if self.staff_open:
            self.end_session("staff")  # closes the panel, and maintenance with it
        else:
            self.staff.end_maintenance()

    # ----- the staff panel (kiosk.app.staff) -------------------------------------------
    @property
    def busy(self) -> bool:
        """Someone is using the terminal: a citizen's session, or staff in the panel."""
        return bool(self.session_id) or self.staff_open

    @property
    def in_maintenance(self) -> bool:
        return self.staff is not None and self.staff.in_maintenance

    def staff_gesture(self) -> None:
        """The corner gesture was made (kiosk.app.staff.gesture): ask for the staff PIN."""
        if self.staff is None:
            from kiosk.app.staff.access import StaffMode

            self.staff = StaffMode(self)
        self.staff.gesture()

    # ----- navigation ----------------------------------------------------------------
    @property
    def current(self):
        return self.manager.current_screen

    def go(self, name: str, remember: bool = True, **params) -> None:
        place = Place(name, params)
        if remember:
            self.history.append(place)
        else:
            self.history = [place]
        self._show(place)

    def _show(self, place: Place) -> None:
        if place.screen == "attract" and not self.busy:
            self._take_pending()
        cls = self.screen_classes[place.screen]
        screen = cls(name=f"{place.screen}-{len(self.history)}-{time.monotonic_ns()}",
                     params=place.params)
        self._place_toolbar(cls.has_toolbar)
        old = self.manager.current_screen
        self.manager.add_widget(screen)
        self.manager.current = screen.name
        if old is not None:
            self.manager.remove_widget(old)
        self.collector.busy()
        self.services.speech.stop()
        self.speaking = False
        if self.session_id:
            self.record("screen_view", content_id=place.screen.replace("_", "-"))
            if self.read_aloud_on:  # once the screen's first frame is built
                Clock.schedule_once(lambda dt, s=screen: self._read_on_arrival(s), 0)

    def _read_on_arrival(self, screen) -> None:
        if self.read_aloud_on and self.session_id and self.current is screen and \
                not self.speaking and self.services.speech.can_speak(self.lang):
            self.services.speech.say(screen.read_aloud_text(), self.lang)
            self.speaking = True

    def _place_toolbar(self, show: bool) -> None:
        from kiosk.app.widgets.toolbar import Toolbar

        if not show:
            self.toolbar_slot.clear_widgets()
            self.toolbar_slot.height = 0
            return
        if self.toolbar is not None and self.toolbar.lang != self.lang and \
                not self.toolbar.relabel():
            self.toolbar = None
        if self.toolbar is None:
            self.toolbar = Toolbar()
            self.toolbar.bind(height=self._toolbar_height)
        if self.toolbar.parent is None:
            self.toolbar_slot.clear_widgets()
            self.toolbar_slot.add_widget(self.toolbar)
        self._toolbar_height()
        self.toolbar.show_back(len(self.history) > 1)

    def _toolbar_height(self, *_):
        if self.toolbar is not None and self.toolbar.parent is not None:
            self.toolbar_slot.height = self.toolbar.height

    def restyle_all(self, *_):
        """Text size, contrast or screen size changed: every widget on the window restyles
        itself once (widgets do not each bind to the app: screens come and go).

        Changes call it through `_restyle_trigger`, so a burst (the end of a session resets
        theme and text size together) costs one walk, run before the next frame is drawn:
        anything that advances a frame (a tap in the Harness, a screenshot) sees it done."""
        from kiosk.app.widgets.paint import restyle_tree

        for w in Window.children:
            restyle_tree(w)
        if self.toolbar is not None and self.toolbar.parent is None:
            restyle_tree(self.toolbar)

    def back(self) -> None:
        if len(self.history) > 1:
            self.history.pop()
            self._show(self.history[-1])

    def home(self) -> None:
        self.history = [p for p in self.history[:1] if p.screen == "language"]
        self.go("home")

    def rebuild(self) -> None:
        """Show the current screen again (after a language change)."""
        if self.history:
            self._show(self.history[-1])

    # ----- session -------------------------------------------------------------------
    def start_session(self) -> None:
        self.session_id = new_session_id()
        self.session_started = self.services.clock()
        self.last_activity = self.session_started
        self._set_language(self.offer.default_language)
        self.read_aloud_on = self.offer.read_aloud
        self.record("session_start")
        self.go("language", remember=False)

    def choose_language(self, code: str) -> None:
        """From the language screen: the first choice goes home; a change later in the
        session goes back to the screen the citizen was on, now in their language."""
        self.record("language_chosen", language=code)
        if len(self.history) > 1 and self.history[-1].screen == "language":
            self.history.pop()
            self.switch_language(code)
        elif self.history and self.history[-1].screen == "language":
            self._set_language(code)
            self.go("home")
        else:
            self.switch_language(code)

    def _set_language(self, code: str) -> None:
        lang = languages.get(code)
        self.lang = code
        self.rtl = lang.rtl

    def open_languages(self) -> None:
        """The Language button: the language screen, once (not again from itself)."""
        if not self.history or self.history[-1].screen != "language":
            self.go("language")

    def switch_language(self, code: str) -> None:
        """Live: the current screen is rebuilt in the new language, nothing restarts."""
        self._set_language(code)
        self.rebuild()

    def end_session(self, outcome: str) -> None:
        """The one reset path: finish, start again, timeout and the staff panel (before it
        opens and when it closes) all come here."""
        used = self.lang  # the thank-you on the attract screen is in the citizen's language
        if self.official is not None:
            self.close_official("session_end")
        if self.staff is not None:
            self.staff.reset()  # the panel closed, back to kiosk mode
        if self.session_id:
            duration = int((self.services.clock() - self.session_started) * 1000)
            self.record("session_end", outcome=outcome, duration_ms=max(0, duration))
        self.services.speech.stop()
        self.services.browser.close()
        clear_clipboard()
        for modal in list(self._modals):
            modal.dismiss(animation=False)
        self._modals.clear()
        self._idle_dialog = None
        self.idle_warning_open = False
        self.session_id = ""
        self.text_scale = 1.0
        self.high_contrast = False
        self.speaking = False
        self.read_aloud_on = False
        self.theme = KivyTheme(theme.STANDARD)
        # New content and configuration that waited for this session are switched to as
        # the attract screen is shown (_show); either way, the next citizen starts from the
        # centre's default language.
        self._set_language(self.offer.default_language)
        self.go("attract", remember=False, cleared=outcome in ("finished", "start_again",
                                                               "timeout"), lang=used)
        if self.restart_pending:  # the hub's restart waited for this session to end
            Clock.schedule_once(lambda dt: self._restart_when_free())

    def ask_end_session(self, outcome: str) -> None:
        """*Finish and clear* and *I have finished*: ask first, so one tap cannot wipe a visit.
        Only *Clear and start again* ends it, through end_session; *Go back* changes nothing.
        (The idle timeout has its own warning and does not come here.)"""
        from kiosk.app.widgets.dialogs import ConfirmEndDialog

        dialog = ConfirmEndDialog()
        dialog.bind(on_confirm=lambda *_: self.end_session(outcome))
        self.open_modal(dialog)

    # ----- new content, between sessions ---------------------------------------------
    def content_installed(self, folder: str) -> None:
        """A new content version is installed (called from the syncer's thread, or the staff
        panel's after a rollback): it is loaded off the UI thread, with the centre's offer
        over it, and switched to when no one is using the kiosk. Of two installed in quick
        succession, the later one wins, whichever finishes loading first."""
        self._content_asked = asked = self._content_asked + 1

        def load():
            from kiosk.core import content

            try:
                catalogue = content.load(folder)
            except content.ContentError as e:  # signed but unusable: keep what we have
                log.error("new content in %s not used: %s", folder, e)
                return
            for note in catalogue.notes:
                log.warning("new content in %s: %s", folder, note)
            try:
                built = self._build_offer(catalogue)
            except Exception:  # built again once switched (config_changed)
                log.exception("configuration over the new content")
                built = None
            Clock.schedule_once(lambda dt: self._content_ready(catalogue, built, asked))

        threading.Thread(target=load, daemon=True, name="content-load").start()

    def _content_ready(self, catalogue: Catalogue, built=None,
                       asked: int | None = None) -> None:
        if asked is not None and asked != self._content_asked:
            return  # a later version was installed meanwhile
        self.pending_catalogue = catalogue
        if built is not None:  # the offer over this content, to switch to with it
            self.pending_offer = built
        if self.at_attract():  # no one is using the kiosk: switch now
            self._switch_offer()

    def record(self, type: str, **fields) -> None:
        """Queue a usage event for this session (never anything typed)."""
        if not self.session_id:
            return
        fields.setdefault("language", self.lang)
        try:
            self.services.outbox.record(self.session_id, type, **fields)
        except ValueError:
            log.exception("event %s not recorded", type)

    # ----- accessibility -------------------------------------------------------------
    def cycle_text_size(self) -> None:
        i = TEXT_SCALES.index(self.text_scale) if self.text_scale in TEXT_SCALES else 0
        self.text_scale = TEXT_SCALES[(i + 1) % len(TEXT_SCALES)]
        self.record("a11y_toggle", content_id="text_size",
                    outcome=f"{int(self.text_scale * 100)}")

    def toggle_contrast(self) -> None:
        self.high_contrast = not self.high_contrast
        self.theme = KivyTheme(theme.HIGH_CONTRAST if self.high_contrast else theme.STANDARD)
        self.record("a11y_toggle", content_id="contrast",
                    outcome="on" if self.high_contrast else "off")

    def toggle_read_aloud(self) -> None:
        speech = self.services.speech
        if self.speaking:
            speech.stop()
            self.speaking = False
            self.read_aloud_on = False  # not on the next screen either
            self.record("a11y_toggle", content_id="read_aloud", outcome="off")
            return
        if not speech.can_speak(self.lang):
            self.show_message(self.tr("Read aloud"), self.fmt(
                "Read aloud is not available in {language} yet.",
                language=languages.get(self.lang).native_name))
            self.record("a11y_toggle", content_id="read_aloud", outcome="unavailable")
            return
        # What the citizen is looking at: the open dialog, not the screen behind it.
        shown = self._modals[-1] if self._modals else self.current
        speech.say(shown.read_aloud_text(), self.lang)
        self.speaking = True
        self.record("a11y_toggle", content_id="read_aloud", outcome="on")

    # ----- official service and phone hand-off -----------------------------------------
    def official_sites(self, service_id: str, url: str) -> tuple[str, ...]:
        """The sites the browser may load for this service: its own (from its content), the
        terminal's common list, the council's site where the guide has a council step (the
        centre's council; all London's when none is set), and the address asked for."""
        from kiosk.core import councils

        common = sites.parse_list(self.settings.browser_allow)
        service = self.catalogue.services.get(service_id)
        allowed = sites.for_service(service, common) if service is not None else common
        council = self.offer.council if self.offer is not None else ""
        extra = councils.sites_for(self.catalogue.councils, council, service)
        return sites.for_urls([url], tuple(allowed) + extra)

    def official_reachable(self, url: str, on_change: Callable[[bool], None]) -> bool | None:
        """Whether the official site can be reached, as far as is known now (None: not
        known); a background check may follow, and `on_change(ok)` then runs on the UI
        thread. Never waits."""
        def arrived(ok: bool) -> None:
            Clock.schedule_once(lambda dt: on_change(ok))

        try:
            return self.services.browser.reachable(url, arrived)
        except Exception:  # no check: the button stays as it is
            log.exception("reachability check failed for %s", url)
            return None

    def open_official(self, service_id: str, url: str) -> None:
        """Hand the official address to the browser, off the UI thread. A browser that
        covers the kiosk goes below the kiosk's bar (*Back to the kiosk*); it may load
        only the service's sites. When the site is known to be unreachable, the citizen is
        told so, with the other ways to apply and the phone hand-off."""
        if self.official is not None:
            return  # one at a time (a second tap while it opens)
        browser = self.services.browser
        if self.official_reachable(url, lambda ok: None) is False:
            self.record("official_link_opened", content_id=service_id, outcome="offline")
            self.show_offline(service_id, url)
            return
        visit = OfficialVisit(service_id, url)
        area = None
        if browser.shows_window:
            from kiosk.app.widgets.browserbar import BrowserCover

            self.services.speech.stop()
            self.speaking = False
            service = self.catalogue.services.get(service_id)
            title, title_lang = self.text(service.title) if service else (url, "en")
            visit.cover = BrowserCover(title, title_lang)
            visit.cover.back.bind(on_release=lambda *_: self.close_official("back"))
            Window.add_widget(visit.cover)
            self.official = visit
            bar = round(visit.cover.bar_height)
            left, top = (int(v) for v in self._window_pos())
            width, height = (int(v) for v in Window.size)
            area = (left, top + bar, width, max(1, height - bar))
        allowed, lang = self.official_sites(service_id, url), self.lang

        def work():
            try:
                outcome = browser.open(url, sites=allowed, area=area, lang=lang,
                                       on_exit=lambda reason: Clock.schedule_once(
                                           lambda dt: self._official_ended(visit, reason)))
            except Exception:
                log.exception("browser failed for %s", url)
                outcome = "failed"
            Clock.schedule_once(lambda dt: self._official_opened(visit, outcome))

        threading.Thread(target=work, daemon=True, name="browser-open").start()

    @staticmethod
    def _window_pos() -> tuple[int, int]:
        try:
            return Window.left, Window.top
        except Exception:  # noqa: BLE001 (a window provider without a position)
            return 0, 0

    def _official_opened(self, visit: OfficialVisit, outcome: str) -> None:
        if visit.cover is not None and self.official is not visit:
            # The citizen left (or the session ended) while it opened. When they opened
            # another since, that one's opening closes this (openings come one at a time).
            if outcome == "ok" and self.official is None:
                self.services.browser.close()
            return
        if not self.session_id:
            return  # the session ended meanwhile
        self.record("official_link_opened", content_id=visit.service_id, outcome=outcome)
        if outcome == "ok" and visit.cover is not None:
            visit.started = self.services.clock()
            visit.cover.opened()
            self._browser_inputs = self.services.browser.activity()
            return
        self._remove_cover(visit)
        if outcome == "demo":
            self.show_message(
                self.tr("Demo mode"),
                self.tr("On a library terminal, the official website would open now in a "
                        "safe browser. This is a demonstration, so nothing opens.")
                + "\n\n" + visit.url)
        elif outcome == "failed":
            self.show_message(self.tr("Sorry"),
                              self.tr("The official website could not be opened. Please ask "
                                      "a member of staff, or use the code to continue on "
                                      "your phone."))

    def close_official(self, outcome: str = "back") -> None:
        """*Back to the kiosk* (or the session's end): the browser closes (hidden at once,
        stopped and deleted behind, never waited for) and the kiosk is there again, as the
        citizen left it. Records how long it was open, never what was visited in it."""
        visit = self.official
        if visit is None:
            return
        self.services.browser.close()
        self._leave_official(visit, outcome)

    def _official_ended(self, visit: OfficialVisit, reason: str) -> None:
        """The browser ended by itself (closed, crashed): the kiosk comes back."""
        if self.official is visit:
            self._leave_official(visit, reason)

    def _leave_official(self, visit: OfficialVisit, outcome: str) -> None:
        self.official = None
        self._browser_inputs = None
        if visit.started is not None:
            duration = int((self.services.clock() - visit.started) * 1000)
            self.record("official_service_closed", content_id=visit.service_id,
                        outcome=outcome, duration_ms=min(max(0, duration), 86_399_999))
        self._remove_cover(visit)
        self.last_activity = self.services.clock()  # back in the kiosk: a fresh quiet time

    def _remove_cover(self, visit: OfficialVisit) -> None:
        if visit.cover is not None and visit.cover.parent is not None:
            Window.remove_widget(visit.cover)
            try:
                Window.raise_window()  # over anything of the browser still on the screen
            except Exception:  # noqa: BLE001 (a window provider that cannot)
                log.debug("the kiosk's window could not be raised")
        if self.official is visit:
            self.official = None

    def show_offline(self, service_id: str, url: str) -> None:
        """The official site cannot be reached: say so, with the other ways to apply (from
        the service's content) and the phone hand-off."""
        from kiosk.app.widgets.dialogs import OfflineDialog

        service = self.catalogue.services.get(service_id)
        ways = [self.text(t) for t in service.start.other_ways] if service else []
        dialog = OfflineDialog(ways=ways)
        dialog.bind(on_phone=lambda *_: self.show_qr(service_id, url))
        self.open_modal(dialog)

    def show_qr(self, service_id: str, url: str) -> None:
        from kiosk.app.widgets.dialogs import QRDialog

        self.record("qr_shown", content_id=service_id)
        self.open_modal(QRDialog(url=url))

    def show_help(self) -> None:
        """The toolbar's Help: how to ask staff, and what the toolbar's buttons do."""
        from kiosk.app.widgets.dialogs import HelpDialog

        self.open_modal(HelpDialog())

    def show_message(self, title: str, message: str) -> None:
        from kiosk.app.widgets.dialogs import MessageDialog

        self.open_modal(MessageDialog(title=title, message=message))

    def open_modal(self, modal) -> None:
        """Open a dialog. While Read aloud is on, the dialog is read in place of the screen
        behind it (the toolbar is under the dialog, out of reach), and speech stops when it
        closes."""
        self._modals.append(modal)
        modal.bind(on_dismiss=self._modal_closed)
        modal.open(animation=False)
        if self.speaking:
            self.services.speech.stop()
            self.services.speech.say(modal.read_aloud_text(), self.lang)

    def _modal_closed(self, modal) -> None:
        if modal in self._modals:
            self._modals.remove(modal)
        if self.speaking:  # it was reading the dialog: nothing to read on
            self.services.speech.stop()
            self.speaking = False

    # ----- idle timeout --------------------------------------------------------------
    def _on_activity(self, *args):
        self.last_activity = self.services.clock()
        self.collector.busy()

    def tick_idle(self, *_):
        """Twice a second: warn after the quiet time, count the warning down; the staff
        panel's countdowns and quiet minute too."""
        self._check_idle()
        if self._idle_dialog is not None:
            self._idle_dialog.tick()
        if self.staff is not None:
            self.staff.tick()

    def _check_idle(self, *_):
        if not self.session_id or self._idle_dialog is not None:
            return
        visit = self.official
        if visit is not None and visit.started is not None:
            # The browser covers the kiosk: input anywhere on the screen counts (X11 idle
            # time, counted by the browser's watcher; None: it cannot be known there).
            seen = self.services.browser.activity()
            if seen is not None and seen != self._browser_inputs:
                self._browser_inputs = seen
                self._on_activity()
        if self.services.clock() - self.last_activity >= self.idle_timeout:
            from kiosk.app.widgets.dialogs import IdleDialog

            self.record("idle_warning")
            self._idle_dialog = IdleDialog(seconds=self.idle_warning)
            self._idle_dialog.bind(on_continue=self._idle_continue, on_expired=self._idle_expired)
            self.idle_warning_open = True
            if self.official is not None:
                self.services.browser.hide()  # the warning must be seen, over the browser
            self.open_modal(self._idle_dialog)

    def _idle_continue(self, *_):
        self.record("idle_continue")
        self._close_idle()
        self.last_activity = self.services.clock()
        if self.official is not None:
            self.services.browser.show()

    def _idle_expired(self, *_):
        self.record("idle_timeout")
        self._close_idle()
        self.end_session("timeout")

    def _close_idle(self):
        dialog, self._idle_dialog = self._idle_dialog, None
        self.idle_warning_open = False
        if dialog is not None:
            dialog.dismiss(animation=False)
