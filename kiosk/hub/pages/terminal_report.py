"""A terminal's configuration report as its page shows it: what the terminal says it uses
(configuration.reported), beside what the hub gives it, for each setting where the two
differ or staff changed it at the terminal, with the reason in words. Between the hub and
staff at the terminal the later change wins (core/config.py's resolve, which the terminal
runs); this says which one won.
"""

from __future__ import annotations

from kiosk.core import config
from kiosk.hub.configuration import Scope, Snapshot
from kiosk.hub.pages.settings_form import label_of, shown, source_text, when


def view(snap: Snapshot, report: dict | None, tag: str,
         here: Scope) -> dict | None:
    """What a terminal says it uses, beside what the hub gives it: each setting where they
    differ or staff changed it at the terminal, with the reason in words."""
    if report is None:
        return None
    rows = []
    values = report.get("values", {})
    for key in config.all_keys():
        rep, hub = values.get(key), snap.resolved[key]
        if rep is None and hub.source == "default":
            continue
        rep = rep or {"value": config.default(key), "source": "default", "note": ""}
        try:
            used = config.check(key, rep.get("value"))
        except (config.ConfigError, TypeError):
            used = rep.get("value")
        differs = used != hub.value
        note = rep.get("note") or ""
        if rep.get("source") != "staff" and not differs and not note:
            continue
        staff_at = rep.get("changed") or ""
        if rep.get("source") == "staff":
            uses = "the change staff made at the terminal"
            if hub.source == "default":
                why = f"Staff changed it at the terminal ({when(staff_at)})."
            elif hub.changed and staff_at < hub.changed:  # ISO times: compared as text
                why = (f"Staff changed it at the terminal ({when(staff_at)}), and the hub "
                       f"changed it later ({when(hub.changed)}): the later change wins, so "
                       "the terminal will use the hub's value once it has fetched it.")
            else:
                why = (f"Staff changed it at the terminal ({when(staff_at)}) "
                       f"after the hub's value was set ({when(hub.changed)}): "
                       "the later change wins, so the terminal uses the staff's value.")
        elif "older than" in note:
            uses = "the hub's value"
            why = ("Staff changed it at the terminal, but the hub's value was set later "
                   f"({when(hub.changed)}): the later change wins, so the "
                   "terminal uses the hub's value.")
        elif "locked" in note:
            uses = "the hub's value"
            why = "Staff changed it at the terminal, but an admin locked it: the hub's " \
                  "value is used."
        elif differs:
            uses = "an older value from the hub"
            why = ("The terminal has not applied the hub's latest settings yet: it fetches "
                   "them when it next syncs and applies them at the next attract screen.")
        else:
            uses, why = "the hub's value", ""
        rows.append({"key": key, "label": label_of(key),
                     "hub": shown(key, hub.value),
                     "hub_from": source_text(hub, snap, here),
                     "used": _shown(key, used), "uses": uses, "why": why,
                     "note": note,
                     # both changed it: staff at the terminal, and the hub
                     "conflict": (rep.get("source") == "staff" and hub.source != "default")
                     or "older than" in note})
    return {"at": when(report.get("at")), "rows": rows,
            "current": report.get("etag") == tag, "problems": report.get("problems", [])}


def _shown(key: str, value) -> str:
    """A value a terminal reported, which may not be one this hub would accept."""
    try:
        return shown(key, value)
    except (config.ConfigError, TypeError, KeyError, AttributeError):
        return str(value)
