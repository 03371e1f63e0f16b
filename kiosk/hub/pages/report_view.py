"""What the dashboard shows of a report (reports.report): big numbers, and panels that each
have a chart, a sentence saying what it shows, and a table with the same figures (a chart
is not the only way to read a figure). Withheld figures ("<8", "*") are shown as such, and
have no bar.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from kiosk.hub import reports, suppress

BLUE, GREEN = "#1d70b8", "#00703c"  # GOV.UK link blue and button green
CHART_ROWS = 10  # bars in a "top" chart; the table beneath has every row
DAYS = reports.WEEKDAYS


def is_withheld(value: Any) -> bool:
    return suppress.is_withheld(value)


def chart_value(value: Any) -> float | None:
    """A figure for a chart: withheld ones have no bar (dashboard.js marks their place)."""
    if value is None or is_withheld(value):
        return None
    return value


def series(label: str, values: list[Any], colour: str) -> dict:
    """One series of a chart for dashboard.js: the values (None where withheld) and, for
    each, the mark to draw instead of a bar ("<8", "*") or None."""
    return {"label": label, "data": [chart_value(v) for v in values],
            "withheld": [v if is_withheld(v) else None for v in values], "colour": colour}


def fmt_count(value: Any) -> str:
    if value is None:
        return "0"
    if isinstance(value, str):
        return value
    return f"{value:,}"


def fmt_rate(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, str):
        return value
    return f"{value * 100:.0f}%"


def fmt_duration(seconds: Any) -> str:
    if seconds is None:
        return "–"
    if isinstance(seconds, str):
        return seconds
    minutes, secs = divmod(round(seconds), 60)
    if minutes >= 60:
        hours, minutes = divmod(minutes, 60)
        return f"{hours} h {minutes} min"
    return f"{minutes} min {secs} s" if minutes else f"{secs} s"


def fmt_day(d: date, short: bool = False) -> str:
    if short:
        return f"{DAYS[d.weekday()][:3]} {d.day} {d:%b}"
    return f"{DAYS[d.weekday()]} {d.day} {d:%B} {d.year}"


def fmt_period(start: date, end: date) -> str:
    """"4 March 2025", "1 to 28 March 2025", "4 February to 3 March 2025"... """
    if start == end:
        return f"{end.day} {end:%B} {end.year}"
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day} to {end.day} {end:%B} {end.year}"
    if start.year == end.year:
        return f"{start.day} {start:%B} to {end.day} {end:%B} {end.year}"
    return f"{start.day} {start:%B} {start.year} to {end.day} {end:%B} {end.year}"


def heat_class(value: Any, peak: int) -> str:
    """Shade of a heat-map cell: 0 (none) to 5 (the busiest hour), or s (withheld)."""
    if is_withheld(value):
        return "heat-s"
    if not value or not peak:
        return "heat-0"
    return f"heat-{min(5, 1 + int(4 * value / peak + 0.5))}"


def _busiest(pairs: list[tuple[str, Any]]) -> tuple[str, int] | None:
    """The label and count of the largest shown count ("A", or "A and 2 others" when
    several share it); None when no count is shown."""
    shown = [(label, v) for label, v in pairs if isinstance(v, int) and v > 0]
    if not shown:
        return None
    peak = max(v for _, v in shown)
    tied = [label for label, v in shown if v == peak]
    if len(tied) > 1:
        return f"{tied[0]} and {len(tied) - 1} other{'s' if len(tied) > 2 else ''}", peak
    return tied[0], peak


def _plural(n: Any, word: str) -> str:
    return f"{fmt_count(n)} {word}{'' if n == 1 else 's'}"


def view(rep: dict) -> dict:
    """What the page shows of a report (reports.report): big numbers, panels (a chart spec,
    a text summary and a table each) and the chart specs as JSON for dashboard.js."""
    s, services, tutorials = rep["sessions"], rep["services"], rep["tutorials"]
    charts: dict[str, dict] = {}
    panels: list[dict] = []

    big_numbers = [
        {"id": "sessions", "label": "Sessions", "value": fmt_count(s["total"])},
        {"id": "median", "label": "Median session length",
         "value": fmt_duration(s["median_length_s"])},
        {"id": "completion", "label": "Tutorials completed, of those started",
         "value": fmt_rate(tutorials["completion_rate"])},
        {"id": "guides", "label": "Service guides opened",
         "value": fmt_count(services["opened"])},
    ]

    # Sessions per day: bars, a line when there are too many days for bars to read.
    days = [(date.fromisoformat(r["day"]), r["sessions"]) for r in s["by_day"]]
    charts["per-day"] = {
        "type": "line" if len(days) > 62 else "bar",
        "labels": [fmt_day(d, short=True) for d, _ in days],
        "series": [series("Sessions", [n for _, n in days], BLUE)],
        "valueLabel": "Sessions"}
    top = _busiest([(fmt_day(d), n) for d, n in days])
    panels.append({
        "id": "per-day", "title": "Sessions per day", "chart": True, "size": "",
        "empty": not any(n for _, n in days), "nothing": "sessions",
        "summary": f"The busiest day: {top[0]}, with {_plural(top[1], 'session')}."
        if top else "",
        "table": {"head": ["Day", "Sessions"],
                  "rows": [[fmt_day(d), fmt_count(n)] for d, n in days],
                  "foot": ["Total", fmt_count(s["total"])]}})

    # Hour of the week: a heat map that is itself a table.
    grid = s["by_hour_of_week"]
    peak = max((v for row in grid for v in row if isinstance(v, int)), default=0)
    top = _busiest([(f"{DAYS[d]}s from {h:02d}:00 to {h:02d}:59", v)
                    for d, row in enumerate(grid) for h, v in enumerate(row)])
    panels.append({
        "id": "hour-of-week", "title": "Sessions by hour of the week", "chart": False,
        "hint": "When sessions started, in London time. Darker is busier.",
        "empty": not any(v for row in grid for v in row), "nothing": "sessions",
        "summary": f"The busiest hour: {top[0]}, with {_plural(top[1], 'session')}."
        if top else "",
        "heatmap": [{"day": DAYS[d], "cells": [{"text": fmt_count(v) if v else "",
                                                  "cls": heat_class(v, peak)} for v in row]}
                    for d, row in enumerate(grid)]})

    # Languages: the language each session ended in.
    langs = s["by_language"]
    charts["languages"] = {
        "type": "bar", "labels": [r["name"] for r in langs],
        "series": [series("Sessions", [r["sessions"] for r in langs], BLUE)],
        "valueLabel": "Sessions"}
    top = _busiest([(r["name"], r["sessions"]) for r in langs])
    panels.append({
        "id": "languages", "title": "Languages", "chart": True, "size": "chart--short",
        "hint": "The language each session ended in.",
        "empty": not langs, "nothing": "finished sessions",
        "summary": f"Most sessions ended in {top[0]}: {_plural(top[1], 'session')}."
        if top else "",
        "table": {"head": ["Language", "Sessions"],
                  "rows": [[f"{r['name']} ({r['language']})" if r["language"] else r["name"],
                            fmt_count(r["sessions"])] for r in langs]}})

    # Service guides, most opened first.
    rows = services["rows"]
    charts["services"] = {
        "type": "hbar", "labels": [r["title"] for r in rows[:CHART_ROWS]],
        "series": [series("Guides opened", [r["opened"] for r in rows[:CHART_ROWS]], BLUE)],
        "valueLabel": "Times opened"}
    panels.append({
        "id": "services", "title": "Top service guides", "chart": True, "size": "chart--rows",
        "hint": f"The {min(CHART_ROWS, len(rows))} guides opened most often; the table has "
                "them all." if len(rows) > CHART_ROWS else "",
        "empty": not rows, "nothing": "guides were opened",
        "summary": f"Opened most often: {top[0]}, {_plural(top[1], 'time')}."
        if (top := _busiest([(r["title"], r["opened"]) for r in rows])) else "",
        "table": {"head": ["Service guide", "Times opened"],
                  "rows": [[r["title"], fmt_count(r["opened"])] for r in rows],
                  "foot": ["Total", fmt_count(services["opened"])]}})

    # Tutorials: started and completed side by side.
    rows = tutorials["rows"]
    charts["tutorials"] = {
        "type": "hbar", "labels": [r["title"] for r in rows[:CHART_ROWS]],
        "series": [series("Started", [r["started"] for r in rows[:CHART_ROWS]], BLUE),
                   series("Completed", [r["completed"] for r in rows[:CHART_ROWS]], GREEN)],
        "valueLabel": "Tutorials"}
    panels.append({
        "id": "tutorials", "title": "Top tutorials", "chart": True, "size": "chart--rows",
        "hint": f"The {CHART_ROWS} tutorials started most often; the table has them all."
        if len(rows) > CHART_ROWS else "",
        "empty": not rows, "nothing": "tutorials were started",
        "summary": ("The completion rate is withheld: too few tutorials to show it safely."
                    if is_withheld(tutorials["completion_rate"]) else
                    f"{fmt_rate(tutorials['completion_rate'])} of the tutorials started were "
                    "completed.") if tutorials["completion_rate"] is not None else "",
        "table": {"head": ["Tutorial", "Started", "Completed", "Completed, of started"],
                  "rows": [[r["title"], fmt_count(r["started"]), fmt_count(r["completed"]),
                            fmt_rate(r["completion_rate"])] for r in rows],
                  "foot": ["Total", fmt_count(tutorials["started"]),
                           fmt_count(tutorials["completed"]),
                           fmt_rate(tutorials["completion_rate"])]}})

    # Centres: a table.
    rows = s["by_centre"]
    panels.append({
        "id": "centres", "title": "Sessions by centre", "chart": False,
        "empty": not rows, "nothing": "centres",
        "table": {"head": ["Centre", "Sessions"],
                  "rows": [[r["centre"], fmt_count(r["sessions"])] for r in rows],
                  "foot": ["Total", fmt_count(s["total"])] if len(rows) > 1 else None}})

    # A chart whose every bar is withheld draws nothing: say why, in words.
    for p in panels:
        chart = charts.get(p["id"])
        if chart and not p["empty"] and all(
                v is None for ser in chart["series"] for v in ser["data"]):
            p["summary"] = ("Every figure in this chart is withheld (“<8”) to protect small "
                            "numbers, so it has no bars.")

    flt = rep["filters"]
    return {"big_numbers": big_numbers, "panels": panels, "charts": charts,
            "notes": rep.get("notes", []),
            "period_text": fmt_period(date.fromisoformat(flt["from"]),
                                      date.fromisoformat(flt["to"]))}
