"""Small charts for the fleet pages, drawn on the server as SVG: no script, nothing for the
Content-Security-Policy to allow (presentation attributes, not style), and readable without
sight: each chart is an <svg role="img"> named by its title and described in words (its
latest, lowest and highest values), with its figures in a table beside it on the page.

A chart is a week of hours (fleet.recent): a gap where the terminal sent nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

# In the viewBox's units; the chart scales as a whole (text too) to the page's width.
WIDTH, HEIGHT = 1000, 170
PAD_LEFT, PAD_BOTTOM, PAD_TOP = 70, 30, 12
FONT = 17
INK, LINE, BAR, BAR_BAD, GRID = "#0b0c0c", "#1d70b8", "#1d70b8", "#d4351c", "#b1b4b6"


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    description: str
    svg: Markup


def _fmt(v: float, unit: str) -> str:
    return f"{v:,.0f}{unit}"


def _frame(top: float, unit: str, first_label: str, last_label: str) -> list[str]:
    inner_h = HEIGHT - PAD_BOTTOM - PAD_TOP
    out = []
    for frac in (0, 0.5, 1):
        y = PAD_TOP + inner_h * (1 - frac)
        out.append(f'<line x1="{PAD_LEFT}" y1="{y:.1f}" x2="{WIDTH}" y2="{y:.1f}" '
                   f'stroke="{GRID}" stroke-width="1"/>')
        out.append(f'<text x="{PAD_LEFT - 8}" y="{y + 6:.1f}" text-anchor="end" '
                   f'font-size="{FONT}" fill="{INK}">{escape(_fmt(top * frac, unit))}</text>')
    out.append(f'<text x="{PAD_LEFT}" y="{HEIGHT - 6}" font-size="{FONT}" fill="{INK}">'
               f'{escape(first_label)}</text>')
    out.append(f'<text x="{WIDTH}" y="{HEIGHT - 6}" text-anchor="end" font-size="{FONT}" '
               f'fill="{INK}">{escape(last_label)}</text>')
    return out


def _svg(chart_id: str, title: str, description: str, body: list[str]) -> Markup:
    return Markup(
        f'<svg class="spark" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" focusable="false" '
        f'font-family="system-ui, sans-serif">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>' + "".join(body) + "</svg>")


def _describe(values: Sequence[float | None], unit: str, what: str) -> str:
    known = [v for v in values if v is not None]
    if not known:
        return f"No {what} reported in this period."
    return (f"Latest {_fmt(known[-1], unit)}, lowest {_fmt(min(known), unit)}, highest "
            f"{_fmt(max(known), unit)}, over {len(values)} hours.")


def line(chart_id: str, title: str, values: Sequence[float | None], labels: tuple[str, str],
         unit: str = "", top: float | None = None, what: str = "values") -> Chart:
    """A line over the hours, broken where a value is missing."""
    known = [v for v in values if v is not None]
    top = top or max([*known, 1])
    inner_w, inner_h = WIDTH - PAD_LEFT, HEIGHT - PAD_BOTTOM - PAD_TOP
    n = max(1, len(values) - 1)
    body = _frame(top, unit, *labels)
    run: list[str] = []
    runs: list[list[str]] = []
    for i, v in enumerate(values):
        if v is None:
            if run:
                runs.append(run)
            run = []
            continue
        x = PAD_LEFT + inner_w * i / n
        y = PAD_TOP + inner_h * (1 - min(v, top) / top)
        run.append(f"{x:.1f},{y:.1f}")
    if run:
        runs.append(run)
    for r in runs:
        if len(r) == 1:
            x, y = r[0].split(",")
            body.append(f'<circle cx="{x}" cy="{y}" r="3" fill="{LINE}"/>')
        else:
            body.append(f'<polyline points="{" ".join(r)}" fill="none" stroke="{LINE}" '
                        f'stroke-width="3" stroke-linejoin="round"/>')
    description = _describe(values, unit, what)
    return Chart(chart_id, title, description, _svg(chart_id, title, description, body))


def bars(chart_id: str, title: str, good: Sequence[int], bad: Sequence[int],
         labels: tuple[str, str], what: tuple[str, str] = ("syncs", "failed syncs")) -> Chart:
    """Two series of bars per hour, stacked: the good count in blue, the bad one in red
    above it."""
    top = max([g + b for g, b in zip(good, bad, strict=True)] + [1])
    inner_w, inner_h = WIDTH - PAD_LEFT, HEIGHT - PAD_BOTTOM - PAD_TOP
    step = inner_w / max(1, len(good))
    body = _frame(top, "", *labels)
    for i, (g, b) in enumerate(zip(good, bad, strict=True)):
        x = PAD_LEFT + step * i
        base = PAD_TOP + inner_h
        for value, colour in ((g, BAR), (b, BAR_BAD)):
            if not value:
                continue
            h = inner_h * value / top
            base -= h
            body.append(f'<rect x="{x:.1f}" y="{base:.1f}" width="{max(1.0, step - 1):.1f}" '
                        f'height="{h:.1f}" fill="{colour}"/>')
    description = (f"{sum(good):,} {what[0]} and {sum(bad):,} {what[1]} over "
                   f"{len(good)} hours; the most in one hour: {max(good, default=0):,} "
                   f"{what[0]}, {max(bad, default=0):,} {what[1]}.")
    return Chart(chart_id, title, description, _svg(chart_id, title, description, body))
