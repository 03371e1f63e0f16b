"""The two themes (GOV.UK's palette, and high contrast) and the contrast check behind them.

Colours are hex strings here; the app turns them into Kivy colours. `pairs()` lists every
text colour on the background it is drawn on, so a test can hold each to 4.5:1.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Theme:
    name: str
    background: str
    text: str
    secondary_text: str
    panel: str  # a slightly different background for cards and the toolbar
    panel_text: str
    link: str
    primary: str  # main action button ("Start now", "Continue")
    primary_text: str
    button: str  # ordinary button
    button_text: str
    focus: str  # highlight (selected, expanded)
    focus_text: str
    error: str
    error_text: str  # text on the error colour
    success: str
    success_text: str
    border: str


STANDARD = Theme(
    name="standard",
    background="#ffffff",
    text="#0b0c0c",
    secondary_text="#484949",  # GOV.UK's secondary text is #505a5f; darker keeps 4.5:1 on panel
    panel="#f3f2f1",
    panel_text="#0b0c0c",
    link="#1d70b8",
    primary="#00703c",
    primary_text="#ffffff",
    button="#1d70b8",
    button_text="#ffffff",
    focus="#ffdd00",
    focus_text="#0b0c0c",
    error="#d4351c",
    error_text="#ffffff",
    success="#00703c",
    success_text="#ffffff",
    border="#b1b4b6",
)

HIGH_CONTRAST = Theme(
    name="high_contrast",
    background="#000000",
    text="#ffff00",
    secondary_text="#ffffff",
    panel="#1a1a1a",
    panel_text="#ffff00",
    link="#00ffff",
    primary="#ffff00",
    primary_text="#000000",
    button="#00ffff",
    button_text="#000000",
    focus="#ffffff",
    focus_text="#000000",
    error="#ff6e6e",
    error_text="#000000",
    success="#7cff7c",
    success_text="#000000",
    border="#ffffff",
)

THEMES = {t.name: t for t in (STANDARD, HIGH_CONTRAST)}


def rgba(hex_colour: str, alpha: float = 1.0) -> tuple[float, float, float, float]:
    h = hex_colour.lstrip("#")
    return (int(h[0:2], 16) / 255, int(h[2:4], 16) / 255, int(h[4:6], 16) / 255, alpha)


def _luminance(hex_colour: str) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b, _ = rgba(hex_colour)
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio between two colours (1 to 21)."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def pairs(theme: Theme) -> list[tuple[str, str, str]]:
    """(what, text colour, background) for every way the app draws text."""
    t = theme
    return [
        ("text", t.text, t.background),
        ("secondary text", t.secondary_text, t.background),
        ("secondary text on panel", t.secondary_text, t.panel),
        ("panel text", t.panel_text, t.panel),
        ("link", t.link, t.background),
        ("link on panel", t.link, t.panel),
        ("primary button", t.primary_text, t.primary),
        ("button", t.button_text, t.button),
        ("focus", t.focus_text, t.focus),
        ("error", t.error_text, t.error),
        ("success", t.success_text, t.success),
    ]


