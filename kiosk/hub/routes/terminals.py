"""Enrolment: a new terminal exchanges a one-time code (from `kiosk-hub enrol-code`) for its
id and bearer token. The only route of the terminals' API that takes no token.
"""

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field

from kiosk.core import protocol
from kiosk.core.protocol import MAX_CODE_CHARS
from kiosk.hub.deps import StoreDep
from kiosk.hub.errors import Detail
from kiosk.hub.store import EnrolError

router = APIRouter(prefix=protocol.API_PREFIX, tags=["enrolment"])


class EnrolRequest(BaseModel):
    code: str = Field(max_length=MAX_CODE_CHARS, description="the one-time code from "
                                                 "`kiosk-hub enrol-code`")


class EnrolResponse(BaseModel):
    terminal_id: str
    token: str = Field(description="send as `Authorization: Bearer <token>` from now on")
    centre: str


@router.post("/" + protocol.ENROL, response_model=EnrolResponse,
             responses={403: {"model": Detail, "description": "wrong, used or expired code"}})
def enrol(body: EnrolRequest, store: StoreDep) -> EnrolResponse:
    """Exchange a one-time enrolment code for a terminal id and token."""
    try:
        terminal_id, token, centre = store.enrol(body.code)
    except EnrolError as e:
        raise HTTPException(403, str(e)) from None
    return EnrolResponse(terminal_id=terminal_id, token=token, centre=centre)
