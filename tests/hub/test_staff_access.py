"""Centre staff cannot read or change another centre: every route is checked, with the hub's
own list of routes as the source (issue 11).

The real hub on uvicorn, over SQLite and PostgreSQL. A staff login for centre A (Peckham)
asks every route for centre B's things (Brixton: its settings, its terminal, its figures),
with a valid session and its CSRF token, and must get 401/403/404, never a page with B's
data, and nothing of B's may change. Each route has a rule in RULES; a route without one
(a new page, say) fails the test until someone decides who may call it. The rules are also
checked against what each route asks for in its signature (deps.current_staff,
current_admin, current_terminal), so a rule cannot claim more than the code enforces.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
import requests
import sqlalchemy as sa
from fastapi.routing import iter_route_contexts

from kiosk.core import events
from kiosk.hub import auth, configuration, deps
from kiosk.hub.app import create_app
from kiosk.hub.configuration import Scope
from kiosk.hub.pages import forms
from kiosk.hub.schema import config_audit, config_locks, config_values
from kiosk.hub.settings import HubSettings
from tests.hubtools import running

PASSWORD = "correct horse battery staple"
A, B = "Peckham Library", "Brixton Library"
B_SECRET = "BRIXTON-ONLY-SETTING"  # set only for B: never on a page a staff of A gets
CSRF_RE = re.compile(r'name="csrf" value="([^"]+)"')

PUBLIC = "public"        # no login needed, and nothing of any centre's in it
TERMINAL = "terminal"    # a terminal's bearer token: a staff cookie gets 401
ADMIN = "admin"          # admins only: staff get 403
CENTRE = "centre"        # names a centre in its path: staff get 404 for any not theirs
OWN = "own"              # any signed-in login, showing only what is the caller's own

RULES = {
    ("GET", "/openapi.json"): PUBLIC,
    ("POST", "/api/v1/enrol"): PUBLIC,  # a one-time enrolment code, not a login
    ("GET", "/api/v1/content/manifest.json"): TERMINAL,
    ("GET", "/api/v1/content/manifest.sig"): TERMINAL,
    ("GET", "/api/v1/content/files/{sha256}"): TERMINAL,
    ("POST", "/api/v1/events"): TERMINAL,
    ("GET", "/api/v1/config"): TERMINAL,
    ("POST", "/api/v1/config/report"): TERMINAL,
    ("MOUNT", "/admin/static"): PUBLIC,
    ("GET", "/admin/login"): PUBLIC,
    ("POST", "/admin/login"): PUBLIC,
    ("GET", "/admin"): PUBLIC,  # a redirect to /admin/
    ("POST", "/admin/logout"): OWN,
    ("GET", "/admin/"): OWN,  # the figures: one of the caller's centres (?centre=B: 404)
    ("GET", "/admin/export.csv"): OWN,
    ("GET", "/admin/{rest:path}"): OWN,  # any other address: 404
    ("GET", "/admin/centres"): OWN,
    ("GET", "/admin/centres/{centre:path}"): CENTRE,
    ("POST", "/admin/centres/{centre:path}"): CENTRE,
    ("GET", "/admin/settings"): ADMIN,
    ("POST", "/admin/settings"): ADMIN,
    ("GET", "/admin/terminals/{terminal_id}"): ADMIN,
    ("POST", "/admin/terminals/{terminal_id}"): ADMIN,
    ("GET", "/admin/audit"): ADMIN,
}
# What each rule's routes must ask for in their signature (and PUBLIC ones must not).
NEEDS = {TERMINAL: deps.current_terminal, ADMIN: deps.current_admin,
         CENTRE: deps.current_staff, OWN: deps.current_staff}
WHO = (deps.current_terminal, deps.current_admin, deps.current_staff)


def hub_routes(app) -> dict[tuple[str, str], object]:
    """(method, path) of every route the app serves, from its own list."""
    out = {}
    for rc in iter_route_contexts(app.routes):
        methods = rc.methods
        if methods is None:  # a Mount (static files)
            out[("MOUNT", rc.path)] = rc
            continue
        for method in methods - {"HEAD"}:
            out[(method, rc.path)] = rc
    return out


def callables(rc) -> set:
    """Every function a route's dependencies call, however deep (none for a plain
    Starlette route such as /openapi.json)."""
    dependant = getattr(rc.route, "dependant", None)
    found, todo = set(), list(dependant.dependencies if dependant else ())
    while todo:
        d = todo.pop()
        found.add(d.call)
        todo += d.dependencies
    return found


@pytest.fixture
def hub(tmp_path, hub_db_url):
    app = create_app(HubSettings(data_dir=tmp_path / "data", db=hub_db_url))
    store = app.state.store
    e = store.engine
    auth.set_admin_password(e, "ada", PASSWORD)
    auth.set_staff_user(e, "bea", PASSWORD, [A])
    ta, token_a, _ = store.enrol(store.create_enrol_code(A))
    tb, _, _ = store.enrol(store.create_enrol_code(B))
    configuration.set_value(e, Scope("centre", B), "centre.greeting", B_SECRET, "admin ada")
    configuration.set_value(e, Scope("terminal", tb), "notice.text", B_SECRET, "admin ada")
    configuration.set_value(e, Scope("centre", A), "centre.greeting", "Welcome to Peckham",
                            "admin ada")
    configuration.record_report(e, tb, {"etag": None, "problems": [], "values": {
        "notice.text": {"value": B_SECRET, "source": "staff",
                        "changed": "2026-12-01T10:00:00Z", "note": ""}}})
    # Figures at both centres, recent enough to be in the dashboard's default period.
    day = forms.london_today() - timedelta(days=2)
    start = datetime(day.year, day.month, day.day, 11).timestamp()
    for terminal, centre in ((ta, A), (tb, B)):
        batch = []
        for i in range(9):
            sid = events.new_session_id()
            batch += [events.make("k", "c", sid, "session_start", start + i * 60),
                      events.make("k", "c", sid, "session_end", start + i * 60 + 30,
                                  language="en", duration_ms=30_000, outcome="finished")]
        store.ingest(terminal, centre, batch)
    with running(app) as base:
        yield app, base, {"ta": ta, "tb": tb, "token_a": token_a}


def sign_in(base: str, name: str) -> tuple[requests.Session, str]:
    """A signed-in session and its CSRF token (from a page it may see)."""
    s = requests.Session()
    r = s.get(base + "/admin/login", timeout=10)
    r = s.post(base + "/admin/login", timeout=10, allow_redirects=False, data={
        "csrf": CSRF_RE.search(r.text).group(1), "name": name, "password": PASSWORD})
    assert r.status_code == 303, r.text
    page = s.get(base + "/admin/centres", timeout=10)
    return s, CSRF_RE.search(page.text).group(1)


def b_state(engine) -> tuple:
    """Everything configuration holds, to see that nothing changed."""
    with engine.connect() as c:
        return tuple(tuple(map(tuple, c.execute(sa.select(t)).all()))
                     for t in (config_values, config_locks, config_audit))


def test_every_route_has_a_rule_and_the_rule_is_what_its_signature_says(hub):
    app, _, _ = hub
    routes = hub_routes(app)
    unclassified = sorted(set(routes) - set(RULES))
    assert not unclassified, f"routes without a rule in RULES (who may call them?): " \
                             f"{unclassified}"
    assert not sorted(set(RULES) - set(routes)), "rules for routes that no longer exist"
    for key, rc in routes.items():
        if key[0] == "MOUNT":
            continue
        needs = callables(rc)
        rule = RULES[key]
        if rule == PUBLIC:
            assert not needs & {deps.current_admin, deps.current_terminal}, key
        else:
            assert NEEDS[rule] in needs, f"{key} is {rule} but does not ask for " \
                                         f"{getattr(NEEDS[rule], '__name__', NEEDS[rule])}"
    # Every page but signing in asks who is signed in; every API route but enrolment, which
    # terminal.
    for (method, path), rule in RULES.items():
        if path.startswith("/admin/") and rule != PUBLIC:
            assert rule in (OWN, CENTRE, ADMIN)
        if path.startswith("/api/") and path != "/api/v1/enrol":
            assert rule == TERMINAL, (method, path)


def test_staff_of_one_centre_get_nothing_of_another_from_any_route(hub):
    app, base, ids = hub
    engine = app.state.store.engine
    staff, csrf = sign_in(base, "bea")
    before = b_state(engine)
    params = {"centre": B, "terminal_id": ids["tb"], "rest": "anything",
              "sha256": "0" * 64}
    form = {"csrf": csrf, "centre.greeting": "CHANGED BY A", "notice.text": "CHANGED BY A",
            "locks-shown": "1", "lock.centre.greeting": "on", "session.idle_timeout": "200"}
    seen = []
    for (method, path), rule in sorted(RULES.items()):
        url = path if method != "MOUNT" else path + "/hub.css"
        for name, value in params.items():
            url = re.sub(r"\{" + name + r"(:[a-z]+)?\}", requests.utils.quote(value, safe=""),
                         url)
        assert "{" not in url, f"{url}: a new path parameter; say in params which of B's " \
                               "things it names"
        session = staff
        if path == "/admin/logout":  # would end the session the other requests use
            session, csrf_out = sign_in(base, "bea")
            form_here = {"csrf": csrf_out}
        else:
            form_here = form
        tries = [url] + ([f"{url}?centre={requests.utils.quote(B)}"]
                         if method == "GET" else [])
        for target in tries:
            if method == "POST":
                r = session.post(base + target, data=form_here, timeout=10,
                                 allow_redirects=False)
            else:
                r = session.get(base + target, timeout=10, allow_redirects=False)
            seen.append((rule, method, target, r.status_code))
            body = r.text
            assert B_SECRET not in body and ids["tb"] not in body and B not in body, \
                (method, target, r.status_code)
            assert r.status_code < 500, (method, target, r.text[:300])
            if rule == TERMINAL:
                assert r.status_code == 401, (method, target)
            elif rule == ADMIN:
                assert r.status_code == 403, (method, target)
            elif rule == CENTRE or (rule == OWN and "centre=" in target and
                                    path in ("/admin/", "/admin/export.csv")):
                assert r.status_code == 404, (method, target)  # B's, or B's figures
    assert b_state(engine) == before, "a staff login of A changed something"
    # The same login does reach its own centre, so the refusals above are not an accident.
    own = staff.get(f"{base}/admin/centres/{requests.utils.quote(A)}", timeout=10)
    assert own.status_code == 200 and "Welcome to Peckham" in own.text
    figures = staff.get(f"{base}/admin/", timeout=10)
    assert figures.status_code == 200 and A in figures.text and B not in figures.text
    assert len(seen) >= len(RULES)


def test_an_admin_sees_both_centres(hub):
    """The other side of the rules: an admin's login is not refused where staff are."""
    _, base, ids = hub
    admin, _ = sign_in(base, "ada")
    for path in (f"/admin/centres/{requests.utils.quote(B)}", f"/admin/terminals/{ids['tb']}",
                 "/admin/settings", "/admin/audit"):
        r = admin.get(base + path, timeout=10)
        assert r.status_code == 200, path
    assert B_SECRET in admin.get(f"{base}/admin/centres/{requests.utils.quote(B)}",
                                 timeout=10).text
    centres = admin.get(base + "/admin/centres", timeout=10).text
    assert A in centres and B in centres
