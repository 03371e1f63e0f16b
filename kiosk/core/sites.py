"""Which sites the official-service browser may load: pure rules, no network.

A *site* is a host name and everything under it: `gov.uk` allows `www.gov.uk` and
`signin.account.gov.uk`, never `evilgov.uk`. A service may load its own sites (the hosts
of its official address and of its guide's links, without a leading `www.`) and the
terminal's common list (`browser_allow`, such as `gov.uk nhs.uk`); nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

# Lowercase labels of letters, digits and hyphens, dot-separated (an IPv4 address is one too).
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
SITE_RE = re.compile(rf"^(?=.{{1,253}}\Z){_LABEL}(?:\.{_LABEL})*\Z")


class SiteError(ValueError):
    """A site that is not a plain host name; the message names it."""


def check(site: str) -> str:
    """A site as written in a list, made plain (lowercase, no `*.`, no dots at the ends)."""
    plain = site.strip().lower()
    plain = plain.removeprefix("*.")
    plain = plain.strip(".")
    if not SITE_RE.match(plain):
        raise SiteError(f"{site!r} is not a host name (letters, digits, hyphens and dots)")
    return plain


def parse_list(text: str) -> tuple[str, ...]:
    """A list of sites separated by commas or spaces ("gov.uk, nhs.uk"), each checked."""
    return tuple(dict.fromkeys(check(s) for s in re.split(r"[\s,]+", text) if s))


def host_of(url: str) -> str:
    """The host of an http(s) address, lowercase ("" when there is none)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    if parts.scheme not in ("http", "https"):
        return ""
    return (parts.hostname or "").lower()


def site_of(host: str) -> str:
    """A host as a site: `www.freedompass.org` is `freedompass.org` (and all under it)."""
    return host[4:] if host.startswith("www.") and host.count(".") >= 2 else host


def for_urls(urls: Iterable[str], common: Iterable[str] = ()) -> tuple[str, ...]:
    """The sites of these addresses and the common list, each once, in a stable order."""
    found = [site_of(h) for h in (host_of(u) for u in urls) if h and SITE_RE.match(h)]
    return tuple(sorted(set(found) | set(common)))


def for_service(service, common: Iterable[str] = ()) -> tuple[str, ...]:
    """The sites a service may load: its official address, its guide's links, the list."""
    urls = [service.official_url]
    for step in service.guide.steps:
        for item in step.contents:
            urls += [t.href for t in getattr(item, "items", ()) if t.href]
    return for_urls(urls, common)


def allows(sites: Iterable[str], host: str) -> bool:
    """True when `host` is one of the sites or under one."""
    host = host.lower().rstrip(".")
    return any(host == s or host.endswith("." + s) for s in sites)
