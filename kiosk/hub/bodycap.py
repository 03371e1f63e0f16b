"""Every request body is capped while it streams in, on every route (issue 15: a 200 MiB
body to /api/v1/enrol raised the hub by 320 MiB, read whole before anything looked at it).

One ASGI middleware: a declared Content-Length over the route's cap is answered 413 before
a byte is read; a body without one (chunked) is counted as it arrives and the request ends
with 413 as soon as it passes the cap. Routes keep their own, smaller caps (the events'
count, a heartbeat's 8 KiB); this is the floor nothing can get under.
"""

from __future__ import annotations

import json

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kiosk.core import protocol
from kiosk.hub.pages import PREFIX, forms, settings_form

DEFAULT_CAP = 64 * 1024  # any body not named below: a sign-in form, a heartbeat, a code
CAPS = {
    protocol.path(protocol.EVENTS): protocol.MAX_EVENTS_BODY,
    protocol.path(protocol.CONFIG_REPORT): protocol.MAX_CONFIG_REPORT_BYTES,
    protocol.path(protocol.ENROL): 1024,
}


class BodyTooLarge(HTTPException):
    """Raised from receive() when a body passes its cap. An HTTPException, so a route or
    FastAPI's own body parsing that meets it re-raises it as it is, answered 413."""

    def __init__(self, cap: int):
        super().__init__(413, f"the request body is over the limit of {cap} bytes")


def cap_for(path: str) -> int:
    if path == f"{PREFIX}/login":
        return forms.MAX_FORM_BYTES
    if path.startswith(PREFIX + "/"):
        return settings_form.MAX_FORM_BYTES  # the settings pages' forms are the largest
    return CAPS.get(path, DEFAULT_CAP)


class BodyCap:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cap = cap_for(scope.get("path", ""))
        for name, value in scope.get("headers", ()):
            if name == b"content-length" and (not value.isdigit() or len(value) > 18
                                              or int(value) > cap):
                await too_large(send, cap)
                return
        received = 0
        started = False

        async def capped_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > cap:
                    raise BodyTooLarge(cap)
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, capped_receive, watched_send)
        except BodyTooLarge:
            if started:
                raise
            await too_large(send, cap)


async def too_large(send: Send, cap: int) -> None:
    body = json.dumps({"detail": f"the request body is over the limit of {cap} bytes"}) \
        .encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
