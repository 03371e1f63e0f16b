"""Configuration for terminals: GET /api/v1/config gives a terminal its layers (all
terminals, its centre, itself) with an ETag, 304 when it has them already (from memory,
rebuilt when the configuration changes: configuration.Documents, fresh.py); POST
/api/v1/config/report is what it actually uses, staff changes at the terminal included,
so the hub shows the truth for each terminal."""

import json

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from kiosk.core import protocol
from kiosk.core.protocol import MAX_CONFIG_REPORT_BYTES
from kiosk.hub import configuration
from kiosk.hub.deps import UNAUTHORISED, ConfigDocumentsDep, CurrentTerminal, StoreDep
from kiosk.hub.errors import BUSY, Detail
from kiosk.hub.routes.content import etag_matches
from kiosk.hub.routes.events import TooBig, read_capped

router = APIRouter(prefix=protocol.API_PREFIX, tags=["configuration"])


@router.get("/" + protocol.CONFIG, responses={
    200: {"description": "the terminal's configuration layers, lowest precedence first",
          "content": {"application/json": {}}},
    304: {"description": "unchanged since the ETag given in If-None-Match"},
    **UNAUTHORISED, **BUSY})
async def get_config(request: Request, terminal: CurrentTerminal,
                     documents: ConfigDocumentsDep) -> Response:
    # async, and no query of its own: the versions were read for the token check (one read
    # for all the requests arriving together), the document is in memory.
    body, tag = await documents.get(terminal.id, terminal.centre, terminal.versions.config)
    headers = {"ETag": tag, "Cache-Control": "no-cache"}
    if etag_matches(request.headers.get("if-none-match"), tag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)


def _check_report(data) -> dict:
    if not isinstance(data, dict) or not isinstance(data.get("values", {}), dict):
        raise HTTPException(422, 'the report must be an object with "values"')
    for key, v in data.get("values", {}).items():
        if not isinstance(key, str) or len(key) > 80 or not isinstance(v, dict) or \
                set(v) - {"value", "source", "changed", "note"}:
            raise HTTPException(422, f"values: {str(key)[:80]!r}: must be "
                                     '{"value", "source", "changed", "note"}')
        if v.get("source") not in ("default", *configuration.SCOPES, "staff"):
            raise HTTPException(422, f"values: {key}: unknown source")
    problems = data.get("problems", [])
    if not isinstance(problems, list) or len(problems) > 20 or \
            not all(isinstance(p, str) and len(p) <= 500 for p in problems):
        raise HTTPException(422, "problems: at most 20 lines of text")
    etag = data.get("etag")
    if etag is not None and (not isinstance(etag, str) or len(etag) > 70):
        raise HTTPException(422, "etag: must be the ETag the terminal was given")
    return {"values": data.get("values", {}), "problems": problems, "etag": etag}


# The body is read by hand (capped while it streams), so it is described here.
@router.post("/" + protocol.CONFIG_REPORT, status_code=204, openapi_extra={
    "requestBody": {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "properties": {"values": {"type": "object"},
                                         "problems": {"type": "array"},
                                         "etag": {"type": "string"}}}}}}},
    responses={413: {"model": Detail, "description": "over 256 KiB"},
               422: {"model": Detail, "description": "not a configuration report"},
               **UNAUTHORISED, **BUSY})
async def post_report(request: Request, terminal: CurrentTerminal, store: StoreDep) -> Response:
    try:
        body = await read_capped(request, MAX_CONFIG_REPORT_BYTES)
    except TooBig:
        raise HTTPException(413, f"send at most {MAX_CONFIG_REPORT_BYTES} bytes") from None
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise HTTPException(422, "the body is not JSON") from None
    report = _check_report(data)
    await run_in_threadpool(configuration.record_report, store.engine, terminal.id, report)
    return Response(status_code=204)
