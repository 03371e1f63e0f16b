"""Configuration on the hub: values and locks per scope (all terminals, a centre, a
terminal), every change audited, and the document each terminal fetches.

The rules (what may be set, bounds, precedence, locks, later-change-wins against staff at
a terminal) are core/config.py's, the same code the terminal runs. This module stores them.
Each change is one transaction: the value (or lock), the audit row, all or nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from kiosk.core import config
from kiosk.core.config import ConfigError, Effective, Layer, Setting
from kiosk.hub.fresh import Kept
from kiosk.hub.schema import (
    config_audit,
    config_locks,
    config_values,
    config_version,
    staff_centres,
    terminal_config,
    terminals,
)

SCOPES = ("all", "centre", "terminal")
MAX_REPORT_BYTES = 256 * 1024


@dataclass(frozen=True)
class Scope:
    """Where a value is set: all terminals, one centre, or one terminal."""
    kind: str  # all | centre | terminal
    target: str = ""

    def __str__(self) -> str:
        return "all terminals" if self.kind == "all" else f"{self.kind} {self.target}"


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def _dump(value: Any) -> str:
    return json.dumps(list(value) if isinstance(value, tuple) else value, ensure_ascii=False,
                      sort_keys=True)


def _setting(r) -> Setting | None:
    try:
        return Setting(config.check(r.key, json.loads(r.value)), iso(r.changed), r.by)
    except (ValueError, ConfigError):
        return None  # a key this version no longer knows: kept in the table, not served


def _layer(conn, scope: Scope) -> Layer:
    rows = conn.execute(sa.select(config_values).where(
        config_values.c.scope == scope.kind, config_values.c.target == scope.target)).all()
    values = {r.key: s for r in rows if (s := _setting(r)) is not None}
    locked = conn.execute(sa.select(config_locks.c.key).where(
        config_locks.c.scope == scope.kind, config_locks.c.target == scope.target)).scalars()
    return Layer(scope.kind, values, frozenset(locked))


def _every_layer(conn) -> dict[tuple[str, str], Layer]:
    """Every scope's layer, by (kind, target), in two queries (the tables are small: a
    city's settings are thousands of rows, not millions)."""
    values: dict[tuple[str, str], dict[str, Setting]] = {}
    for r in conn.execute(sa.select(config_values)):
        s = _setting(r)
        if s is not None:
            values.setdefault((r.scope, r.target), {})[r.key] = s
    locks: dict[tuple[str, str], set[str]] = {}
    for r in conn.execute(sa.select(config_locks.c.scope, config_locks.c.target,
                                    config_locks.c.key)):
        locks.setdefault((r.scope, r.target), set()).add(r.key)
    return {k: Layer(k[0], values.get(k, {}), frozenset(locks.get(k, ())))
            for k in values.keys() | locks.keys()}


def _bump(conn) -> None:
    """A change, in the transaction that makes it: cached documents are out of date."""
    conn.execute(sa.update(config_version).values(version=config_version.c.version + 1))


def version(conn) -> int:
    return conn.execute(sa.select(config_version.c.version)).scalar_one()


def scopes_for(conn, scope: Scope) -> list[Scope]:
    """The scopes whose values reach `scope`, lowest precedence first."""
    if scope.kind == "all":
        return [Scope("all")]
    if scope.kind == "centre":
        return [Scope("all"), scope]
    centre = conn.execute(sa.select(terminals.c.centre).where(
        terminals.c.id == scope.target)).scalar_one_or_none()
    if centre is None:
        raise ConfigError("--terminal", f"no terminal {scope.target!r}")
    return [Scope("all"), Scope("centre", centre), scope]


def chain(engine: sa.Engine, scope: Scope) -> dict[str, Scope]:
    """The scopes that reach `scope`, by layer name (for saying where a value comes from)."""
    with engine.connect() as conn:
        return {s.kind: s for s in scopes_for(conn, scope)}


def layers(engine: sa.Engine, scope: Scope) -> list[Layer]:
    with engine.connect() as conn:
        return [_layer(conn, s) for s in scopes_for(conn, scope)]


def resolved(engine: sa.Engine, scope: Scope) -> dict[str, Effective]:
    return config.resolve(layers(engine, scope))


@dataclass(frozen=True)
class Snapshot:
    """Everything a settings page shows for a scope, read in one go: the scopes that reach
    it (lowest precedence first), their layers, and each key's effective value here."""
    scopes: list[Scope]
    layers: list[Layer]
    resolved: dict[str, Effective]

    @property
    def here(self) -> Layer:
        return self.layers[-1]

    def locked_at(self, key: str, own: bool = False) -> Scope | None:
        """The scope whose lock holds key: a broader one, or (own=True) this one too."""
        pairs = list(zip(self.scopes, self.layers, strict=True))
        for s, layer in pairs if own else pairs[:-1]:
            if any(_covers(lock, key) for lock in layer.locked):
                return s
        return None


def snapshot(engine: sa.Engine, scope: Scope) -> Snapshot:
    with engine.connect() as conn:
        scopes = scopes_for(conn, scope)
        chain = [_layer(conn, s) for s in scopes]
    return Snapshot(scopes, chain, config.resolve(chain))


def known_centres(engine: sa.Engine) -> list[str]:
    """Every centre the hub knows of: its terminals', those with settings, and those of
    staff logins (a centre can be set up before its first terminal is enrolled)."""
    q = sa.union(sa.select(terminals.c.centre),
                 sa.select(config_values.c.target).where(config_values.c.scope == "centre"),
                 sa.select(config_locks.c.target).where(config_locks.c.scope == "centre"),
                 sa.select(staff_centres.c.centre))
    with engine.connect() as conn:
        return sorted(r[0] for r in conn.execute(q))


def _json(data: Any) -> bytes:
    """Canonical JSON: the same data, the same bytes (and so the same ETag)."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def _document(chain: list[Layer]) -> tuple[bytes, str]:
    body = _json({"layers": [config.layer_to_json(layer) for layer in chain]})
    return body, etag(body)


def document(engine: sa.Engine, terminal_id: str) -> tuple[bytes, str]:
    """What a terminal fetches: its three layers as canonical JSON, and the ETag of it
    (a terminal that has it gets 304). Documents.get gives the same bytes, from memory."""
    return _document(layers(engine, Scope("terminal", terminal_id)))


class Documents:
    """The documents terminals fetch, kept in this process's memory under the
    configuration's version (config_version, which every change adds one to in its own
    transaction; fresh.py). A new version costs one read of every layer, shared by
    whoever asks at that moment (200 terminals after a change wait for one read, not 200).

    A document is its three layers' canonical JSON side by side, so each layer is made
    into JSON once per version, and each document once: one per centre for the terminals
    with no values of their own, one for each terminal that has some. The bytes are those
    document() makes, and the ETag is their hash: a terminal is told 304 only when the
    bytes it has are the bytes it would get, whichever worker or version made them."""

    MAX_KEPT = 50_000  # documents per version (a city's fleet is a few thousand)

    def __init__(self, engine: sa.Engine):
        self.engine = engine
        self._kept = Kept(self._load, "config-documents")

    def _load(self) -> tuple[int, _Built]:
        with self.engine.connect() as conn:
            current = version(conn)
            return current, _Built(_every_layer(conn))

    async def get(self, terminal_id: str, centre: str, at: int) -> tuple[bytes, str]:
        """(body, ETag) of the terminal's document at configuration version `at` (read
        after the request arrived) or later."""
        return (await self._kept.at(at)).document(terminal_id, centre, self.MAX_KEPT)

    def close(self) -> None:
        self._kept.close()


_EMPTY_TERMINAL = Layer("terminal")


class _Built:
    """Every layer at one version, and the documents made from them so far (used on the
    event loop's thread only)."""

    def __init__(self, every: dict[tuple[str, str], Layer]):
        self.every = every
        self.parts: dict[tuple[str, str] | None, bytes] = {}
        self.docs: dict[tuple[str, str], tuple[bytes, str]] = {}

    def _part(self, key: tuple[str, str] | None) -> bytes:
        part = self.parts.get(key)
        if part is None:
            layer = _EMPTY_TERMINAL if key is None else self.every.get(key) or Layer(key[0])
            part = self.parts[key] = _json(config.layer_to_json(layer))
        return part

    def document(self, terminal_id: str, centre: str, max_kept: int) -> tuple[bytes, str]:
        own = ("terminal", terminal_id)
        if own not in self.every:
            own = None  # no values or locks of its own: the centre's document
        key = (centre, terminal_id if own else "")
        doc = self.docs.get(key)
        if doc is None:
            body = b'{"layers":[' + b",".join(
                (self._part(("all", "")), self._part(("centre", centre)), self._part(own))) \
                + b"]}"
            doc = (body, etag(body))
            if len(self.docs) < max_kept:
                self.docs[key] = doc
        return doc


def _audit(conn, at: datetime, who: str, scope: Scope, key: str, action: str,
           old: Any, new: Any) -> None:
    conn.execute(sa.insert(config_audit).values(
        at=at, who=who, scope=scope.kind, target=scope.target, key=key, action=action,
        old=None if old is None else _dump(old), new=None if new is None else _dump(new)))


def _locked_above(conn, scope: Scope, key: str) -> Scope | None:
    """The scope before this one that locked the key, if any."""
    for s in scopes_for(conn, scope)[:-1]:
        for lock in conn.execute(sa.select(config_locks.c.key).where(
                config_locks.c.scope == s.kind, config_locks.c.target == s.target)).scalars():
            if key == lock or key.startswith(lock + "."):
                return s
    return None


def set_value(engine: sa.Engine, scope: Scope, key: str, value: Any, who: str,
              now: datetime | None = None) -> Any:
    """Set key at scope (value already parsed, or raw JSON-like): checked, refused when a
    broader scope locked it or when the rules between settings would break there. Returns
    the stored value."""
    value = config.check(key, value)
    now = now or _now()
    with engine.begin() as conn:
        held = _locked_above(conn, scope, key)
        if held is not None:
            raise ConfigError(key, f"is locked for {held}; unlock it there first")
        chain = [_layer(conn, s) for s in scopes_for(conn, scope)]
        mine = chain[-1]
        after = Layer(mine.name, {**mine.values, key: Setting(value, iso(now), who)},
                      mine.locked)
        errors = config.check_together(config.values(config.resolve([*chain[:-1], after])))
        if errors:
            raise errors[0]
        old = mine.values.get(key)
        where = (config_values.c.scope == scope.kind) & (config_values.c.target ==
                                                          scope.target) & \
                (config_values.c.key == key)
        conn.execute(sa.delete(config_values).where(where))
        conn.execute(sa.insert(config_values).values(
            scope=scope.kind, target=scope.target, key=key, value=_dump(value), changed=now,
            by=who))
        _audit(conn, now, who, scope, key, "set", old.value if old else None, value)
        _bump(conn)
    return value


class Refused(ValueError):
    """Changes refused, nothing stored: every problem found, each a ConfigError naming its
    key (a page shows each beside its field)."""

    def __init__(self, errors: list[ConfigError]):
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


def _covers(lock: str, key: str) -> bool:
    return key == lock or key.startswith(lock + ".")


def set_values(engine: sa.Engine, scope: Scope, values: Mapping[str, Any], who: str,
               now: datetime | None = None, *, clear: Iterable[str] = (),
               locks: Mapping[str, bool] | None = None,
               honour_own_locks: bool = False,
               confirm: Iterable[str] = ()) -> list[tuple[str, str]]:
    """Change several settings at scope at once, all or nothing: set `values` (parsed, or
    JSON-like), remove the values of the keys in `clear` (the broader scope applies again)
    and lock or unlock keys (`locks`: {key: locked}). Everything is checked first: each
    value, locks at broader scopes (and at this scope too with honour_own_locks, for centre
    staff: what an admin locked for their centre is not theirs to change), and the rules
    between settings on the values that would result. Any problem: Refused with every
    ConfigError found, and nothing is stored. Otherwise one transaction writes each change
    with its audit row. A value equal to the one already set here is not a change (no new
    time, no audit row: saving a form does not touch the fields nobody edited), except for
    the keys in `confirm`: a translation said to be still right for a changed English is set
    again, with a new time, so it is no longer out of date (config.needs_update).
    Returns the changes made, as (key, action) pairs."""
    now = now or _now()
    clear, locks = list(clear), dict(locks or {})
    errors: list[ConfigError] = []
    checked: dict[str, Any] = {}
    for key, value in values.items():
        try:
            checked[key] = config.check(key, value)
        except ConfigError as e:
            errors.append(e)
    for key in [*clear, *locks]:
        try:
            f, lang = config.field_for(key)
            if key in locks and lang is not None:
                raise ConfigError(key, f"lock {f.key} itself: a lock covers every translation")
        except ConfigError as e:
            errors.append(e)
    errors += [ConfigError(k, "cannot be both set and cleared") for k in clear if k in values]
    if errors:
        raise Refused(errors)
    with engine.begin() as conn:
        try:
            chain = scopes_for(conn, scope)
        except ConfigError as e:
            raise Refused([e]) from None
        layers = [_layer(conn, s) for s in chain]
        mine = layers[-1]
        guards = [(s, layer.locked) for s, layer in zip(chain[:-1], layers[:-1], strict=True)]
        if honour_own_locks:
            guards.append((scope, mine.locked))
        confirm = set(confirm)
        sets = {k: v for k, v in checked.items()
                if k not in mine.values or mine.values[k].value != v or k in confirm}
        clears = [k for k in dict.fromkeys(clear) if k in mine.values]
        lock_changes = {k: v for k, v in locks.items() if (k in mine.locked) != v}
        for key in [*sets, *clears]:
            held = next((s for s, locked in guards if any(_covers(lk, key) for lk in locked)),
                        None)
            if held is not None:
                errors.append(ConfigError(key, f"is locked for {held}" +
                                          ("" if held == scope and honour_own_locks else
                                           "; unlock it there first")))
        after = Layer(mine.name, {**{k: v for k, v in mine.values.items() if k not in clears},
                                  **{k: Setting(v, iso(now), who) for k, v in sets.items()}},
                      mine.locked)
        if sets or clears:
            errors += config.check_together(config.values(config.resolve([*layers[:-1],
                                                                          after])))
        if errors:
            raise Refused(errors)
        done: list[tuple[str, str]] = []
        for key in [*sets, *clears]:
            where = (config_values.c.scope == scope.kind) & \
                (config_values.c.target == scope.target) & (config_values.c.key == key)
            conn.execute(sa.delete(config_values).where(where))
            old = mine.values.get(key)
            if key in sets:
                conn.execute(sa.insert(config_values).values(
                    scope=scope.kind, target=scope.target, key=key, value=_dump(sets[key]),
                    changed=now, by=who))
            _audit(conn, now, who, scope, key, "set" if key in sets else "clear",
                   old.value if old else None, sets.get(key))
            done.append((key, "set" if key in sets else "clear"))
        for key, locked in lock_changes.items():
            if locked:
                conn.execute(sa.insert(config_locks).values(
                    scope=scope.kind, target=scope.target, key=key, changed=now, by=who))
            else:
                conn.execute(sa.delete(config_locks).where(
                    (config_locks.c.scope == scope.kind) &
                    (config_locks.c.target == scope.target) & (config_locks.c.key == key)))
            action = "lock" if locked else "unlock"
            _audit(conn, now, who, scope, key, action, None, None)
            done.append((key, action))
        if done:
            _bump(conn)
    return done


def clear_value(engine: sa.Engine, scope: Scope, key: str, who: str,
                now: datetime | None = None) -> bool:
    """Remove the value set at scope (the broader one applies again). False if none."""
    config.field_for(key)
    now = now or _now()
    with engine.begin() as conn:
        where = (config_values.c.scope == scope.kind) & (config_values.c.target ==
                                                          scope.target) & \
                (config_values.c.key == key)
        old = conn.execute(sa.select(config_values.c.value).where(where)).scalar_one_or_none()
        if old is None:
            return False
        conn.execute(sa.delete(config_values).where(where))
        _audit(conn, now, who, scope, key, "clear", json.loads(old), None)
        _bump(conn)
    return True


def set_lock(engine: sa.Engine, scope: Scope, key: str, locked: bool, who: str,
             now: datetime | None = None) -> bool:
    """Lock or unlock key at scope; False when it already was as asked."""
    f, lang = config.field_for(key)
    if lang is not None:
        raise ConfigError(key, f"lock {f.key} itself: a lock covers every translation")
    now = now or _now()
    with engine.begin() as conn:
        scopes_for(conn, scope)  # the terminal must exist
        where = (config_locks.c.scope == scope.kind) & (config_locks.c.target ==
                                                         scope.target) & \
                (config_locks.c.key == key)
        exists = conn.execute(sa.select(config_locks.c.key).where(where)).first() is not None
        if exists == locked:
            return False
        if locked:
            conn.execute(sa.insert(config_locks).values(scope=scope.kind, target=scope.target,
                                                        key=key, changed=now, by=who))
        else:
            conn.execute(sa.delete(config_locks).where(where))
        _audit(conn, now, who, scope, key, "lock" if locked else "unlock", None, None)
        _bump(conn)
    return True


def audit(engine: sa.Engine, scope: Scope | None = None, limit: int = 200) -> list[dict]:
    """The latest changes, newest first (of one scope, or all)."""
    q = sa.select(config_audit).order_by(config_audit.c.id.desc()).limit(limit)
    if scope is not None:
        q = q.where(config_audit.c.scope == scope.kind, config_audit.c.target == scope.target)
    with engine.connect() as conn:
        return [{"at": iso(r.at), "who": r.who, "scope": r.scope, "target": r.target,
                 "key": r.key, "action": r.action,
                 "old": None if r.old is None else json.loads(r.old),
                 "new": None if r.new is None else json.loads(r.new)}
                for r in conn.execute(q)]


def record_report(engine: sa.Engine, terminal_id: str, report: Mapping[str, Any],
                  now: datetime | None = None) -> None:
    """Keep what a terminal says it uses; each staff change it made that the hub had not yet
    heard of goes into the audit as 'staff at terminal T'."""
    now = now or _now()
    with engine.begin() as conn:
        before = conn.execute(sa.select(terminal_config.c.reported).where(
            terminal_config.c.terminal_id == terminal_id)).scalar_one_or_none()
        old_values = (json.loads(before) if before else {}).get("values", {})
        who = f"staff at terminal {terminal_id}"
        for key, v in report.get("values", {}).items():
            if v.get("source") != "staff":
                continue
            was = old_values.get(key, {})
            if was.get("source") == "staff" and was.get("changed") == v.get("changed"):
                continue
            _audit(conn, now, who, Scope("terminal", terminal_id), key, "staff",
                   was.get("value"), v.get("value"))
        conn.execute(sa.delete(terminal_config).where(
            terminal_config.c.terminal_id == terminal_id))
        conn.execute(sa.insert(terminal_config).values(
            terminal_id=terminal_id, reported=json.dumps(report, ensure_ascii=False), at=now))


def reported(engine: sa.Engine, terminal_id: str) -> dict | None:
    with engine.connect() as conn:
        row = conn.execute(sa.select(terminal_config).where(
            terminal_config.c.terminal_id == terminal_id)).first()
    if row is None:
        return None
    return {"at": iso(row.at), **json.loads(row.reported)}


def etag(body: bytes) -> str:
    return f'"{hashlib.sha256(body).hexdigest()[:32]}"'
