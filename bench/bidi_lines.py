"""The `bidi_lines` benchmark: what reordering right-to-left lines by UAX #9 costs, against
drawing them.

Every Arabic, Urdu and Persian content text is broken into lines as a screen would show it
(about 45 characters), and each line is reordered by kiosk.core.bidi with its cache emptied
(the first time a screen shows it). Baseline, in the same run: Kivy rendering the same lines
(measuring and drawing the text into a texture, with the kiosk's Arabic font), which every
line costs anyway. Target: reordering costs under 10 % of rendering, so screens in the
right-to-left languages are not slowed; after the first time a line costs a cache lookup.
"""

from __future__ import annotations

import textwrap
import time

from common import Result, Settings, ratio

TARGET = 0.10


def _lines() -> list[str]:
    from kiosk.core import content
    from kiosk.core.settings import DEFAULT_CONTENT_DIR

    cat = content.load(DEFAULT_CONTENT_DIR)
    out: list[str] = []
    for _, text in cat.texts():
        for lang in ("ar", "ur", "fa"):
            if text.has(lang):
                for para in text.by_lang[lang].split("\n"):
                    out += textwrap.wrap(para, 45)
    return out


def bench_bidi_lines(settings: Settings) -> Result:
    try:
        from kiosk.core import bidi
    except ImportError as exc:
        return Result.not_available("bidi_lines", f"python-bidi cannot be imported: {exc}")
    lines = _lines()
    reorder: list[float] = []
    for _ in range(max(3, settings.runs // 5)):
        bidi.for_rtl_renderer.cache_clear()
        bidi.visual_order.cache_clear()
        start = time.perf_counter()
        for line in lines:
            bidi.for_rtl_renderer(line)
        reorder.append(time.perf_counter() - start)
    start = time.perf_counter()
    for line in lines:
        bidi.for_rtl_renderer(line)
    cached = time.perf_counter() - start

    import os
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    from kivy.core.text import Label as CoreLabel
    from kivy.core.window import Window  # noqa: F401  (textures need a GL context)

    from kiosk.app import textfix
    from kiosk.core import resources
    textfix.install()
    font = str(resources.fonts_dir() / "KioskArabic-Regular.ttf")
    sample = lines[:300]
    start = time.perf_counter()
    for line in sample:
        label = CoreLabel(text=line, font_name=font, font_size=28, font_direction="rtl",
                          font_script_name="Arab", halign="right")
        label.refresh()
    render = (time.perf_counter() - start) / len(sample) * len(lines)
    best = min(reorder)
    r = ratio(best, render)
    return Result.checked(
        "bidi_lines", r < TARGET,
        measured=f"{len(lines)} lines reordered in {best * 1000:.1f} ms "
                 f"({best / len(lines) * 1e6:.0f} us a line; cached {cached * 1000:.2f} ms)",
        baseline=f"rendering them {render * 1000:.0f} ms",
        figure=f"{r:.3f}x", target=f"< {TARGET}x",
        data={"lines": len(lines), "reorder_s": reorder, "cached_s": cached,
              "render_s": render})
