"""What a route may ask for in its signature, as Annotated aliases: the shared objects on
app.state (StoreDep, PacksDep, SettingsDep, ConfigDocumentsDep) and who is asking
(CurrentTerminal for the terminals' API, with the database's versions it was checked at;
CurrentStaff, anyone signed in to the pages, and CurrentAdmin, admins only). A route that
needs someone signed in says so here, in its parameters, and cannot forget it.
"""

# No "from __future__ import annotations": FastAPI reads these annotations at import.

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Annotated, NamedTuple

from fastapi import Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPBearer

from kiosk.core.protocol import APP_VERSION_RE, CONTENT_VERSION_HEADER, QUEUE_HEADER
from kiosk.hub import auth
from kiosk.hub.configuration import Documents
from kiosk.hub.errors import AdminOnly, Detail, LoginRequired
from kiosk.hub.fresh import Versions
from kiosk.hub.settings import HubSettings
from kiosk.hub.store import PublishedPacks, Store, now_utc, seen_changes, sha256_hex

# --- shared objects, put on app.state by create_app ---------------------------------------
# async: a plain def would be run in the thread pool, a hop per request for an attribute.


async def get_store(request: Request) -> Store:
    return request.app.state.store


async def get_packs(request: Request) -> PublishedPacks:
    return request.app.state.packs


async def get_settings(request: Request) -> HubSettings:
    return request.app.state.settings


async def get_config_documents(request: Request) -> Documents:
    return request.app.state.config_documents


StoreDep = Annotated[Store, Depends(get_store)]
PacksDep = Annotated[PublishedPacks, Depends(get_packs)]
SettingsDep = Annotated[HubSettings, Depends(get_settings)]
ConfigDocumentsDep = Annotated[Documents, Depends(get_config_documents)]


# --- terminals: a bearer token from enrolment ----------------------------------------------


class TerminalIdentity(NamedTuple):
    """The enrolled, not revoked terminal a request comes from, and the database's versions
    it was checked at (read after the request arrived): a route answering from memory uses
    them too (configuration.Documents), with no read of its own."""
    id: str
    centre: str
    versions: Versions


UNAUTHORISED = {401: {"model": Detail, "description": "no token, or a revoked one"}}


def _small_int(text: str | None) -> int | None:
    if text is None or not text.isdigit() or len(text) > 9:
        return None
    return int(text)


def terminal_report(headers: Mapping[str, str]) -> dict:
    """What a terminal says about itself on each request, for the fleet view: its app
    version (User-Agent kiosk/X), content version (X-Kiosk-Content-Version) and events
    queued (X-Kiosk-Queue). Anything malformed is ignored: it is information, not input."""
    m = APP_VERSION_RE.match(headers.get("user-agent", ""))
    return {"app_version": m.group(1) if m else None,
            "content_version": _small_int(headers.get(CONTENT_VERSION_HEADER)),
            "queue_depth": _small_int(headers.get(QUEUE_HEADER))}


class TerminalToken(HTTPBearer):
    """The terminal holding the request's bearer token (401 otherwise); its last_seen and
    what it reports about itself are recorded on the way.

    Tokens are kept in memory under the terminals' version (app.state.tokens, fresh.Kept),
    and the versions are read after the request arrived, in one read shared with the
    requests arriving with it (app.state.versions, fresh.SharedRead): a revocation or an
    enrolment committed before the request arrived counts, in every worker, with no query
    of the request's own. What terminals report is stored before the answer, together with
    what the others asking at that moment report (app.state.seen_writes,
    fresh.SharedWrite). A busy database raises OperationalError, answered 503 by
    errors.database_busy.

    One dependency, the security scheme itself (so /openapi.json says how terminals
    authenticate): FastAPI's cost per dependency is most of what a 304 costs, and a
    terminal's request is one that 200 terminals make at once."""

    async def __call__(self, request: Request) -> TerminalIdentity:  # type: ignore[override]
        scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise HTTPException(401, "a terminal token is needed",
                                headers={"WWW-Authenticate": "Bearer"})
        state = request.app.state
        versions = await state.versions.get()
        tokens = await state.tokens.at(versions.terminals)
        seen = tokens.get(sha256_hex(token)) if len(token) <= 200 else None
        if seen is not None and seen.pending:  # a replacement token's first use
            from kiosk.hub import fleet

            found = await run_in_threadpool(fleet.confirm_pending_token, state.store.engine,
                                            sha256_hex(token))
            if found is not None:
                return TerminalIdentity(*found, versions)
            seen = None
        if seen is None:
            raise HTTPException(401, "unknown or revoked token",
                                headers={"WWW-Authenticate": "Bearer"})
        changes = seen_changes(seen, terminal_report(request.headers), now_utc())
        if changes:  # with the other requests' at that moment, in one transaction
            await state.seen_writes.add(seen.id, changes)
            for key, value in changes.items():
                setattr(seen, key, value)
        return TerminalIdentity(seen.id, seen.centre, versions)


current_terminal = TerminalToken(scheme_name="HTTPBearer",
                                 description="the terminal's token from enrolment")
CurrentTerminal = Annotated[TerminalIdentity, Depends(current_terminal)]

# --- people: a session cookie from the sign-in page ----------------------------------------
# Every page route takes CurrentStaff (an admin or centre staff) or CurrentAdmin (admins
# only) in its signature: who may call it is there to read, and cannot be forgotten.


def signed_in(request: Request, store: StoreDep) -> auth.SignedIn | None:
    """Whoever this request's cookie has signed in (an admin or centre staff), or None. (A
    sync function: FastAPI runs it in the thread pool, off the event loop, as it queries
    the database.)"""
    return auth.signed_in(store.engine, request.cookies.get(auth.SESSION_COOKIE))


MaybeSignedIn = Annotated[auth.SignedIn | None, Depends(signed_in)]


async def current_staff(who: MaybeSignedIn) -> auth.SignedIn:
    """Anyone signed in: an admin, or centre staff with `centres` they may see (a route
    that serves a centre's data checks `who.may_see(centre)`). LoginRequired otherwise:
    answered with the sign-in page by errors.login_required, then back to the page."""
    if who is None:
        raise LoginRequired
    return who


CurrentStaff = Annotated[auth.SignedIn, Depends(current_staff)]


async def current_admin(who: CurrentStaff) -> auth.SignedIn:
    """A signed-in admin; centre staff get AdminOnly (403, errors.admin_only)."""
    if not who.is_admin:
        raise AdminOnly(who)
    return who


CurrentAdmin = Annotated[auth.SignedIn, Depends(current_admin)]

# --- the time (the fleet's status rules depend on it) --------------------------------------


def _utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


async def get_clock(request: Request) -> Callable[[], datetime]:
    """What "now" is for the fleet pages: naive UTC, as the hub stores times. Tests put
    their own on app.state.clock to move time on."""
    return getattr(request.app.state, "clock", None) or _utc_now


ClockDep = Annotated[Callable[[], datetime], Depends(get_clock)]
