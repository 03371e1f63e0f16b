"""What the admin pages take from a browser: small urlencoded forms (read with a cap), the
CSRF tokens and cookies that guard them, where to go after signing in, and the figures'
filter (period and centre) from the query string.

Every POST carries a CSRF token in a hidden field: the session's own (auth.SignedIn.csrf)
once signed in, and before that a pre-session token that must match a cookie, so nobody can
sign a browser in to their own account from another site. The pre-session token is signed
with the hub's secret (a random nonce and its HMAC), so a value an attacker made up or set
in a cookie from a sibling site is refused: only tokens this hub issued are taken.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import parse_qs, urlencode

from fastapi import Request, Response

from kiosk.hub import reports
from kiosk.hub.pages import PREFIX
from kiosk.hub.usage import LONDON

LOGIN_CSRF_COOKIE = "kiosk_admin_login"
MAX_FORM_BYTES = 16 * 1024  # a sign-in form is a few hundred bytes
TOKEN_RE = re.compile(r"^[A-Za-z0-9_\-]{64}$")  # a nonce of 32 characters and its MAC
DEFAULT_DAYS = 28  # the period shown when none is asked for: four whole weeks
MAX_PERIOD_DAYS = 3 * 366
# Dates a period may start and end on: year 1 or 9999 is a typo (and overflowed date
# arithmetic, a 500: issue 15), and the hub holds nothing before it was built.
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)


async def read_form(request: Request, max_bytes: int = MAX_FORM_BYTES,
                    max_fields: int = 20) -> dict[str, str]:
    """A small urlencoded form body (first value of each field); {} if not one. The body is
    read in chunks and dropped as soon as it passes the cap: 413 (bodycap.BodyTooLarge)."""
    from kiosk.hub.bodycap import BodyTooLarge

    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype != "application/x-www-form-urlencoded":
        return {}
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise BodyTooLarge(max_bytes)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > max_bytes:
            raise BodyTooLarge(max_bytes)
    try:
        fields = parse_qs(body.decode("utf-8"), keep_blank_values=True,
                          max_num_fields=max_fields)
    except (UnicodeDecodeError, ValueError):
        return {}
    return {k: v[0] for k, v in fields.items()}


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a page of the dashboard, never another site."""
    if not target or not target.startswith(PREFIX + "/") \
            or target.startswith(("//", f"{PREFIX}/login", f"{PREFIX}/logout")) \
            or "\\" in target or any(ord(c) < 32 for c in target):
        return f"{PREFIX}/"
    return target


def _mac(secret: bytes, nonce: str) -> str:
    digest = hmac.new(secret, b"login-csrf:" + nonce.encode("ascii"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode("ascii")


def issued_here(secret: bytes, token: str | None) -> bool:
    """True if token is a sign-in form token this hub made (its MAC checks out)."""
    if not token or not TOKEN_RE.fullmatch(token):
        return False
    return hmac.compare_digest(_mac(secret, token[:32]), token[32:])


def login_csrf_token(request: Request) -> str:
    """The sign-in form's token: the one in the browser's cookie if this hub issued it (the
    same token in every tab that is open), else a new one."""
    secret = request.app.state.secret
    token = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if issued_here(secret, token):
        return token
    nonce = secrets.token_urlsafe(24)
    return nonce + _mac(secret, nonce)


def is_https(request: Request) -> bool:
    return request.url.scheme == "https"


def client_address(request: Request) -> str:
    return request.client.host if request.client else "-"


def set_cookie(response: Response, request: Request, key: str, value: str, path: str,
               max_age: int) -> None:
    """A cookie no script can read and no other site can send: HttpOnly, SameSite=Strict,
    and Secure over https."""
    response.set_cookie(key, value, max_age=max_age, path=path, httponly=True,
                        samesite="strict", secure=is_https(request))


def delete_cookie(response: Response, request: Request, key: str, path: str) -> None:
    response.delete_cookie(key, path=path, httponly=True, samesite="strict",
                           secure=is_https(request))


# --- the figures' filter ---------------------------------------------------------------

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


def parse_period(params: Mapping[str, str], centres: list[str] | None,
                 today: date | None = None) -> Period:
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
            day = date.fromisoformat(raw) if len(raw) <= 10 else None
        except ValueError:
            day = None
        if day is None:
            errors[field] = f"{label} must be a real date, like {today.isoformat()}"
            return None
        if not FIRST_DAY <= day <= LAST_DAY:
            errors[field] = (f"{label} must be between {FIRST_DAY.isoformat()} and "
                             f"{LAST_DAY.isoformat()}")
            return None
        return day

    end = day("to", "The end date") or today
    start = day("from", "The start date") or end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        errors["from"] = "The start date must be the same as or before the end date"
        start = end - timedelta(days=DEFAULT_DAYS - 1)
    if (end - start).days > MAX_PERIOD_DAYS:
        errors["from"] = "Choose a period of at most three years"
        start = end - timedelta(days=DEFAULT_DAYS - 1)
    centre = (params.get("centre") or "").strip() or None
    if centre is not None and centres is not None and centre not in centres:
        errors["centre"] = "Choose a centre from the list"
        centre = None
    return Period(start, end, centre, errors)
