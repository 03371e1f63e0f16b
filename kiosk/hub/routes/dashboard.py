"""The dashboard's routes: usage figures for library and council staff, behind a login.

    GET  /admin/              figures for a period and centre (?from=&to=&centre=, bookmarkable)
    GET  /admin/export.csv    the same figures as CSV, with the same small-number suppression
    GET  /admin/login         the sign-in form          POST /admin/login   sign in
    POST /admin/logout        sign out (ends the session)
    GET  /admin/static/...    CSS, JS and the vendored chart library (mounted by app.py; no
                              login: nothing secret)

Every other GET under /admin/ without a live session is sent to the sign-in page (and back
to the page asked for afterwards). The session cookie is HttpOnly, SameSite=Strict, Secure
over https, path /admin, 8 hours; every POST carries a CSRF token (pages/forms.py). Failed
sign-ins get one message whatever was wrong and a short delay. Each attempt is counted in
the database before its password is checked (limits.py): after 5 for one name from one
address (100 from one address, whatever the names) within 15 minutes, the next are refused
(429, Retry-After) until the window is over, in every worker. Password checks run on their
own two threads (limits.PasswordChecks); when they and their queue are full, a sign-in is
answered 503 with Retry-After. The address is the connection's, or the one a trusted
proxy forwarded (settings: trusted_proxies).

Admins and centre staff sign in here alike (auth.verify_login says which). Centre staff see
the figures of one of their own centres at a time, never "all centres" nor a centre that
is not theirs (404, no figures): their own centre's figures help them choose its
languages and featured guides, and one centre at a time gives them no total to subtract
their own centre's figures from, which would work out other centres' small numbers.

Charts are drawn by Chart.js, served by the hub itself (admin networks may have no internet);
each chart has a table beneath it with the same figures. Not part of the terminals' API, so
not in /openapi.json.
"""

import asyncio
import logging
import re

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from kiosk.hub import auth, csvfile, limits, reports, suppress
from kiosk.hub.auth import SESSION_COOKIE
from kiosk.hub.deps import CurrentStaff, MaybeSignedIn, PacksDep, StoreDep
from kiosk.hub.pages import PREFIX
from kiosk.hub.pages.forms import (
    LOGIN_CSRF_COOKIE,
    client_address,
    delete_cookie,
    issued_here,
    login_csrf_token,
    parse_period,
    read_form,
    safe_next,
    set_cookie,
)
from kiosk.hub.pages.render import error_page, page
from kiosk.hub.pages.report_view import view

FAILED_LOGIN_DELAY = 0.5  # seconds added to each failed sign-in

log = logging.getLogger(__name__)

router = APIRouter(prefix=PREFIX, include_in_schema=False)


# --- signing in and out -------------------------------------------------------------------


def login_page(request: Request, status: int = 200, errors: list[str] | None = None,
               name: str = "", next_url: str = f"{PREFIX}/",
               notice: str | None = None) -> HTMLResponse:
    token = login_csrf_token(request)
    response = page(request, "login.html", status, errors=errors or [], name=name,
                    next=next_url, login_csrf=token, notice=notice)
    set_cookie(response, request, LOGIN_CSRF_COOKIE, token, f"{PREFIX}/login", 3600)
    return response


@router.get("/login")
def login_form(request: Request, session: MaybeSignedIn) -> Response:
    next_url = safe_next(request.query_params.get("next"))
    if session is not None:  # signed in already: straight on
        return RedirectResponse(next_url, status_code=303)
    notice = "You have signed out." if request.query_params.get("signed_out") else None
    return login_page(request, next_url=next_url, notice=notice)


def count_sign_in(engine, name: str, client: str) -> int:
    """Count this attempt (before its password is checked); seconds to wait, or 0."""
    key = name.strip().casefold()
    return max(limits.count(engine, limits.SIGN_IN_ADDRESS, client),
               limits.count(engine, limits.SIGN_IN, key, client))


@router.post("/login")
async def login(request: Request, store: StoreDep) -> Response:
    form = await read_form(request)
    name = form.get("name", "")[:auth.MAX_NAME_CHARS * 2]
    next_url = safe_next(form.get("next"))
    client = client_address(request)
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE)
    if not (auth.same_token(form.get("csrf"), cookie)
            and issued_here(request.app.state.secret, cookie)):
        log.warning("admin sign-in refused from %s: no or wrong form token", client)
        return login_page(request, 403, ["This page had expired. Sign in again."],
                          name=name, next_url=next_url)
    wait = await run_in_threadpool(count_sign_in, store.engine, name, client)
    if wait:
        minutes = max(1, round(wait / 60))
        message = (f"Too many attempts to sign in. Try again in {minutes} "
                   f"minute{'s' if minutes != 1 else ''}.")
        response = login_page(request, 429, [message], name=name, next_url=next_url)
        response.headers["Retry-After"] = str(wait)
        return response
    try:
        kind = await request.app.state.password_checks.run(
            auth.verify_login, store.engine, name, form.get("password", ""))
    except limits.Busy:
        log.warning("sign-in from %s turned away: too many at once", client)
        busy = "Too many people are signing in just now. Try again in a few seconds."
        response = login_page(request, 503, [busy],
                              name=name, next_url=next_url)
        response.headers["Retry-After"] = str(limits.BUSY_RETRY_AFTER)
        return response
    if kind is None:
        log.warning("sign-in failed from %s", client)
        await asyncio.sleep(FAILED_LOGIN_DELAY)
        return login_page(request, 401, ["Enter a correct name and password"],
                          name=name, next_url=next_url)
    await run_in_threadpool(limits.forget, store.engine, limits.SIGN_IN,
                            name.strip().casefold(), client)
    token, session = await run_in_threadpool(auth.create_session, store.engine, name, None,
                                             kind)
    log.info("%s %r signed in from %s", kind, session.name, client)
    if kind == "staff" and next_url == f"{PREFIX}/":
        next_url = f"{PREFIX}/centres"  # what centre staff come for
    response = RedirectResponse(next_url, status_code=303)
    set_cookie(response, request, SESSION_COOKIE, token, PREFIX,
               int(auth.SESSION_LIFETIME.total_seconds()))
    delete_cookie(response, request, LOGIN_CSRF_COOKIE, f"{PREFIX}/login")
    return response


@router.post("/logout")
async def logout(request: Request, session: CurrentStaff, store: StoreDep) -> Response:
    form = await read_form(request)
    if not auth.same_token(form.get("csrf"), session.csrf):
        return error_page(request, 403, "Sign-out refused",
                          "That request did not come from the dashboard's sign-out "
                          "button, so you are still signed in.", session)
    await run_in_threadpool(auth.end_session, store.engine,
                            request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse(f"{PREFIX}/login?signed_out=1", status_code=303)
    delete_cookie(response, request, SESSION_COOKIE, PREFIX)
    return response


# --- figures ------------------------------------------------------------------------------


def _centres_for(request: Request, who: auth.SignedIn, store) -> tuple[list[str], dict]:
    """The centres `who` may pick from, and the query with the centre they may see: for
    centre staff one of theirs (the first when none is asked for). ([], {}) when they ask
    for a centre that is not theirs."""
    params = dict(request.query_params)
    if who.is_admin:
        return reports.centres(store.engine), params
    mine = sorted(who.centres or ())
    asked = (params.get("centre") or "").strip()
    if not mine or (asked and asked not in mine):
        return [], {}
    return mine, {**params, "centre": asked or mine[0]}


@router.get("/")
def dashboard(request: Request, session: CurrentStaff, store: StoreDep,
              packs: PacksDep) -> Response:
    centres, params = _centres_for(request, session, store)
    if not params and not session.is_admin:
        return error_page(request, 404, "Page not found", "There are no figures for you "
                          "at this address.", session)
    period = parse_period(params, centres)
    report = reports.report(store.engine, period.filters(), suppress=True,
                            titles_by_id=reports.titles(packs))
    return page(request, "dashboard.html", 400 if period.errors else 200,
                session=session, period=period, centres=centres,
                errors=list(period.errors.values()), field_errors=period.errors,
                v=view(report), suppressed=suppress.SMALL, withheld=suppress.WITHHELD,
                csv_url=f"{PREFIX}/export.csv?{period.query()}")


@router.get("/export.csv")
def export_csv(request: Request, who: CurrentStaff, store: StoreDep,
               packs: PacksDep) -> Response:
    centres, params = _centres_for(request, who, store)
    if not params and not who.is_admin:
        return Response("no such figures\n", status_code=404,
                        media_type="text/plain; charset=utf-8")
    period = parse_period(params, centres)
    if period.errors:
        return Response("\n".join(period.errors.values()) + "\n", status_code=400,
                        media_type="text/plain; charset=utf-8")
    report = reports.report(store.engine, period.filters(), suppress=True,
                            titles_by_id=reports.titles(packs))
    # The same writer as `kiosk-hub export`: one row per figure, withheld ones as on the page.
    text = csvfile.text([reports.FIGURE_COLUMNS, *reports.figures(report)])
    where = re.sub(r"[^A-Za-z0-9]+", "-", period.centre or "all-centres").strip("-")
    filename = f"kiosk-usage-{period.start}-to-{period.end}-{where or 'centre'}.csv"
    return Response(text.encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("")
def bare_prefix() -> Response:
    return RedirectResponse(f"{PREFIX}/", status_code=308)


# Last: any other address under /admin/ asks for a session first, then is not found, so
# nobody learns which pages exist without signing in. (app.py mounts /admin/static before
# including this router, so static files are found first.)
@router.get("/{rest:path}")
def unknown(request: Request, rest: str, session: CurrentStaff) -> Response:
    return error_page(request, 404, "Page not found", "There is no page at this address.",
                      session)
