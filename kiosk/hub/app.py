"""The hub's HTTP API (FastAPI), versioned under /api/v1 and described by /openapi.json.

    POST /api/v1/enrol                      {"code"} -> {"terminal_id", "token", "centre"}
    GET  /api/v1/content/manifest.json      the current pack's manifest, ETag, If-None-Match
    GET  /api/v1/content/manifest.sig       its signature
    GET  /api/v1/content/files/{sha256}     a blob of the current or previous pack; Range

Every route but enrolment needs `Authorization: Bearer <token>` of a terminal that is not
revoked (else 401), and records the terminal's last_seen.
"""

# No "from __future__ import annotations": FastAPI reads the local Annotated aliases.

import contextlib
import hashlib
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response, StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from kiosk import __version__
from kiosk.core import packs
from kiosk.hub.store import ContentStore, EnrolError, Store, default_db_url

API = "/api/v1"
CHUNK = 256 * 1024
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
RANGE_RE = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$")


class EnrolRequest(BaseModel):
    code: str = Field(max_length=64, description="the one-time code from "
                                                 "`kiosk-hub enrol-code`")


class EnrolResponse(BaseModel):
    terminal_id: str
    token: str = Field(description="send as `Authorization: Bearer <token>` from now on")
    centre: str


class Detail(BaseModel):
    detail: str


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


def create_app(data_dir: str | Path, db_url: str | None = None,
               trusted_keys_path: str | Path | None = None) -> FastAPI:
    """The hub app over DATA_DIR (content, blobs) and the database at db_url (default:
    SQLite DATA_DIR/hub.db). trusted_keys_path, if given, is loaded now so a bad keys file
    stops the server at start (publishing itself is `kiosk-hub publish`)."""
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    store = Store(db_url or default_db_url(data_dir))
    content = ContentStore(data_dir)
    trusted = packs.load_trusted_keys(trusted_keys_path) if trusted_keys_path else None

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI):
        yield
        store.close()

    app = FastAPI(title="kiosk-hub", version=__version__, docs_url=None, redoc_url=None,
                  lifespan=lifespan,
                  description="The Connecting London hub: enrolment and content for "
                              "enrolled kiosk terminals.")
    app.state.store = store
    app.state.content = content
    app.state.trusted_keys = trusted

    bearer = HTTPBearer(auto_error=False, description="the terminal's token from enrolment")

    async def terminal(request: Request,
                       creds: Annotated[HTTPAuthorizationCredentials | None,
                                        Depends(bearer)]) -> str:
        if creds is None or creds.scheme.lower() != "bearer":
            raise HTTPException(401, "a terminal token is needed",
                                headers={"WWW-Authenticate": "Bearer"})
        terminal_id = await run_in_threadpool(store.authenticate, creds.credentials)
        if terminal_id is None:
            raise HTTPException(401, "unknown or revoked token",
                                headers={"WWW-Authenticate": "Bearer"})
        return terminal_id

    Terminal = Annotated[str, Depends(terminal)]
    unauthorised = {401: {"model": Detail, "description": "no token, or a revoked one"}}
    no_content = {404: {"model": Detail, "description": "no content published yet"}}

    def current_or_404():
        cur = content.current()
        if cur is None:
            raise HTTPException(404, "no content published yet")
        return cur

    @app.post(f"{API}/enrol", response_model=EnrolResponse, tags=["enrolment"],
              responses={403: {"model": Detail,
                               "description": "wrong, used or expired code"}})
    def enrol(body: EnrolRequest) -> EnrolResponse:
        """Exchange a one-time enrolment code for a terminal id and token."""
        try:
            terminal_id, token, centre = store.enrol(body.code)
        except EnrolError as e:
            raise HTTPException(403, str(e)) from None
        return EnrolResponse(terminal_id=terminal_id, token=token, centre=centre)

    @app.get(f"{API}/content/manifest.json", tags=["content"],
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

    @app.get(f"{API}/content/manifest.sig", tags=["content"],
             responses={200: {"content": {"application/json": {}},
                              "description": "manifest.sig of the current pack"},
                        **unauthorised, **no_content})
    def signature(_: Terminal) -> Response:
        """The current pack's manifest.sig, byte for byte."""
        cur = current_or_404()
        data = content.signature_bytes(cur.version)
        return Response(data, media_type="application/json",
                        headers={"ETag": _etag(data), "Cache-Control": "no-cache"})

    @app.get(f"{API}/content/files/{{sha256}}", tags=["content"],
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

    return app
