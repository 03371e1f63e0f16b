"""The hub's HTTP API (FastAPI), versioned under /api/v1 and described by /openapi.json.

    POST /api/v1/enrol                      {"code"} -> {"terminal_id", "token", "centre"}
    GET  /api/v1/content/manifest.json      the current pack's manifest, ETag, If-None-Match
    GET  /api/v1/content/manifest.sig       its signature
    GET  /api/v1/content/files/{sha256}     a blob of the current or previous pack; Range
    POST /api/v1/events                     {"events": [...]} -> {"accepted", "duplicates"}

Every route but enrolment needs `Authorization: Bearer <token>` of a terminal that is not
revoked (else 401), and records the terminal's last_seen and what it reports about itself
(User-Agent kiosk/<version>, X-Kiosk-Content-Version, X-Kiosk-Queue).

The admin dashboard (kiosk/hub/dashboard.py) adds /admin/ pages behind a login; they are not
part of the terminals' API and not in /openapi.json.
"""

# No "from __future__ import annotations": FastAPI reads the local Annotated aliases.

import asyncio
import contextlib
import hashlib
import json
import logging
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import sqlalchemy as sa
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response, StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from kiosk import __version__
from kiosk.core import events as event_schema
from kiosk.core import packs, protocol
from kiosk.core.protocol import (
    APP_VERSION_RE,
    CONTENT_VERSION_HEADER,
    MAX_CODE_CHARS,
    MAX_EVENTS_BODY,
    MAX_EVENTS_PER_BATCH,
    QUEUE_HEADER,
    SHA256_RE,
)
from kiosk.hub import usage
from kiosk.hub.store import ContentStore, EnrolError, Store, default_db_url

CHUNK = 256 * 1024
RANGE_RE = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$")
BUSY_RETRY_AFTER = 5  # seconds a terminal waits when the database is too busy

log = logging.getLogger(__name__)


class EnrolRequest(BaseModel):
    code: str = Field(max_length=MAX_CODE_CHARS, description="the one-time code from "
                                                 "`kiosk-hub enrol-code`")


class EnrolResponse(BaseModel):
    terminal_id: str
    token: str = Field(description="send as `Authorization: Bearer <token>` from now on")
    centre: str


class Detail(BaseModel):
    detail: str


class EventBatch(BaseModel):
    """The body of POST /api/v1/events (checked by hand, so a mistake names the event)."""
    events: list[dict] = Field(max_length=MAX_EVENTS_PER_BATCH,
                               description="events exactly as the kiosk's event schema "
                                           "(kiosk.core.events) allows")


class EventAck(BaseModel):
    accepted: int = Field(description="events stored now for the first time")
    duplicates: int = Field(description="events the hub already had (sent again after a "
                                        "lost reply): counted once")


class TooBig(Exception):
    pass


class BadBatch(ValueError):
    """A body that does not fit: the message names the event and field."""


async def read_capped(request: Request, cap: int) -> bytes:
    """The request body, or TooBig as soon as it passes cap bytes (not after reading it all)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > cap:
        raise TooBig
    chunks, n = [], 0
    async for chunk in request.stream():
        n += len(chunk)
        if n > cap:
            raise TooBig
        chunks.append(chunk)
    return b"".join(chunks)


def parse_batch(body: bytes) -> list[dict]:
    """The checked events of a POST /events body; BadBatch naming what is wrong."""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise BadBatch(f"the body is not JSON: {e}") from None
    except RecursionError:
        raise BadBatch("the body is not JSON an event batch could be: nested too deeply") \
            from None
    if not isinstance(data, dict) or set(data) != {"events"}:
        raise BadBatch('the body must be an object with one field, "events"')
    batch = data["events"]
    if not isinstance(batch, list):
        raise BadBatch('"events" must be a list')
    if len(batch) > MAX_EVENTS_PER_BATCH:
        raise TooBig
    for i, event in enumerate(batch):
        try:
            event_schema.validate(event)
        except event_schema.EventError as e:
            raise BadBatch(f"event {i}: {e}") from None
    return batch



def _small_int(text: str | None) -> int | None:
    if text is None or not text.isdigit() or len(text) > 9:
        return None
    return int(text)


def terminal_report(headers) -> dict:
    """What a terminal says about itself on each request, for the fleet view: its app
    version (User-Agent kiosk/X), content version (X-Kiosk-Content-Version) and events
    queued (X-Kiosk-Queue). Anything malformed is ignored: it is information, not input."""
    m = APP_VERSION_RE.match(headers.get("user-agent", ""))
    return {"app_version": m.group(1) if m else None,
            "content_version": _small_int(headers.get(CONTENT_VERSION_HEADER)),
            "queue_depth": _small_int(headers.get(QUEUE_HEADER))}


def _etag(data: bytes) -> str:
    return f'"{hashlib.sha256(data).hexdigest()}"'


def _etag_matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    for tag in if_none_match.split(","):
        tag = tag.strip()
        if tag == "*" or tag.removeprefix("W/") == etag:
            return True
    return False


def parse_range(header: str | None, size: int) -> tuple[int, int] | None | str:
    """A single byte range as (first, last) inclusive; None: serve everything (no header, or
    one this server ignores, such as several ranges); "unsatisfiable": answer 416."""
    if header is None:
        return None
    m = RANGE_RE.match(header)
    if not m or (not m.group(1) and not m.group(2)):
        return None  # malformed or multi-range: RFC 9110 lets a server ignore Range
    first, last = m.group(1), m.group(2)
    if not first:  # "bytes=-N": the last N bytes
        n = int(last)
        if n == 0:
            return "unsatisfiable"
        return max(0, size - n), size - 1
    start = int(first)
    end = size - 1 if not last else min(int(last), size - 1)
    if last and int(last) < start:
        return None  # invalid: ignored
    if start >= size:
        return "unsatisfiable"
    return start, end


def _stream(path: Path, start: int, length: int) -> Iterator[bytes]:
    with path.open("rb") as f:
        f.seek(start)
        left = length
        while left > 0:
            chunk = f.read(min(CHUNK, left))
            if not chunk:
                break
            left -= len(chunk)
            yield chunk


WORKER_ENV = "KIOSK_HUB_WORKER_SETTINGS"


def app_for_worker() -> FastAPI:
    """The app in one of `kiosk-hub serve --workers N`'s processes: uvicorn starts each
    worker afresh (spawn) and builds its app from this factory, with the settings the
    parent checked and put in the environment as JSON."""
    settings = json.loads(os.environ[WORKER_ENV])
    return create_app(settings["data_dir"], settings["db_url"], settings["trusted_keys"],
                      retention_days=settings["retention_days"], roll_up=False)


def create_app(data_dir: str | Path, db_url: str | None = None,
               trusted_keys_path: str | Path | None = None,
               retention_days: int = usage.DEFAULT_RETENTION_DAYS,
               roll_up: bool = True) -> FastAPI:
    """The hub app over DATA_DIR (content, blobs) and the database at db_url (default:
    SQLite DATA_DIR/hub.db). trusted_keys_path, if given, is loaded now so a bad keys file
    stops the server at start (publishing itself is `kiosk-hub publish`). roll_up: run the
    daily retention roll-up in this process (with several workers, their parent does)."""
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    store = Store(db_url or default_db_url(data_dir))
    content = ContentStore(data_dir)
    trusted = packs.load_trusted_keys(trusted_keys_path) if trusted_keys_path else None

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI):
        task = asyncio.create_task(roll_up_daily()) if roll_up else None
        yield
        if task is not None:
            task.cancel()
        store.close()

    async def roll_up_daily():
        """Retention: roll old raw events into daily counts now, then once a day."""
        while True:
            try:
                n = await run_in_threadpool(store.roll_up, retention_days)
                if n:
                    log.info("rolled up %d events older than %d days", n, retention_days)
            except Exception:  # logged; tried again tomorrow
                log.exception("the daily roll-up of old events failed")
            await asyncio.sleep(24 * 3600)

    app = FastAPI(title="kiosk-hub", version=__version__, docs_url=None, redoc_url=None,
                  lifespan=lifespan,
                  description="The Connecting London hub: enrolment, content and usage "
                              "statistics for enrolled kiosk terminals.")
    app.state.store = store
    app.state.content = content
    app.state.trusted_keys = trusted

    bearer = HTTPBearer(auto_error=False, description="the terminal's token from enrolment")

    async def terminal(request: Request,
                       creds: Annotated[HTTPAuthorizationCredentials | None,
                                        Depends(bearer)]) -> tuple[str, str]:
        if creds is None or creds.scheme.lower() != "bearer":
            raise HTTPException(401, "a terminal token is needed",
                                headers={"WWW-Authenticate": "Bearer"})
        try:
            found = await run_in_threadpool(store.authenticate_terminal, creds.credentials,
                                            None, terminal_report(request.headers))
        except sa.exc.OperationalError:
            raise busy() from None
        if found is None:
            raise HTTPException(401, "unknown or revoked token",
                                headers={"WWW-Authenticate": "Bearer"})
        return found

    def busy() -> HTTPException:
        log.warning("database busy: asking a terminal to come back in %d s", BUSY_RETRY_AFTER)
        return HTTPException(503, "the hub is busy; try again shortly",
                             headers={"Retry-After": str(BUSY_RETRY_AFTER)})

    Terminal = Annotated[tuple[str, str], Depends(terminal)]
    unauthorised = {401: {"model": Detail, "description": "no token, or a revoked one"}}
    no_content = {404: {"model": Detail, "description": "no content published yet"}}

    def current_or_404():
        cur = content.current()
        if cur is None:
            raise HTTPException(404, "no content published yet")
        return cur

    @app.post(protocol.path(protocol.ENROL), response_model=EnrolResponse, tags=["enrolment"],
              responses={403: {"model": Detail,
                               "description": "wrong, used or expired code"}})
    def enrol(body: EnrolRequest) -> EnrolResponse:
        """Exchange a one-time enrolment code for a terminal id and token."""
        try:
            terminal_id, token, centre = store.enrol(body.code)
        except EnrolError as e:
            raise HTTPException(403, str(e)) from None
        return EnrolResponse(terminal_id=terminal_id, token=token, centre=centre)

    @app.get(protocol.path(protocol.MANIFEST), tags=["content"],
             responses={200: {"content": {"application/json": {}},
                              "description": "the manifest bytes, as signed"},
                        304: {"description": "If-None-Match matched the ETag"},
                        **unauthorised, **no_content})
    def manifest(request: Request, _: Terminal) -> Response:
        """The current pack's manifest.json, byte for byte; ETag is its quoted SHA-256."""
        cur = current_or_404()
        data = content.manifest_bytes(cur.version)
        etag = _etag(data)
        headers = {"ETag": etag, "Cache-Control": "no-cache"}
        if _etag_matches(request.headers.get("if-none-match"), etag):
            return Response(status_code=304, headers=headers)
        return Response(data, media_type="application/json", headers=headers)

    @app.get(protocol.path(protocol.SIGNATURE), tags=["content"],
             responses={200: {"content": {"application/json": {}},
                              "description": "manifest.sig of the current pack"},
                        **unauthorised, **no_content})
    def signature(_: Terminal) -> Response:
        """The current pack's manifest.sig, byte for byte."""
        cur = current_or_404()
        data = content.signature_bytes(cur.version)
        return Response(data, media_type="application/json",
                        headers={"ETag": _etag(data), "Cache-Control": "no-cache"})

    @app.get(protocol.path(protocol.FILES) + "/{sha256}", tags=["content"],
             responses={200: {"content": {"application/octet-stream": {}},
                              "description": "the whole file"},
                        206: {"content": {"application/octet-stream": {}},
                              "description": "the requested byte range"},
                        400: {"model": Detail, "description": "not 64 lowercase hex digits"},
                        404: {"model": Detail,
                              "description": "not in the current or previous pack"},
                        416: {"description": "the range starts past the end"},
                        **unauthorised})
    def file(sha256: str, request: Request, _: Terminal) -> Response:
        """A content file by its SHA-256; one `Range: bytes=N-` or `bytes=N-M` resumes."""
        if not SHA256_RE.fullmatch(sha256):
            raise HTTPException(400, "a file is named by its SHA-256: 64 lowercase hex digits")
        cur = content.current()
        if cur is None or sha256 not in content.served_hashes(cur):
            raise HTTPException(404, "no such file in the current or previous content")
        path = content.blob_path(sha256)
        try:
            size = os.stat(path).st_size
        except OSError:
            raise HTTPException(404, "no such file in the current or previous content") \
                from None
        headers = {"Accept-Ranges": "bytes", "ETag": f'"{sha256}"',
                   "Cache-Control": "public, max-age=31536000, immutable"}
        wanted = parse_range(request.headers.get("range"), size)
        if wanted == "unsatisfiable":
            return Response(status_code=416, headers={**headers,
                                                      "Content-Range": f"bytes */{size}"})
        if wanted is None:
            start, length, status = 0, size, 200
        else:
            first, last = wanted
            start, length, status = first, last - first + 1, 206
            headers["Content-Range"] = f"bytes {first}-{last}/{size}"
        headers["Content-Length"] = str(length)
        return StreamingResponse(_stream(path, start, length), status_code=status,
                                 media_type="application/octet-stream", headers=headers)

    @app.post(protocol.path(protocol.EVENTS), response_model=EventAck, tags=["statistics"],
              openapi_extra={"requestBody": {"required": True, "content": {
                  "application/json": {"schema": EventBatch.model_json_schema()}}}},
              responses={413: {"model": Detail, "description": "over 1 MiB or over 1000 "
                                                              "events: send smaller batches"},
                         422: {"model": Detail, "description": "the body or an event does "
                                                              "not fit the schema; nothing "
                                                              "was stored"},
                         503: {"model": Detail, "description": "busy: try again after "
                                                              "Retry-After seconds"},
                         **unauthorised})
    async def post_events(request: Request, who: Terminal) -> EventAck:
        """Anonymous usage events from a terminal. Each event id is stored once however often
        it is sent, so a terminal re-sends a batch whose reply it did not get. The batch is
        stored whole or not at all."""
        too_big = HTTPException(413, f"send at most {MAX_EVENTS_PER_BATCH} events and "
                                     f"{MAX_EVENTS_BODY} bytes in one request")
        try:
            body = await read_capped(request, MAX_EVENTS_BODY)
            batch = await run_in_threadpool(parse_batch, body)
        except TooBig:
            raise too_big from None
        except BadBatch as e:
            raise HTTPException(422, str(e)) from None
        terminal_id, centre = who
        try:
            accepted, duplicates = await run_in_threadpool(store.ingest, terminal_id, centre,
                                                           batch)
        except sa.exc.OperationalError:
            raise busy() from None
        return EventAck(accepted=accepted, duplicates=duplicates)

    # The admin dashboard: pages under /admin, behind a login (kiosk/hub/dashboard.py).
    from kiosk.hub import dashboard
    dashboard.install(app, store)

    return app
