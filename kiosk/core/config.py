"""A centre's configuration: what staff and admins may set, its bounds, and how the layers
that set it combine. Pure: the terminal (services/config_store.py), the hub and the CLIs
all use these rules, so a value means the same everywhere.

Layers, lowest precedence first: the hub's defaults for every terminal (`all`), the centre
(`centre`), the terminal (`terminal`), and staff changes made at the terminal (`staff`).
- A later layer overrides an earlier one, except that a setting an admin *locked* at a
  layer cannot be changed by any layer after it.
- Staff changes at the terminal are made offline as often as not, so between the hub and
  the staff layer the later *change* wins: a staff change older than the hub value it
  would override is not used (and the reason is reported).

Keys are flat strings (`session.idle_timeout`). Text the citizen reads is translatable: the
key itself holds English (`centre.name`) and `<key>.<lang>` one translation
(`centre.name.ar`); a lock on `centre.name` covers its translations. The local links'
translation (`centre.links.ar`) is their titles in that language, one per link in the
order of `centre.links` ("" for a title not translated); addresses are the same in every
language.
- A translation is of the English it was written for. One that is older than the English
  used, or set at a layer before the English's (the demo's or the hub's Bengali address,
  once staff at the terminal changed the English), *needs an update*: it is kept, marked
  `stale`, and citizens see the English, said to be in English, as for any text not
  translated. Writing the translation again (at the English's layer or a later one) brings
  it back. So a hub's older translation never comes back over a newer English.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from kiosk.core import councils, languages

LAYERS = ("all", "centre", "terminal", "staff")
HUB_LAYERS = LAYERS[:-1]
ID_RE = re.compile(r"^[a-z0-9][a-z0-9_.\-]{0,79}\Z")
URL_RE = re.compile(r"^https://[^\s/$.?#][^\s]{2,300}\Z")
MAX_IDS = 100
MAX_FEATURED = 3
MAX_LINKS = 5


class ConfigError(ValueError):
    """A value that does not fit its setting; the message names the key."""

    def __init__(self, key: str, problem: str):
        super().__init__(f"{key}: {problem}")
        self.key, self.problem = key, problem


@dataclass(frozen=True)
class Field:
    key: str
    kind: str  # languages | language | ids | text | int | bool | date | links
    default: Any
    label: str  # what staff see beside the field (English; translated by the UI)
    help: str = ""
    low: int | None = None  # int bounds, or the most characters of a text
    high: int | None = None
    translatable: bool = False


def _all_codes() -> tuple[str, ...]:
    return tuple(languages.LANGUAGES)


FIELDS: dict[str, Field] = {f.key: f for f in (
    Field("languages.offered", "languages", _all_codes(), "Languages offered",
          "Which languages citizens can choose, in the order of the language screen: the "
          "centre's most common languages first."),
    Field("languages.default", "language", "en", "Default language",
          "The language of the attract screen between citizens; it must be offered."),
    Field("services.shown", "ids", None, "Services shown",
          "Which service guides are shown, in this order (empty: all, in the usual order)."),
    Field("services.featured", "ids", (), "Services featured",
          f"Up to {MAX_FEATURED} guides shown first, at the top of the list.", high=MAX_FEATURED),
    Field("tutorials.shown", "ids", None, "Tutorials shown",
          "Which tutorials are shown, in this order (empty: all, in the usual order)."),
    Field("tutorials.featured", "ids", (), "Tutorials featured",
          f"Up to {MAX_FEATURED} tutorials shown first.", high=MAX_FEATURED),
    Field("centre.name", "text", "", "Centre name", high=80, translatable=True),
    Field("centre.greeting", "text", "", "Greeting", "A line under the name on the attract "
          "screen.", high=120, translatable=True),
    Field("centre.hours", "text", "", "Opening hours", "One line per day or period.",
          high=600, translatable=True),
    Field("centre.address", "text", "", "Address", high=300, translatable=True),
    Field("centre.help", "text", "", "Who can help, and when",
          "For example: 'Ask at the front desk. Digital champions: Tuesday 10am to 1pm.'",
          high=600, translatable=True),
    Field("centre.phones", "text", "", "Local phone numbers", "One a line, with what it is "
          "for.", high=300, translatable=True),
    Field("centre.accessibility", "text", "", "Accessibility notes",
          "Step-free access, hearing loop, large-print keyboard...", high=600,
          translatable=True),
    Field("centre.links", "links", (), "Local links",
          f"Up to {MAX_LINKS} addresses (https) with a title each; citizens get a QR code.",
          high=MAX_LINKS, translatable=True),
    Field("centre.council", "council", "", "Local council",
          "The London council the centre is in, by its official code (E09000022 is Lambeth): "
          "council services link to its pages. Empty: GOV.UK's 'find your local council'."),
    Field("notice.text", "text", "", "Notice", "A short notice on the attract and home "
          "screens, e.g. 'Digital help drop-in every Tuesday 10-12'.", high=200,
          translatable=True),
    Field("notice.start", "date", None, "Notice from", "The first day it shows (YYYY-MM-DD)."),
    Field("notice.end", "date", None, "Notice until", "The last day it shows (YYYY-MM-DD)."),
    Field("session.idle_timeout", "int", 120, "Idle timeout (seconds)",
          "Quiet time before 'Do you need more time?'.", low=60, high=600),
    Field("session.idle_warning", "int", 30, "Idle warning (seconds)",
          "How long 'Do you need more time?' waits for an answer.", low=20, high=120),
    Field("session.read_aloud", "bool", False, "Read aloud on by default"),
    Field("typing.inscript", "bool", False, "InScript keyboard for Indian scripts",
          "Bengali, Gujarati, Punjabi and Tamil keys in InScript's places (India's standard "
          "keyboard) instead of in alphabetical order."),
    Field("staff.pin_hash", "pin_hash", "", "Staff panel PIN",
          "Set with `kiosk-hub config set --centre C staff.pin` (the hub keeps only an argon2 "
          "hash), or at the terminal."),
)}
# Set on the hub, never shown back and never reported by terminals.
SECRET_KEYS = frozenset({"staff.pin_hash"})
PIN_RE = re.compile(r"^\d{4,8}\Z")
# argon2id for a PIN, small enough for the cheapest terminal (about 20 MiB, tens of ms):
# a PIN is short, so what protects it is the lock after five tries, not the hash's cost.
PIN_HASH_PARAMS = {"time_cost": 2, "memory_cost": 19456, "parallelism": 1}


def check_pin(pin: str) -> str:
    """A PIN staff can use: 4 to 8 digits, not a run or one digit repeated."""
    if not isinstance(pin, str) or not PIN_RE.match(pin):
        raise ConfigError("staff.pin", "a PIN is 4 to 8 digits")
    if len(set(pin)) == 1 or pin in "0123456789" or pin in "9876543210":
        raise ConfigError("staff.pin", "choose a PIN that is not a run or one digit repeated")
    return pin
PIN_HASH_RE = re.compile(r"^\$argon2id\$v=19\$m=\d{1,7},t=\d{1,2},p=\d{1,2}"
                         r"\$[A-Za-z0-9+/]{11,64}\$[A-Za-z0-9+/]{16,128}\Z")


def field_for(key: str) -> tuple[Field, str | None]:
    """The field a key belongs to, and the language of a translation key (None for the
    field itself). ConfigError for an unknown key."""
    if key in FIELDS:
        return FIELDS[key], None
    base, _, lang = key.rpartition(".")
    f = FIELDS.get(base)
    if f is not None and f.translatable:
        if lang == "en":
            raise ConfigError(key, f"English is {base} itself")
        if lang in languages.LANGUAGES:
            return f, lang
        raise ConfigError(key, f"{lang!r} is not one of the kiosk's languages")
    raise ConfigError(key, "no such setting")


def all_keys() -> list[str]:
    """Every key, translations included, in a stable order."""
    out = []
    for f in FIELDS.values():
        out.append(f.key)
        if f.translatable:
            out += [f"{f.key}.{c}" for c in languages.LANGUAGES if c != "en"]
    return out


# --- values --------------------------------------------------------------------------------

def check(key: str, value: Any) -> Any:
    """The value in its canonical form (lists as tuples), or ConfigError naming the key."""
    f, lang = field_for(key)
    if f.kind == "links" and lang is not None:
        return _link_titles(key, value, f.high or MAX_LINKS)
    if f.kind == "languages":
        codes = _strings(key, value)
        if not codes:
            raise ConfigError(key, "offer at least one language")
        for c in codes:
            if c not in languages.LANGUAGES:
                raise ConfigError(key, f"{c!r} is not one of the kiosk's languages")
        _unique(key, codes)
        return codes
    if f.kind == "language":
        if not isinstance(value, str) or value not in languages.LANGUAGES:
            raise ConfigError(key, f"{value!r} is not one of the kiosk's languages")
        return value
    if f.kind == "ids":
        if value is None and f.default is None:
            return None
        ids = _strings(key, value)
        for i in ids:
            if not ID_RE.match(i):
                raise ConfigError(key, f"{i!r} is not a guide or tutorial id")
        _unique(key, ids)
        if len(ids) > (f.high or MAX_IDS):
            raise ConfigError(key, f"at most {f.high or MAX_IDS}, not {len(ids)}")
        return ids
    if f.kind == "text":
        if not isinstance(value, str):
            raise ConfigError(key, "must be text")
        text = "\n".join(line.strip() for line in value.replace("\r\n", "\n").split("\n"))
        text = text.strip("\n")
        if any(ord(c) < 32 and c != "\n" for c in text):
            raise ConfigError(key, "control characters are not allowed")
        if f.high and len(text) > f.high:
            raise ConfigError(key, f"at most {f.high} characters, not {len(text)}")
        return text
    if f.kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(key, "must be a whole number")
        if not f.low <= value <= f.high:
            raise ConfigError(key, f"must be between {f.low} and {f.high}, not {value}")
        return value
    if f.kind == "bool":
        if not isinstance(value, bool):
            raise ConfigError(key, "must be on or off")
        return value
    if f.kind == "date":
        if value is None or value == "":
            return None
        try:
            if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                raise ValueError
            return date.fromisoformat(value).isoformat()
        except ValueError:
            raise ConfigError(key, f"{value!r} is not a date (YYYY-MM-DD)") from None
    if f.kind == "council":
        if value is None or value == "":
            return ""
        code = councils.code_for(value) if isinstance(value, str) else None
        if code is None:
            raise ConfigError(key, f"{value!r} is not a London council's official code "
                                   "or name (E09000001 to E09000033; E09000022 is Lambeth)")
        return code
    if f.kind == "pin_hash":
        if value == "":
            return ""
        if not isinstance(value, str) or not PIN_HASH_RE.match(value):
            raise ConfigError(key, "must be an argon2id hash of the PIN (set staff.pin)")
        return value
    if f.kind == "links":
        if not isinstance(value, (list, tuple)):
            raise ConfigError(key, "must be a list of links")
        if len(value) > (f.high or MAX_LINKS):
            raise ConfigError(key, f"at most {f.high or MAX_LINKS} links, not {len(value)}")
        links = []
        for i, link in enumerate(value):
            where = f"{key}[{i}]"
            if not isinstance(link, Mapping) or set(link) != {"title", "url"}:
                raise ConfigError(where, 'must be {"title": ..., "url": ...}')
            title = check("centre.name", link["title"])  # a short line of text
            if not title:
                raise ConfigError(where, "needs a title")
            url = link["url"]
            if not isinstance(url, str) or not URL_RE.match(url):
                raise ConfigError(where, f"{url!r} is not an https:// address")
            links.append({"title": title, "url": url})
        return tuple(links)
    raise AssertionError(f"unknown kind {f.kind}")  # pragma: no cover


def _link_titles(key: str, value: Any, most: int) -> tuple[str, ...]:
    """The links' titles in one language: a short line each, "" where not translated (no
    empty titles at the end)."""
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ConfigError(key, "must be a list of link titles, one per link")
    if len(value) > most:
        raise ConfigError(key, f"at most {most} titles, not {len(value)}")
    titles = [check("centre.name", v) if v else "" for v in value]
    while titles and not titles[-1]:
        titles.pop()
    return tuple(titles)


def parse(key: str, text: str) -> Any:
    """A value typed on a command line or in a form field, checked."""
    f, lang = field_for(key)
    t = text.strip()
    if f.kind == "links" and lang is not None:  # a JSON list, or one title a line
        return check(key, _json(key, t) if t.startswith("[") else
                     [line.strip() for line in text.strip("\n").split("\n")] if t else [])
    if f.kind in ("languages", "ids"):
        if t.startswith("["):
            return check(key, _json(key, t))
        items = [p.strip() for p in t.split(",") if p.strip()]
        return check(key, None if (not items and f.default is None) else items)
    if f.kind == "int":
        if not re.fullmatch(r"[+-]?\d{1,9}", t):
            raise ConfigError(key, f"{text!r} is not a whole number")
        return check(key, int(t))
    if f.kind == "bool":
        words = {"on": True, "yes": True, "true": True, "1": True,
                 "off": False, "no": False, "false": False, "0": False}
        if t.lower() not in words:
            raise ConfigError(key, f"{text!r}: say on or off")
        return words[t.lower()]
    if f.kind == "links":
        return check(key, _json(key, t) if t else [])
    return check(key, text if f.kind == "text" else t)


def show(value: Any, key: str | None = None) -> str:
    """A value as a person reads it (and as `parse` reads it back; links' titles in a
    language, `key` centre.links.<lang>, as JSON)."""
    if value is None:
        return ""
    if isinstance(value, list):
        value = tuple(value)
    if key is not None and isinstance(value, tuple) and key.startswith("centre.links."):
        return json.dumps(list(value), ensure_ascii=False)
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, tuple) and value and isinstance(value[0], dict):
        return json.dumps(list(value), ensure_ascii=False)
    if isinstance(value, tuple):
        return ", ".join(value)
    return str(value)


def default(key: str) -> Any:
    f, lang = field_for(key)
    return "" if lang else f.default


def check_together(values: Mapping[str, Any]) -> list[ConfigError]:
    """Rules between settings, on the effective values: each broken one as a ConfigError."""
    errors = []
    offered = values.get("languages.offered", FIELDS["languages.offered"].default)
    if values.get("languages.default", "en") not in offered:
        errors.append(ConfigError("languages.default", f"{values.get('languages.default')!r}"
                                  " is not among the languages offered"))
    timeout = values.get("session.idle_timeout", 120)
    warning = values.get("session.idle_warning", 30)
    if warning >= timeout:
        errors.append(ConfigError("session.idle_warning", f"{warning} s must be shorter than "
                                  f"the idle timeout ({timeout} s)"))
    start, end = values.get("notice.start"), values.get("notice.end")
    if start and end and start > end:
        errors.append(ConfigError("notice.end", f"{end} is before the start, {start}"))
    for kind in ("services", "tutorials"):
        shown, featured = values.get(f"{kind}.shown"), values.get(f"{kind}.featured", ())
        if shown is not None:
            hidden = [i for i in featured if i not in shown]
            if hidden:
                errors.append(ConfigError(f"{kind}.featured", f"{hidden[0]!r} is featured "
                                          f"but not among the {kind} shown"))
    return errors


def _strings(key: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ConfigError(key, "must be a list of names")
    return tuple(value)


def _unique(key: str, items: Sequence[str]) -> None:
    seen = set()
    for i in items:
        if i in seen:
            raise ConfigError(key, f"{i!r} is listed twice")
        seen.add(i)


def _json(key: str, text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as e:
        raise ConfigError(key, f"is not valid JSON: {e}") from None


# --- layers --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Setting:
    """A value set at one layer: when (ISO 8601, UTC) and by whom."""
    value: Any
    changed: str
    by: str = ""


@dataclass(frozen=True)
class Layer:
    name: str  # one of LAYERS
    values: Mapping[str, Setting] = field(default_factory=dict)
    locked: frozenset[str] = frozenset()  # keys (or translatable base keys) locked here


@dataclass(frozen=True)
class Effective:
    """A setting's value as used, and where it comes from."""
    value: Any
    source: str  # "default" or a layer name
    changed: str | None = None
    by: str = ""
    locked_at: str | None = None  # the layer whose lock holds it
    note: str = ""  # why a value set at a later layer was not used
    stale: bool = False  # a translation of an English that has changed since: not shown


def _lock_covers(lock: str, key: str) -> bool:
    return key == lock or key.startswith(lock + ".")


def resolve(layers: Iterable[Layer], only: Iterable[str] | None = None) -> dict[str, Effective]:
    """Each key's effective value (see the module's docstring for the rules)."""
    by_name = {layer.name: layer for layer in layers}
    unknown = set(by_name) - set(LAYERS)
    if unknown:
        raise ValueError(f"unknown layer {min(unknown)!r}")
    out = {}
    for key in (only if only is not None else all_keys()):
        eff = Effective(default(key), "default")
        for name in LAYERS:
            layer = by_name.get(name)
            if layer is None:
                continue
            s = layer.values.get(key)
            if s is not None:
                if eff.locked_at is not None:
                    eff = _note(eff, f"the value set at {name} is not used: locked at "
                                     f"{eff.locked_at}")
                elif name == "staff" and eff.changed and s.changed < eff.changed:
                    eff = _note(eff, f"the staff change at the terminal ({s.changed}) is "
                                     f"older than the {eff.source} value ({eff.changed}): "
                                     "the later change wins")
                else:
                    note = ("" if name != "staff" or eff.source == "default" else
                            f"newer than the {eff.source} value ({eff.changed})")
                    eff = Effective(s.value, name, s.changed, s.by, None, note)
            if eff.locked_at is None and any(_lock_covers(lock, key) for lock in layer.locked):
                eff = Effective(eff.value, eff.source, eff.changed, eff.by, name, eff.note)
        out[key] = eff
    for key, eff in out.items():
        f, lang = field_for(key)
        if lang is not None and eff.value and eff.source != "default":
            english = out.get(f.key) or resolve(by_name.values(), only=[f.key])[f.key]
            if needs_update(eff, english):
                out[key] = replace(eff, stale=True, note=_joined(
                    eff.note, f"written before the English it translates was changed "
                              f"({english.source}, {english.changed}): citizens see the "
                              "English until it is written again"))
    return out


def needs_update(translation: Effective, english: Effective) -> bool:
    """Whether a translation was written for an older English: set before the English was
    last changed, or at a layer before the English's (a translation of that layer's
    English, not of this one)."""
    if english.source == "default" or translation.source == "default":
        return False
    if LAYERS.index(translation.source) < LAYERS.index(english.source):
        return True
    return bool(translation.changed and english.changed and
                translation.changed < english.changed)


def _joined(*notes: str) -> str:
    return "; ".join(n for n in notes if n)


def _note(eff: Effective, note: str) -> Effective:
    return Effective(eff.value, eff.source, eff.changed, eff.by, eff.locked_at, note)


def values(resolved: Mapping[str, Effective]) -> dict[str, Any]:
    return {k: e.value for k, e in resolved.items()}


def citizen_values(resolved: Mapping[str, Effective]) -> dict[str, Any]:
    """The values as citizens get them: a translation that needs an update is left out
    (its English shows instead, said to be in English)."""
    return {k: ("" if e.stale else e.value) for k, e in resolved.items()}


def text(resolved_values: Mapping[str, Any], key: str, lang: str) -> tuple[str, str]:
    """A translatable setting for a citizen: (text, language it is in). The language's own
    text, else English (and the caller says it is in English)."""
    own = resolved_values.get(f"{key}.{lang}") if lang != "en" else None
    if own:
        return own, lang
    return resolved_values.get(key, ""), "en"


# --- layers as JSON (the hub's document, the terminal's files) ----------------------------

class DocumentError(ValueError):
    """A configuration document (a file, or what the hub sent) that cannot be used; the
    message names where and the fault."""


def setting_to_json(s: Setting) -> dict:
    value = list(s.value) if isinstance(s.value, tuple) else s.value
    return {"value": value, "changed": s.changed, "by": s.by}


def _setting(where: str, key: str, raw: Any) -> Setting:
    if not isinstance(raw, Mapping) or "value" not in raw or \
            not isinstance(raw.get("changed"), str):
        raise DocumentError(f"{where}: {key}: needs a value and the time it changed")
    try:
        value = check(key, raw["value"])
    except ConfigError as e:
        raise DocumentError(f"{where}: {e}") from None
    by = raw.get("by", "")
    return Setting(value, raw["changed"], by if isinstance(by, str) else "")


def layer_from_json(where: str, data: Any, name: str | None = None) -> Layer:
    """A layer as the hub sends it: {"name", "values": {key: {value, changed, by}},
    "locked": [key, ...]}; every value checked. DocumentError naming what is wrong."""
    if not isinstance(data, Mapping):
        raise DocumentError(f"{where}: a layer must be an object")
    name = name or data.get("name")
    if name not in LAYERS:
        raise DocumentError(f"{where}: unknown layer {name!r}")
    raw_values = data.get("values", {})
    locked = data.get("locked", [])
    if not isinstance(raw_values, Mapping) or not isinstance(locked, list):
        raise DocumentError(f"{where}: layer {name}: values must be an object and locked "
                              "a list")
    values = {k: _setting(f"{where}: layer {name}", k, v) for k, v in raw_values.items()}
    for key in locked:
        try:
            field_for(key)
        except ConfigError as e:
            raise DocumentError(f"{where}: layer {name}: lock on {e}") from None
    return Layer(name, values, frozenset(locked))


def layer_to_json(layer: Layer) -> dict:
    return {"name": layer.name,
            "values": {k: setting_to_json(s) for k, s in sorted(layer.values.items())},
            "locked": sorted(layer.locked)}
