"""The daily e-mail digest: the terminals that need attention, are stale or offline, sent to
each subscribed admin, one message each (no admin sees another's address). Nothing is sent
when all is well. `kiosk-hub digest` sends it, from cron or a systemd timer
(config/kiosk-hub-digest.timer); the mail server is in hub.toml (HubSettings.smtp_*).

The message is plain text, grouped by centre, with each terminal's status in words and its
reasons (hub/status.py): what an admin needs to decide whether to phone a centre.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import sqlalchemy as sa

from kiosk.hub import fleet, status
from kiosk.hub.schema import admin_users, digest_subscriptions
from kiosk.hub.settings import HubSettings
from kiosk.hub.usage import LONDON

EMAIL_RE = re.compile(r"^[^@\s<>\"',;]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9\-.]{0,251}[A-Za-z0-9])?$")
TIMEOUT = 30.0


class DigestError(Exception):
    """A mistake the operator can fix (no mail server, an unknown admin, a bad address)."""


def check_email(address: str) -> str:
    address = (address or "").strip()
    if not EMAIL_RE.match(address) or "." not in address.rsplit("@", 1)[1]:
        raise DigestError(f"{address!r} is not an e-mail address")
    return address


def subscribe(engine: sa.Engine, name: str, email: str, now: datetime | None = None) -> None:
    """The admin `name` gets the daily digest at `email` (replacing an address they had)."""
    email = check_email(email)
    now = now or datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    with engine.begin() as c:
        if c.execute(sa.select(admin_users.c.name).where(admin_users.c.name == name)
                     ).first() is None:
            raise DigestError(f"no admin named {name!r} (kiosk-hub admin-user NAME)")
        c.execute(sa.delete(digest_subscriptions).where(digest_subscriptions.c.name == name))
        c.execute(sa.insert(digest_subscriptions).values(name=name, email=email, created=now))


def unsubscribe(engine: sa.Engine, name: str) -> bool:
    with engine.begin() as c:
        return c.execute(sa.delete(digest_subscriptions)
                         .where(digest_subscriptions.c.name == name)).rowcount > 0


def subscription(engine: sa.Engine, name: str) -> str | None:
    with engine.connect() as c:
        return c.execute(sa.select(digest_subscriptions.c.email)
                         .where(digest_subscriptions.c.name == name)).scalar_one_or_none()


def subscribers(engine: sa.Engine) -> list[tuple[str, str]]:
    with engine.connect() as c:
        return [(r.name, r.email) for r in c.execute(
            sa.select(digest_subscriptions).order_by(digest_subscriptions.c.name))]


@dataclass(frozen=True)
class Digest:
    subject: str
    body: str
    terminals: list[str]  # the ids in it


def compose(engine: sa.Engine, now: datetime | None = None) -> Digest | None:
    """Today's digest, or None when every terminal is ok."""
    rows = [r for r in fleet.overview(engine, now) if r["status"].key != status.OK]
    if not rows:
        return None
    n = len(rows)
    counts = {k: sum(1 for r in rows if r["status"].key == k) for k in status.STATUSES}
    said = ", ".join(f"{counts[k]} {status.WORDS[k].lower()}" for k in status.STATUSES
                     if counts[k] and k != status.OK)
    today = (now.replace(tzinfo=UTC) if now else datetime.now(UTC)).astimezone(LONDON)
    lines = [f"Connecting London hub, {today:%-d %B %Y}", "",
             f"{n} terminal{'s' if n != 1 else ''} to look at: {said}.", ""]
    centre = None
    for r in rows:
        if r["centre"] != centre:
            centre = r["centre"]
            lines += ["", centre, "-" * min(len(centre), 60)]
        lines.append(f"- {r['id']}: {r['status'].word}")
        lines += [f"    {reason}" for reason in r["status"].reasons]
    lines += ["", "", ("Every terminal and its history: the hub's Terminals page "
                       "(/admin/fleet)."),
              ("You get this e-mail because you subscribed on that page; it is not sent on "
               "days when all is well.")]
    subject = (f"Kiosks: {n} terminal{'s' if n != 1 else ''} need"
               f"{'s' if n == 1 else ''} looking at ({said})")
    return Digest(subject, "\n".join(lines) + "\n", [r["id"] for r in rows])


def send(settings: HubSettings, engine: sa.Engine, now: datetime | None = None,
         dry_run: bool = False) -> tuple[Digest | None, list[str]]:
    """Compose the digest and send it to every subscriber: (the digest or None, the
    addresses it went to). DigestError for a missing or unreachable mail server."""
    digest = compose(engine, now)
    to = subscribers(engine)
    if digest is None or not to or dry_run:
        return digest, []
    if not settings.smtp_host:
        raise DigestError("no mail server: set smtp_host (and smtp_port, smtp_security, "
                          "smtp_user, smtp_password, smtp_from) in hub.toml")
    try:
        server = _connect(settings)
    except (OSError, smtplib.SMTPException) as e:
        raise DigestError(f"mail server {settings.smtp_host}:{settings.smtp_port}: "
                          f"{e}") from None
    sent = []
    try:
        for _, address in to:
            msg = EmailMessage()
            msg["Subject"] = digest.subject
            msg["From"] = settings.smtp_from
            msg["To"] = address
            msg["Date"] = formatdate(localtime=False)
            msg["Message-ID"] = make_msgid(domain="kiosk-hub")
            msg["Auto-Submitted"] = "auto-generated"
            msg.set_content(digest.body)
            try:
                server.send_message(msg)
                sent.append(address)
            except smtplib.SMTPRecipientsRefused as e:  # one bad address: the rest still go
                import logging

                logging.getLogger(__name__).warning("digest not sent to %s: %s", address, e)
    finally:
        try:
            server.quit()
        except (OSError, smtplib.SMTPException):
            pass
    return digest, sent


def _connect(s: HubSettings) -> smtplib.SMTP:
    if s.smtp_security == "tls":
        server: smtplib.SMTP = smtplib.SMTP_SSL(s.smtp_host, s.smtp_port, timeout=TIMEOUT,
                                                context=ssl.create_default_context())
    else:
        server = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=TIMEOUT)
        if s.smtp_security == "starttls":
            server.starttls(context=ssl.create_default_context())
    if s.smtp_user:
        server.login(s.smtp_user, s.smtp_password)
    return server
