"""The fleet's part of the terminals' API: POST /api/v1/heartbeat, how a terminal is (and, in
the answer, the remote actions queued for it), and POST /api/v1/token/confirm, the first use
of a replacement token. The body is capped while it streams in, as for /events.
"""

import json

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from kiosk.core import heartbeat as schema
from kiosk.core import protocol
from kiosk.core.protocol import MAX_HEARTBEAT_BYTES
from kiosk.hub import fleet
from kiosk.hub.deps import UNAUTHORISED, CurrentTerminal, StoreDep
from kiosk.hub.errors import BUSY, Detail
from kiosk.hub.routes.events import TooBig, read_capped

router = APIRouter(prefix=protocol.API_PREFIX, tags=["fleet"])


class Action(BaseModel):
    id: int
    kind: str = Field(description=f"one of {', '.join(protocol.ACTIONS)}")
    token: str | None = Field(None, description="replace_token: the new token; confirm it "
                                                "with POST /api/v1/token/confirm")


class HeartbeatAck(BaseModel):
    actions: list[Action] = Field(description="remote actions queued for this terminal")


def parse(body: bytes) -> dict:
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise schema.HeartbeatError("the body is not JSON") from None
    except ValueError:  # a number of thousands of digits (Python's int limit)
        raise schema.HeartbeatError("the body holds a number too long for any field") \
            from None
    return schema.check(data)


@router.post("/" + protocol.HEARTBEAT, response_model=HeartbeatAck,
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/json": {"schema": {"type": "object", "description":
                                                 "kiosk.core.heartbeat.FIELDS"}}}}},
             responses={413: {"model": Detail, "description": f"over {MAX_HEARTBEAT_BYTES} "
                                                              "bytes"},
                        422: {"model": Detail, "description": "a field is wrong; nothing "
                                                             "was kept"},
                        **BUSY, **UNAUTHORISED})
async def post_heartbeat(request: Request, who: CurrentTerminal,
                         store: StoreDep) -> HeartbeatAck:
    """How the terminal is (core/heartbeat.py: versions, queue, disk, memory, the last
    error, maintenance mode; nothing about citizens). The answer carries the actions an
    admin queued for it; their outcomes come back in later heartbeats."""
    try:
        hb = parse(await read_capped(request, MAX_HEARTBEAT_BYTES))
    except TooBig:
        raise HTTPException(413, f"a heartbeat is at most {MAX_HEARTBEAT_BYTES} bytes") \
            from None
    except schema.HeartbeatError as e:
        raise HTTPException(422, str(e)) from None
    actions = await run_in_threadpool(fleet.record_heartbeat, store.engine, who.id, hb)
    return HeartbeatAck(actions=[Action(**a) for a in actions])


@router.post("/" + protocol.TOKEN_CONFIRM, status_code=204,
             responses={**BUSY, **UNAUTHORISED})
async def confirm_token(who: CurrentTerminal) -> Response:
    """Made with a replacement token: from now on it is this terminal's only token (the
    token check has made it so). Made with the current token: nothing to do."""
    return Response(status_code=204)
