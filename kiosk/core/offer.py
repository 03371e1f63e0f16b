"""What a centre offers its citizens: the content catalogue (one city-wide signed pack) seen
through the centre's configuration (core/config.py): which languages in which order, which
guides and tutorials in which order with a few featured first, the centre's own
information, its notice (shown between its dates), and the session's timings.

Pure. The app builds an Offer when a configuration arrives (on a worker thread) and switches
to it at the attract screen, never in the middle of a citizen's session.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from kiosk.core import config, languages
from kiosk.core.content import Catalogue, Text


@dataclass(frozen=True)
class Link:
    title: Text
    url: str


@dataclass(frozen=True)
class CentreInfo:
    """The centre's information for citizens; each field one text (lines within it), in
    English and whichever languages the centre wrote it in."""
    name: Text
    greeting: Text
    hours: Text | None = None
    address: Text | None = None
    help: Text | None = None
    phones: Text | None = None
    accessibility: Text | None = None
    links: tuple[Link, ...] = ()


@dataclass(frozen=True)
class Notice:
    """A short notice for the attract and home screens, shown from `start` to `end`
    (ISO dates, both days included; None: no limit on that side)."""
    text: Text
    start: str | None = None
    end: str | None = None

    def shows_on(self, today: date) -> bool:
        day = today.isoformat()
        return not (self.start and day < self.start) and not (self.end and day > self.end)


@dataclass(frozen=True)
class Offer:
    languages: tuple[str, ...]
    default_language: str
    services: tuple[str, ...]        # ids in the order shown, featured first
    featured_services: tuple[str, ...]
    tutorials: tuple[str, ...]
    featured_tutorials: tuple[str, ...]
    centre: CentreInfo
    notice: Notice | None            # with its dates: see notice_on
    # None: not configured, the terminal's own settings (kiosk.toml) apply
    idle_timeout: int | None = None
    idle_warning: int | None = None
    read_aloud: bool = False
    council: str = ""  # the centre's council, its official code (core/councils.py); "": none
    inscript: bool = False           # Indian scripts' keys in InScript's places

    def shows(self, item_id: str) -> bool:
        """Whether citizens here may see a guide or tutorial (a hidden one is not linked
        to from anywhere: lists, "What to try next")."""
        return item_id in self.services or item_id in self.tutorials

    def notice_on(self, today: date) -> Text | None:
        """The notice, on the days it is meant for (checked when it is shown, so a kiosk
        left running shows it from its first day without a new configuration)."""
        return self.notice.text if self.notice is not None and self.notice.shows_on(today) \
            else None


def _text(values: Mapping[str, Any], key: str,
          stale: Collection[str] = ()) -> Text | None:
    """A translatable setting as a Text; `stale`: the translation keys that need an update
    (config.resolve), kept but shown in English like a missing translation."""
    english = values.get(key) or ""
    if not english:
        return None
    by_lang = {"en": english}
    old = set()
    for code in languages.LANGUAGES:
        own = values.get(f"{key}.{code}") if code != "en" else None
        if own:
            by_lang[code] = own
            if f"{key}.{code}" in stale:
                old.add(code)
    return Text(by_lang, frozenset(old))


def _link_title(values: Mapping[str, Any], i: int, english: str,
                stale: Collection[str]) -> Text:
    """The title of the i-th local link: `centre.links.<lang>` holds each language's titles,
    in the links' order."""
    by_lang, old = {"en": english}, set()
    for code in languages.LANGUAGES:
        titles = values.get(f"centre.links.{code}") if code != "en" else None
        if titles and i < len(titles) and titles[i]:
            by_lang[code] = titles[i]
            if f"centre.links.{code}" in stale:
                old.add(code)
    return Text(by_lang, frozenset(old))


def stale_keys(resolved: Mapping[str, config.Effective]) -> frozenset[str]:
    return frozenset(k for k, e in resolved.items() if e.stale)


def centre_info(values: Mapping[str, Any], stale: Collection[str] = ()) -> CentreInfo:
    """The centre's information as configured (name and greeting empty where none is set:
    a new centre, before its staff have written it)."""
    links = tuple(Link(_link_title(values, i, link["title"], stale), link["url"])
                  for i, link in enumerate(values.get("centre.links") or ()))

    def text(key):
        return _text(values, key, stale)

    return CentreInfo(text("centre.name") or Text({"en": ""}),
                      text("centre.greeting") or Text({"en": ""}),
                      text("centre.hours"), text("centre.address"), text("centre.help"),
                      text("centre.phones"), text("centre.accessibility"), links)


def _ordered(known: Sequence[str], shown: Sequence[str] | None,
             featured: Sequence[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(ids in display order, featured ids): ids the pack lacks are left out."""
    base = [i for i in (known if shown is None else shown) if i in known]
    top = [i for i in featured if i in base]
    return tuple(top + [i for i in base if i not in top]), tuple(top)


def notice(values: Mapping[str, Any], stale: Collection[str] = ()) -> Notice | None:
    text = _text(values, "notice.text", stale)
    if text is None:
        return None
    return Notice(text, values.get("notice.start"), values.get("notice.end"))


def notice_for(values: Mapping[str, Any], today: date) -> Text | None:
    """The notice's text if it shows on `today`."""
    n = notice(values)
    return n.text if n is not None and n.shows_on(today) else None


def citizen_languages(catalogue: Catalogue, offered: Sequence[str]) -> tuple[str, ...]:
    """The offered languages a citizen can use here, in the centre's order: known, with
    an interface, and in the content pack (English always is: content falls back to it)."""
    usable = [c for c in offered if languages.is_known(c) and languages.get(c).ui_ready
              and (c == languages.DEFAULT or c in catalogue.languages)]
    return tuple(usable) or (languages.DEFAULT,)


def build(catalogue: Catalogue, resolved: Mapping[str, config.Effective]) -> Offer:
    values = config.values(resolved)
    offered = citizen_languages(catalogue, values["languages.offered"])
    default = values["languages.default"]
    if default not in offered:  # the rules forbid it; a damaged file must not stop citizens
        default = offered[0]
    services, top_s = _ordered(list(catalogue.services), values["services.shown"],
                               values["services.featured"])
    tutorials, top_t = _ordered(list(catalogue.tutorials), values["tutorials.shown"],
                                values["tutorials.featured"])

    def configured(key: str) -> Any:
        return values[key] if resolved[key].source != "default" else None

    return Offer(offered, default, services, top_s, tutorials, top_t,
                 centre_info(values, stale_keys(resolved)),
                 notice(values, stale_keys(resolved)),
                 configured("session.idle_timeout"), configured("session.idle_warning"),
                 values["session.read_aloud"], council=values.get("centre.council") or "",
                 inscript=values["typing.inscript"])
