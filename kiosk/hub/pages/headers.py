"""Security headers on every response the hub sends, errors and 500s included: a strict
Content-Security-Policy on the admin pages (scripts only from /admin/static, no inline
script), a CSP that allows nothing on the API (it serves no HTML), nosniff, no framing, and
HSTS whenever the request came over https (directly, or through a trusted proxy: app.py).
Added by one ASGI middleware, whichever route or handler made the response.

Pages and every error answer are `no-store` (figures and forms are not for shared caches
or the back button of a shared computer; an error is not worth keeping). An exception no
handler caught is logged here and answered 500 with the same headers, never a bare 500.
"""

from __future__ import annotations

import json
import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kiosk.hub.pages import PREFIX

# The figures reach the charts as JSON in a non-executable <script> block, so no page needs
# inline script or style.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
       "connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; "
       "base-uri 'none'")
API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
HSTS = b"max-age=31536000"  # a year; not includeSubDomains: the hub may share a domain
COMMON = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
]
SECURITY_HEADERS = [(b"content-security-policy", CSP.encode()), *COMMON]
API_HEADERS = [(b"content-security-policy", API_CSP.encode()), *COMMON]
_REPLACED = {name for name, _ in SECURITY_HEADERS} | {b"strict-transport-security"}

log = logging.getLogger(__name__)


class SecurityHeaders:
    """ASGI middleware: the headers above on every HTTP response."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        page = path == PREFIX or path.startswith(PREFIX + "/")
        static = path.startswith(f"{PREFIX}/static/")
        extra = list(SECURITY_HEADERS if page else API_HEADERS)
        if scope.get("scheme") == "https":
            extra.append((b"strict-transport-security", HSTS))
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = [(k, v) for k, v in message.get("headers", [])
                           if k.lower() not in _REPLACED]
                headers += extra
                if (page and not static) or message["status"] >= 400:
                    headers = [(k, v) for k, v in headers if k.lower() != b"cache-control"]
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            log.exception("%s %s failed", scope.get("method"), path)
            if started:
                raise
            body = json.dumps({"detail": "the hub failed to answer; it has been logged"}) \
                .encode()
            await send_with_headers({"type": "http.response.start", "status": 500,
                                     "headers": [(b"content-type", b"application/json"),
                                                 (b"content-length",
                                                  str(len(body)).encode())]})
            await send_with_headers({"type": "http.response.body", "body": body})


AdminHeaders = SecurityHeaders  # its name when it covered the pages only
