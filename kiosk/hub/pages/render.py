"""Rendering the admin pages: the Jinja2 templates (kiosk/hub/templates/) with what every
page needs (the prefix, the version for cache-busting static URLs), and the error page.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from kiosk import __version__
from kiosk.hub.auth import SignedIn
from kiosk.hub.pages import PREFIX

HUB_DIR = Path(__file__).resolve().parents[1]
STATIC_DIR = HUB_DIR / "static"
TEMPLATES_DIR = HUB_DIR / "templates"

templates = Jinja2Templates(directory=TEMPLATES_DIR)
templates.env.globals.update(
    prefix=PREFIX, version=__version__,
    # ?v= changes with each release, so browsers never mix old scripts with new pages.
    static_url=lambda name: f"{PREFIX}/static/{name}?v={__version__}")


def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A page from its template; `session` (whoever is signed in: auth.SignedIn) and
    `errors` default to none."""
    context.setdefault("session", None)
    context.setdefault("errors", [])
    return templates.TemplateResponse(request, template, context, status_code=status)


def error_page(request: Request, status: int, heading: str, message: str,
               session: SignedIn | None = None, back: str = f"{PREFIX}/",
               back_text: str = "Go to the dashboard") -> HTMLResponse:
    return page(request, "error.html", status, heading=heading, message=message,
                session=session, back=back, back_text=back_text)
