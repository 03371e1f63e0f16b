"""Answers for failures any route can meet, each handled once for the whole app (app.py
registers them): a database that is busy, restarting or unreachable (503 with Retry-After:
JSON for terminals, a page for people, never a bare 500), a page that needs a sign-in (a
redirect to the sign-in page and back), and an admin's page asked for by centre staff (403).
"""

from __future__ import annotations

import logging
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel

from kiosk.hub.auth import SESSION_COOKIE
from kiosk.hub.pages import PREFIX
from kiosk.hub.pages.forms import delete_cookie, safe_next
from kiosk.hub.pages.render import error_page

API_RETRY_AFTER = 5  # seconds a terminal waits when the database is too busy
PAGE_RETRY_AFTER = 10  # seconds an admin is asked to wait (a person, not a retry loop)
BUSY_DETAIL = "the hub is busy; try again shortly"

log = logging.getLogger(__name__)


class Detail(BaseModel):
    """The body of every error answer of the terminals' API."""
    detail: str


BUSY = {503: {"model": Detail, "description": "busy: try again after Retry-After seconds"}}
BAD_JSON = {400: {"model": Detail, "description": "the body is not JSON"}}
MAX_VALIDATION_ERRORS = 20


async def invalid_request(request: Request, exc: Exception) -> Response:
    """FastAPI's RequestValidationError, answered without the submitted input (a wrong code,
    a password pasted into the wrong field: nothing sent comes back, nor reaches a log):
    400 when the body is not JSON at all, else 422 naming each field and what is wrong."""
    errors = exc.errors() if hasattr(exc, "errors") else []
    if any(e.get("type") == "json_invalid" for e in errors):
        return JSONResponse({"detail": "the body is not JSON"}, 400)
    if errors and all(e.get("loc", ("",))[0] == "path" for e in errors):
        # An address that names nothing that could exist (a file by a malformed hash)
        return JSONResponse({"detail": "the address is malformed: " + "; ".join(
            f"{e.get('loc', ('', ''))[-1]}: {e.get('msg', '')}" for e in errors[:3])}, 400)
    detail = [{"loc": [str(x) for x in e.get("loc", ())][:10], "msg": str(e.get("msg", "")),
               "type": str(e.get("type", ""))} for e in errors[:MAX_VALIDATION_ERRORS]]
    return JSONResponse({"detail": detail}, 422)


def is_page(request: Request) -> bool:
    path = request.url.path
    return path == PREFIX or path.startswith(PREFIX + "/")


async def database_busy(request: Request, exc: Exception) -> Response:
    """For sqlalchemy.exc.OperationalError (locked, restarting, unreachable) and TimeoutError
    (every pooled connection in use for too long), wherever it is raised, in a route or in
    a dependency such as the terminal's token check."""
    page = is_page(request)
    retry_after = PAGE_RETRY_AFTER if page else API_RETRY_AFTER
    log.warning("database unavailable for %s, asked to come back in %d s: %s",
                request.url.path, retry_after, (str(exc).splitlines() or [""])[0])
    headers = {"Retry-After": str(retry_after)}
    if not page:
        return JSONResponse({"detail": BUSY_DETAIL}, 503, headers=headers)
    response = error_page(request, 503, "The figures are not available just now",
                          "The hub's database is busy or restarting. Please try again in a "
                          "minute.")
    response.headers.update(headers)
    return response


class LoginRequired(Exception):
    """Raised by deps.CurrentStaff (and CurrentAdmin) when a page needs a session and there
    is none."""


class AdminOnly(Exception):
    """Raised by deps.CurrentAdmin when centre staff (the argument: who) ask for an admin's
    page."""


async def admin_only(request: Request, exc: Exception) -> Response:
    """403: a page for admins, asked for by centre staff (a page, or JSON outside /admin)."""
    if not is_page(request):
        return JSONResponse({"detail": "for admins only"}, 403)
    return error_page(request, 403, "This page is for admins",
                      "Your login is for your own centres' settings and figures. Ask an "
                      "admin if something else needs changing.",
                      exc.args[0] if exc.args else None, back=f"{PREFIX}/centres",
                      back_text="Go to your centres")


async def login_required(request: Request, _exc: Exception) -> Response:
    """To the sign-in page, and back to the page asked for (a GET) once signed in."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    url = f"{PREFIX}/login"
    if request.method in ("GET", "HEAD") and safe_next(target) != f"{PREFIX}/":
        url += "?next=" + quote(target, safe="/")
    response = RedirectResponse(url, status_code=303)
    if SESSION_COOKIE in request.cookies:  # expired or ended: forget it
        delete_cookie(response, request, SESSION_COOKIE, PREFIX)
    return response
