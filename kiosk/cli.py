"""The `kiosk` command: run the terminal, or one of its headless jobs (reference: docs/cli-reference.md)."""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import logging
import os
import sys
import threading
import time
from pathlib import Path

from kiosk import clikit
from kiosk.clikit import Progress, UserError
from kiosk.core import files, resources
from kiosk.core import settings as settings_mod
from kiosk.core.settings import SettingsError


def _process_age() -> float:
    """Seconds since this process started (from the kernel, so Python's own start counts)."""
    try:
        with open("/proc/self/stat") as f:
            start_ticks = int(f.read().rsplit(")", 1)[1].split()[19])
        return time.clock_gettime(time.CLOCK_BOOTTIME) - start_ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):
        return time.perf_counter() - _T0


_T0 = time.perf_counter()


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "kiosk"


def _private(data_dir: Path) -> None:
    """The terminal's data folder (its token, the outbox, content) is its owner's alone:
    0700, checked at every start (issue 15); made so with a warning when it was not."""

    try:
        if files.private_dir(data_dir) if data_dir.exists() else False:
            logging.getLogger("kiosk").warning(
                "%s was open to other users of this machine; it is now 0700", data_dir)
    except OSError as e:
        raise UserError(f"cannot make {data_dir} private: {e}") from None


def load_settings(args) -> settings_mod.Settings:
    data_dir = args.data_dir or os.environ.get("KIOSK_DATA_DIR") or str(default_data_dir())
    config = args.config or os.environ.get("KIOSK_CONFIG")
    if config:
        path = Path(config)
    else:
        path = Path(data_dir) / "kiosk.toml"
        if not path.exists():
            path = resources.config_file("kiosk.toml")
    text = None
    if path.exists():
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise UserError(f"cannot read config file {path}: {e}") from None
    elif args.config:
        raise UserError(f"config file {path} does not exist")
    _private(Path(data_dir))
    try:
        return settings_mod.load(text, str(path), data_dir=data_dir,
                                 windowed=True if getattr(args, "windowed", False) else None,
                                 demo=True if getattr(args, "demo", False) else None)
    except SettingsError as e:
        raise UserError(str(e)) from None


def content_dir_for(s: settings_mod.Settings) -> tuple[str, int | None]:
    """Where the kiosk's content comes from (services.terminal_status.content_dir_for)."""
    from kiosk.services.terminal_status import content_dir_for as where

    return where(s)


def _load_content(s: settings_mod.Settings):
    from kiosk.core import content  # imported by the worker thread, in parallel with Kivy

    folder, version = content_dir_for(s)
    try:
        if version is not None:  # installed: still what its signed manifest says? (cheap)
            from kiosk.services.content_store import ContentStore

            problem = ContentStore(s.data_dir).check_installed()
            if problem:
                raise ValueError(problem)
        catalogue = content.load(folder)
    except (content.ContentError, OSError, ValueError) as e:
        if version is None:  # the bundled or a configured folder: the operator's to fix
            raise UserError(f"content in {folder} is not valid: {e}") from None
        # The installed pack was verified when installed: it has been damaged since (a
        # disk fault, a power cut). Kept aside for inspection; the bundled content serves
        # citizens until the next sync installs the pack again (issue 15).
        folder = _set_content_aside(s, str(e))
        catalogue = content.load(folder)
    for note in catalogue.notes:
        logging.getLogger(__name__).warning("content in %s: %s", folder, note)
    return catalogue


def _recheck_content(s: settings_mod.Settings, app) -> str | None:
    """After the first frame, before the syncer starts: hash every file of the installed
    content against its signed manifest (the start path only compared sizes and stamps).
    Damaged: set aside, staff and the fleet told, and the app switches to the content it
    came with (between sessions, as for a new version); the next sync installs the pack
    again. The problem, or None."""
    from kiosk.services.content_store import ContentStore

    if content_dir_for(s)[1] is None:
        return None
    problem = ContentStore(s.data_dir).check_installed(full=True)
    if problem:
        app.content_installed(_set_content_aside(s, problem))
    return problem


def _set_content_aside(s: settings_mod.Settings, problem: str) -> str:
    """Move DATA_DIR/content aside as content.damaged-TIME (kept), tell staff and the
    fleet; the folder of the bundled content, which the kiosk starts on instead."""
    from kiosk.services import damaged

    root = Path(s.data_dir) / "content"
    kept = root.with_name(f"content.damaged-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}")
    os.replace(root, kept)
    logging.getLogger(__name__).error("the installed content could not be read (%s): kept "
                                      "as %s; starting on the bundled content", problem[:200],
                                      kept.name)
    damaged.note_set_aside(Path(s.data_dir), "content", kept, problem)
    return s.content_dir


def _enrolment(s: settings_mod.Settings) -> dict | None:
    """This terminal's enrolment with a hub, or None (not enrolled, or unreadable: as far
    as the kiosk can tell, not enrolled). Read here, not through services.hub_client, so
    that start-up does not import requests and ssl (a sixth of the kiosk's own start-up,
    16 MiB; docs/performance.md): the syncer imports them after the first frame."""
    import json

    try:
        data = json.loads((Path(s.data_dir) / "hub.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(data, dict) or not all(isinstance(data.get(k), str) and data.get(k)
                                             for k in ("hub_url", "terminal_id", "token")):
        return None
    return data


def centre_id_for(s: settings_mod.Settings, enrolment: dict | None) -> str:
    """The centre named in usage events (services.terminal_status.centre_id_for)."""
    from kiosk.services.terminal_status import centre_id_for as centre

    return centre(s, enrolment)


def config_store_for(s: settings_mod.Settings, enrolment: dict | None):
    """The terminal's configuration; the default one (the demo centre) only stands in for
    a terminal no hub configures."""
    from kiosk.services.config_store import ConfigStore

    terminal = (enrolment or {}).get("terminal_id") or s.kiosk_id
    return ConfigStore(s.data_dir, terminal,
                       defaults=None if enrolment else (s.default_config or None))


def setup_logging(data_dir: Path | None = None) -> None:
    """Errors to stderr; warnings and more to DATA_DIR/kiosk.log (rotated) for staff and
    maintainers. Kivy's own chatter stays out of the operator's terminal."""
    import logging.handlers

    root = logging.getLogger()
    root.setLevel(logging.INFO)
    for h in list(root.handlers):
        root.removeHandler(h)
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(logging.ERROR)
    console.setFormatter(logging.Formatter("kiosk: %(name)s: %(message)s"))
    root.addHandler(console)
    if data_dir is not None:
        try:
            files.private_dir(data_dir)
            log_file = logging.handlers.RotatingFileHandler(
                data_dir / "kiosk.log", maxBytes=1_000_000, backupCount=3, encoding="utf-8")
        except OSError:
            return
        log_file.setLevel(logging.WARNING)
        log_file.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: "
                                                "%(message)s"))
        root.addHandler(log_file)


def run_kiosk(args) -> int:
    s = load_settings(args)
    setup_logging(Path(s.data_dir))
    # Content loads on a worker thread while Kivy imports: start-up pays for the slower one.
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    catalogue_future = pool.submit(_load_content, s)
    from kiosk.app import prepare

    data_dir = Path(s.data_dir)
    try:
        files.private_dir(data_dir)
    except OSError as e:
        raise UserError(f"cannot create data directory {data_dir}: {e}") from None
    prepare(windowed=s.windowed, kivy_home=data_dir / "kivy")
    from kiosk.app.main import KioskApp, Services
    from kiosk.services.outbox import Outbox
    from kiosk.services.speech import EspeakSpeech

    catalogue = catalogue_future.result()
    pool.shutdown()
    first_frame = threading.Event()
    enrolment = _enrolment(s)
    outbox = Outbox(data_dir / "outbox.db", s.kiosk_id, centre_id_for(s, enrolment),
                    open_after=first_frame)
    from kiosk.services.staff_access import StaffAccess

    browser = make_browser(s)
    services = Services(outbox=outbox, speech=EspeakSpeech(), browser=browser,
                        config_store=config_store_for(s, enrolment),
                        staff_access=StaffAccess(data_dir, s.kiosk_id))
    app = KioskApp(s, catalogue, services)
    app.first_frame_callbacks.append(first_frame.set)
    # The syncer (requests, ssl, the content store) starts after the first frame, off the
    # UI thread: nothing citizens see waits for it. services.syncer is None until then.
    syncer_started = threading.Thread(target=_start_syncer_later, args=(s, app, outbox, services),
                                      daemon=True, name="syncer-start")
    if not args.smoke:
        app.first_frame_callbacks.append(syncer_started.start)
    ready_file = os.environ.get("KIOSK_READY_FILE")
    if ready_file:  # for a supervisor or a test: the window is up and the app is listening
        app.first_frame_callbacks.append(lambda: _write_ready(Path(ready_file)))
    if args.lang:
        app.first_frame_callbacks.append(lambda: _start_in(app, args.lang))
    if args.smoke:
        from kivy.clock import Clock
        from kivy.core.window import Window

        def ready(*_):
            print(f"ready in {_process_age():.3f} s", flush=True)
            app.stop()

        def first_flip(*_):  # on_flip runs before the buffer swap: report just after it
            Window.unbind(on_flip=first_flip)
            Clock.schedule_once(ready, 0)

        app.first_frame_callbacks.append(lambda: Window.bind(on_flip=first_flip))
    _stop_on_sigterm(app)
    try:
        app.run()
    finally:
        services.speech.stop()
        services.browser.close()
        services.browser.wait_closed(10)
        if syncer_started.is_alive():
            syncer_started.join(30)
        if services.syncer is not None:
            services.syncer.stop()
        outbox.close()
    return app.exit_status


def _write_ready(path: Path) -> None:
    try:
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(f"{os.getpid()}\n")
        os.replace(tmp, path)
    except OSError as e:
        logging.getLogger(__name__).warning("ready file %s not written: %s", path, e)


def _stop_on_sigterm(app) -> None:
    """SIGTERM (the supervisor's stop, a shutdown) stops the kiosk cleanly: the browser
    closed, the outbox written. SDL's own handler would turn it into a close request, which
    the kiosk refuses (prepare() sets SDL_NO_SIGNAL_HANDLERS, so this one is used)."""
    import signal

    from kivy.clock import Clock

    def stop(*_):
        app.leaving = True
        Clock.schedule_once(lambda dt: app.stop(), 0)

    try:
        signal.signal(signal.SIGTERM, stop)
    except ValueError:  # not the main thread (tests driving run_kiosk from a thread)
        pass


def make_browser(s: settings_mod.Settings):
    """The official-service browser: in demo mode one that only explains; on a terminal the
    locked-down Chromium (or the configured Chrome or Edge). Folders a crash left behind
    are deleted in the background."""
    from kiosk.services.browser import ChromiumBrowser, DemoBrowser

    if s.demo:
        return DemoBrowser()
    browser = ChromiumBrowser(s.browser)
    threading.Thread(target=browser.sweep, daemon=True, name="browser-sweep").start()
    return browser


def _start_syncer_later(s: settings_mod.Settings, app, outbox, services) -> None:
    try:
        _recheck_content(s, app)
    except Exception:  # the kiosk goes on with what it loaded
        logging.getLogger(__name__).exception("the installed content could not be checked")
    try:
        services.syncer = _start_syncer(s, app, outbox)
    except Exception:  # the kiosk goes on serving citizens without a hub
        logging.getLogger(__name__).exception("the syncer did not start")


def _start_syncer(s: settings_mod.Settings, app, outbox=None):
    """Events go to the hub in the background when this terminal is enrolled; content updates
    too when it also trusts a publisher key. Demo mode talks to no hub."""
    from kiosk.services.hub_client import HubError, hub_address, load_enrolment
    from kiosk.services.syncer import Syncer

    if s.demo:
        return None

    try:
        enrolment = load_enrolment(Path(s.data_dir))
    except HubError as e:
        logging.getLogger(__name__).error("no sync with the hub: %s", e)
        return None
    if enrolment is None:
        return None
    if not s.trusted_keys:
        logging.getLogger(__name__).warning("no content updates: no trusted content keys "
                                            "(events are still sent)")
    from kiosk.services.content_store import ContentStore

    store = ContentStore(Path(s.data_dir))

    def installed(version):
        folder = store.current_content_dir()
        if folder is not None:
            app.content_installed(str(folder))

    try:
        address = hub_address(s.hub_url, enrolment, s.allow_insecure_hub)
    except HubError as e:
        logging.getLogger(__name__).error("no sync with the hub: %s", e)
        return None
    syncer = Syncer(s.data_dir, address, enrolment["token"],
                    s.trusted_keys, installed, outbox=outbox, hub_timeout=s.hub_timeout,
                    terminal_id=enrolment["terminal_id"], on_new_config=app.config_changed,
                    app_status=app.heartbeat_status, on_action=app.remote_action)
    syncer.start()
    return syncer


def _start_in(app, code: str) -> None:
    app.start_session()
    app.choose_language(code)


def run_shots(args) -> int:
    s = load_settings(args)
    from kiosk.app.shots import render_all

    out = Path(args.out)
    langs = args.lang or ["en"]
    if args.review:
        if len(langs) != 1 or langs[0] in ("en", "all"):
            raise UserError("--review is for one language: give --lang CODE (not en), "
                            "which is shown beside English")
        langs = [langs[0], "en"]
    with Progress("rendering", unit="screenshots") as progress:
        made = render_all(s, out, langs, progress=progress.update,
                          screens=args.screens, text_size=args.text_size,
                          contrast=args.contrast, all_pages=args.all_pages or args.review,
                          whole_pages=args.review)
    print(f"{len(made)} screenshots in {out}")
    if args.review:
        from kiosk.app.shots import write_review
        from kiosk.core import content

        index = write_review(out, langs[0], made, content.load(s.content_dir))
        print(f"review sheet: {index}")
    return 0


def run_simulate(args) -> int:
    s = load_settings(args)
    from kiosk.app.simulate import run

    if args.sessions < 1:
        raise UserError("--sessions must be at least 1")
    files.private_dir(s.data_dir)

    with Progress("simulating", args.sessions, "sessions") as progress:
        report = run(s, args.sessions, args.seed, progress.update)
    print(json.dumps(report) if args.json else
          f"{report['sessions']} sessions ({', '.join(f'{k} {v}' for k, v in sorted(report['endings'].items()))}), "
          f"{report['events_recorded']} events recorded in {Path(s.data_dir) / 'outbox.db'}")
    return 0


def run_install_pack(args) -> int:
    s = load_settings(args)
    from kiosk.core import packs
    from kiosk.services import content_store

    if not s.trusted_keys:
        raise UserError("no trusted content keys: set KIOSK_TRUSTED_KEYS (or trusted_keys in "
                        "the config file)")
    try:
        report = content_store.install_pack(args.pack, content_store.ContentStore(s.data_dir),
                                            s.trusted_keys)
    except (packs.PackError, OSError) as e:
        raise UserError(f"pack {args.pack} not installed: {e}") from None
    print(json.dumps(report) if args.json else
          f"content version {report['content_version']} ({report['status']})")
    return 0


def run_rollback(args) -> int:
    """Staff: go back to the previous content version (it takes effect at the next start;
    the next sync brings the newest version again unless the hub has withdrawn it)."""
    s = load_settings(args)
    from kiosk.core import packs
    from kiosk.services.content_store import ContentStore

    try:
        version = ContentStore(Path(s.data_dir)).rollback()
    except (packs.PackError, OSError) as e:
        raise UserError(f"rollback failed: {e}") from None
    print(f"content version {version} is current again")
    return 0


def run_status(args) -> int:
    s = load_settings(args)
    catalogue = _load_content(s)
    from kiosk.services import terminal_status

    report = terminal_status.gather(s, catalogue)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(status_text(report))
    return 0


def _outcome(entry: dict | None) -> str:
    if not entry:
        return "never"
    when = str(entry.get("time", "?")).replace("T", " ").replace("+00:00", " UTC")
    return f"{when}: {entry.get('status') or '?'}"


def status_text(r: dict) -> str:
    """`kiosk status` for staff: a few plain lines (--json has every field)."""
    if r["content_version"] is None:
        content = f"bundled demo content ({r['content_dir']})"
    else:
        content = f"version {r['content_version']}, made {r['content_made']}"
        if r["content_out_of_date"]:
            content += f", OUT OF DATE since {r['content_expires']}"
    queued = ("cannot be read" if r["queued_events"] is None else
              f"{r['queued_events']} waiting to be sent")
    if r["rejected_events"]:
        queued += f", {r['rejected_events']} refused by the hub (kept)"
    upload = r["last_event_upload"] or {}
    lines = [
        f"terminal:     {r['kiosk_id']} at {r['centre']}",
        f"content:      {content}; {r['services']} services, {r['tutorials']} tutorials",
        f"usage events: {queued}",
        "hub:          " + (
            f"enrolled with {r['hub_url']}, but the hub no longer accepts this terminal "
            f"(REVOKED, since {r.get('hub_refused_at') or '?'}): it keeps its content and "
            "settings; to enrol again, get a new code from an admin and run kiosk enrol CODE "
            "--hub URL" if r.get("revoked") else
            f"enrolled with {r['hub_url']}" if r["enrolled"] else
            "not enrolled (kiosk enrol CODE --hub URL)")
        + (f"; NOT SYNCING: {r['hub_problem']}" if r.get("hub_problem") else
           "; INSECURE: http:// allowed by allow_insecure_hub (development only)"
           if r.get("hub_insecure") and r["enrolled"] else ""),
    ]
    if r.get("disk_free_bytes") is not None:
        lines.append(f"disk:         {r['disk_free_bytes'] / 2**20:,.1f} MiB free of "
                     f"{r['disk_total_bytes'] / 2**20:,.0f} MiB"
                     + ("; FULL: usage events wait in memory and content updates cannot be "
                        "installed until there is space: free space on the terminal, or ask "
                        "the council's IT" if r.get("disk_full") else ""))
    for note in r.get("set_aside") or []:
        lines.append(f"DAMAGED:      {note.get('what')} could not be read at {note.get('at')}"
                     f" and was set aside as {note.get('kept_as')} (kept for inspection); "
                     "the terminal started afresh")
    lines += [
        f"last sync:    {_outcome(r['last_sync'])}",
        f"last upload:  {_outcome(r['last_event_upload'])}"
        + (f" ({upload['events_uploaded']} sent)" if upload.get("events_uploaded") else ""),
    ]
    return "\n".join(lines)


def run_enrol(args) -> int:
    s = load_settings(args)
    from kiosk.services import hub_client

    hub = args.hub or s.hub_url
    if not hub:
        raise UserError("give the hub's address with --hub URL")
    try:
        hub = hub_client.check_hub_url(hub, s.allow_insecure_hub)
        with hub_client.HubClient(hub) as client:
            enrolment = client.enrol(args.code)
        path = hub_client.save_enrolment(s.data_dir, hub, enrolment)
    except hub_client.HubError as e:
        raise UserError(f"enrolment failed: {e}") from None
    except OSError as e:
        raise UserError(f"cannot store the enrolment in {s.data_dir}: {e}") from None
    print(f"enrolled as {enrolment['terminal_id']} (centre {enrolment['centre'] or '-'}); "
          f"token stored in {path}")
    return 0


def _upload_events(s: settings_mod.Settings, client, report: dict) -> dict:
    """Send the queued events; fills the report's events_* fields and returns the uploader's
    own report (progress on a terminal: a backlog of weeks takes a while)."""
    from kiosk.services import event_sync

    with Progress("sending events", unit="events") as progress:
        uploader = event_sync.Uploader(Path(s.data_dir) / "outbox.db", client, max_failures=4,
                                       backoff_cap=30.0, max_wait=60.0,
                                       progress=progress.update)
        events = uploader.run()
    report.update({"events_uploaded": events["events_uploaded"],
                   "events_duplicates": events["duplicates"],
                   "events_rejected": events["rejected"], "events_queued": events["queued"],
                   "events_status": events["status"]})
    if events["status"] != "nothing_to_send":
        event_sync.record_last(s.data_dir, events)
    return events


def _sync_config(client, s: settings_mod.Settings, enrolment: dict, report: dict) -> str:
    """The configuration round of a sync; its error (or "") without stopping the sync:
    the terminal keeps its last configuration."""
    from kiosk.core.config import DocumentError
    from kiosk.services import config_store, hub_client
    from kiosk.services import enrolment as enrolment_state

    try:
        report.update(config_store.sync(client, config_store.ConfigStore(
            s.data_dir, enrolment.get("terminal_id", ""))))
        enrolment_state.record_accepted(s.data_dir)  # the hub took the token
        return ""
    except hub_client.AuthError as e:  # revoked: the last configuration stays
        enrolment_state.record_refused(s.data_dir, str(e))
        report["config_status"] = f"error: {e}"
        return f"configuration: {e}"
    except (hub_client.HubError, DocumentError) as e:
        report["config_status"] = f"error: {e}"
        return f"configuration: {e}"


def _heartbeat(client, s: settings_mod.Settings, errors: dict) -> str:
    """The end of `kiosk sync --once`: what went wrong counted, then a heartbeat (remote
    actions other than a token replacement are left for the app's own syncer)."""
    from kiosk.core.heartbeat import HeartbeatError
    from kiosk.services import heartbeat, hub_client

    tracker = heartbeat.Tracker(s.data_dir)
    for kind, error in errors.items():
        tracker.round_ended(kind, error)
    try:
        heartbeat.send(client, s.data_dir, started=heartbeat.process_started())
    except hub_client.NotOffered:
        return "not offered by the hub"
    except (hub_client.HubError, HeartbeatError, OSError) as e:
        tracker.round_ended("heartbeat", e)
        return f"error: {e}"
    tracker.round_ended("heartbeat", None)
    return "sent"


def run_sync(args) -> int:
    s = load_settings(args)
    from kiosk.core import packs
    from kiosk.services import content_store, event_sync, hub_client, sync_log, token_swap
    from kiosk.services import enrolment as enrolment_state

    report = {"status": "", "events_uploaded": 0, "content_version": None,
              "bytes_downloaded": 0, "files_downloaded": 0}
    store = content_store.ContentStore(s.data_dir)
    report["content_version"] = store.installed_version()
    progress = Progress("downloading content", unit="MB", scale=1e-6, fmt="{:.1f}")
    events_error = config_error = None
    try:
        enrolment = hub_client.load_enrolment(s.data_dir)
        if enrolment is None:
            raise UserError(f"not enrolled (no {hub_client.hub_file(s.data_dir)}): "
                            "run kiosk enrol CODE --hub URL first")
        address = hub_client.hub_address(s.hub_url, enrolment, s.allow_insecure_hub)
        with hub_client.HubClient(address, enrolment["token"],
                                  read_timeout=s.hub_timeout,
                                  content_version=store.installed_version()) as client:
            # A replacement token a kill left pending (services/token_swap.py) first.
            token_swap.settle(client, s.data_dir)
            content_error: BaseException | None = None
            try:
                # Events first, and whatever content can do: a terminal without trusted
                # keys still sends its statistics; content then reports its own error.
                events = _upload_events(s, client, report)
                if events["status"].startswith("error"):
                    events_error = events["status"].removeprefix("error: ")
                if events["auth_refused"]:  # content would be refused too
                    enrolment_state.record_refused(s.data_dir, events_error)
                    raise hub_client.AuthError(events_error)
                config_error = _sync_config(client, s, enrolment, report)
                if not s.trusted_keys:
                    raise UserError("no trusted content keys: set KIOSK_TRUSTED_KEYS (or "
                                    "trusted_keys in the config file)")
                trusted = packs.load_trusted_keys(s.trusted_keys)
                report.update(content_store.sync_content(client, store, trusted,
                                                         progress=progress.add))
            except (UserError, hub_client.HubError, packs.PackError, OSError) as e:
                content_error = e
                raise
            finally:
                if not report.get("events_status", "").startswith("error: " +
                                                                   event_sync.REFUSED_TOKEN):
                    report["heartbeat"] = _heartbeat(client, s, {
                        "events": events_error, "config": config_error or None,
                        "content": content_error})
    except (UserError, hub_client.HubError, packs.PackError, OSError) as e:
        from kiosk.services import damaged

        message = (str(e) if not isinstance(e, OSError) else
                   f"{damaged.DISK_FULL} ({e})" if damaged.disk_full(e) else f"disk error: {e}")
        report["status"] = f"error: {message}"
        report["content_version"] = store.installed_version()
        sync_log.record(s.data_dir, report)
        if args.json:
            print(json.dumps(report))
        if events_error and events_error != message:
            message = f"{message}; and sending events: {events_error}"
        elif "events_status" in report:  # the events part went well: say so
            message = (f"{message} (usage events: {report['events_uploaded']} sent, "
                       f"{report['events_queued']} still queued)")
        raise UserError(f"sync failed: {message}") from None
    finally:
        progress.close()
    sync_log.record(s.data_dir, report)
    if args.json:
        print(json.dumps(report))
    else:
        print(f"{report['status']}: content version {report['content_version']}, "
              f"{report['files_downloaded']} files ({report['bytes_downloaded']} bytes) "
              f"downloaded; {report['events_uploaded']} events sent")
    if events_error:
        raise UserError(f"sync failed: sending events: {events_error}")
    if config_error:
        raise UserError(f"sync failed: {config_error}")
    return 0


def parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", help="where the kiosk keeps its state "
                                           "(default: $KIOSK_DATA_DIR or ~/.local/share/kiosk)")
    common.add_argument("--config", help="settings file (TOML); default: DATA_DIR/kiosk.toml, "
                                         "then config/kiosk.toml")
    p = argparse.ArgumentParser(prog="kiosk", parents=[common],
                                description="Connecting London public-access kiosk.")
    p.add_argument("--windowed", action="store_true", help="a window, not fullscreen")
    p.add_argument("--lang", help="start a session in this language (development)")
    p.add_argument("--smoke", action="store_true",
                   help="start, draw the first screen, print 'ready in N.NNN s' and exit")
    p.add_argument("--demo", action="store_true",
                   help="demo mode: bundled content, no hub, the official-service browser "
                        "only explains")
    sub = p.add_subparsers(dest="command")
    shots = sub.add_parser("shots", parents=[common],
                           help="render every main screen in each language to PNG files")
    shots.add_argument("--out", required=True, help="folder for the PNG files")
    shots.add_argument("--lang", nargs="+", help="language codes (default: en); 'all' for "
                                                 "every language the content offers")
    from kiosk.app.shots import JOURNEY

    shots.add_argument("--screens", nargs="+", choices=[n for n, _ in JOURNEY],
                       help="only these screens (default: every main screen)")
    shots.add_argument("--text-size", type=int, choices=[100, 150, 200], default=100,
                       help="text size in per cent, as the Text size button sets it "
                            "(default: 100)")
    shots.add_argument("--contrast", action="store_true",
                       help="in the high-contrast theme, as the Contrast button sets it")
    shots.add_argument("--all-pages", action="store_true",
                       help="every service's start page and guide, and every page of every "
                            "lesson (LANG-guide-ID.png, LANG-lesson-ID-N.png), not only the "
                            "first")
    shots.add_argument("--review", action="store_true",
                       help="a review sheet for one language (--lang CODE): every screen and "
                            "every guide and lesson page, in the language and in English, "
                            "with OUT/index.html showing them side by side")
    simulate = sub.add_parser("simulate", parents=[common],
                              help="drive N random but plausible citizen sessions through the "
                                   "real UI, headless, recording real events")
    simulate.add_argument("--sessions", type=int, required=True, help="how many sessions")
    simulate.add_argument("--seed", type=int, help="the same seed gives the same sessions")
    simulate.add_argument("--json", action="store_true", help="print a JSON report")
    install = sub.add_parser("install-pack", parents=[common],
                             help="install a signed content pack from a folder (a USB stick)")
    install.add_argument("pack", help="the pack folder (manifest.json, manifest.sig, files/)")
    install.add_argument("--json", action="store_true", help="print a JSON report")
    sub.add_parser("rollback", parents=[common],
                   help="staff: go back to the previous content version")
    status = sub.add_parser("status", parents=[common],
                            help="content, queued events, last sync, enrolment")
    status.add_argument("--json", action="store_true", help="print JSON")
    enrol = sub.add_parser("enrol", parents=[common],
                           help="register this terminal with a hub using a one-time code")
    enrol.add_argument("code", help="the one-time code from kiosk-hub enrol-code")
    enrol.add_argument("--hub", help="the hub's address, e.g. https://hub.example.org "
                                     "(default: $KIOSK_HUB_URL)")
    sync = sub.add_parser("sync", parents=[common],
                          help="one sync cycle without the UI: send queued events, fetch and "
                               "install new content")
    sync.add_argument("--once", action="store_true", required=True,
                      help="run one cycle and exit")
    sync.add_argument("--json", action="store_true", help="print a JSON report")
    return p


COMMANDS = {"shots": run_shots, "status": run_status, "simulate": run_simulate,
            "install-pack": run_install_pack, "rollback": run_rollback, "enrol": run_enrol,
            "sync": run_sync}


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    setup_logging()
    return clikit.run("kiosk", lambda: COMMANDS.get(args.command, run_kiosk)(args))


if __name__ == "__main__":
    raise SystemExit(main())
