"""Enrolment: a new terminal exchanges a one-time code (from `kiosk-hub enrol-code`) for its
id and bearer token. The only route of the terminals' API that takes no token, so it is the
one a stranger can reach: each attempt is counted per address before the code is looked at
(limits.ENROL, in the database: 429 with Retry-After past it), its body is at most 1 KiB
(bodycap.py), and every bad code gets the same answer, whether it was unknown, used or
expired, so guessing learns nothing.
"""

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from kiosk.core import protocol
from kiosk.core.protocol import MAX_CODE_CHARS
from kiosk.hub import limits
from kiosk.hub.deps import StoreDep
from kiosk.hub.errors import BAD_JSON, Detail
from kiosk.hub.pages.forms import client_address
from kiosk.hub.store import EnrolError

router = APIRouter(prefix=protocol.API_PREFIX, tags=["enrolment"])

BAD_CODE = ("this enrolment code cannot be used: it is wrong, used or expired. Ask an admin "
            "for a new one (kiosk-hub enrol-code)")


class EnrolRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(max_length=MAX_CODE_CHARS, pattern=r"^[A-Za-z0-9 \-]+$",
                      description="the one-time code from `kiosk-hub enrol-code` (letters, "
                                  "digits; spaces and dashes are ignored)")


class EnrolResponse(BaseModel):
    terminal_id: str
    token: str = Field(description="send as `Authorization: Bearer <token>` from now on")
    centre: str


@router.post("/" + protocol.ENROL, response_model=EnrolResponse,
             responses={403: {"model": Detail, "description": "wrong, used or expired code "
                                                              "(one answer for all three)"},
                        413: {"model": Detail, "description": "a body over 1 KiB"},
                        429: {"model": Detail, "description": "too many attempts from this "
                                                              "address: after Retry-After"},
                        **BAD_JSON})
async def enrol(body: EnrolRequest, request: Request, store: StoreDep) -> EnrolResponse:
    """Exchange a one-time enrolment code for a terminal id and token."""
    wait = await run_in_threadpool(limits.count, store.engine, limits.ENROL,
                                   client_address(request))
    if wait:
        raise HTTPException(429, "too many enrolment attempts from this address; try again "
                                 "later", headers={"Retry-After": str(wait)})
    try:
        terminal_id, token, centre = await run_in_threadpool(store.enrol, body.code)
    except EnrolError:
        raise HTTPException(403, BAD_CODE) from None
    return EnrolResponse(terminal_id=terminal_id, token=token, centre=centre)
