"""The settings form of a centre, of all terminals or of one terminal: every setting of
core/config.py as a GOV.UK form field that says what is used now and where it comes from,
and the form read back into the changes configuration.set_values makes, with each problem
as a message beside its field.

What a field holds is the value set *at this scope*; an empty field means "not set here"
(the broader scope's value, or the default, applies). Text for citizens has an input for
English and one for each language the scope offers (plus any language already translated
here), each with its `lang` and `dir`, so a browser and a screen reader treat Arabic as
Arabic, right to left.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kiosk.core import config, councils, languages
from kiosk.core.config import ConfigError, Effective
from kiosk.hub.auth import SignedIn
from kiosk.hub.configuration import Scope, Snapshot
from kiosk.hub.usage import LONDON

# A form with every translation of every text is large: 16 languages of up to 2,800
# characters of text each, percent-encoded. This cap is far above that, and far below harm.
MAX_FORM_BYTES = 1024 * 1024
MAX_FIELDS = 600
LINK_ROWS = config.MAX_LINKS
LOCKS_SHOWN = "locks-shown"  # a hidden field: the form had lock checkboxes
CONFIRM = "confirm."  # a checkbox beside an out-of-date translation: still right as it is
SECTIONS = (("languages", "Languages"), ("services", "Services and tutorials"),
            ("centre", "About the centre"), ("notice", "Notice"), ("session", "Sessions"))
SECTION_OF = {"tutorials": "services", "typing": "session"}


def input_id(name: str) -> str:
    return "f-" + name.replace(".", "-")


def label_of(key: str) -> str:
    f, lang = config.field_for(key)
    if lang is not None:
        return f"{f.label} ({languages.LANGUAGES[lang].english_name})"
    return f.label


# --- showing values ------------------------------------------------------------------------

def shown(key: str, value: Any) -> str:
    """A value as the page shows it."""
    f, lang = config.field_for(key)
    if value is None or value == "" or value == ():
        if f.kind == "ids":
            return "all, in the usual order" if value is None else "none"
        return "none" if f.kind == "links" else "nothing"
    if f.kind == "links" and lang is not None:  # a language's titles, one per link
        return "; ".join(title or "(in English)" for title in value)
    if f.kind == "links":
        return "; ".join(f"{link['title']} ({link['url']})" for link in value)
    if f.kind == "language":
        return f"{languages.LANGUAGES[value].english_name} ({value})"
    if f.kind == "council":
        return councils.named(value)
    return config.show(value)


def when(iso_utc: str | None) -> str:
    """An ISO time from the configuration (UTC) as London time for a person."""
    if not iso_utc:
        return ""
    try:
        t = datetime.fromisoformat(iso_utc).astimezone(LONDON)
    except ValueError:
        return iso_utc
    return f"{t.day} {t:%b %Y, %H:%M}"


def place(scope: Scope, here: Scope, this: str = "") -> str:
    """Where a scope is, seen from the page of `here`."""
    if scope.kind == "all":
        return "all terminals"
    if scope == here:
        return this or f"this {scope.kind}"
    return f"the {scope.kind} {scope.target}"


def source_text(eff: Effective, snap: Snapshot, here: Scope) -> str:
    """Where the effective value comes from, with who set it and when."""
    if eff.source == "default":
        return "the default"
    by_kind = {s.kind: s for s in snap.scopes}
    where = place(by_kind[eff.source], here)
    who = f" by {eff.by}" if eff.by else ""
    at = f", {when(eff.changed)}" if eff.changed else ""
    return f"set for {where}{who}{at}"


# --- the fields ----------------------------------------------------------------------------

@dataclass
class Control:
    """One input of a field (a field with translations or links has several)."""
    name: str
    id: str
    label: str
    value: str
    lang: str = "en"
    dir: str = "ltr"
    error: str = ""
    native: str = ""  # a translation's language, in that language
    used: str = ""  # a translation: what citizens see in that language now ("": English)
    stale: bool = False  # a translation of an earlier English (core/config.needs_update)
    multiline: bool = False
    type: str = "text"
    maxlength: int | None = None
    width: str = ""


@dataclass
class FieldView:
    key: str
    label: str
    help: str
    kind: str
    controls: list[Control]
    used: str  # the effective value, as shown
    source: str  # where it comes from
    editable: bool
    locked: str = ""  # why it cannot be changed here, if it cannot
    lockable: bool = False  # an admin may lock it here
    locked_here: bool = False
    note: str = ""
    options: list[tuple[str, str]] = field(default_factory=list)  # select and radios
    error: str = ""  # for a field whose controls share one message (radios, select)

    @property
    def group(self) -> bool:
        """Several controls (or radios) in a fieldset with a legend, rather than a label."""
        return len(self.controls) > 1 or self.kind == "bool"

    @property
    def errors(self) -> list[str]:
        return [c.error for c in self.controls if c.error]


def offered(snap: Snapshot) -> list[str]:
    """The languages this scope offers, English first: the translations it asks for."""
    codes = list(snap.resolved["languages.offered"].value)
    return ["en"] + [c for c in codes if c != "en"]


def _hint(f: config.Field) -> str:
    parts = [f.help] if f.help else []
    if f.kind == "int":
        parts.append(f"From {f.low} to {f.high}.")
    elif f.kind == "text" and f.high:
        parts.append(f"Up to {f.high} characters.")
    elif f.kind == "languages":
        parts.append("Language codes, separated by commas: " + ", ".join(
            f"{c} {lang.english_name}" for c, lang in languages.LANGUAGES.items()) + ".")
    elif f.kind == "ids":
        parts.append("Ids separated by commas, for example universal-credit, council-tax.")
    elif f.kind == "links":
        parts.append("Leave a row empty for no link.")
    return " ".join(parts)


def views(snap: Snapshot, here: Scope, who: SignedIn, submitted: Mapping[str, str] | None = None,
          errors: Mapping[str, str] | None = None) -> list[tuple[str, list[FieldView]]]:
    """The form's fields in sections: (heading, fields). `submitted` (the form sent back,
    when it had problems) replaces what is stored; `errors` are by control id."""
    errors = errors or {}
    langs = offered(snap)
    out: dict[str, list[FieldView]] = {name: [] for name, _ in SECTIONS}
    for f in config.FIELDS.values():
        if f.key in config.SECRET_KEYS:  # the PIN: `kiosk-hub config set ... staff.pin`
            continue
        eff = snap.resolved[f.key]
        held = snap.locked_at(f.key, own=not who.is_admin)
        locked = ""
        if held is not None:
            locked = (f"Locked for {place(held, here)} by an admin: "
                      + ("ask an admin to change it." if not who.is_admin else
                         "unlock it there to change it here."))
        controls: list[Control] = []
        if f.kind == "links":
            controls = _link_controls(f, snap, submitted, errors, langs)
        elif f.translatable:
            extra = [code for code in languages.LANGUAGES
                     if code not in langs and f"{f.key}.{code}" in snap.here.values]
            for code in langs + extra:
                key = f.key if code == "en" else f"{f.key}.{code}"
                lang = languages.LANGUAGES[code]
                controls.append(Control(
                    key, input_id(key), lang.english_name, _current(snap, submitted, key),
                    code, lang.direction, errors.get(input_id(key), ""),
                    native="" if code == "en" else lang.native_name,
                    used="" if code == "en" or snap.resolved[key].stale else
                    snap.resolved[key].value,
                    stale=code != "en" and snap.resolved[key].stale,
                    multiline=(f.high or 0) > 120, maxlength=f.high))
        else:
            kind_type = {"date": "date", "int": "text"}.get(f.kind, "text")
            width = {"int": "input--short", "date": "input--date",
                     "languages": "input--wide", "ids": "input--wide"}.get(f.kind, "")
            controls.append(Control(f.key, input_id(f.key), f.label, _current(snap, submitted, f.key),
                                    error=errors.get(input_id(f.key), ""), type=kind_type,
                                    width=width))
        options: list[tuple[str, str]] = []
        if f.kind == "language":
            options = [(c, f"{lang.english_name} ({lang.native_name})")
                       for c, lang in languages.LANGUAGES.items()]
        elif f.kind == "bool":
            options = [("on", "On"), ("off", "Off")]
        view = FieldView(
            f.key, f.label, _hint(f), f.kind, controls, shown(f.key, eff.value),
            source_text(eff, snap, here), editable=held is None, locked=locked,
            lockable=who.is_admin and held is None,
            locked_here=any(config_covers(lock, f.key) for lock in snap.here.locked),
            note=eff.note, options=options)
        out[SECTION_OF.get(f.key.split(".")[0], f.key.split(".")[0])].append(view)
    return [(title, out[name]) for name, title in SECTIONS]


def _link_controls(f: config.Field, snap: Snapshot, submitted: Mapping[str, str] | None,
                   errors: Mapping[str, str], langs: list[str]) -> list[Control]:
    """Each link row: its title, its address, and its title in each other language the
    scope offers (or has a title in already): `centre.links.<code>` holds a language's
    titles, one per link in order."""
    set_here = snap.here.values.get(f.key)
    rows = list(set_here.value) if set_here else []
    codes = [c for c in langs if c != "en"]
    codes += [c for c in languages.LANGUAGES if c != "en" and c not in codes
              and f"{f.key}.{c}" in snap.here.values]

    def sent(name: str, stored: str) -> str:
        return submitted[name] if submitted is not None and name in submitted else stored

    controls = []
    for i in range(LINK_ROWS):
        for part, text in (("title", "title"), ("url", "address (https://...)")):
            name = f"{f.key}.{i}.{part}"
            controls.append(Control(name, input_id(name), f"Link {i + 1} {text}",
                                    sent(name, rows[i][part] if i < len(rows) else ""),
                                    error=errors.get(input_id(name), ""),
                                    type="url" if part == "url" else "text",
                                    width="input--wide" if part == "url" else ""))
        for code in codes:
            key, lang = f"{f.key}.{code}", languages.LANGUAGES[code]
            name = f"{f.key}.{i}.title.{code}"
            mine = snap.here.values.get(key)
            used = snap.resolved[key]
            controls.append(Control(
                name, input_id(name), f"Link {i + 1} title in {lang.english_name}",
                sent(name, mine.value[i] if mine and i < len(mine.value) else ""), code,
                lang.direction, errors.get(input_id(name), ""), native=lang.native_name,
                used="" if used.stale or i >= len(used.value or ()) else used.value[i],
                stale=used.stale and i < len(used.value or ()) and bool(used.value[i])))
    return controls


def _current(snap: Snapshot, submitted: Mapping[str, str] | None, key: str) -> str:
    """What a control holds: what was sent back, else the value set here, else nothing."""
    if submitted is not None and key in submitted:
        return submitted[key]
    s = snap.here.values.get(key)
    return "" if s is None else config.show(s.value)


def config_covers(lock: str, key: str) -> bool:
    return key == lock or key.startswith(lock + ".")


# --- reading the form back -----------------------------------------------------------------

@dataclass
class Changes:
    values: dict[str, Any] = field(default_factory=dict)
    clear: list[str] = field(default_factory=list)
    confirm: list[str] = field(default_factory=list)  # translations still right (as sent)
    locks: dict[str, bool] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)  # by control id, in form order
    link_rows: list[int] = field(default_factory=list)  # form row of each link set

    def refuse(self, e: ConfigError) -> None:
        """File a problem from configuration.set_values beside its control."""
        key = e.key
        if key.startswith("centre.links["):
            i = int(key[len("centre.links["):].rstrip("]"))
            row = self.link_rows[i] if i < len(self.link_rows) else 0
            part = "title" if "title" in e.problem else "url"
            self.errors.setdefault(input_id(f"centre.links.{row}.{part}"),
                                   f"Link {row + 1}: {e.problem}")
            return
        if key.startswith("centre.links.") and key.count(".") == 2:  # a language's titles
            lang = key.rsplit(".", 1)[1]
            self.errors.setdefault(input_id(f"centre.links.0.title.{lang}"),
                                   f"{label_of(key)}: {e.problem}")
            return
        if key == "centre.links":
            self.errors.setdefault(input_id("centre.links.0.title"),
                                   f"{label_of(key)}: {e.problem}")
            return
        self.errors.setdefault(input_id(key), f"{label_of(key)}: {e.problem}")


def read(form: Mapping[str, str], snap: Snapshot, who: SignedIn) -> Changes:
    """What the form asks to change. Only the fields it holds are changed (a disabled,
    locked field is not sent, and is left alone); an empty field clears the value set here.
    Values that cannot be read are in `errors`; everything else is checked by
    configuration.set_values."""
    out = Changes()
    for key in config.all_keys():
        if key not in form or key == "centre.links":
            continue
        raw = form[key]
        if not raw.strip():
            out.clear.append(key)
            continue
        try:
            out.values[key] = config.parse(key, raw)
        except ConfigError as e:
            out.refuse(e)
            continue
        if form.get(CONFIRM + key) == "on":
            out.confirm.append(key)
    if any(f"centre.links.{i}.title" in form for i in range(LINK_ROWS)):
        _links(form, out)
    _link_titles(form, snap, out)
    if who.is_admin and form.get(LOCKS_SHOWN):
        for key in config.FIELDS:
            if snap.locked_at(key) is None and key not in config.SECRET_KEYS:
                out.locks[key] = form.get(f"lock.{key}") == "on"
    return out


def _links(form: Mapping[str, str], out: Changes) -> None:
    links = []
    for i in range(LINK_ROWS):
        title = form.get(f"centre.links.{i}.title", "").strip()
        url = form.get(f"centre.links.{i}.url", "").strip()
        if not title and not url:
            continue
        if not title:
            out.errors[input_id(f"centre.links.{i}.title")] = \
                f"Link {i + 1}: give it a title, which citizens see beside its QR code"
        else:
            try:
                title = config.check("centre.name", title)
            except ConfigError as e:
                out.errors[input_id(f"centre.links.{i}.title")] = f"Link {i + 1}: title " \
                                                                   f"{e.problem}"
        if not url:
            out.errors[input_id(f"centre.links.{i}.url")] = \
                f"Link {i + 1}: give its address, starting https://"
        out.link_rows.append(i)
        links.append({"title": title, "url": url})
    if not links:
        out.clear.append("centre.links")
        return
    try:
        out.values["centre.links"] = config.check("centre.links", links)
    except ConfigError as e:
        out.refuse(e)


def _link_titles(form: Mapping[str, str], snap: Snapshot, out: Changes) -> None:
    """The links' titles in each language sent: one per link, in the order of the links
    kept (the rows with a title or an address), or of the links used here when the form
    had none of its own."""
    rows = out.link_rows if "centre.links" in out.values else \
        list(range(len(snap.resolved["centre.links"].value or ())))
    for code in languages.LANGUAGES:
        names = [f"centre.links.{i}.title.{code}" for i in range(LINK_ROWS)]
        if code == "en" or not any(n in form for n in names):
            continue
        key = f"centre.links.{code}"
        titles = []
        for i in rows:
            title = form.get(names[i], "").strip()
            try:
                titles.append(config.check("centre.name", title) if title else "")
            except ConfigError as e:
                out.errors[input_id(names[i])] = \
                    f"Link {i + 1} title in {languages.LANGUAGES[code].english_name}: " \
                    f"{e.problem}"
        stray = [i for i in range(LINK_ROWS) if i not in rows and form.get(names[i], "").strip()]
        for i in stray:
            out.errors[input_id(names[i])] = \
                f"Link {i + 1}: give the link its English title and address first"
        if any(titles):
            out.values[key] = config.check(key, titles)
            if any(form.get(CONFIRM + n) == "on" for n in names):
                out.confirm.append(key)
        else:
            out.clear.append(key)
