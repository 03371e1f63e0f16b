"""kiosk-hub: the central server and its operators' commands (reference: docs/cli-reference.md).

    kiosk-hub serve [--host 127.0.0.1] [--port 8080]   run the API (FastAPI on uvicorn)
    kiosk-hub enrol-code --centre NAME [--hours 24]     a one-time code, alone on the last line
    kiosk-hub publish PACK [--trusted-keys FILE]        verify a signed pack and make it current
    kiosk-hub terminals [--json]                        every enrolled terminal
    kiosk-hub revoke TERMINAL                           withdraw a terminal's token
    kiosk-hub rollup [--days 400]                       roll old raw events into daily counts
    kiosk-hub admin-user NAME [--password-stdin]        create or reset a dashboard login
    kiosk-hub staff-user NAME --centre C [--centre C2] [--password-stdin]
                                                        a centre staff login (its centres only)
    kiosk-hub export [--format csv|json] [--from DATE] [--to DATE] [--centre NAME] [--raw]
                     [--out FILE]                       usage figures (suppressed), or raw events
    kiosk-hub digest [--dry-run]                        e-mail admins the terminals needing
                                                        attention (nothing when all is well)
    kiosk-hub backup --out FILE / restore FILE          the database, consistently (SQLite
                                                        online backup, pg_dump)

Every command takes --data-dir (or KIOSK_DATA_DIR), --db (or KIOSK_HUB_DB; default SQLite
DATA_DIR/hub.db) and --config (default DATA_DIR/hub.toml, then config/hub.toml): the settings
are read once, as kiosk/hub/settings.py says. User errors are one line, `kiosk-hub: <reason>`,
exit 1.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import os
import re
import socket
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk import clikit
from kiosk.clikit import Progress, UserError
from kiosk.core import files, packs
from kiosk.hub.settings import PORTS, SOURCES, WORKERS, HubSettings, SettingsError
from kiosk.hub.settings import load as settings_load

if TYPE_CHECKING:
    from kiosk.hub.store import Store


def load_settings(args) -> HubSettings:
    """The hub's settings for this command: its flags over KIOSK_* variables over the config
    file (--config, else DATA_DIR/hub.toml, else config/hub.toml) over the defaults."""
    flags = {name: getattr(args, name, None) for name in SOURCES}
    return settings_load(flags, config=getattr(args, "config", None))


def make_data_dir(s: HubSettings) -> Path:
    try:
        files.private_dir(s.data_dir)  # 0700: app.private_data checks and says more
    except OSError as e:
        raise UserError(f"cannot create data directory {s.data_dir}: {e.strerror or e}") \
            from None
    return s.data_dir


def open_store(s: HubSettings) -> Store:
    from kiosk.hub.store import Store

    make_data_dir(s)
    return Store(s.db_url)


def _iso(dt: datetime | None) -> str | None:
    return None if dt is None else dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def listen(host: str, port: int, family: int = socket.AF_INET) -> socket.socket:
    """A listening TCP socket for uvicorn. proto must say IPPROTO_TCP: asyncio sets
    TCP_NODELAY on accepted connections only when it does, and without it every reply on a
    kept-alive connection waits ~40 ms for a delayed ACK (measured: 44 ms against 0.9 ms per
    request)."""
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    return sock


def cmd_serve(args, s: HubSettings) -> int:
    import uvicorn

    from kiosk.hub.app import WORKER_ENV, create_app

    d = make_data_dir(s)
    if (s.tls_cert is None) != (s.tls_key is None):
        raise UserError("--tls-cert and --tls-key go together: give both, or neither")
    tls = {}
    if s.tls_cert is not None:
        import ssl

        try:  # a wrong file stops the server now, with one line
            ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(
                s.tls_cert, s.tls_key)
        except (OSError, ssl.SSLError) as e:
            raise UserError(f"--tls-cert/--tls-key: cannot use {s.tls_cert} with "
                            f"{s.tls_key}: {e}") from None
        tls = {"ssl_certfile": str(s.tls_cert), "ssl_keyfile": str(s.tls_key)}
    if s.workers > 1:  # before anything imports prometheus_client (observe.py)
        from kiosk.hub import observe

        observe.prepare_multiprocess(d)
    # Built here even with workers: bad settings, keys or database stop the server now,
    # with one line, and the database is migrated once, before any worker opens it.
    app = create_app(s, roll_up=s.workers == 1)
    family = socket.AF_INET6 if ":" in s.host else socket.AF_INET
    try:
        sock = listen(s.host, s.port, family)
    except OSError as e:
        reason = os.strerror(e.errno) if e.errno else str(e)
        raise UserError(f"cannot listen on {s.host}:{s.port}: {reason}") from None
    workers = f", {s.workers} workers" if s.workers > 1 else ""
    scheme = "https" if tls else "http"
    said = (f"serving {d} on {scheme}://{s.host}:{s.port} (API under /api/v1, described by "
            f"/openapi.json; dashboard at /admin/{workers})")
    if s.log_format == "json":  # every line of the log is JSON
        import time

        said = json.dumps({"time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                           "level": "info", "logger": "kiosk-hub", "message": said})
    else:
        said = f"kiosk-hub: {said}"
    print(said, file=sys.stderr, flush=True)
    from kiosk.hub import observe

    # Proxy headers are read by the app itself, from trusted proxies only (app.py).
    common = {"host": s.host, "port": s.port, "log_level": "info", **tls,
              "proxy_headers": False, "server_header": False,
              "log_config": observe.log_config(s.log_format == "json") or
              uvicorn.config.LOGGING_CONFIG, "access_log": s.log_format != "json"}
    if s.workers == 1:
        uvicorn.Server(uvicorn.Config(app, **common)).run(sockets=[sock])
        return 0
    import threading

    from uvicorn.supervisors import Multiprocess

    # Each worker is a fresh process (spawn) that rebuilds the app from these settings.
    os.environ[WORKER_ENV] = s.to_json()
    store = app.state.store
    stop = threading.Event()

    def roll_up_daily() -> None:  # once for all workers, here in their parent
        from kiosk.hub import fleet, limits

        hours = 0
        while not stop.is_set():
            if hours % 24 == 0:
                try:
                    store.roll_up(s.retention_days)
                except Exception:  # logged; tried again tomorrow
                    logging.getLogger(__name__).exception("the daily roll-up failed")
            try:  # the heartbeats' history, every hour
                fleet.thin(store.engine)
            except Exception:  # logged; tried again in an hour
                logging.getLogger(__name__).exception("thinning the heartbeats failed")
            try:  # counted attempts whose window is over
                limits.sweep(store.engine)
            except Exception:  # logged; tried again in an hour
                logging.getLogger(__name__).exception("sweeping old attempts failed")
            hours += 1
            stop.wait(3600)

    threading.Thread(target=roll_up_daily, name="roll-up", daemon=True).start()
    config = uvicorn.Config("kiosk.hub.app:app_for_worker", factory=True,
                            workers=s.workers, **common)
    try:
        Multiprocess(config, sockets=[sock]).run()
    finally:
        stop.set()
    return 0


def cmd_enrol_code(args, s: HubSettings) -> int:
    store = open_store(s)
    try:
        code = store.create_enrol_code(args.centre, args.hours)
    finally:
        store.close()
    print(f"One-time enrolment code for a terminal at {args.centre.strip()}, valid for "
          f"{args.hours:g} hours. On the terminal: kiosk enrol CODE --hub URL")
    print(code)
    return 0


def cmd_publish(args, s: HubSettings) -> int:
    from kiosk.hub.store import PublishedPacks

    keyfile = s.trusted_keys
    if keyfile is None:
        raise UserError("no trusted keys: give --trusted-keys FILE, set KIOSK_TRUSTED_KEYS, or "
                        "trusted_keys in the hub's config file")
    trusted = packs.load_trusted_keys(keyfile)
    shown: list[Progress] = []

    def progress(verb: str, done: int, total: int) -> None:
        if not shown or shown[-1].label != verb:  # a new stage: checking, then storing
            if shown:
                shown[-1].close()
            shown.append(Progress(verb, total, "files"))
        shown[-1].update(done, total)

    try:
        m = PublishedPacks(s.data_dir).publish(args.pack, trusted, progress=progress)
    finally:
        if shown:
            shown[-1].close()
    print(f"published content version {m.version}: {len(m.files)} files, {m.total_bytes} "
          f"bytes, languages {', '.join(m.languages)}, signed by {m.signer} (key {m.key_id})")
    return 0


def cmd_terminals(args, s: HubSettings) -> int:
    from kiosk.hub import fleet

    store = open_store(s)
    try:
        rows = store.terminals()
        overview = {r["id"]: r for r in fleet.overview(store.engine)}
        health = {k: r["status"] for k, r in overview.items()}
    finally:
        store.close()
    if args.json:
        print(json.dumps([{"id": t.id, "centre": t.centre, "created": _iso(t.created),
                           "last_seen": _iso(t.last_seen), "app_version": t.app_version,
                           "content_version": t.content_version,
                           "queue_depth": t.queue_depth, "status": t.status,
                           "health": health[t.id].key,
                           "refused_events": overview[t.id]["refused"],
                           "health_reasons": list(health[t.id].reasons)}
                          for t in rows], indent=2))
        return 0
    if not rows:
        print("no terminals enrolled")
        return 0

    clikit.table(("ID", "CENTRE", "LAST SEEN (UTC)", "APP", "CONTENT", "QUEUED", "REFUSED",
                  "STATUS", "HEALTH"),
                 [(t.id, t.centre, _iso(t.last_seen) or "never", t.app_version,
                   t.content_version, t.queue_depth, overview[t.id]["refused"], t.status,
                   health[t.id].word)
                  for t in rows])
    return 0


def cmd_revoke(args, s: HubSettings) -> int:
    store = open_store(s)
    try:
        changed = store.revoke(args.terminal)
    finally:
        store.close()
    print(f"terminal {args.terminal}: " + ("revoked; its requests are refused from now on"
                                           if changed else "was already revoked"))
    return 0


def cmd_backup(args, s: HubSettings) -> int:
    from kiosk.hub import backup

    store = open_store(s)  # the schema is current (and not newer) before it is copied
    store.close()
    with Progress(f"backing up {s.db_url.split('@')[-1]}"):
        done = backup.backup(s.db_url, Path(args.out))
    print(f"backup of the {done.kind} database (schema {done.revision}) in {done.path} "
          f"({done.size:,} bytes)")
    return 0


def cmd_restore(args, s: HubSettings) -> int:
    from kiosk.hub import backup

    make_data_dir(s)
    with Progress(f"restoring {args.file}"):
        done = backup.restore(s.db_url, Path(args.file))
    store = open_store(s)  # an older backup is migrated to this hub's schema now
    store.close()
    print(f"restored {done.path} (schema {done.revision}) into the {done.kind} database; "
          "start the hub again")
    return 0


def cmd_rollup(args, s: HubSettings) -> int:
    days = s.retention_days
    store = open_store(s)
    try:
        n = store.roll_up(days)
    finally:
        store.close()
    print(f"rolled up {n} raw events older than {days} days into daily counts")
    return 0


def _new_password(name: str, stdin: bool) -> str:
    """A new password: one line of stdin, or asked for twice at the terminal; checked."""
    import getpass

    from kiosk.hub import auth

    try:
        if stdin:
            line = sys.stdin.readline()
            if not line:
                raise UserError("--password-stdin: nothing on stdin (give the password as one "
                                "line)")
            password = line.rstrip("\r\n")
            auth.check_password(password)
        else:
            password = getpass.getpass(f"New password for {name}: ")
            auth.check_password(password)  # before asking for it again
            if getpass.getpass("The same password again: ") != password:
                raise UserError("the two passwords differ; nothing was changed")
    except ValueError as e:
        raise UserError(str(e)) from None
    except EOFError:
        raise UserError("no password given; nothing was changed") from None
    return password


def cmd_admin_user(args, s: HubSettings) -> int:
    from kiosk.hub import auth

    try:
        name = auth.check_name(args.name)
    except ValueError as e:
        raise UserError(str(e)) from None
    password = _new_password(name, args.password_stdin)
    store = open_store(s)
    try:
        created = auth.set_admin_password(store.engine, name, password)
    except ValueError as e:
        raise UserError(str(e)) from None
    finally:
        store.close()
    print(f"admin {name}: created" if created else
          f"admin {name}: password reset; every dashboard session of {name} was ended")
    return 0


def cmd_staff_user(args, s: HubSettings) -> int:
    from kiosk.hub import auth

    try:
        name = auth.check_name(args.name, "staff")
        centres = auth.check_centres(args.centre)
    except ValueError as e:
        raise UserError(str(e)) from None
    password = _new_password(name, args.password_stdin)
    store = open_store(s)
    try:
        created = auth.set_staff_user(store.engine, name, password, centres)
        enrolled = {t.centre for t in store.terminals()}
    except ValueError as e:
        raise UserError(str(e)) from None
    finally:
        store.close()
    where = ", ".join(centres)
    print(f"staff {name}: created for {where}" if created else
          f"staff {name}: password reset, now for {where}; every session of {name} was ended")
    for c in centres:
        if c not in enrolled:  # a typo would make a login that sees nothing
            print(f"note: no terminal is enrolled at {c!r} yet; check the spelling "
                  "(kiosk-hub terminals)", file=sys.stderr)
    return 0


def _scope(args):
    from kiosk.hub.configuration import Scope

    if getattr(args, "all", False):
        return Scope("all")
    if args.centre is not None:
        if not args.centre.strip():
            raise UserError("--centre: give the centre's name")
        return Scope("centre", args.centre.strip())
    if args.terminal is not None:
        return Scope("terminal", args.terminal.strip())
    return None


def cmd_config(args, s: HubSettings) -> int:
    """config show | set | unset | lock | unlock | audit."""
    from kiosk.core import config
    from kiosk.hub import configuration

    who = f"cli {os.environ.get('USER') or 'admin'}"[:120]
    scope = _scope(args)
    store = open_store(s)
    try:
        if args.action == "show":
            scope = scope or configuration.Scope("all")
            eff = configuration.resolved(store.engine, scope)
            where = configuration.chain(store.engine, scope)
            if args.json:
                print(json.dumps({k: {"value": bool(e.value) if k in config.SECRET_KEYS
                                      else config.setting_to_json(
                                          config.Setting(e.value, ""))["value"],
                                      "source": e.source,
                    "locked_at": e.locked_at, "changed": e.changed, "by": e.by,
                    "note": e.note} for k, e in eff.items()}, ensure_ascii=False, indent=2))
                return 0
            rows = [(k, ("(set)" if e.value else "") if k in config.SECRET_KEYS else
                     config.show(e.value, k).replace("\n", " / ")[:60],
                     str(where.get(e.source, e.source)),
                     f"locked for {where[e.locked_at]}" if e.locked_at else "")
                    for k, e in eff.items()
                    if e.source != "default" or not args.set_only]
            clikit.table(("KEY", "VALUE", "FROM", "LOCK"), rows)
            return 0
        if args.action == "audit":
            rows = configuration.audit(store.engine, scope, limit=args.limit)
            clikit.table(("WHEN (UTC)", "WHO", "WHERE", "KEY", "CHANGE"),
                         [(r["at"], r["who"], str(configuration.Scope(r["scope"], r["target"])),
                           r["key"], _change(r)) for r in rows])
            return 0
        if scope is None:
            raise UserError(f"config {args.action}: say where: --all, --centre C or "
                            "--terminal T")
        if args.action == "set" and args.key == "staff.pin":
            from kiosk.hub import auth

            configuration.set_value(store.engine, scope, "staff.pin_hash",
                                    auth.hash_pin(args.value), who)
            print(f"staff.pin: set for {scope} (only its hash is kept)")
        elif args.action == "set":
            value = configuration.set_value(store.engine, scope, args.key,
                                            config.parse(args.key, args.value), who)
            print(f"{args.key} = {config.show(value, args.key)} for {scope}")
        elif args.action == "unset":
            done = configuration.clear_value(store.engine, scope, args.key, who)
            print(f"{args.key}: " + (f"no longer set for {scope}" if done else
                                     f"was not set for {scope}"))
        else:
            locked = args.action == "lock"
            done = configuration.set_lock(store.engine, scope, args.key, locked, who)
            state = "locked" if locked else "unlocked"
            print(f"{args.key}: {state} for {scope}" + ("" if done else f" (already {state})"))
        return 0
    except config.ConfigError as e:
        raise UserError(str(e)) from None
    finally:
        store.close()


def _change(r: dict) -> str:
    from kiosk.core import config

    if r["action"] in ("lock", "unlock"):
        return r["action"]
    old = "-" if r["old"] is None else config.show(r["old"], r["key"])
    new = "-" if r["new"] is None else config.show(r["new"], r["key"])
    return f"{old[:30]} -> {new[:30]}"


DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
PROGRESS_EVERY = 10_000


def _date(flag: str, text: str | None) -> date | None:
    if text is None:
        return None
    try:
        if not DATE_RE.fullmatch(text):
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise UserError(f"{flag}: {text!r} is not a date (YYYY-MM-DD)") from None


def export_range(start: date | None, end: date | None, raw: bool,
                 today: date) -> tuple[date | None, date | None]:
    """--from and --to as given; for figures, missing ones default to the last 30 days to
    today (London). Raw events: no limit unless given."""
    if not raw:
        end = end or today
        start = start or end - timedelta(days=29)
    if start is not None and end is not None and start > end:
        raise UserError(f"--from {start} is after --to {end}")
    return start, end


@contextlib.contextmanager
def _output(path: str | None):
    """A UTF-8 text stream: FILE (written to a temporary file beside it, renamed into place
    when complete, so an interrupted export leaves no half file), or stdout."""
    if path is None:
        sys.stdout.flush()
        buffer = getattr(sys.stdout, "buffer", None)
        if buffer is None:  # stdout replaced by a text-only stream
            yield sys.stdout
            return
        stream = io.TextIOWrapper(buffer, encoding="utf-8", newline="")
        try:
            yield stream
        finally:
            stream.flush()
            stream.detach()
        return
    with files.atomic_open(Path(path), "w", encoding="utf-8") as stream:
        yield stream


def cmd_export(args, s: HubSettings) -> int:
    from kiosk.hub import reports
    from kiosk.hub.csvfile import CsvFile
    from kiosk.hub.usage import LONDON

    start, end = export_range(_date("--from", args.start), _date("--to", args.end), args.raw,
                              datetime.now(LONDON).date())
    centre = args.centre.strip() if args.centre is not None else None
    if not args.raw:
        try:
            filters = reports.Filters(start, end, centre)
        except ValueError as e:
            raise UserError(str(e)) from None
    store = open_store(s)
    try:
        if centre is not None:
            known = reports.centres(store.engine)
            if centre not in known:
                raise UserError(f"--centre: no centre named {centre!r} (known: "
                                f"{', '.join(known) or 'none yet'})")
        with _output(args.out) as out, Progress("exporting", unit="events") as progress:
            if args.raw:
                n = 0
                if args.format == "csv":
                    table = CsvFile(out, header=reports.RAW_COLUMNS)
                for event in reports.raw_events(store.engine, start, end, centre):
                    if args.format == "csv":
                        table.row(event.values())
                    else:
                        out.write(json.dumps(event, ensure_ascii=False) + "\n")
                    n += 1
                    if n % PROGRESS_EVERY == 0:
                        progress.update(n)
                if n >= PROGRESS_EVERY:
                    progress.update(n)
                what = f"{n} raw events (unsuppressed)"
            else:
                from kiosk.hub.store import PublishedPacks

                names = reports.titles(PublishedPacks(s.data_dir))
                rep = reports.report(store.engine, filters,
                                     suppress=not args.no_suppress, titles_by_id=names)
                if args.format == "csv":
                    CsvFile(out, header=reports.FIGURE_COLUMNS).rows(reports.figures(rep))
                else:
                    out.write(json.dumps(rep, indent=2, ensure_ascii=False) + "\n")
                what = f"usage figures {start} to {end}" + (
                    "" if rep["suppressed"] else " (unsuppressed)")
    finally:
        store.close()
    if args.out:
        print(f"kiosk-hub: wrote {what} to {args.out}", file=sys.stderr)
    return 0


def cmd_digest(args, s: HubSettings) -> int:
    """The daily e-mail of terminals that need attention, for cron or a systemd timer."""
    from kiosk.hub import digest

    store = open_store(s)
    try:
        if args.subscribe:
            if not args.email:
                raise UserError("--subscribe needs --email ADDRESS")
            digest.subscribe(store.engine, args.subscribe, args.email)
            print(f"{args.subscribe} gets the daily digest at {args.email.strip()}")
            return 0
        if args.unsubscribe:
            done = digest.unsubscribe(store.engine, args.unsubscribe)
            print(f"{args.unsubscribe}: " + ("no longer gets the daily digest" if done else
                                             "did not get the daily digest"))
            return 0
        found, sent = digest.send(s, store.engine, dry_run=args.dry_run)
        who = digest.subscribers(store.engine)
    except digest.DigestError as e:
        raise UserError(str(e)) from None
    finally:
        store.close()
    if found is None:
        print("all is well: every terminal is ok, nothing sent")
    elif args.dry_run:
        print(f"Subject: {found.subject}\n\n{found.body}", end="")
        print(f"(not sent; it would go to {len(who)} subscriber{'s' if len(who) != 1 else ''})",
              file=sys.stderr)
    elif not who:
        print(f"{len(found.terminals)} terminals need looking at, but no admin subscribes "
              "(kiosk-hub digest --subscribe NAME --email ADDRESS): nothing sent")
    else:
        print(f"digest of {len(found.terminals)} terminals sent to {len(sent)} of {len(who)} "
              "subscribers")
        if len(sent) < len(who):
            raise UserError(f"the mail server refused {len(who) - len(sent)} address(es); "
                            "see the log")
    return 0


def _hours(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 < value <= 24 * 366:
        raise argparse.ArgumentTypeError(f"must be more than 0 and at most a year, not {text}")
    return value


def _workers(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not WORKERS[0] <= value <= WORKERS[1]:
        raise argparse.ArgumentTypeError(f"must be from {WORKERS[0]} to {WORKERS[1]}, not "
                                         f"{value}")
    return value


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not PORTS[0] <= value <= PORTS[1]:
        raise argparse.ArgumentTypeError(f"{value} is not a port number "
                                         f"({PORTS[0]}-{PORTS[1]})")
    return value


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", help="where the hub keeps its state (default: "
                                           "$KIOSK_DATA_DIR or ~/.local/share/kiosk-hub)")
    common.add_argument("--db", help="database URL (default: $KIOSK_HUB_DB, the config file, or "
                                     "SQLite DATA_DIR/hub.db; postgresql://... for PostgreSQL)")
    common.add_argument("--config", help="config file (TOML, a [hub] table); default: "
                                         "DATA_DIR/hub.toml, then config/hub.toml")
    keys = argparse.ArgumentParser(add_help=False)
    keys.add_argument("--trusted-keys", metavar="FILE",
                      help="trusted publisher public keys (default: $KIOSK_TRUSTED_KEYS, or "
                           "trusted_keys in the config file)")
    p = argparse.ArgumentParser(prog="kiosk-hub", description="The Connecting London hub: "
                                "enrols kiosk terminals, serves them signed content, "
                                "collects their anonymous usage figures and reports them to "
                                "admins.")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    s = sub.add_parser("serve", parents=[common, keys], help="run the server",
                       description="Run the hub's API. /openapi.json describes it.")
    # No defaults here: HubSettings has them, under the config file and KIOSK_HUB_*.
    s.add_argument("--host", help="address to listen on (default: $KIOSK_HUB_HOST, the "
                                  "config file, or 127.0.0.1)")
    s.add_argument("--port", type=_port, help="port (default: $KIOSK_HUB_PORT, the config "
                                              "file, or 8080)")
    s.add_argument("--metrics-token", metavar="TOKEN",
                   help="GET /metrics answers only requests bringing this token "
                        "(Authorization: Bearer); default: $KIOSK_METRICS_TOKEN, the config "
                        "file, or none: then only requests from this machine")
    s.add_argument("--log-format", choices=("text", "json"),
                   help="text (default; $KIOSK_LOG_FORMAT, the config file) or json: one "
                        "JSON object a line, one line per request")
    s.add_argument("--workers", type=_workers,
                   help="server processes (default: $KIOSK_HUB_WORKERS, the config file, or "
                        "1); more use more cores, best with PostgreSQL (SQLite takes one "
                        "writer at a time)")
    s.add_argument("--event-batches-per-minute", metavar="N", type=int,
                   help="batches of usage events one terminal may send a minute, beyond "
                        "which it is told to wait (default: $KIOSK_EVENT_BATCHES_PER_MINUTE, "
                        "the config file, or 60)")
    s.add_argument("--tls-cert", metavar="FILE",
                   help="serve HTTPS with this PEM certificate (chain); with --tls-key "
                        "(default: $KIOSK_TLS_CERT, the config file, or plain HTTP)")
    s.add_argument("--tls-key", metavar="FILE",
                   help="the certificate's PEM private key (default: $KIOSK_TLS_KEY, the "
                        "config file)")
    s.add_argument("--trusted-proxies", metavar="ADDRESSES",
                   help="reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are "
                        "believed, as addresses or networks (default: "
                        "$KIOSK_HUB_TRUSTED_PROXIES, the config file, or none)")
    e = sub.add_parser("enrol-code", parents=[common],
                       help="print a one-time enrolment code for a new terminal",
                       description="Make a one-time enrolment code; it is printed alone on "
                                   "the last line. Only its SHA-256 is stored.")
    e.add_argument("--centre", required=True, help="the centre the terminal belongs to")
    e.add_argument("--hours", type=_hours, default=24.0,
                   help="hours until the code expires (default: 24)")
    pub = sub.add_parser("publish", parents=[common, keys],
                         help="publish a signed content pack to the kiosks",
                         description="Verify PACK against the trusted keys and make it the "
                                     "current content; refused unless newer than the "
                                     "current version.")
    pub.add_argument("pack", metavar="PACK", help="the pack directory (kiosk-content build)")
    t = sub.add_parser("terminals", parents=[common], help="list enrolled terminals",
                       description="Every enrolled terminal: id, centre, last seen, the app "
                                   "and content versions and events queued it last "
                                   "reported, status (active or revoked) and health (as "
                                   "the hub's Terminals page says: OK, Stale, Offline or "
                                   "Needs attention; --json adds the reasons).")
    t.add_argument("--json", action="store_true", help="print JSON")
    r = sub.add_parser("revoke", parents=[common], help="withdraw a terminal's token",
                       description="Withdraw a terminal's token: its requests are refused "
                                   "from then on.")
    r.add_argument("terminal", metavar="TERMINAL", help="the terminal id (kiosk-hub terminals)")
    bk = sub.add_parser("backup", parents=[common],
                        help="a consistent backup of the hub's database",
                        description="Back up the hub's database while it serves: SQLite's "
                                    "online backup (the file is a SQLite database), or "
                                    "pg_dump's custom format for PostgreSQL. FILE appears "
                                    "only when the backup is complete.")
    bk.add_argument("--out", required=True, metavar="FILE", help="the backup file to write")
    rs = sub.add_parser("restore", parents=[common],
                        help="put a backup back (stop the hub first)",
                        description="Replace the database's contents with a backup made by "
                                    "`kiosk-hub backup`, then bring its schema up to this "
                                    "version. Refuses a file that is not such a backup, one "
                                    "of another kind of database, or one from a newer hub. "
                                    "Stop the hub first (systemctl stop kiosk-hub).")
    rs.add_argument("file", metavar="FILE", help="a file written by kiosk-hub backup")
    ru = sub.add_parser("rollup", parents=[common],
                        help="roll raw events older than the retention age into daily counts",
                        description="Raw usage events older than the retention age are added "
                                    "to daily counts and deleted. The server does this once "
                                    "a day by itself.")
    ru.add_argument("--days", dest="retention_days", type=int,
                    help="keep raw events this many days (default: $KIOSK_RETENTION_DAYS, "
                         "retention_days in the config file, else 400)")
    a = sub.add_parser("admin-user", parents=[common],
                       help="create or reset a dashboard login",
                       description="Create the dashboard login NAME, or reset its password "
                                   "(which ends every dashboard session of NAME). The "
                                   "password is asked for twice, or read as one line from "
                                   "stdin with --password-stdin; at least 12 characters. "
                                   "Only an argon2 hash of it is stored.")
    a.add_argument("name", metavar="NAME", help="the login name")
    a.add_argument("--password-stdin", action="store_true",
                   help="read the password as one line from stdin instead of asking")
    st = sub.add_parser("staff-user", parents=[common],
                        help="create or reset a centre staff login",
                        description="Create the login NAME for centre staff, who see and set "
                                    "only the settings of their own centres (and only their "
                                    "figures) on the hub's pages; or reset its password and "
                                    "centres (which ends every session of NAME). The "
                                    "password is asked for twice, or read as one line from "
                                    "stdin with --password-stdin; at least 12 characters. "
                                    "Only an argon2 hash of it is stored.")
    st.add_argument("name", metavar="NAME", help="the login name (not an admin's)")
    st.add_argument("--centre", metavar="C", action="append", required=True,
                    help="a centre this login looks after, as its terminals were enrolled; "
                         "repeat for several")
    st.add_argument("--password-stdin", action="store_true",
                    help="read the password as one line from stdin instead of asking")
    x = sub.add_parser("export", parents=[common],
                       help="usage figures for admins (small counts suppressed), or every "
                            "raw event with --raw",
                       description="The usage report's figures for a period, counts from 1 "
                                   "to 7 (and any count they could be worked back from) shown "
                                   "as <8: CSV (one row per figure, UTF-8 with a BOM for "
                                   "Excel) or JSON. With --raw: every stored raw event "
                                   "instead, each with its event_id, UNSUPPRESSED: for "
                                   "admins only, never to publish. See docs/admin-guide.md.")
    x.add_argument("--format", choices=("csv", "json"), default="csv",
                   help="csv (default) or json; with --raw, json is one object a line")
    x.add_argument("--from", dest="start", metavar="DATE",
                   help="first London day, YYYY-MM-DD (default: 29 days before --to; with "
                        "--raw: the oldest event)")
    x.add_argument("--to", dest="end", metavar="DATE",
                   help="last London day, YYYY-MM-DD, included (default: today; with --raw: "
                        "the newest event)")
    x.add_argument("--centre", metavar="NAME", help="one centre (default: all centres)")
    x.add_argument("--raw", action="store_true",
                   help="every stored raw event, one a line, UNSUPPRESSED: small numbers "
                        "show; for admins only, never to publish")
    x.add_argument("--no-suppress", action="store_true",
                   help="figures with small counts as they are: for admins only, never to "
                        "publish")
    x.add_argument("--out", metavar="FILE", help="write to FILE (default: stdout)")
    dg = sub.add_parser("digest", parents=[common],
                        help="e-mail subscribed admins the terminals that need attention "
                             "(nothing when all is well)",
                        description="The daily digest: every terminal that needs attention, "
                                    "is stale or is offline, grouped by centre with the "
                                    "reasons, e-mailed to each subscribed admin through the "
                                    "mail server in the config file (smtp_host, smtp_port, "
                                    "smtp_security, smtp_user, smtp_password, smtp_from). "
                                    "Nothing is sent when every terminal is ok. Run it once "
                                    "a day from cron or config/kiosk-hub-digest.timer.")
    dg.add_argument("--dry-run", action="store_true",
                    help="print the digest instead of sending it")
    dg.add_argument("--subscribe", metavar="ADMIN",
                    help="the admin ADMIN gets the digest (with --email); also on the "
                         "Terminals page")
    dg.add_argument("--email", metavar="ADDRESS", help="where --subscribe sends it")
    dg.add_argument("--unsubscribe", metavar="ADMIN", help="the admin ADMIN no longer gets it")
    c = sub.add_parser("config", help="show, set and lock the kiosks' configuration",
                       description="The configuration staff and admins set (languages, "
                                   "services, the centre's information, a notice, session "
                                   "settings): for all terminals, a centre or one terminal. "
                                   "Later scopes override earlier ones; a lock stops every "
                                   "later scope (and staff at the terminal) changing it. "
                                   "Keys: docs/staff-guide.md.")
    csub = c.add_subparsers(dest="action", required=True, metavar="ACTION")
    where = argparse.ArgumentParser(add_help=False)
    scope = where.add_mutually_exclusive_group()
    scope.add_argument("--all", action="store_true", help="every terminal")
    scope.add_argument("--centre", metavar="C", help="the terminals of centre C")
    scope.add_argument("--terminal", metavar="T", help="terminal T only")
    cs = csub.add_parser("show", parents=[common, where],
                         help="the effective values and where each comes from",
                         description="The effective value of every setting for all "
                                     "terminals (default), a centre or a terminal, and where "
                                     "each comes from.")
    cs.add_argument("--json", action="store_true", help="print JSON")
    cs.add_argument("--set-only", action="store_true", help="leave out defaults")
    cset = csub.add_parser("set", parents=[common, where], help="set a value",
                           description="Set KEY to VALUE (lists comma-separated, on/off, "
                                       "YYYY-MM-DD; centre.name.ar for one language).")
    cset.add_argument("key", metavar="KEY")
    cset.add_argument("value", metavar="VALUE")
    for action, text in (("unset", "remove a value set here (the broader one applies)"),
                         ("lock", "lock a setting: later scopes cannot change it"),
                         ("unlock", "unlock a setting")):
        ca = csub.add_parser(action, parents=[common, where], help=text, description=text)
        ca.add_argument("key", metavar="KEY")
    caud = csub.add_parser("audit", parents=[common, where], help="recent changes",
                           description="Recent configuration changes, newest first: who, "
                                       "when, where, old and new value.")
    caud.add_argument("--limit", type=int, default=50, help="how many (default: 50)")
    return p


COMMANDS = {"serve": cmd_serve, "enrol-code": cmd_enrol_code, "publish": cmd_publish,
            "terminals": cmd_terminals, "revoke": cmd_revoke, "rollup": cmd_rollup,
            "admin-user": cmd_admin_user, "staff-user": cmd_staff_user, "export": cmd_export,
            "config": cmd_config, "digest": cmd_digest, "backup": cmd_backup,
            "restore": cmd_restore}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from kiosk.hub.backup import BackupError
    from kiosk.hub.store import StoreError

    return clikit.run("kiosk-hub", lambda: COMMANDS[args.command](args, load_settings(args)),
                      expected=(SettingsError, StoreError, packs.PackError, BackupError))


if __name__ == "__main__":
    raise SystemExit(main())
