"""The official-service browser, behind a facade.

The kiosk never shows a government service inside itself: it hands the official address to
a browser. `ChromiumBrowser` is the real one (docs/architecture.md, "The official-service
browser"): Chromium in kiosk mode, a fresh profile in a temporary folder, in its own
process group, loading only the sites the service's content allows, placed below the
kiosk's *Back to the kiosk* bar; closing it stops every process of it and deletes the
folder. `DemoBrowser` (demo mode) only explains; tests use `FakeBrowser`.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from subprocess import DEVNULL, Popen

from kiosk.core import sites as sites_mod
from kiosk.services.reachability import Reachability

log = logging.getLogger(__name__)

Area = tuple[int, int, int, int]
"""Where the browser's windows go on the screen: x, y, width, height in pixels."""

OnExit = Callable[[str], None]
"""Called from a background thread when the browser ended by itself: "closed" or "crashed"."""


class Browser(ABC):
    """Opens an official service. `open` returns an outcome: ok, demo or failed."""

    shows_window = False
    """True when an opened service covers the kiosk (below the kiosk's bar) until closed."""

    @abstractmethod
    def open(self, url: str, *, sites: Iterable[str] = (), area: Area | None = None,
             lang: str = "en", on_exit: OnExit | None = None) -> str:
        """Open `url`, loading only `sites` (each with everything under it). Called on a
        worker thread: it may take a moment."""

    def close(self) -> None:
        """Close whatever was opened (Back to the kiosk, session reset). Never waits: the
        browser is hidden at once, its processes stopped and its files deleted behind."""

    def wait_closed(self, timeout: float = 10.0) -> bool:
        """Wait until everything `close` started is done (tests, the kiosk's exit)."""
        return True

    @property
    def is_open(self) -> bool:
        return False

    def activity(self) -> int | None:
        """How many times input was seen anywhere on the screen since the browser opened
        (it changes when someone uses the browser); None when that cannot be known."""
        return None

    def hide(self) -> None:
        """Put the browser under the kiosk (the idle warning must be seen)."""

    def show(self) -> None:
        """Bring the browser back over the kiosk, below its bar."""

    def reachable(self, url: str, on_result: Callable[[bool], None] | None = None) \
            -> bool | None:
        """Whether the service's site can be reached: True, False, or None (not known, or
        not checked). Never waits; `on_result` is called from a thread when a check ends."""
        return None


class DemoBrowser(Browser):
    """Demo mode: nothing opens; the app tells the citizen what would happen."""

    def open(self, url: str, **kwargs) -> str:
        return "demo"


class FakeBrowser(Browser):
    """Remembers the addresses it was asked to open; for tests. Set `window` to behave like
    a browser that covers the kiosk, `offline` for sites that cannot be reached."""

    def __init__(self, window: bool = False):
        self.shows_window = window
        self.opened: list[str] = []
        self.calls: list[dict] = []
        self.closed = 0
        self.offline: set[str] = set()
        self.inputs = 0
        self.hidden = False
        self._on_exit: OnExit | None = None
        self._open = False

    def open(self, url: str, *, sites=(), area=None, lang="en", on_exit=None) -> str:
        self.opened.append(url)
        self.calls.append({"url": url, "sites": tuple(sites), "area": area, "lang": lang})
        self._on_exit, self._open = on_exit, True
        return "ok"

    def close(self) -> None:
        self.closed += 1
        self._open = False

    @property
    def is_open(self) -> bool:
        return self._open

    def activity(self) -> int | None:
        return self.inputs if self._open else None

    def hide(self) -> None:
        self.hidden = True

    def show(self) -> None:
        self.hidden = False

    def exit(self, reason: str = "closed") -> None:
        """As if the browser ended by itself (closed, crashed)."""
        self._open = False
        if self._on_exit is not None:
            self._on_exit(reason)

    def reachable(self, url, on_result=None):
        return sites_mod.host_of(url) not in self.offline


# The real one ------------------------------------------------------------------------------

MARKER = "KIOSK_BROWSER_RUN"
"""An environment variable every process of one browser run inherits: found by it, a helper
that left the process group (Chromium's crash handler does) is still stopped."""


def resolver_rules(sites: Iterable[str]) -> str:
    """Chromium's --host-resolver-rules for an allow list: every host name fails to resolve
    (IP addresses and localhost included) except the sites and everything under them."""
    rules = ["MAP * ~NOTFOUND"]
    for site in sites:
        site = sites_mod.check(site)
        rules += [f"EXCLUDE {site}", f"EXCLUDE *.{site}"]
    return ", ".join(rules)


def preferences(downloads: Path) -> dict:
    """The fresh profile's preferences: what the managed policy also sets (config/
    chromium-policy.json), so a terminal without the policy installed is locked down too."""
    return {
        "download": {"default_directory": str(downloads), "prompt_for_download": False},
        "savefile": {"default_directory": str(downloads)},
        "download_restrictions": 3,  # no downloads at all
        "devtools": {"availability": 2},  # no developer tools (and no remote debugging)
        "credentials_enable_service": False,  # no password saving
        "credentials_enable_autosignin": False,
        "autofill": {"profile_enabled": False, "credit_card_enabled": False},
        "signin": {"allowed": False, "allowed_on_next_startup": False},
        "printing": {"printer_type_deny_list": ["pdf", "extension", "cloud", "privet"]},
        "translate": {"enabled": False},
        "search": {"suggest_enabled": False},
        "browser": {"has_seen_welcome_page": True},
        "profile": {"default_content_setting_values": {"notifications": 2, "geolocation": 2}},
    }


def _read(path: str) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return b""


def processes_of(pgid: int | None, marker: str | None, folder: str | None) -> list[int]:
    """Live processes (zombies aside) of one browser run, by a /proc scan: in its process
    group, or with its marker in their environment, or its folder on their command line."""
    me = os.getpid()
    found = []
    needle = f"{MARKER}={marker}".encode() if marker else None
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == me:
            continue
        stat = _read(f"/proc/{name}/stat")
        if not stat:
            continue
        try:
            fields = stat.rsplit(b")", 1)[1].split()
            state, group = fields[0], int(fields[2])
        except (IndexError, ValueError):
            continue
        if state in (b"Z", b"X"):
            continue
        if (pgid is not None and group == pgid) or \
                (needle is not None and needle in _read(f"/proc/{name}/environ").split(b"\0")) or \
                (folder and folder.encode() in _read(f"/proc/{name}/cmdline")):
            found.append(int(name))
    return found


@dataclass
class _Run:
    """One opened browser: its process, folder and state (shared by the threads)."""

    proc: Popen
    folder: Path
    marker: str
    area: Area | None
    on_exit: OnExit | None
    started: float = field(default_factory=time.monotonic)
    hidden: bool = False
    inputs: int = 0
    closing: threading.Event = field(default_factory=threading.Event)
    wake: threading.Event = field(default_factory=threading.Event)
    done: threading.Event = field(default_factory=threading.Event)
    left: list[int] = field(default_factory=list)

    def processes(self) -> list[int]:
        return processes_of(self.proc.pid, self.marker, str(self.folder))


class ChromiumBrowser(Browser):
    """Chromium (or Chrome, Edge) in kiosk mode for one service at a time.

    - A fresh folder per opening (`kiosk-browser-*` in the temporary directory): the
      profile, and Chromium's config, cache and temporary files (XDG_CONFIG_HOME,
      XDG_CACHE_HOME, TMPDIR point into it), incognito on top.
    - Only the allowed sites resolve (`resolver_rules`): any other host, IP address or
      localhost fails as "not found", for pages, links, redirects and subresources alike.
    - Its own process group (and a marker in its environment); closing sends TERM, then
      KILL after `term_grace`, deletes the folder and scans /proc for anything left.
    - A watcher thread per opening: notices the browser ending by itself, counts input
      anywhere on the screen (X11 idle time), and keeps the browser's windows in `area`,
      over the kiosk or under it (`hide`, `show`).
    """

    shows_window = True

    def __init__(self, executable: str = "chromium", *, display: str | None = None,
                 extra_args: Iterable[str] = (), temp_root: str | Path | None = None,
                 term_grace: float = 2.0, kill_deadline: float = 5.0, poll: float = 0.2,
                 reachability: Reachability | None = None):
        self.executable = executable
        self.display = display
        self.extra_args = tuple(extra_args)
        self.temp_root = Path(temp_root or tempfile.gettempdir())
        self.term_grace = term_grace
        self.kill_deadline = kill_deadline
        self.poll = poll
        self.reachability = reachability or Reachability()
        self._lock = threading.Lock()
        self._opening = threading.Lock()  # one open() at a time: none can leave a browser behind
        self._run: _Run | None = None
        self._closing: list[_Run] = []
        self.last_run: _Run | None = None  # the latest opening, for checks and tests

    # --- the facade -----------------------------------------------------------------
    def open(self, url: str, *, sites: Iterable[str] = (), area: Area | None = None,
             lang: str = "en", on_exit: OnExit | None = None) -> str:
        with self._opening:
            return self._open(url, tuple(sites), area, lang, on_exit)

    def _open(self, url, sites, area, lang, on_exit) -> str:
        if not sites_mod.host_of(url):
            log.error("not an http(s) address: %r", url)
            return "failed"
        program = shutil.which(self.executable)
        if program is None:
            log.error("browser %r not found (setting 'browser')", self.executable)
            return "failed"
        self.close()  # one service at a time
        self.wait_closed(self.term_grace + self.kill_deadline + 2)
        allowed = sites or (sites_mod.site_of(sites_mod.host_of(url)),)
        folder = Path(tempfile.mkdtemp(prefix="kiosk-browser-", dir=self.temp_root))
        marker = uuid.uuid4().hex
        try:
            argv, env = self._command(program, folder, marker, url, allowed, area, lang)
            with open(folder / "stderr.log", "wb") as err:  # for the log, if it crashes
                proc = Popen(argv, env=env, stdin=DEVNULL, stdout=DEVNULL, stderr=err,
                             start_new_session=True, close_fds=True)
        except OSError as e:
            log.error("browser %s did not start: %s", program, e)
            shutil.rmtree(folder, ignore_errors=True)
            return "failed"
        run = _Run(proc, folder, marker, area, on_exit)
        with self._lock:
            self._run = self.last_run = run
        threading.Thread(target=self._watch, args=(run,), daemon=True,
                         name="browser-watch").start()
        return "ok"

    def close(self) -> None:
        with self._lock:
            run, self._run = self._run, None
            if run is None or run.closing.is_set():
                return
            run.closing.set()
            self._closing.append(run)
        run.wake.set()
        threading.Thread(target=self._stop, args=(run,), daemon=True,
                         name="browser-stop").start()

    def wait_closed(self, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        with self._lock:
            runs = list(self._closing)
        return all(r.done.wait(max(0.0, deadline - time.monotonic())) for r in runs)

    @property
    def is_open(self) -> bool:
        run = self._run
        return run is not None and run.proc.poll() is None

    def activity(self) -> int | None:
        run = self._run
        return None if run is None or run.inputs < 0 else run.inputs

    def hide(self) -> None:
        self._set_hidden(True)

    def show(self) -> None:
        self._set_hidden(False)

    def _set_hidden(self, hidden: bool) -> None:
        run = self._run
        if run is not None:
            run.hidden = hidden
            run.wake.set()

    def reachable(self, url, on_result=None):
        return self.reachability.status(url, on_result)

    def sweep(self) -> int:
        """Delete browser folders a crash or power cut left behind (at the kiosk's start)."""
        removed = 0
        for folder in self.temp_root.glob("kiosk-browser-*"):
            if self._run is not None and folder == self._run.folder:
                continue
            if not processes_of(None, None, str(folder)):
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
        return removed

    # --- starting -------------------------------------------------------------------
    def _command(self, program: str, folder: Path, marker: str, url: str,
                 allowed: tuple[str, ...], area: Area | None, lang: str):
        profile = folder / "profile"
        for sub in ("profile/Default", "config", "cache", "tmp", "downloads"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
        (profile / "Default" / "Preferences").write_text(
            json.dumps(preferences(folder / "downloads")), encoding="utf-8")
        (profile / "Local State").write_text(json.dumps({
            "browser": {"enabled_labs_experiments": []},
            "background_mode": {"enabled": False},
        }), encoding="utf-8")
        env = dict(os.environ)
        env.update({MARKER: marker, "XDG_CONFIG_HOME": str(folder / "config"),
                    "XDG_CACHE_HOME": str(folder / "cache"), "TMPDIR": str(folder / "tmp")})
        if len(str(folder)) > 60:  # Chromium's socket under TMPDIR: 107 bytes at most
            log.warning("browser folder %s: a long path may stop Chromium", folder)
        if self.display:
            env["DISPLAY"] = self.display
        argv = [program, f"--user-data-dir={profile}", "--kiosk", "--incognito",
                "--no-first-run", "--no-default-browser-check",
                f"--host-resolver-rules={resolver_rules(allowed)}",
                "--disable-extensions", "--disable-sync", "--disable-background-networking",
                "--disable-component-update", "--disable-default-apps", "--no-pings",
                "--password-store=basic", "--noerrdialogs", "--hide-crash-restore-bubble",
                "--disable-features=Translate,MediaRouter,DialMediaRouteProvider",
                f"--lang={lang}", f"--accept-lang={lang},en-GB,en"]
        if area is not None:
            x, y, w, h = area
            argv += [f"--window-position={x},{y}", f"--window-size={w},{h}"]
        if os.geteuid() == 0:
            argv.append("--no-sandbox")  # Chromium refuses to run as root otherwise
        argv += [*self.extra_args, url]
        return argv, env

    # --- watching -------------------------------------------------------------------
    def _watch(self, run: _Run) -> None:
        from kiosk.services import x11

        display = x11.open_display(self.display)
        last_idle = display.idle_ms() if display is not None else None
        if last_idle is None:
            run.inputs = -1  # input elsewhere on the screen cannot be seen
        code = None
        try:
            while not run.closing.is_set():
                code = run.proc.poll()
                if code is not None:
                    break
                if display is not None:
                    idle = display.idle_ms()
                    if idle is not None and last_idle is not None and idle < last_idle:
                        run.inputs += 1
                    last_idle = idle
                    self._arrange(display, run)
                run.wake.wait(self.poll)
                run.wake.clear()
        except Exception:
            log.exception("browser watcher failed")
        finally:
            if display is not None:
                display.close()
        if run.closing.is_set():
            return  # close() is stopping it
        with self._lock:
            if self._run is run:
                self._run = None
            run.closing.set()
            self._closing.append(run)
        reason = "closed" if code == 0 else "crashed"
        tail = _read(str(run.folder / "stderr.log"))[-1500:].decode(errors="replace")
        tail = re.sub(r"\b[a-z][a-z0-9+.-]*://\S+", "<address>", tail)  # nothing visited
        log.warning("the browser ended by itself (%s, exit %s)%s", reason, code,
                    f": ...{tail}" if reason == "crashed" else "")
        self._stop(run)
        if run.on_exit is not None:
            run.on_exit(reason)

    def _arrange(self, display, run: _Run) -> None:
        """The browser's windows in their area, and over or under the kiosk's."""
        mine = set(display.windows_of([run.proc.pid]))
        if not mine:
            return
        kiosk = set(display.windows_of([os.getpid()]))
        order = display.stacking()
        viewable = {w: g for w in mine if (g := display.geometry(w)) is not None and g.viewable}
        if run.area is not None:
            x, y, w, h = run.area
            for window, g in viewable.items():
                if (g.x, g.y, g.width, g.height) != (x, y, w, h):
                    display.move_resize(window, x, y, w, h)
        kiosk_at = [order.index(w) for w in kiosk if w in order]
        if not kiosk_at:
            return
        for window in viewable:
            at = order.index(window) if window in order else -1
            if run.hidden and at > min(kiosk_at):
                display.lower_window(window)
            elif not run.hidden and 0 <= at < max(kiosk_at):
                display.raise_window(window)

    # --- stopping -------------------------------------------------------------------
    def _stop(self, run: _Run) -> None:
        """Hide, TERM the group (and marked strays), KILL what is left after term_grace,
        delete the folder, then check that nothing of the run is left."""
        try:
            self._hide_now(run)
            self._signal(run, signal.SIGTERM)
            deadline = time.monotonic() + self.term_grace
            while time.monotonic() < deadline and run.processes():
                time.sleep(0.05)
            deadline = time.monotonic() + self.kill_deadline
            while (left := run.processes()) and time.monotonic() < deadline:
                self._signal(run, signal.SIGKILL, left)
                time.sleep(0.05)
            try:
                run.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.error("browser process %s did not end after KILL", run.proc.pid)
            shutil.rmtree(run.folder, ignore_errors=True)
            run.left = run.processes()
            if run.left:
                log.error("browser processes still running after close: %s", run.left)
            if run.folder.exists():
                log.error("browser folder %s could not be deleted", run.folder)
        finally:
            run.done.set()
            with self._lock:
                if run in self._closing:
                    self._closing.remove(run)

    @staticmethod
    def _signal(run: _Run, sig: int, pids: Iterable[int] | None = None) -> None:
        try:
            os.killpg(run.proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass
        for pid in pids if pids is not None else run.processes():
            try:
                os.kill(pid, sig)
            except (ProcessLookupError, PermissionError):
                pass

    def _hide_now(self, run: _Run) -> None:
        """Closing: the browser's windows go under everything at once, before its
        processes have had time to end (the next person must not see the page)."""
        from kiosk.services import x11

        display = x11.open_display(self.display)
        if display is None:
            return
        try:
            for window in display.windows_of([run.proc.pid]):
                display.lower_window(window)
            display.sync()
        finally:
            display.close()
