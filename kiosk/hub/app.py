"""The hub's application: create_app builds it from HubSettings, puts the shared objects on
app.state (store, packs, settings) and includes one router per subject (kiosk/hub/routes/).

The terminals' API, versioned under /api/v1 and described by /openapi.json:

    POST /api/v1/enrol                      {"code"} -> {"terminal_id", "token", "centre"}
    GET  /api/v1/content/manifest.json      the current pack's manifest, ETag, If-None-Match
    GET  /api/v1/content/manifest.sig       its signature
    GET  /api/v1/content/files/{sha256}     a blob of the current or previous pack; Range
    POST /api/v1/events                     {"events": [...]} -> {"accepted", "duplicates"}

Every route but enrolment needs `Authorization: Bearer <token>` of a terminal that is not
revoked (else 401), and records the terminal's last_seen and what it reports about itself
(deps.CurrentTerminal). The pages under /admin/ are behind a login: the dashboard's figures
(routes/dashboard.py) and the configuration pages (routes/config_pages.py), for admins and
for centre staff (their own centres only); they are not part of the terminals' API and not
in /openapi.json.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator

import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles

from kiosk import __version__
from kiosk.core import files, packs
from kiosk.hub import auth, configuration, errors, fleet, fresh, limits, observe
from kiosk.hub.bodycap import BodyCap
from kiosk.hub.pages import PREFIX
from kiosk.hub.pages.headers import SecurityHeaders
from kiosk.hub.pages.render import STATIC_DIR
from kiosk.hub.routes import config as config_routes
from kiosk.hub.routes import (
    config_pages,
    content,
    dashboard,
    events,
    fleet_pages,
    health,
    heartbeat,
    terminals,
)
from kiosk.hub.settings import HubSettings
from kiosk.hub.store import PublishedPacks, Store

# `kiosk-hub serve --workers N` puts its checked settings here, as JSON, for its workers.
WORKER_ENV = "KIOSK_HUB_WORKER_SETTINGS"

log = logging.getLogger(__name__)


def app_for_worker() -> FastAPI:
    """The app in one of `kiosk-hub serve --workers N`'s processes: uvicorn starts each
    worker afresh (spawn) and builds its app from this factory, with the settings the
    parent checked. The parent runs the daily roll-up, once for all of them."""
    settings = HubSettings.from_json(os.environ[WORKER_ENV], WORKER_ENV)
    return create_app(settings, roll_up=False)


def create_app(settings: HubSettings, *, roll_up: bool = True) -> FastAPI:
    """The hub app over settings.data_dir (published packs) and settings.db_url. The trusted
    keys, if set, are loaded now so a bad keys file stops the server at start (publishing
    itself is `kiosk-hub publish`). roll_up: run the daily retention roll-up in this
    process (with several workers, their parent does)."""
    private_data(settings)
    store = Store(settings.db_url)
    if store.engine.dialect.name == "sqlite" and store.engine.url.database:
        for suffix in ("", "-wal", "-shm"):  # SQLite gives the last two the first's mode
            files.private_file(store.engine.url.database + suffix)
    secret = auth.load_secret(settings.data_dir)
    trusted = packs.load_trusted_keys(settings.trusted_keys) if settings.trusted_keys else None

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        task = asyncio.create_task(roll_up_daily(store, settings.retention_days)) \
            if roll_up else None
        yield
        if task is not None:
            task.cancel()
        for kept in (app.state.versions, app.state.tokens, app.state.seen_writes,
                     app.state.config_documents, app.state.password_checks):
            kept.close()
        store.close()
        observe.process_exited()

    app = FastAPI(title="kiosk-hub", version=__version__, docs_url=None, redoc_url=None,
                  lifespan=lifespan,
                  description="The Connecting London hub: enrolment, content and usage "
                              "statistics for enrolled kiosk terminals.")
    app.state.settings = settings
    app.state.store = store
    app.state.packs = PublishedPacks(settings.data_dir)
    # In memory, per process, each kept under a version read from the database after each
    # request arrived (fresh.py): the terminals' tokens, and the configuration documents.
    app.state.versions = fresh.SharedRead(lambda: store.versions(), "versions")
    app.state.tokens = fresh.Kept(lambda: store.tokens(), "tokens")
    # What terminals report about themselves, stored a batch at a time.
    app.state.seen_writes = fresh.SharedWrite(lambda seen: store.record_seen(seen), "seen")
    app.state.config_documents = configuration.Documents(store.engine)
    app.state.trusted_keys = trusted
    app.state.secret = secret
    # Password checks on threads of their own, a few at a time (limits.py): a login flood
    # neither fills the memory nor takes the threads terminals' requests run on.
    app.state.password_checks = limits.PasswordChecks()

    # A locked, restarting or unreachable database, wherever it is met: 503 + Retry-After.
    app.add_exception_handler(sa.exc.OperationalError, errors.database_busy)
    # Every pooled connection in use for POOL_TIMEOUT (store.py): busy too.
    app.add_exception_handler(sa.exc.TimeoutError, errors.database_busy)
    app.add_exception_handler(RequestValidationError, errors.invalid_request)
    app.add_exception_handler(errors.LoginRequired, errors.login_required)
    app.add_exception_handler(errors.AdminOnly, errors.admin_only)

    app.include_router(health.router)
    app.include_router(terminals.router)
    app.include_router(content.router)
    app.include_router(events.router)
    app.include_router(config_routes.router)
    app.include_router(heartbeat.router)
    # Static files before the dashboard's router: its last route catches every other
    # /admin/ address.
    app.mount(f"{PREFIX}/static", StaticFiles(directory=STATIC_DIR), name="admin-static")
    app.include_router(config_pages.router)
    app.include_router(fleet_pages.router)
    app.include_router(dashboard.router)
    # Bodies capped as they stream in, on every route, before anything reads them.
    app.add_middleware(BodyCap)
    # Security headers on every response, 413s and 500s included (an exception is answered
    # there).
    app.add_middleware(SecurityHeaders)
    # Every request counted and timed (and logged as JSON when asked).
    app.add_middleware(observe.RequestObserver, engine=store.engine,
                       json_logs=settings.log_format == "json")
    # Outermost: the client's address and scheme as a trusted proxy forwarded them (and
    # only then), before anything reads them.
    if settings.trusted_proxies:
        from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

        app.add_middleware(ProxyHeadersMiddleware,
                           trusted_hosts=settings.trusted_proxies.split(","))
    return app


def private_data(settings: HubSettings) -> None:
    """The data folder (published packs, the SQLite database, the secret) is the owner's
    alone: 0700, made so at every start, with a warning when it was not."""
    if files.private_dir(settings.data_dir):
        log.warning("%s was open to other users of this machine; it is now 0700 (owner "
                    "only)", settings.data_dir)
    for name in ("hub.db", "hub.db-wal", "hub.db-shm", auth.SECRET_FILE):
        if files.private_file(settings.data_dir / name):
            log.warning("%s was readable by others; it is now 0600",
                        settings.data_dir / name)


async def roll_up_daily(store: Store, retention_days: int) -> None:
    """Retention: roll old raw events into daily counts now, then once a day; thin the
    heartbeats' history (fleet.thin) now, then every hour."""
    rolled_up = None
    while True:
        if rolled_up is None or asyncio.get_running_loop().time() - rolled_up >= 24 * 3600:
            rolled_up = asyncio.get_running_loop().time()
            try:
                n = await run_in_threadpool(store.roll_up, retention_days)
                if n:
                    log.info("rolled up %d events older than %d days", n, retention_days)
            except Exception:  # logged; tried again tomorrow
                log.exception("the daily roll-up of old events failed")
        try:
            await run_in_threadpool(fleet.thin, store.engine)
        except Exception:  # logged; tried again in an hour
            log.exception("thinning the heartbeats' history failed")
        try:
            await run_in_threadpool(limits.sweep, store.engine)
        except Exception:  # logged; tried again in an hour
            log.exception("sweeping old attempts failed")
        await asyncio.sleep(3600)
