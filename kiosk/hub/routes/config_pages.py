"""The configuration pages (issue 11): centre staff set up their own centres' terminals;
admins set everything, lock settings, see what each terminal uses and the audit.

    GET  /admin/centres                     the centres (centre staff: only theirs)
    GET  /admin/centres/{centre}            a centre's settings: every field, what is used
    POST /admin/centres/{centre}            and where it comes from; admins lock here too
    GET  /admin/settings                    the settings for all terminals (admins)
    POST /admin/settings
    GET  /admin/terminals/{terminal}        one terminal's settings, and what it reports it
    POST /admin/terminals/{terminal}        uses, conflicts with staff changes explained
    GET  /admin/audit                       every change, newest first (admins)

Who may call each route is in its signature: CurrentStaff (admins, and centre staff for
their own centres: any other centre is "not found", so a login does not even learn which
centres exist) or CurrentAdmin (centre staff get 403). Saving is all or nothing
(configuration.set_values): a form with any problem is shown again with a GOV.UK error
summary and a message at each field, and nothing is stored. Every POST carries the
session's CSRF token.
"""

from urllib.parse import quote

import sqlalchemy as sa
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from kiosk.core import config
from kiosk.hub import auth, configuration
from kiosk.hub.configuration import Refused, Scope, iso
from kiosk.hub.deps import CurrentAdmin, CurrentStaff, StoreDep
from kiosk.hub.pages import PREFIX, settings_form, terminal_report
from kiosk.hub.pages.forms import read_form
from kiosk.hub.pages.render import error_page, page
from kiosk.hub.schema import terminals
from kiosk.hub.store import Store

AUDIT_ROWS = 200

router = APIRouter(prefix=PREFIX, include_in_schema=False)


def centre_url(centre: str) -> str:
    return f"{PREFIX}/centres/{quote(centre, safe='')}"


def scope_url(scope: Scope) -> str:
    """The settings page of a scope."""
    if scope.kind == "centre":
        return centre_url(scope.target)
    if scope.kind == "terminal":
        return f"{PREFIX}/terminals/{quote(scope.target, safe='')}"
    return f"{PREFIX}/settings"


def not_found(request: Request, who: auth.SignedIn) -> Response:
    return error_page(request, 404, "Page not found", "There is no page at this address.",
                      who, back=f"{PREFIX}/centres", back_text="Go to the centres")


def _terminal_centre(store: Store, terminal_id: str) -> str | None:
    if len(terminal_id) > 32:
        return None
    with store.engine.connect() as c:
        return c.execute(sa.select(terminals.c.centre)
                         .where(terminals.c.id == terminal_id)).scalar_one_or_none()


# --- the centres ------------------------------------------------------------------------


@router.get("/centres")
def centres_page(request: Request, who: CurrentStaff, store: StoreDep) -> Response:
    asked = (request.query_params.get("centre") or "").strip()
    if asked and who.is_admin and len(asked) <= auth.MAX_CENTRE_CHARS:
        return RedirectResponse(centre_url(asked), status_code=303)  # "set up a centre"
    names = configuration.known_centres(store.engine) if who.is_admin else sorted(who.centres)
    fleet = store.terminals()
    logins = auth.staff_logins(store.engine) if who.is_admin else {}
    rows = [{"name": name, "url": centre_url(name),
             "terminals": sum(1 for t in fleet if t.centre == name and not t.revoked),
             "staff": sorted(n for n, cs in logins.items() if name in cs)} for name in names]
    return page(request, "centres.html", session=who, rows=rows)


def _settings_page(request: Request, who: auth.SignedIn, store: Store, scope: Scope,
                   status: int = 200, submitted: dict | None = None,
                   errors: dict | None = None, **extra) -> Response:
    snap = configuration.snapshot(store.engine, scope)
    sections = settings_form.views(snap, scope, who, submitted, errors)
    summary = [(c.id, c.error) for _, fields in sections for f in fields
               for c in f.controls if c.error]
    shown = {i for i, _ in summary}
    summary += [("", e) for i, e in (errors or {}).items() if i not in shown]
    saved = request.query_params.get("saved")
    context = {"session": who, "scope": scope, "sections": sections,
               "errors": [e for _, e in summary], "summary": summary,
               "saved": int(saved) if saved and saved.isdigit() and len(saved) < 5 else None,
               "action": scope_url(scope), "locks_shown": settings_form.LOCKS_SHOWN}
    if scope.kind == "centre":
        context["title"] = scope.target
        context["caption"] = "Centre"
        if who.is_admin:
            context["terminals"] = [
                {"id": t.id, "status": t.status, "app_version": t.app_version,
                 "last_seen_text": settings_form.when(iso(t.last_seen)) if t.last_seen
                 else "never"} for t in store.terminals() if t.centre == scope.target]
    elif scope.kind == "all":
        context["title"] = "Settings for all terminals"
        context["caption"] = "All centres"
    return page(request, "settings.html", status, **context, **extra)


async def _save(request: Request, who: auth.SignedIn, store: Store, scope: Scope,
                **extra) -> Response:
    form = await read_form(request, settings_form.MAX_FORM_BYTES, settings_form.MAX_FIELDS)
    if not auth.same_token(form.get("csrf"), who.csrf):
        return error_page(request, 403, "Not saved",
                          "That form had expired or did not come from this site, so nothing "
                          "was changed. Open the page again and make your changes there.",
                          who, back=scope_url(scope), back_text="Open the page again")

    def save() -> tuple[int, dict[str, str]]:
        snap = configuration.snapshot(store.engine, scope)
        changes = settings_form.read(form, snap, who)
        if changes.errors:
            return 0, changes.errors
        try:
            done = configuration.set_values(
                store.engine, scope, changes.values, who.who, clear=changes.clear,
                confirm=changes.confirm,
                locks=changes.locks if who.is_admin else None,
                honour_own_locks=not who.is_admin)
        except Refused as e:
            for err in e.errors:
                changes.refuse(err)
            return 0, changes.errors
        return len(done), {}

    n, errors = await run_in_threadpool(save)
    if errors:
        submitted = {k: v for k, v in form.items() if k != "csrf"}
        return await run_in_threadpool(_settings_page, request, who, store, scope, 400,
                                       submitted, errors, **extra)
    return RedirectResponse(f"{scope_url(scope)}?saved={n}", status_code=303)


@router.get("/centres/{centre:path}")
def centre_page(request: Request, centre: str, who: CurrentStaff,
                store: StoreDep) -> Response:
    if not centre or len(centre) > auth.MAX_CENTRE_CHARS or not who.may_see(centre):
        return not_found(request, who)
    return _settings_page(request, who, store, Scope("centre", centre))


@router.post("/centres/{centre:path}")
async def save_centre(request: Request, centre: str, who: CurrentStaff,
                      store: StoreDep) -> Response:
    if not centre or len(centre) > auth.MAX_CENTRE_CHARS or not who.may_see(centre):
        return not_found(request, who)
    return await _save(request, who, store, Scope("centre", centre))


# --- all terminals, one terminal (admins) ---------------------------------------------------


@router.get("/settings")
def all_page(request: Request, who: CurrentAdmin, store: StoreDep) -> Response:
    return _settings_page(request, who, store, Scope("all"))


@router.post("/settings")
async def save_all(request: Request, who: CurrentAdmin, store: StoreDep) -> Response:
    return await _save(request, who, store, Scope("all"))


def _terminal_extra(store: Store, terminal_id: str, centre: str) -> dict:
    """What the terminal page adds to the form: the terminal's report, compared."""
    snap = configuration.snapshot(store.engine, Scope("terminal", terminal_id))
    report = configuration.reported(store.engine, terminal_id)
    _, tag = configuration.document(store.engine, terminal_id)
    return {"title": f"Terminal {terminal_id}", "caption": centre, "centre": centre,
            "centre_url": centre_url(centre),
            "report": terminal_report.view(snap, report, tag, Scope("terminal", terminal_id)),
            "changes": audit_rows(configuration.audit(store.engine,
                                                      Scope("terminal", terminal_id), 20))}




@router.get("/terminals/{terminal_id}")
def terminal_page(request: Request, terminal_id: str, who: CurrentAdmin,
                  store: StoreDep) -> Response:
    centre = _terminal_centre(store, terminal_id)
    if centre is None:
        return not_found(request, who)
    return _settings_page(request, who, store, Scope("terminal", terminal_id),
                          **_terminal_extra(store, terminal_id, centre))


@router.post("/terminals/{terminal_id}")
async def save_terminal(request: Request, terminal_id: str, who: CurrentAdmin,
                        store: StoreDep) -> Response:
    centre = await run_in_threadpool(_terminal_centre, store, terminal_id)
    if centre is None:
        return not_found(request, who)
    extra = await run_in_threadpool(_terminal_extra, store, terminal_id, centre)
    return await _save(request, who, store, Scope("terminal", terminal_id), **extra)


# --- the audit (admins) ---------------------------------------------------------------------


def change_text(row: dict) -> str:
    """An audit row's change in words."""
    def show(value) -> str:
        try:
            return settings_form.shown(row["key"], config.check(row["key"], value))
        except (config.ConfigError, TypeError):
            return str(value)

    action = row["action"]
    if action in ("lock", "unlock"):
        return "locked" if action == "lock" else "unlocked"
    if action == "clear":
        return f"removed (was {show(row['old'])})"
    new = show(row["new"])
    if row["old"] is None:
        return f"set to {new}" if action == "set" else f"changed at the terminal to {new}"
    verb = "changed" if action == "set" else "changed at the terminal"
    return f"{verb} from {show(row['old'])} to {new}"


@router.get("/audit")
def audit_page(request: Request, who: CurrentAdmin, store: StoreDep) -> Response:
    scope = None
    for kind in ("centre", "terminal"):
        target = (request.query_params.get(kind) or "").strip()
        if target:
            scope = Scope(kind, target[:auth.MAX_CENTRE_CHARS])
    if request.query_params.get("all"):
        scope = Scope("all")
    rows = audit_rows(configuration.audit(store.engine, scope, AUDIT_ROWS))
    return page(request, "audit.html", session=who, rows=rows, scope=scope, limit=AUDIT_ROWS)


def audit_rows(rows: list[dict]) -> list[dict]:
    """Audit rows as the pages show them."""
    return [{**r, "when": settings_form.when(r["at"]),
             "where": str(Scope(r["scope"], r["target"])),
             "where_url": scope_url(Scope(r["scope"], r["target"])),
             "label": _label(r["key"]), "change": change_text(r)} for r in rows]


def _label(key: str) -> str:
    try:
        return settings_form.label_of(key)
    except config.ConfigError:
        return key
