"""The admin dashboard: usage figures for library and council staff, behind a login.

    GET  /admin/              figures for a period and centre (?from=&to=&centre=, bookmarkable)
    GET  /admin/export.csv    the same figures as CSV, with the same small-number suppression
    GET  /admin/login         the sign-in form          POST /admin/login   sign in
    POST /admin/logout        sign out (ends the session)
    GET  /admin/static/...    CSS, JS and the vendored chart library (no login: nothing secret)

Every other GET under /admin/ without a live session is sent to the sign-in page (and back
to the page asked for afterwards). The session cookie is HttpOnly, SameSite=Strict, Secure
over https, path /admin, 8 hours; every POST carries the session's CSRF token in a hidden
field, and the sign-in form a pre-session token that must match a cookie (so nobody can sign
a browser in to their own account from another site). Failed sign-ins get one message
whatever was wrong, a short delay, and after 5 failures for one name from one address, a
pause of 15 minutes.

Pages have a strict Content-Security-Policy: scripts only from /admin/static (no inline
script), and the figures reach the charts as JSON in a non-executable <script> block.
Charts are drawn by Chart.js, served by the hub itself (admin networks may have no internet);
each chart has a table beneath it with the same figures.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlencode

import sqlalchemy as sa
from fastapi import APIRouter, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from kiosk import __version__
from kiosk.hub import auth, csvfile, reports, suppress
from kiosk.hub.usage import LONDON

PREFIX = "/admin"
HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE / "static"
TEMPLATES_DIR = HERE / "templates"
SESSION_COOKIE = "kiosk_admin"
LOGIN_CSRF_COOKIE = "kiosk_admin_login"
MAX_FORM_BYTES = 16 * 1024  # a sign-in form is a few hundred bytes
FAILED_LOGIN_DELAY = 0.5  # seconds added to each failed sign-in
DEFAULT_DAYS = 28  # the period shown when none is asked for: four whole weeks
TOKEN_RE = re.compile(r"^[A-Za-z0-9_\-]{20,100}$")

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
       "connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; "
       "base-uri 'none'")
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
]

log = logging.getLogger(__name__)


class AdminHeaders:
    """ASGI middleware: security headers on every /admin response, and `no-store` on the
    pages (figures and forms are not for shared caches or the back button of a shared
    computer). Other paths pass straight through (the terminals' API streams files)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not (path == PREFIX or path.startswith(PREFIX + "/")):
            await self.app(scope, receive, send)
            return
        static = path.startswith(f"{PREFIX}/static/")

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", [])
                           if k.lower() not in {h for h, _ in SECURITY_HEADERS}]
                headers += SECURITY_HEADERS
                if not static:
                    headers = [(k, v) for k, v in headers if k.lower() != b"cache-control"]
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class LoginRequired(Exception):
    """Raised by a page that needs a session when there is none: answered with a redirect
    to the sign-in page."""


@dataclass(frozen=True)
class Period:
    """What the filter form asked for, checked: the reports' Filters and what to show."""
    start: date
    end: date
    centre: str | None
    errors: dict[str, str]

    def filters(self) -> reports.Filters:
        return reports.Filters(start=self.start, end=self.end, centre=self.centre)

    def query(self) -> str:
        q = {"from": self.start.isoformat(), "to": self.end.isoformat()}
        if self.centre:
            q["centre"] = self.centre
        return urlencode(q)


def london_today() -> date:
    return datetime.now(LONDON).date()


def parse_period(params, centres: list[str] | None, today: date | None = None) -> Period:
    """The period and centre from query parameters `from`, `to` and `centre`; defaults: the
    last four weeks to today, all centres. Anything wrong is named in errors (and the
    default used in its place), so the page can say what to fix."""
    today = today or london_today()
    errors: dict[str, str] = {}

    def day(field: str, label: str) -> date | None:
        raw = (params.get(field) or "").strip()
        if not raw:
            return None
        try:
            return date.fromisoformat(raw)
        except ValueError:
            errors[field] = f"{label} must be a real date, like {today.isoformat()}"
            return None

    end = day("to", "The end date") or today
    start = day("from", "The start date") or end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        errors["from"] = "The start date must be the same as or before the end date"
        start = end - timedelta(days=DEFAULT_DAYS - 1)
    if (end - start).days > 3 * 366:
        errors["from"] = "Choose a period of at most three years"
        start = end - timedelta(days=DEFAULT_DAYS - 1)
    centre = (params.get("centre") or "").strip() or None
    if centre is not None and centres is not None and centre not in centres:
        errors["centre"] = "Choose a centre from the list"
        centre = None
    return Period(start, end, centre, errors)


def _is_https(request: Request) -> bool:
    return request.url.scheme == "https"


def _client(request: Request) -> str:
    return request.client.host if request.client else "-"


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a page of the dashboard, never another site."""
    if not target or not target.startswith(PREFIX + "/") \
            or target.startswith(("//", f"{PREFIX}/login", f"{PREFIX}/logout")) \
            or "\\" in target or any(ord(c) < 32 for c in target):
        return f"{PREFIX}/"
    return target


async def read_form(request: Request) -> dict[str, str]:
    """A small urlencoded form body (first value of each field); {} if too big or not one."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype != "application/x-www-form-urlencoded":
        return {}
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_FORM_BYTES:
        return {}
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            return {}
    try:
        fields = parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=20)
    except (UnicodeDecodeError, ValueError):
        return {}
    return {k: v[0] for k, v in fields.items()}


# --- turning a report into what the page shows --------------------------------------

BLUE, GREEN = "#1d70b8", "#00703c"  # GOV.UK link blue and button green
CHART_ROWS = 10  # bars in a "top" chart; the table beneath has every row
DAYS = reports.WEEKDAYS


def is_withheld(value: Any) -> bool:
    return suppress.is_withheld(value)


def chart_value(value: Any) -> float | None:
    """A figure for a chart: withheld ones have no bar (dashboard.js marks their place)."""
    if value is None or is_withheld(value):
        return None
    return value


def series(label: str, values: list[Any], colour: str) -> dict:
    """One series of a chart for dashboard.js: the values (None where withheld) and, for
    each, the mark to draw instead of a bar ("<8", "*") or None."""
    return {"label": label, "data": [chart_value(v) for v in values],
            "withheld": [v if is_withheld(v) else None for v in values], "colour": colour}


def fmt_count(value: Any) -> str:
    if value is None:
        return "0"
    if isinstance(value, str):
        return value
    return f"{value:,}"


def fmt_rate(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, str):
        return value
    return f"{value * 100:.0f}%"


def fmt_duration(seconds: Any) -> str:
    if seconds is None:
        return "–"
    if isinstance(seconds, str):
        return seconds
    minutes, secs = divmod(round(seconds), 60)
    if minutes >= 60:
        hours, minutes = divmod(minutes, 60)
        return f"{hours} h {minutes} min"
    return f"{minutes} min {secs} s" if minutes else f"{secs} s"


def fmt_day(d: date, short: bool = False) -> str:
    if short:
        return f"{DAYS[d.weekday()][:3]} {d.day} {d:%b}"
    return f"{DAYS[d.weekday()]} {d.day} {d:%B} {d.year}"


def fmt_period(start: date, end: date) -> str:
    """"4 March 2025", "1 to 28 March 2025", "4 February to 3 March 2025"... """
    if start == end:
        return f"{end.day} {end:%B} {end.year}"
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day} to {end.day} {end:%B} {end.year}"
    if start.year == end.year:
        return f"{start.day} {start:%B} to {end.day} {end:%B} {end.year}"
    return f"{start.day} {start:%B} {start.year} to {end.day} {end:%B} {end.year}"


def heat_class(value: Any, peak: int) -> str:
    """Shade of a heat-map cell: 0 (none) to 5 (the busiest hour), or s (withheld)."""
    if is_withheld(value):
        return "heat-s"
    if not value or not peak:
        return "heat-0"
    return f"heat-{min(5, 1 + int(4 * value / peak + 0.5))}"


def _busiest(pairs: list[tuple[str, Any]]) -> tuple[str, int] | None:
    """The label and count of the largest shown count ("A", or "A and 2 others" when
    several share it); None when no count is shown."""
    shown = [(label, v) for label, v in pairs if isinstance(v, int) and v > 0]
    if not shown:
        return None
    peak = max(v for _, v in shown)
    tied = [label for label, v in shown if v == peak]
    if len(tied) > 1:
        return f"{tied[0]} and {len(tied) - 1} other{'s' if len(tied) > 2 else ''}", peak
    return tied[0], peak


def _plural(n: Any, word: str) -> str:
    return f"{fmt_count(n)} {word}{'' if n == 1 else 's'}"


def view(rep: dict) -> dict:
    """What the page shows of a report (reports.report): big numbers, panels (a chart spec,
    a text summary and a table each) and the chart specs as JSON for dashboard.js."""
    s, services, tutorials = rep["sessions"], rep["services"], rep["tutorials"]
    charts: dict[str, dict] = {}
    panels: list[dict] = []

    big_numbers = [
        {"id": "sessions", "label": "Sessions", "value": fmt_count(s["total"])},
        {"id": "median", "label": "Median session length",
         "value": fmt_duration(s["median_length_s"])},
        {"id": "completion", "label": "Tutorials completed, of those started",
         "value": fmt_rate(tutorials["completion_rate"])},
        {"id": "guides", "label": "Service guides opened",
         "value": fmt_count(services["opened"])},
    ]

    # Sessions per day: bars, a line when there are too many days for bars to read.
    days = [(date.fromisoformat(r["day"]), r["sessions"]) for r in s["by_day"]]
    charts["per-day"] = {
        "type": "line" if len(days) > 62 else "bar",
        "labels": [fmt_day(d, short=True) for d, _ in days],
        "series": [series("Sessions", [n for _, n in days], BLUE)],
        "valueLabel": "Sessions"}
    top = _busiest([(fmt_day(d), n) for d, n in days])
    panels.append({
        "id": "per-day", "title": "Sessions per day", "chart": True, "size": "",
        "empty": not any(n for _, n in days), "nothing": "sessions",
        "summary": f"The busiest day: {top[0]}, with {_plural(top[1], 'session')}."
        if top else "",
        "table": {"head": ["Day", "Sessions"],
                  "rows": [[fmt_day(d), fmt_count(n)] for d, n in days],
                  "foot": ["Total", fmt_count(s["total"])]}})

    # Hour of the week: a heat map that is itself a table.
    grid = s["by_hour_of_week"]
    peak = max((v for row in grid for v in row if isinstance(v, int)), default=0)
    top = _busiest([(f"{DAYS[d]}s from {h:02d}:00 to {h:02d}:59", v)
                    for d, row in enumerate(grid) for h, v in enumerate(row)])
    panels.append({
        "id": "hour-of-week", "title": "Sessions by hour of the week", "chart": False,
        "hint": "When sessions started, in London time. Darker is busier.",
        "empty": not any(v for row in grid for v in row), "nothing": "sessions",
        "summary": f"The busiest hour: {top[0]}, with {_plural(top[1], 'session')}."
        if top else "",
        "heatmap": [{"day": DAYS[d], "cells": [{"text": fmt_count(v) if v else "",
                                                  "cls": heat_class(v, peak)} for v in row]}
                    for d, row in enumerate(grid)]})

    # Languages: the language each session ended in.
    langs = s["by_language"]
    charts["languages"] = {
        "type": "bar", "labels": [r["name"] for r in langs],
        "series": [series("Sessions", [r["sessions"] for r in langs], BLUE)],
        "valueLabel": "Sessions"}
    top = _busiest([(r["name"], r["sessions"]) for r in langs])
    panels.append({
        "id": "languages", "title": "Languages", "chart": True, "size": "chart--short",
        "hint": "The language each session ended in.",
        "empty": not langs, "nothing": "finished sessions",
        "summary": f"Most sessions ended in {top[0]}: {_plural(top[1], 'session')}."
        if top else "",
        "table": {"head": ["Language", "Sessions"],
                  "rows": [[f"{r['name']} ({r['language']})" if r["language"] else r["name"],
                            fmt_count(r["sessions"])] for r in langs]}})

    # Service guides, most opened first.
    rows = services["rows"]
    charts["services"] = {
        "type": "hbar", "labels": [r["title"] for r in rows[:CHART_ROWS]],
        "series": [series("Guides opened", [r["opened"] for r in rows[:CHART_ROWS]], BLUE)],
        "valueLabel": "Times opened"}
    panels.append({
        "id": "services", "title": "Top service guides", "chart": True, "size": "chart--rows",
        "hint": f"The {min(CHART_ROWS, len(rows))} guides opened most often; the table has "
                "them all." if len(rows) > CHART_ROWS else "",
        "empty": not rows, "nothing": "guides were opened",
        "summary": f"Opened most often: {top[0]}, {_plural(top[1], 'time')}."
        if (top := _busiest([(r["title"], r["opened"]) for r in rows])) else "",
        "table": {"head": ["Service guide", "Times opened"],
                  "rows": [[r["title"], fmt_count(r["opened"])] for r in rows],
                  "foot": ["Total", fmt_count(services["opened"])]}})

    # Tutorials: started and completed side by side.
    rows = tutorials["rows"]
    charts["tutorials"] = {
        "type": "hbar", "labels": [r["title"] for r in rows[:CHART_ROWS]],
        "series": [series("Started", [r["started"] for r in rows[:CHART_ROWS]], BLUE),
                   series("Completed", [r["completed"] for r in rows[:CHART_ROWS]], GREEN)],
        "valueLabel": "Tutorials"}
    panels.append({
        "id": "tutorials", "title": "Top tutorials", "chart": True, "size": "chart--rows",
        "hint": f"The {CHART_ROWS} tutorials started most often; the table has them all."
        if len(rows) > CHART_ROWS else "",
        "empty": not rows, "nothing": "tutorials were started",
        "summary": ("The completion rate is withheld: too few tutorials to show it safely."
                    if is_withheld(tutorials["completion_rate"]) else
                    f"{fmt_rate(tutorials['completion_rate'])} of the tutorials started were "
                    "completed.") if tutorials["completion_rate"] is not None else "",
        "table": {"head": ["Tutorial", "Started", "Completed", "Completed, of started"],
                  "rows": [[r["title"], fmt_count(r["started"]), fmt_count(r["completed"]),
                            fmt_rate(r["completion_rate"])] for r in rows],
                  "foot": ["Total", fmt_count(tutorials["started"]),
                           fmt_count(tutorials["completed"]),
                           fmt_rate(tutorials["completion_rate"])]}})

    # Centres: a table.
    rows = s["by_centre"]
    panels.append({
        "id": "centres", "title": "Sessions by centre", "chart": False,
        "empty": not rows, "nothing": "centres",
        "table": {"head": ["Centre", "Sessions"],
                  "rows": [[r["centre"], fmt_count(r["sessions"])] for r in rows],
                  "foot": ["Total", fmt_count(s["total"])] if len(rows) > 1 else None}})

    # A chart whose every bar is withheld draws nothing: say why, in words.
    for p in panels:
        chart = charts.get(p["id"])
        if chart and not p["empty"] and all(
                v is None for ser in chart["series"] for v in ser["data"]):
            p["summary"] = ("Every figure in this chart is withheld (“<8”) to protect small "
                            "numbers, so it has no bars.")

    flt = rep["filters"]
    return {"big_numbers": big_numbers, "panels": panels, "charts": charts,
            "notes": rep.get("notes", []),
            "period_text": fmt_period(date.fromisoformat(flt["from"]),
                                      date.fromisoformat(flt["to"]))}


def csv_rows(rep: dict) -> list[list[Any]]:
    """The report as CSV rows: reports.figures, one figure a row, withheld ones as "<8" or
    "*" exactly as on the page."""
    return [list(reports.FIGURE_COLUMNS), *(list(row) for row in reports.figures(rep))]


# --- the routes ---------------------------------------------------------------------

def install(app: FastAPI, store, *, failed_login_delay: float = FAILED_LOGIN_DELAY,
            throttle: auth.LoginThrottle | None = None) -> None:
    """Add the dashboard to app: its pages under /admin, its static files, its headers."""
    engine: sa.Engine = store.engine
    throttle = throttle or auth.LoginThrottle()
    app.state.admin_throttle = throttle
    templates = Jinja2Templates(directory=TEMPLATES_DIR)
    templates.env.globals.update(
        prefix=PREFIX, version=__version__,
        static_url=lambda name: f"{PREFIX}/static/{name}?v={__version__}")
    router = APIRouter(prefix=PREFIX, include_in_schema=False)


    def page(request: Request, template: str, status: int = 200, **context) -> HTMLResponse:
        context.setdefault("session", None)
        context.setdefault("errors", [])
        return templates.TemplateResponse(request, template, context, status_code=status)

    def error_page(request: Request, status: int, heading: str, message: str,
                   session: auth.AdminSession | None = None) -> HTMLResponse:
        return page(request, "error.html", status, heading=heading, message=message,
                    session=session, back=f"{PREFIX}/", back_text="Go to the dashboard")

    def set_cookie(response: Response, request: Request, key: str, value: str, path: str,
                   max_age: int) -> None:
        response.set_cookie(key, value, max_age=max_age, path=path, httponly=True,
                            samesite="strict", secure=_is_https(request))

    def current(request: Request) -> auth.AdminSession:
        """The live session of this request, or LoginRequired."""
        found = auth.get_session(engine, request.cookies.get(SESSION_COOKIE))
        if found is None:
            raise LoginRequired
        return found

    async def current_async(request: Request) -> auth.AdminSession:
        return await run_in_threadpool(current, request)

    async def login_required(request: Request, _exc: LoginRequired) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        url = f"{PREFIX}/login"
        if request.method in ("GET", "HEAD") and safe_next(target) != f"{PREFIX}/":
            url += "?next=" + quote(target, safe="/")
        response = RedirectResponse(url, status_code=303)
        if SESSION_COOKIE in request.cookies:  # expired or ended: forget it
            response.delete_cookie(SESSION_COOKIE, path=PREFIX, httponly=True,
                                   samesite="strict", secure=_is_https(request))
        return response

    app.add_exception_handler(LoginRequired, login_required)

    async def database_busy(request: Request, exc: sa.exc.OperationalError) -> Response:
        """A database that is locked, restarting or unreachable: a page that says so (and a
        JSON answer for terminals), with Retry-After, never a bare 500."""
        logging.getLogger(__name__).warning("database unavailable for %s: %s",
                                            request.url.path, str(exc).splitlines()[0])
        headers = {"Retry-After": "10"}
        if not request.url.path.startswith(PREFIX):
            return JSONResponse({"detail": "the hub is busy; try again shortly"}, 503,
                                headers=headers)
        response = error_page(request, 503, "The figures are not available just now",
                              "The hub's database is busy or restarting. Please try again "
                              "in a minute.")
        response.headers.update(headers)
        return response

    app.add_exception_handler(sa.exc.OperationalError, database_busy)

    # --- signing in and out ---------------------------------------------------------

    def login_page(request: Request, status: int = 200, errors: list[str] | None = None,
                   name: str = "", next_url: str = f"{PREFIX}/",
                   notice: str | None = None) -> HTMLResponse:
        token = request.cookies.get(LOGIN_CSRF_COOKIE, "")
        if not TOKEN_RE.fullmatch(token):  # the same token in every tab that is open
            token = secrets.token_urlsafe(32)
        response = page(request, "login.html", status, errors=errors or [], name=name,
                        next=next_url, login_csrf=token, notice=notice)
        set_cookie(response, request, LOGIN_CSRF_COOKIE, token, f"{PREFIX}/login", 3600)
        return response

    @router.get("/login")
    def login_form(request: Request) -> Response:
        next_url = safe_next(request.query_params.get("next"))
        if auth.get_session(engine, request.cookies.get(SESSION_COOKIE)) is not None:
            return RedirectResponse(next_url, status_code=303)
        notice = "You have signed out." if request.query_params.get("signed_out") else None
        return login_page(request, next_url=next_url, notice=notice)

    @router.post("/login")
    async def login(request: Request) -> Response:
        form = await read_form(request)
        name = form.get("name", "")[:auth.MAX_NAME_CHARS * 2]
        next_url = safe_next(form.get("next"))
        if not auth.same_token(form.get("csrf"), request.cookies.get(LOGIN_CSRF_COOKIE)):
            log.warning("admin sign-in refused from %s: no or wrong form token",
                        _client(request))
            return login_page(request, 403, ["This page had expired. Sign in again."],
                              name=name, next_url=next_url)
        client = _client(request)
        wait = throttle.retry_after(name, client)
        if wait:
            minutes = max(1, round(wait / 60))
            message = (f"Too many failed attempts to sign in. Try again in {minutes} "
                       f"minute{'s' if minutes != 1 else ''}.")
            return login_page(request, 429, [message], name=name, next_url=next_url)
        ok = await run_in_threadpool(auth.verify_login, engine, name, form.get("password", ""))
        if not ok:
            throttle.failed(name, client)
            log.warning("admin sign-in failed from %s", client)
            await asyncio.sleep(failed_login_delay)
            return login_page(request, 401, ["Enter a correct name and password"],
                              name=name, next_url=next_url)
        throttle.succeeded(name, client)
        token, session = await run_in_threadpool(auth.create_session, engine, name)
        log.info("admin %r signed in from %s", session.name, client)
        response = RedirectResponse(next_url, status_code=303)
        set_cookie(response, request, SESSION_COOKIE, token, PREFIX,
                   int(auth.SESSION_LIFETIME.total_seconds()))
        response.delete_cookie(LOGIN_CSRF_COOKIE, path=f"{PREFIX}/login", httponly=True,
                               samesite="strict", secure=_is_https(request))
        return response

    @router.post("/logout")
    async def logout(request: Request) -> Response:
        session = await current_async(request)
        form = await read_form(request)
        if not auth.same_token(form.get("csrf"), session.csrf):
            return error_page(request, 403, "Sign-out refused",
                              "That request did not come from the dashboard's sign-out "
                              "button, so you are still signed in.", session)
        await run_in_threadpool(auth.end_session, engine, request.cookies.get(SESSION_COOKIE))
        response = RedirectResponse(f"{PREFIX}/login?signed_out=1", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path=PREFIX, httponly=True, samesite="strict",
                               secure=_is_https(request))
        return response

    # --- figures ----------------------------------------------------------------------

    @router.get("/")
    def dashboard(request: Request) -> Response:
        session = current(request)
        centres = reports.centres(engine)
        period = parse_period(request.query_params, centres)
        report = reports.report(engine, period.filters(), suppress=True,
                                titles_by_id=reports.titles(app.state.content))
        return page(request, "dashboard.html", 400 if period.errors else 200,
                    session=session, period=period, centres=centres,
                    errors=list(period.errors.values()), field_errors=period.errors,
                    v=view(report), suppressed=suppress.SMALL,
                    withheld=suppress.WITHHELD,
                    csv_url=f"{PREFIX}/export.csv?{period.query()}")

    @router.get("/export.csv")
    def export_csv(request: Request) -> Response:
        current(request)
        period = parse_period(request.query_params, reports.centres(engine))
        if period.errors:
            return Response("\n".join(period.errors.values()) + "\n", status_code=400,
                            media_type="text/plain; charset=utf-8")
        report = reports.report(engine, period.filters(), suppress=True,
                                titles_by_id=reports.titles(app.state.content))
        text = csvfile.text(csv_rows(report))
        where = re.sub(r"[^A-Za-z0-9]+", "-", period.centre or "all-centres").strip("-")
        filename = f"kiosk-usage-{period.start}-to-{period.end}-{where or 'centre'}.csv"
        return Response(text.encode("utf-8"), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{filename}"'})

    @router.get("", include_in_schema=False)
    def bare_prefix() -> Response:
        return RedirectResponse(f"{PREFIX}/", status_code=308)

    app.mount(f"{PREFIX}/static", StaticFiles(directory=STATIC_DIR), name="admin-static")
    app.include_router(router)

    # Last: any other address under /admin/ asks for a session first, then is not found,
    # so nobody learns which pages exist without signing in.
    @app.get(f"{PREFIX}/{{rest:path}}", include_in_schema=False)
    def unknown(request: Request, rest: str) -> Response:
        session = current(request)
        return error_page(request, 404, "Page not found",
                          "There is no page at this address.", session)

    app.add_middleware(AdminHeaders)
