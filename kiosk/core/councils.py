"""London's 33 local authorities, and where a council service sends a citizen.

Council Tax, housing, Blue Badge, street problems, parking permits and the register of
electors belong to the citizen's council. The content keeps a table (`councils.json`):
each council's official code (ONS GSS, E09000001 to E09000033), name, web domain and
where those facts came from, and for each council service a page on the council's own site
where an editor has checked one. A centre names its council in its configuration
(`centre.council`); a guide's council step then links there, or, where no page has been
recorded, to GOV.UK's page for the service, which asks for a postcode. A terminal whose
centre has no council links to GOV.UK's "find your local council".

Pure: the table is checked here (all 33, unique codes, names and register codes, every
address https:// on the council's own domain) and loaded with the content. Where its facts
came from (GOV.UK's local-links-manager, the GOV.UK register, mySociety) is in the table's
`sources`; tests/unit/council_sources/ keeps those datasets' London rows, which a test
compares with the table field by field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from kiosk.core import sites

FILE = "councils.json"
# The 32 boroughs and the City: ONS GSS codes and names (Local Authority Districts, E09).
# Public facts the configuration checks against; councils.json must agree with them.
LONDON = {
    "E09000001": "City of London", "E09000002": "Barking and Dagenham",
    "E09000003": "Barnet", "E09000004": "Bexley", "E09000005": "Brent",
    "E09000006": "Bromley", "E09000007": "Camden", "E09000008": "Croydon",
    "E09000009": "Ealing", "E09000010": "Enfield", "E09000011": "Greenwich",
    "E09000012": "Hackney", "E09000013": "Hammersmith and Fulham", "E09000014": "Haringey",
    "E09000015": "Harrow", "E09000016": "Havering", "E09000017": "Hillingdon",
    "E09000018": "Hounslow", "E09000019": "Islington", "E09000020": "Kensington and Chelsea",
    "E09000021": "Kingston upon Thames", "E09000022": "Lambeth", "E09000023": "Lewisham",
    "E09000024": "Merton", "E09000025": "Newham", "E09000026": "Redbridge",
    "E09000027": "Richmond upon Thames", "E09000028": "Southwark", "E09000029": "Sutton",
    "E09000030": "Tower Hamlets", "E09000031": "Waltham Forest", "E09000032": "Wandsworth",
    "E09000033": "Westminster",
}
LONDON_CODES = tuple(LONDON)


def code_for(value: str) -> str | None:
    """A council's official code from its code or its name, in any case ("lambeth")."""
    v = " ".join(value.split()).casefold()
    for code, name in LONDON.items():
        if v in (code.casefold(), name.casefold()):
            return code
    return None


def named(code: str) -> str:
    """"Lambeth (E09000022)", as admins and staff read a council setting."""
    return f"{LONDON[code]} ({code})" if code in LONDON else code
# The council services a guide's council step may name (the list).
SERVICES = ("council_tax", "housing", "blue_badge", "street_problems", "parking_permits",
            "electoral_register")
FIND_COUNCIL = "https://www.gov.uk/find-local-council"


class CouncilError(ValueError):
    """A mistake in the council table; the message names the council and the field."""


@dataclass(frozen=True)
class Council:
    code: str
    name: str
    domain: str  # the council's own site: this and everything under it
    homepage: str
    source: str  # where the name, code and domain were taken from
    pages: dict[str, str] = field(default_factory=dict)  # service -> checked page
    checked: dict[str, str] = field(default_factory=dict)  # service -> who/when checked
    register: str = ""  # the GOV.UK register's local-authority-eng code ("LBH")
    govuk_slug: str = ""  # GOV.UK's name for it in local-links-manager ("lambeth")


@dataclass(frozen=True)
class CouncilService:
    key: str
    title: Any  # content.Text
    govuk: str  # GOV.UK's page for it, which asks for a postcode


@dataclass(frozen=True)
class Councils:
    councils: dict[str, Council]
    services: dict[str, CouncilService]

    def get(self, code: str) -> Council | None:
        return self.councils.get(code) if code else None


@dataclass(frozen=True)
class Destination:
    """Where a council step sends the citizen at this centre."""

    url: str
    council: Council | None  # None: the centre has no council set
    on_council_site: bool  # a page an editor recorded on the council's own site


def destination(table: Councils | None, code: str, service: str) -> Destination:
    """The page for `service` at the council `code` ("" for none): the council's own page
    where one is recorded, else GOV.UK's page for the service (which asks for a postcode);
    without a council, GOV.UK's "find your local council"."""
    council = table.get(code) if table is not None else None
    if council is None:
        return Destination(FIND_COUNCIL, None, False)
    page = council.pages.get(service)
    if page:
        return Destination(page, council, True)
    svc = table.services.get(service) if table is not None else None
    return Destination(svc.govuk if svc else FIND_COUNCIL, council, False)


def _fail(where: str, problem: str) -> CouncilError:
    return CouncilError(f"{FILE}: {where}: {problem}")


def _https_on(url: Any, domain: str, where: str) -> str:
    if not isinstance(url, str) or not re.fullmatch(r"https://[A-Za-z0-9.-]+(/\S*)?", url):
        raise _fail(where, f"{url!r} is not an https:// address")
    host = sites.host_of(url)
    if not sites.allows((domain,), host):
        raise _fail(where, f"{url} is not on the council's own domain {domain}")
    return url


def load(data: Any, text_of) -> Councils:
    """The council table from its JSON, checked; `text_of(value, where)` reads a
    translated text the way the content loader does."""
    if not isinstance(data, dict):
        raise _fail("(file)", "must be an object")
    extra = sorted(set(data) - {"about", "sources", "services", "councils"})
    if extra:
        raise _fail(extra[0], "is not a known field (about, sources, services, councils)")
    raw_services = data.get("services")
    if not isinstance(raw_services, dict):
        raise _fail("services", "must be an object from service to its title and GOV.UK page")
    services = {}
    for key, s in raw_services.items():
        where = f"services.{key}"
        if key not in SERVICES:
            raise _fail(where, f"is not a council service ({', '.join(SERVICES)})")
        if not isinstance(s, dict) or set(s) - {"title", "govuk"}:
            raise _fail(where, 'must be {"title": {...}, "govuk": "https://www.gov.uk/..."}')
        services[key] = CouncilService(key, text_of(s.get("title"), f"{where}.title"),
                                       _https_on(s.get("govuk"), "gov.uk", f"{where}.govuk"))
    missing = [k for k in SERVICES if k not in services]
    if missing:
        raise _fail("services", f"{', '.join(missing)} missing")
    rows = data.get("councils")
    if not isinstance(rows, list):
        raise _fail("councils", "must be a list")
    councils: dict[str, Council] = {}
    names: set[str] = set()
    registers: set[str] = set()
    for i, c in enumerate(rows):
        where = f"councils[{i}]"
        if not isinstance(c, dict):
            raise _fail(where, "must be an object")
        extra = sorted(set(c) - {"code", "name", "official_name", "register", "govuk_slug",
                                 "domain", "homepage", "source", "pages", "checked"})
        if extra:
            raise _fail(f"{where}.{extra[0]}", "is not a known field")
        code = c.get("code")
        if code not in LONDON_CODES:
            raise _fail(f"{where}.code", f"{code!r} is not a London council's official code "
                                         "(E09000001 to E09000033)")
        where = f"council {code}"
        if code in councils:
            raise _fail(where, "appears twice")
        name = c.get("name")
        if not isinstance(name, str) or not name.strip():
            raise _fail(f"{where}.name", "must be the council's name")
        if name in names:
            raise _fail(f"{where}.name", f"{name!r} is used by another council")
        if name != LONDON[code]:
            raise _fail(f"{where}.name", f"{name!r}: the council with this code is "
                                         f"{LONDON[code]!r}")
        names.add(name)
        register = c.get("register")
        if not isinstance(register, str) or not re.fullmatch(r"[A-Z]{3}", register):
            raise _fail(f"{where}.register", f"'{register}' is not a register code (three "
                        "capital letters, local-authority-eng, such as LBH)")
        if register in registers:
            raise _fail(f"{where}.register", f"'{register}' is used by another council")
        registers.add(register)
        slug = c.get("govuk_slug")
        if not isinstance(slug, str) or not re.fullmatch(r"[a-z]+(-[a-z]+)*", slug):
            raise _fail(f"{where}.govuk_slug", f"{slug!r} is not GOV.UK's name for a council "
                        "(lowercase words and hyphens, such as kingston-upon-thames)")
        domain = c.get("domain")
        try:
            if not isinstance(domain, str) or sites.check(domain) != domain:
                raise sites.SiteError
        except sites.SiteError:
            raise _fail(f"{where}.domain", f"{domain!r} is not a plain host name") from None
        source = c.get("source")
        if not isinstance(source, str) or not source.strip():
            raise _fail(f"{where}.source", "say where the name, code and domain came from")
        homepage = _https_on(c.get("homepage"), domain, f"{where}.homepage")
        pages_raw = c.get("pages", {})
        checked_raw = c.get("checked", {})
        if not isinstance(pages_raw, dict) or not isinstance(checked_raw, dict):
            raise _fail(where, "pages and checked must be objects keyed by service")
        pages = {}
        for key, url in pages_raw.items():
            if key not in SERVICES:
                raise _fail(f"{where}.pages.{key}", f"is not a council service "
                                                    f"({', '.join(SERVICES)})")
            pages[key] = _https_on(url, domain, f"{where}.pages.{key}")
            note = checked_raw.get(key)
            if not isinstance(note, str) or not note.strip():
                raise _fail(f"{where}.checked.{key}", "a page nobody has checked is worse than "
                            "GOV.UK's postcode page: say who checked it and when")
        councils[code] = Council(code, name.strip(), domain, homepage, source.strip(), pages,
                                 {k: v for k, v in checked_raw.items() if isinstance(v, str)},
                                 register, slug)
    absent = [code for code in LONDON_CODES if code not in councils]
    if absent:
        raise _fail("councils", f"{len(councils)} of London's 33 councils; missing "
                                f"{', '.join(absent[:5])}{'...' if len(absent) > 5 else ''}")
    return Councils(councils, services)


def has_council_step(service) -> bool:
    """Whether a guide (content.Service) sends the citizen to their council somewhere."""
    return any(hasattr(item, "service") and not hasattr(item, "items")
               for step in service.guide.steps for item in step.contents)


def sites_for(table: Councils | None, code: str, service) -> tuple[str, ...]:
    """The council sites a guide's browser may load: the centre's council's own site; or,
    with no council set, every London council's (GOV.UK's postcode page sends the citizen
    to one of them). Nothing for a guide without a council step."""
    if table is None or service is None or not has_council_step(service):
        return ()
    council = table.get(code)
    if council is not None:
        return (council.domain,)
    return tuple(sorted(c.domain for c in table.councils.values()))
