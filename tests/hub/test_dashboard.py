"""The admin dashboard over HTTP: the real app on uvicorn on 127.0.0.1, `requests` as the
browser, on SQLite and on a real PostgreSQL (hub_db_url). Signing in and out, CSRF, cookie
flags, session expiry, password resets, throttling, and the figures and CSV behind the
login."""

from __future__ import annotations

import csv
import io
import re
import time
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import sqlalchemy as sa
from argon2 import PasswordHasher

from kiosk.core import events
from kiosk.hub import auth, csvfile, limits, reports
from kiosk.hub.app import create_app
from kiosk.hub.pages import forms, report_view
from kiosk.hub.routes import dashboard
from kiosk.hub.schema import admin_sessions, admin_users
from kiosk.hub.settings import HubSettings
from tests.hubtools import running

NAME = "ada"
PASSWORD = "correct horse battery staple"
CSRF_RE = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture
def hub(tmp_path, hub_db_url):
    """A running hub with one admin: (base URL, engine, app)."""
    app = create_app(HubSettings(data_dir=tmp_path / "data", db=hub_db_url))
    engine = app.state.store.engine
    auth.set_admin_password(engine, NAME, PASSWORD)
    with running(app) as base:
        yield base, engine, app


def login_form(s: requests.Session, base: str, path: str = "/admin/login") -> str:
    """Open the sign-in page; its form token."""
    r = s.get(base + path, timeout=5, allow_redirects=False)
    assert r.status_code == 200, r.text
    return CSRF_RE.search(r.text).group(1)


def sign_in(base: str, name: str = NAME, password: str = PASSWORD,
            s: requests.Session | None = None, **extra) -> tuple[requests.Session,
                                                                 requests.Response]:
    s = s or requests.Session()
    token = login_form(s, base)
    r = s.post(f"{base}/admin/login", data={"csrf": token, "name": name,
                                            "password": password, **extra},
               timeout=10, allow_redirects=False)
    return s, r


def signed_in(base: str) -> requests.Session:
    s, r = sign_in(base)
    assert r.status_code == 303, r.text
    return s


def page_csrf(s: requests.Session, base: str) -> str:
    r = s.get(f"{base}/admin/", timeout=10, allow_redirects=False)
    assert r.status_code == 200, r.text
    return CSRF_RE.search(r.text).group(1)


def set_cookie_header(r: requests.Response, name: str) -> str:
    for value in r.raw.headers.getlist("set-cookie"):
        if value.startswith(name + "="):
            return value
    raise AssertionError(f"no Set-Cookie for {name}: {r.headers}")


def session_rows(engine) -> list:
    with engine.connect() as c:
        return c.execute(sa.select(admin_sessions)).all()


# --- signing in ----------------------------------------------------------------------

def test_sign_in_with_the_right_password_opens_the_dashboard(hub):
    base, engine, _ = hub
    s, r = sign_in(base)
    assert r.status_code == 303 and r.headers["location"] == "/admin/"
    page = s.get(f"{base}/admin/", timeout=10)
    assert page.status_code == 200
    assert "Signed in as" in page.text and NAME in page.text
    with engine.connect() as c:
        assert c.execute(sa.select(admin_users.c.last_login)).scalar() is not None
    rows = session_rows(engine)
    assert len(rows) == 1 and rows[0].name == NAME
    token = s.cookies.get(auth.SESSION_COOKIE, path="/admin")
    assert rows[0].token_sha256 == auth._sha256(token) != token  # only the digest is kept


@pytest.mark.parametrize("name,password", [(NAME, "wrong password, long enough"),
                                           ("nobody", PASSWORD), ("", "")])
def test_wrong_password_and_unknown_name_get_the_same_answer(hub, name, password):
    base, engine, _ = hub
    started = time.monotonic()
    s, r = sign_in(base, name, password)
    assert time.monotonic() - started >= dashboard.FAILED_LOGIN_DELAY
    assert r.status_code == 401
    assert "Enter a correct name and password" in r.text
    assert auth.SESSION_COOKIE not in s.cookies
    assert session_rows(engine) == []
    again = s.get(f"{base}/admin/", timeout=5, allow_redirects=False)
    assert again.status_code == 303


def test_repeated_failures_for_one_name_are_paused(hub, monkeypatch):
    base, _, _ = hub
    monkeypatch.setattr(limits, "SIGN_IN", limits.Limit("sign-in", 2, 15 * 60))
    s = requests.Session()
    for _ in range(2):
        _, r = sign_in(base, NAME, "not the password at all", s=s)
        assert r.status_code == 401
    _, r = sign_in(base, NAME, PASSWORD, s=s)  # even the right password waits
    assert r.status_code == 429 and "Too many attempts" in r.text
    assert r.headers["Retry-After"].isdigit()
    assert auth.SESSION_COOKIE not in s.cookies
    _, r = sign_in(base, "someone-else", PASSWORD)  # other names are not locked out
    assert r.status_code == 401


def test_logged_out_requests_go_to_the_sign_in_page_and_back(hub):
    base, _, _ = hub
    s = requests.Session()
    for path in ("/admin/", "/admin", "/admin/export.csv?from=2024-01-01&to=2024-01-31",
                 "/admin/no-such-page"):
        r = s.get(base + path, timeout=5)
        assert urlsplit(r.url).path == "/admin/login", path
        assert r.status_code == 200
    r = s.get(f"{base}/admin/?from=2024-01-01&to=2024-01-31", timeout=5,
              allow_redirects=False)
    assert r.status_code == 303
    location = r.headers["location"]
    assert location.startswith("/admin/login?next=")
    nxt = parse_qs(urlsplit(location).query)["next"][0]
    assert nxt == "/admin/?from=2024-01-01&to=2024-01-31"
    s, r = sign_in(base, s=s, next=nxt)
    assert r.status_code == 303 and r.headers["location"] == nxt  # the bookmark, after all


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/admin/",
                                    "/admin/logout", "/elsewhere", "/admin/\\evil"])
def test_after_sign_in_only_dashboard_pages_are_followed(hub, target):
    base, _, _ = hub
    _, r = sign_in(base, next=target)
    assert r.status_code == 303 and r.headers["location"] == "/admin/"


def test_signed_in_admin_skips_the_sign_in_page(hub):
    base, _, _ = hub
    s = signed_in(base)
    r = s.get(f"{base}/admin/login", timeout=5, allow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/admin/"


# --- CSRF ----------------------------------------------------------------------------

def test_sign_in_without_the_form_token_is_refused(hub):
    base, engine, _ = hub
    s = requests.Session()
    token = login_form(s, base)
    # No field; a field but no cookie (another site's form); a field that does not match.
    r = s.post(f"{base}/admin/login", data={"name": NAME, "password": PASSWORD}, timeout=5,
               allow_redirects=False)
    assert r.status_code == 403
    r = requests.post(f"{base}/admin/login", timeout=5, allow_redirects=False,
                      data={"csrf": token, "name": NAME, "password": PASSWORD})
    assert r.status_code == 403
    r = s.post(f"{base}/admin/login", timeout=5, allow_redirects=False,
               data={"csrf": token[:-2] + "xx", "name": NAME, "password": PASSWORD})
    assert r.status_code == 403
    assert "This page had expired" in r.text
    assert session_rows(engine) == []
    assert auth.SESSION_COOKIE not in s.cookies


def test_logout_needs_the_session_token(hub):
    base, engine, _ = hub
    s = signed_in(base)
    for data in ({}, {"csrf": "x" * 43}, {"csrf": login_form(requests.Session(), base)}):
        r = s.post(f"{base}/admin/logout", data=data, timeout=5, allow_redirects=False)
        assert r.status_code == 403, data
        assert len(session_rows(engine)) == 1
        assert s.get(f"{base}/admin/", timeout=10, allow_redirects=False).status_code == 200


def test_logout_ends_the_session(hub):
    base, engine, _ = hub
    s = signed_in(base)
    cookie = s.cookies.get(auth.SESSION_COOKIE, path="/admin")
    r = s.post(f"{base}/admin/logout", data={"csrf": page_csrf(s, base)}, timeout=5,
               allow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/admin/login")
    assert "Max-Age=0" in set_cookie_header(r, auth.SESSION_COOKIE) \
        or "expires=Thu, 01 Jan 1970" in set_cookie_header(r, auth.SESSION_COOKIE)
    assert session_rows(engine) == []
    assert "You have signed out" in s.get(base + r.headers["location"], timeout=5).text
    # The old cookie, replayed, no longer works.
    r = requests.get(f"{base}/admin/", cookies={auth.SESSION_COOKIE: cookie},
                     timeout=5, allow_redirects=False)
    assert r.status_code == 303


# --- cookies and sessions ------------------------------------------------------------

def test_cookie_flags(hub):
    base, _, _ = hub
    _, r = sign_in(base)
    header = set_cookie_header(r, auth.SESSION_COOKIE)
    flags = {part.strip().split("=")[0].lower(): part.strip() for part in header.split(";")}
    assert "httponly" in flags
    assert flags["samesite"].lower() == "samesite=strict"
    assert flags["path"] == "Path=/admin"
    assert flags["max-age"] == "Max-Age=28800"
    assert "secure" not in flags  # plain http on 127.0.0.1: a Secure cookie would be lost
    login_cookie = set_cookie_header(requests.get(f"{base}/admin/login", timeout=5),
                                     forms.LOGIN_CSRF_COOKIE)
    assert "HttpOnly" in login_cookie and "SameSite=strict" in login_cookie
    assert "Path=/admin/login" in login_cookie


def test_cookies_are_secure_over_https(tmp_path, hub_db_url):
    """Behind a TLS proxy on this machine, trusted as such (trusted_proxies)."""
    app = create_app(HubSettings(data_dir=tmp_path / "data", db=hub_db_url,
                                 trusted_proxies="127.0.0.1"))
    auth.set_admin_password(app.state.store.engine, NAME, PASSWORD)
    with running(app) as base:
        _secure_cookies(base)


def _secure_cookies(base: str) -> None:
    s = requests.Session()
    s.headers["X-Forwarded-Proto"] = "https"
    r = s.get(f"{base}/admin/login", timeout=5)
    assert "Secure" in set_cookie_header(r, forms.LOGIN_CSRF_COOKIE)
    token = CSRF_RE.search(r.text).group(1)
    r = s.post(f"{base}/admin/login", timeout=10, allow_redirects=False,
               data={"csrf": token, "name": NAME, "password": PASSWORD},
               cookies={forms.LOGIN_CSRF_COOKIE: token})
    assert r.status_code == 303
    assert "Secure" in set_cookie_header(r, auth.SESSION_COOKIE)


def test_an_expired_session_goes_back_to_sign_in(hub):
    base, engine, _ = hub
    s = signed_in(base)
    with engine.begin() as c:
        c.execute(admin_sessions.update().values(
            expires=datetime.now(UTC).replace(tzinfo=None, microsecond=0) - timedelta(seconds=1)))
    r = s.get(f"{base}/admin/", timeout=5, allow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/admin/login")
    # A new sign-in sweeps the expired session out of the table.
    signed_in(base)
    assert len(session_rows(engine)) == 1


def test_sessions_last_eight_hours(hub):
    _, engine, _ = hub
    now = datetime(2025, 3, 3, 9, 0)
    token, session = auth.create_session(engine, NAME, now=now)
    assert session.expires == datetime(2025, 3, 3, 17, 0)
    assert auth.get_session(engine, token, now=now + timedelta(hours=8, seconds=-1)) \
        == session
    assert auth.get_session(engine, token, now=now + timedelta(hours=8)) is None
    assert auth.get_session(engine, token + "x", now=now) is None
    auth.end_session(engine, token)
    assert auth.get_session(engine, token, now=now) is None


def test_password_reset_ends_the_sessions(hub):
    base, engine, _ = hub
    s1, s2 = signed_in(base), signed_in(base)
    assert len(session_rows(engine)) == 2
    auth.set_admin_password(engine, NAME, "a brand new password")
    assert session_rows(engine) == []
    for s in (s1, s2):
        assert s.get(f"{base}/admin/", timeout=5, allow_redirects=False).status_code == 303
    _, r = sign_in(base)
    assert r.status_code == 401
    _, r = sign_in(base, password="a brand new password")
    assert r.status_code == 303


def test_passwords(hub):
    _, engine, _ = hub
    with pytest.raises(ValueError, match="at least 12 characters"):
        auth.set_admin_password(engine, "bob", "short")
    with pytest.raises(ValueError, match="name"):
        auth.set_admin_password(engine, "  ", PASSWORD)
    auth.set_admin_password(engine, " bob ", "twelve chars")  # exactly 12: fine
    assert auth.verify_login(engine, "bob", "twelve chars")
    assert not auth.verify_login(engine, "bob", "twelve chars!")
    with engine.connect() as c:
        stored = c.execute(sa.select(admin_users.c.password_hash)
                           .where(admin_users.c.name == "bob")).scalar()
    assert stored.startswith("$argon2id$") and "twelve" not in stored


def test_an_old_hash_is_remade_at_sign_in(hub):
    _, engine, _ = hub
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    with engine.begin() as c:
        c.execute(admin_users.update().where(admin_users.c.name == NAME)
                  .values(password_hash=weak))
    assert auth.verify_login(engine, NAME, PASSWORD)
    with engine.connect() as c:
        remade = c.execute(sa.select(admin_users.c.password_hash)).scalar()
    assert remade != weak
    assert not PasswordHasher(**auth.PASSWORD_HASH_PARAMS).check_needs_rehash(remade)
    assert auth.verify_login(engine, NAME, PASSWORD)


# --- headers -------------------------------------------------------------------------

def test_pages_have_a_strict_content_security_policy(hub):
    base, _, _ = hub
    s = signed_in(base)
    for path in ("/admin/login", "/admin/"):
        r = (requests if path.endswith("login") else s).get(base + path, timeout=10)
        csp = r.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
        assert r.headers["cache-control"] == "no-store"
        assert r.headers["x-content-type-options"] == "nosniff"
        assert "<script>" not in r.text  # no inline script
    r = requests.get(f"{base}/admin/static/chart.umd.js", timeout=5)
    assert r.status_code == 200 and "Chart.js v4" in r.text[:200]
    # The terminals' API has a policy that allows nothing (it serves no page).
    api = requests.get(f"{base}/openapi.json", timeout=5).headers
    assert api["content-security-policy"].startswith("default-src 'none'")
    assert "script-src" not in api["content-security-policy"]


# --- figures -------------------------------------------------------------------------

def seed(engine_or_store, centre: str, day: date, sessions: int, language: str = "en",
         hour: int = 10) -> None:
    """sessions whole sessions at centre on day (London time), each with a language, a
    guide and a tutorial started and completed."""
    store = engine_or_store
    batch = []
    for i in range(sessions):
        t = datetime(day.year, day.month, day.day, hour, i % 60).timestamp()
        sid = events.new_session_id()
        k = "k1"
        batch += [
            events.make(k, "c", sid, "session_start", t),
            events.make(k, "c", sid, "language_chosen", t + 1, language=language),
            events.make(k, "c", sid, "guide_opened", t + 2, content_id="council-tax",
                        language=language),
            events.make(k, "c", sid, "tutorial_started", t + 3, content_id="email-basics",
                        language=language),
            events.make(k, "c", sid, "tutorial_completed", t + 60,
                        content_id="email-basics", language=language, duration_ms=57_000),
            events.make(k, "c", sid, "session_end", t + 120, duration_ms=120_000,
                        outcome="finished"),
        ]
    store.ingest("t-" + centre[:8], centre, batch)


def test_dashboard_and_csv_show_suppressed_figures(hub):
    base, _, app = hub
    store = app.state.store
    day = date(2025, 3, 4)
    seed(store, "Brixton Library", day, 12, "en")
    seed(store, "Brixton Library", day, 9, "pl", hour=14)
    seed(store, "Peckham Library", day, 3, "ar")
    s = signed_in(base)
    q = {"from": "2025-03-01", "to": "2025-03-07"}
    page = s.get(f"{base}/admin/", params=q, timeout=10)
    assert page.status_code == 200
    assert "Brixton Library" in page.text and "Peckham Library" in page.text
    assert "&lt;8" in page.text  # Peckham's 3 sessions, suppressed
    assert 'type="application/json"' in page.text
    r = s.get(f"{base}/admin/export.csv", params=q, timeout=10)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    assert r.content.startswith("\ufeff".encode())  # for Excel, as `kiosk-hub export`
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0] == ["table", "dimension", "key", "label", "value"]
    flat = [cell for row in rows for cell in row]
    assert "<8" in flat and "Peckham Library" in flat
    assert not any(cell in ("3", "1", "2") for row in rows
                   if "Peckham Library" in row for cell in row)
    # One centre only.
    r = s.get(f"{base}/admin/export.csv", params={**q, "centre": "Brixton Library"},
              timeout=10)
    assert "Peckham Library" not in r.text and "Brixton" in r.headers["content-disposition"]


def test_filters_that_do_not_make_sense_are_named(hub):
    base, _, _ = hub
    s = signed_in(base)
    r = s.get(f"{base}/admin/", params={"from": "2025-03-10", "to": "2025-03-01"},
              timeout=10)
    assert r.status_code == 400 and "The start date must be" in r.text
    r = s.get(f"{base}/admin/", params={"from": "yesterday"}, timeout=10)
    assert r.status_code == 400 and "must be a real date" in r.text
    r = s.get(f"{base}/admin/", params={"centre": "Nowhere"}, timeout=10)
    assert r.status_code == 400 and "Choose a centre from the list" in r.text
    r = s.get(f"{base}/admin/export.csv", params={"from": "2025-13-01"}, timeout=10)
    assert r.status_code == 400


def test_csv_download_needs_a_session(hub):
    base, _, _ = hub
    r = requests.get(f"{base}/admin/export.csv", timeout=5, allow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/admin/login")
    assert "text/csv" not in r.headers.get("content-type", "")


def test_csv_cells_cannot_be_formulas():
    text = csvfile.text([["=HYPERLINK(1)", "-5", "+x", "@a", "plain", 3, "-x"]])
    assert text.startswith(csvfile.BOM)
    assert next(csv.reader(io.StringIO(text[1:]))) == [
        "'=HYPERLINK(1)", "-5", "'+x", "'@a", "plain", "3", "'-x"]


def test_a_busy_database_gets_a_page_that_says_so(hub, monkeypatch):
    base = hub[0]
    s = signed_in(base)

    def locked(*_args, **_kw):
        raise sa.exc.OperationalError("select ...", {}, Exception("database is locked"))

    monkeypatch.setattr(reports, "report", locked)
    r = s.get(f"{base}/admin/", timeout=10)
    assert r.status_code == 503 and r.headers["Retry-After"] == "10"
    assert "The figures are not available just now" in r.text
    r = s.get(f"{base}/admin/export.csv", timeout=10)
    assert r.status_code == 503


def test_charts_with_every_figure_withheld_say_so():
    rep = {"filters": {"from": "2026-10-26", "to": "2026-10-26", "centre": "Small"},
           "sessions": {"total": 9, "by_day": [{"day": "2026-10-26", "sessions": 9}],
                        "by_hour_of_week": [[0] * 24 for _ in range(7)],
                        "by_language": [{"language": "en", "name": "English",
                                         "sessions": "<8"},
                                        {"language": "pl", "name": "Polish",
                                         "sessions": "<8"}],
                        "by_centre": [{"centre": "Small", "sessions": 9}],
                        "median_length_s": "*"},
           "services": {"opened": 0, "rows": []},
           "tutorials": {"started": "<8", "completed": 0, "completion_rate": "*",
                         "rows": [{"id": "email", "title": "Email", "started": "<8",
                                   "completed": 0, "completion_rate": "*"}]}}
    panels = {p["id"]: p for p in report_view.view(rep)["panels"]}
    assert panels["languages"]["summary"].startswith("Every figure in this chart is withheld")
    assert panels["per-day"]["summary"].startswith("The busiest day")
    assert panels["tutorials"]["summary"] == ("The completion rate is withheld: too few "
                                              "tutorials to show it safely.")
