"""Content for terminals: the current pack's manifest and signature (byte for byte, as
signed, with an ETag), and its files by SHA-256, resumable with one byte Range. Files of
the previous pack are still served, so a terminal half-way through an update can finish.
"""

import hashlib
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, HTTPException, Request
from fastapi import Path as PathParam
from fastapi.responses import Response, StreamingResponse

from kiosk.core import protocol
from kiosk.core.protocol import SHA256_RE
from kiosk.hub.deps import UNAUTHORISED, CurrentTerminal, PacksDep
from kiosk.hub.errors import Detail
from kiosk.hub.store import Current, PublishedPacks

CHUNK = 256 * 1024
# At most 18 digits a side (an exabyte): a longer number is ignored as malformed, never
# handed to int() (thousands of digits raised ValueError, a 500: issue 15).
RANGE_RE = re.compile(r"^\s*bytes\s*=\s*(\d{0,18})\s*-\s*(\d{0,18})\s*$")
NO_CONTENT = {404: {"model": Detail, "description": "no content published yet"}}

router = APIRouter(prefix=protocol.API_PREFIX, tags=["content"])


def etag(data: bytes) -> str:
    return f'"{hashlib.sha256(data).hexdigest()}"'


def etag_matches(if_none_match: str | None, tag: str) -> bool:
    if not if_none_match:
        return False
    for candidate in if_none_match.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == tag:
            return True
    return False


def parse_range(header: str | None, size: int) -> tuple[int, int] | None | str:
    """A single byte range as (first, last) inclusive; None: serve everything (no header, or
    one this server ignores, such as several ranges); "unsatisfiable": answer 416."""
    if header is None or len(header) > 100:
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


def stream(path: Path, start: int, length: int) -> Iterator[bytes]:
    with path.open("rb") as f:
        f.seek(start)
        left = length
        while left > 0:
            chunk = f.read(min(CHUNK, left))
            if not chunk:
                break
            left -= len(chunk)
            yield chunk


def current_or_404(packs: PublishedPacks) -> Current:
    cur = packs.current()
    if cur is None:
        raise HTTPException(404, "no content published yet")
    return cur


@router.get("/" + protocol.MANIFEST,
            responses={200: {"content": {"application/json": {}},
                             "description": "the manifest bytes, as signed"},
                       304: {"description": "If-None-Match matched the ETag"},
                       **UNAUTHORISED, **NO_CONTENT})
def manifest(request: Request, _: CurrentTerminal, packs: PacksDep) -> Response:
    """The current pack's manifest.json, byte for byte; ETag is its quoted SHA-256."""
    cur = current_or_404(packs)
    data = packs.manifest_bytes(cur.version)
    tag = etag(data)
    headers = {"ETag": tag, "Cache-Control": "no-cache"}
    if etag_matches(request.headers.get("if-none-match"), tag):
        return Response(status_code=304, headers=headers)
    return Response(data, media_type="application/json", headers=headers)


@router.get("/" + protocol.SIGNATURE,
            responses={200: {"content": {"application/json": {}},
                             "description": "manifest.sig of the current pack"},
                       **UNAUTHORISED, **NO_CONTENT})
def signature(_: CurrentTerminal, packs: PacksDep) -> Response:
    """The current pack's manifest.sig, byte for byte."""
    cur = current_or_404(packs)
    data = packs.signature_bytes(cur.version)
    return Response(data, media_type="application/json",
                    headers={"ETag": etag(data), "Cache-Control": "no-cache"})


@router.get("/" + protocol.FILES + "/{sha256}",
            responses={200: {"content": {"application/octet-stream": {}},
                             "description": "the whole file"},
                       206: {"content": {"application/octet-stream": {}},
                             "description": "the requested byte range"},
                       400: {"model": Detail, "description": "not 64 lowercase hex digits"},
                       404: {"model": Detail,
                             "description": "not in the current or previous pack"},
                       416: {"description": "the range starts past the end"},
                       **UNAUTHORISED},
            # Range is read from the request by hand: described here for /openapi.json.
            openapi_extra={"parameters": [
                {"name": "Range", "in": "header", "required": False,
                 "schema": {"type": "string", "maxLength": 100,
                            "description": "bytes=N- or bytes=N-M"}}]})
def file(sha256: Annotated[str, PathParam(pattern=r"^[0-9a-f]{64}$",
                                          description="the file's SHA-256, 64 lowercase "
                                                      "hex digits")],
         request: Request, _: CurrentTerminal, packs: PacksDep) -> Response:
    """A content file by its SHA-256; one `Range: bytes=N-` or `bytes=N-M` resumes."""
    if not SHA256_RE.fullmatch(sha256):
        raise HTTPException(400, "a file is named by its SHA-256: 64 lowercase hex digits")
    cur = packs.current()
    if cur is None or sha256 not in packs.served_hashes(cur):
        raise HTTPException(404, "no such file in the current or previous content")
    path = packs.blob_path(sha256)
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
    return StreamingResponse(stream(path, start, length), status_code=status,
                             media_type="application/octet-stream", headers=headers)
