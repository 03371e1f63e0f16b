"""The fleet pages (issue 13): every terminal at a glance, and one terminal's health.

    GET  /admin/fleet                        every terminal, grouped by centre: status (a
                                             colour and a word), last seen, versions, queue;
                                             filters by centre and status (?centre=&status=)
    GET  /admin/fleet/{terminal}             one terminal: why its status, a week of its
                                             history as small charts, what it runs, its
                                             configuration, its remote actions and audit
    POST /admin/fleet/{terminal}/actions     queue a remote action for its next sync
    POST /admin/fleet/digest                 an admin subscribes to the daily e-mail (or stops)

Who may call each route is in its signature (CurrentStaff): admins see every centre; centre
staff see their own centres only, and another centre's terminal is "not found". Centre
staff may restart their terminals' app and take them out of maintenance mode; replacing a
token is for admins. Every POST carries the session's CSRF token. The time comes from
app.state.clock when a test sets one (deps.ClockDep).
"""

from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from kiosk.core import config
from kiosk.core.protocol import ACTIONS, REPLACE_TOKEN
from kiosk.hub import auth, configuration, digest, fleet, status
from kiosk.hub.configuration import Scope, iso
from kiosk.hub.deps import ClockDep, CurrentAdmin, CurrentStaff, StoreDep
from kiosk.hub.pages import PREFIX, charts, settings_form
from kiosk.hub.pages.forms import read_form
from kiosk.hub.pages.render import error_page, page
from kiosk.hub.routes.config_pages import audit_rows, centre_url
from kiosk.hub.store import Store
from kiosk.hub.usage import LONDON

router = APIRouter(prefix=PREFIX, include_in_schema=False)
HISTORY_DAYS = 7


def when(dt: datetime | None) -> str:
    """A naive UTC time as London time for a person."""
    return settings_form.when(iso(dt)) if dt else ""


def ago(now: datetime, dt: datetime | None) -> str:
    if dt is None:
        return "never"
    s = max(0, int((now - dt).total_seconds()))
    if s < 90:
        return "just now"
    if s < 90 * 60:
        return f"{round(s / 60)} minutes ago"
    if s < 36 * 3600:
        return f"{round(s / 3600)} hours ago"
    return f"{round(s / 86400)} days ago"


def size(n: int | None) -> str:
    if n is None:
        return "not known"
    for unit, scale in (("GB", 2**30), ("MB", 2**20), ("KB", 2**10)):
        if n >= scale:
            return f"{n / scale:,.1f} {unit}"
    return f"{n} bytes"


def terminal_url(terminal_id: str) -> str:
    return f"{PREFIX}/fleet/{terminal_id}"


def not_found(request: Request, who: auth.SignedIn) -> Response:
    return error_page(request, 404, "Page not found", "There is no page at this address.",
                      who, back=f"{PREFIX}/fleet", back_text="Go to the terminals")


# --- the fleet ----------------------------------------------------------------------------


def fleet_view(store: Store, who: auth.SignedIn, now: datetime, centre: str | None,
               wanted: str | None) -> dict:
    rows = fleet.overview(store.engine, now, None if who.is_admin else who.centres)
    counts = {k: 0 for k in status.STATUSES}
    for r in rows:
        counts[r["status"].key] += 1
    centres = sorted({r["centre"] for r in rows} | (set() if who.is_admin
                                                      else set(who.centres)))
    shown = [r for r in rows if (centre is None or r["centre"] == centre)
             and (wanted is None or r["status"].key == wanted)]
    groups: dict[str, list[dict]] = {}
    for r in shown:
        groups.setdefault(r["centre"], []).append({
            "id": r["id"], "url": terminal_url(r["id"]), "status": r["status"],
            "last_seen": ago(now, r["last_seen"]), "last_seen_at": when(r["last_seen"]),
            "app_version": r["app_version"] or "not known",
            "content_version": "none" if r["content_version"] is None
            else r["content_version"],
            "queued": "not known" if r["queued"] is None else f"{r['queued']:,}",
            "set_aside": r["set_aside"], "maintenance": r["maintenance"],
            "refused": r["refused"]})
    return {"groups": groups, "counts": counts, "total": len(rows), "shown": len(shown),
            "centres": centres, "centre": centre, "wanted": wanted}


@router.get("/fleet")
def fleet_page(request: Request, who: CurrentStaff, store: StoreDep,
               clock: ClockDep) -> Response:
    params = request.query_params
    centre = (params.get("centre") or "").strip() or None
    wanted = (params.get("status") or "").strip() or None
    if centre is not None and (len(centre) > auth.MAX_CENTRE_CHARS or not who.may_see(centre)):
        return not_found(request, who)
    errors = []
    if wanted is not None and wanted not in status.STATUSES:
        errors.append("Choose a status from the list")
        wanted = None
    view = fleet_view(store, who, clock(), centre, wanted)
    return page(request, "fleet.html", 400 if errors else 200, session=who, errors=errors,
                statuses=[(k, status.WORDS[k]) for k in status.STATUSES], **view,
                digest=digest_view(store, who))


def digest_view(store: Store, who: auth.SignedIn, error: str = "",
                email: str = "") -> dict | None:
    """The signed-in admin's daily e-mail subscription (admins only)."""
    if not who.is_admin:
        return None
    return {"email": digest.subscription(store.engine, who.name), "error": error,
            "typed": email}


@router.post("/fleet/digest")
async def digest_subscription(request: Request, who: CurrentAdmin, store: StoreDep,
                              clock: ClockDep) -> Response:
    """Subscribe the signed-in admin to the daily e-mail, or (an empty address) stop it."""
    form = await read_form(request)
    if not auth.same_token(form.get("csrf"), who.csrf):
        return error_page(request, 403, "Not saved",
                          "That form had expired or did not come from this site. Open the "
                          "page again.", who, back=f"{PREFIX}/fleet",
                          back_text="Go to the terminals")
    email = form.get("email", "").strip()
    if not email:
        await run_in_threadpool(digest.unsubscribe, store.engine, who.name)
        return RedirectResponse(f"{PREFIX}/fleet#h-digest", status_code=303)
    try:
        await run_in_threadpool(digest.subscribe, store.engine, who.name, email)
    except digest.DigestError:
        view = await run_in_threadpool(fleet_view, store, who, clock(), None, None)
        return page(request, "fleet.html", 400, session=who,
                    errors=["Enter an e-mail address, like name@example.org"],
                    error_target="email",
                    statuses=[(k, status.WORDS[k]) for k in status.STATUSES], **view,
                    digest=digest_view(store, who, "Enter an e-mail address, like "
                                       "name@example.org", email))
    return RedirectResponse(f"{PREFIX}/fleet#h-digest", status_code=303)


# --- one terminal ---------------------------------------------------------------------------


def _history_charts(rows: list[dict], now: datetime) -> tuple[list[charts.Chart], list[dict]]:
    """A week of hours: queue, free disk, syncs and failures; and the same as table rows."""
    end = int(now.replace(tzinfo=UTC).timestamp())
    end -= end % 3600
    hours = [end - 3600 * i for i in range(HISTORY_DAYS * 24 - 1, -1, -1)]
    by_t = {r["t"]: r for r in rows}
    got = [by_t.get(t) for t in hours]

    def local(t: int) -> str:
        return datetime.fromtimestamp(t, LONDON).strftime("%-d %b %H:00")

    labels = (local(hours[0]), local(hours[-1]))
    queue = charts.line("chart-queue", "Usage events waiting to be sent (most in each hour)",
                        [r["queued"] if r else None for r in got], labels,
                        what="queue")
    disk = charts.line("chart-disk", "Free disk space (least in each hour)",
                       [r["disk_free_pm"] / 10 if r and r["disk_free_pm"] is not None
                        else None for r in got], labels, unit=" %", top=100,
                       what="disk space")
    syncs = charts.bars("chart-syncs", "Syncs (blue) and failed syncs (red) each hour",
                        [r["beats"] if r else 0 for r in got],
                        [r["failed"] if r else 0 for r in got], labels)
    table = [{"when": local(r["t"]), "queued": r["queued"], "set_aside": r["set_aside"],
              "disk": "" if r["disk_free_pm"] is None else f"{r['disk_free_pm'] / 10:.1f} %",
              "beats": r["beats"], "failed": r["failed"]} for r in rows[::-1]]
    return [queue, disk, syncs], table


def _configuration(store: Store, terminal_id: str) -> list[dict]:
    """The settings the hub gives this terminal that are not defaults, and where from."""
    snap = configuration.snapshot(store.engine, Scope("terminal", terminal_id))
    here = Scope("terminal", terminal_id)
    out = []
    for key, eff in snap.resolved.items():
        if eff.source == "default" or key in config.SECRET_KEYS:
            continue
        try:
            label, value = settings_form.label_of(key), settings_form.shown(key, eff.value)
        except (config.ConfigError, KeyError, TypeError, AttributeError):
            label, value = key, str(eff.value)
        out.append({"label": label, "value": value,
                    "source": settings_form.source_text(eff, snap, here)})
    return out


def terminal_view(store: Store, who: auth.SignedIn, terminal_id: str,
                  now: datetime) -> dict | None:
    rows = fleet.overview(store.engine, now, terminal_id=terminal_id)
    if not rows or not who.may_see(rows[0]["centre"]):
        return None
    t = rows[0]
    h = fleet.health(store.engine, terminal_id).get(terminal_id, {})
    history = fleet.recent(store.engine, terminal_id, now, HISTORY_DAYS)
    figures, table = _history_charts(history, now)
    _, hub_tag = configuration.document(store.engine, terminal_id)
    facts = [
        ("Last seen", f"{ago(now, t['last_seen'])} ({when(t['last_seen'])})"
         if t["last_seen"] else "never"),
        ("App version", t["app_version"] or "not known"),
        ("Content version", "the bundled demo content" if t["content_version"] is None
         else f"{t['content_version']}" + (
             f", expires {when(h['content_expires'])}" if h.get("content_expires") else "")),
        ("Configuration", "not reported" if not h.get("config_version") else
         "up to date with the hub" if h["config_version"] == hub_tag else
         "older than the hub's: it fetches the new one at its next sync"),
        ("Usage events waiting", "not known" if t["queued"] is None else f"{t['queued']:,}"),
        ("Usage events set aside", "not known" if t["set_aside"] is None
         else f"{t['set_aside']:,} (refused by the hub, kept on the terminal)"),
        ("Usage events refused by the hub", f"{t['refused']:,}" + (
            " (dated out of bounds or malformed: the terminal's clock or software may be "
            "wrong)" if t["refused"] else "")),
        ("Free disk", "not known" if not h.get("disk_total_bytes") else
         f"{size(h['disk_free_bytes'])} of {size(h['disk_total_bytes'])} "
         f"({100 * h['disk_free_bytes'] / h['disk_total_bytes']:.0f} %)"),
        ("Memory in use", size(h.get("memory_bytes")) if h else "not known"),
        ("Running for", "not known" if not h else
         ago(now, now - timedelta(seconds=h["uptime_s"])).replace(" ago", "")
         .replace("just now", "a minute or less")),
        ("Maintenance mode", ("on" if h.get("maintenance") else "off") if h else "not known"),
        ("Last citizen session", "not known" if not h.get("last_session_hour") else
         f"in the hour from {when(h['last_session_hour'])}"),
        ("Last error", "none reported" if not h.get("error_class") else
         f"{h['error_class']}: {h['error_message']} ({when(h['error_at'])})"),
    ]
    acts = [{**a, "what": fleet.ACTION_WORDS.get(a["kind"], a["kind"]),
             "requested_text": when(a["requested"]),
             "state_text": {"queued": "Waiting for the terminal's next sync",
                            "sent": "Sent to the terminal, waiting for its answer",
                            "done": "Done", "failed": "Failed"}.get(a["state"], a["state"]),
             "done_text": when(a["done_at"])}
            for a in fleet.actions(store.engine, terminal_id)]
    return {"t": t, "facts": facts, "charts": figures, "history": table,
            "settings": _configuration(store, terminal_id),
            "changes": audit_rows(configuration.audit(store.engine, Scope(
                "terminal", terminal_id), 20)),
            "actions": acts, "centre_url": centre_url(t["centre"]),
            "kinds": [(k, fleet.ACTION_WORDS[k]) for k in ACTIONS
                      if who.is_admin or k != REPLACE_TOKEN]}


@router.get("/fleet/{terminal_id}")
def terminal_health_page(request: Request, terminal_id: str, who: CurrentStaff,
                         store: StoreDep, clock: ClockDep) -> Response:
    view = terminal_view(store, who, terminal_id[:32], clock()) \
        if len(terminal_id) <= 32 else None
    if view is None:
        return not_found(request, who)
    queued = request.query_params.get("queued")
    return page(request, "fleet_terminal.html", session=who, **view,
                queued=fleet.ACTION_WORDS.get(queued or ""))


@router.post("/fleet/{terminal_id}/actions")
async def queue_action(request: Request, terminal_id: str, who: CurrentStaff,
                       store: StoreDep, clock: ClockDep) -> Response:
    from kiosk.hub.routes.config_pages import _terminal_centre

    centre = await run_in_threadpool(_terminal_centre, store, terminal_id)
    if centre is None or not who.may_see(centre):
        return not_found(request, who)
    form = await read_form(request)
    if not auth.same_token(form.get("csrf"), who.csrf):
        return error_page(request, 403, "Not done",
                          "That form had expired or did not come from this site, so nothing "
                          "was queued. Open the page again.", who,
                          back=terminal_url(terminal_id), back_text="Open the page again")
    kind = form.get("action", "")
    if kind not in ACTIONS:
        return error_page(request, 400, "Not done", "Choose one of the actions on the page.",
                          who, back=terminal_url(terminal_id), back_text="Go back")
    if kind == REPLACE_TOKEN and not who.is_admin:
        return error_page(request, 403, "This is for admins",
                          "Only an admin can replace a terminal's token.", who,
                          back=terminal_url(terminal_id), back_text="Go back")
    await run_in_threadpool(fleet.queue_action, store.engine, terminal_id, kind, who.who,
                            clock())
    return RedirectResponse(f"{terminal_url(terminal_id)}?{urlencode({'queued': kind})}"
                            "#actions", status_code=303)
