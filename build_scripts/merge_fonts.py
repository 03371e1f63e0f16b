"""Make the kiosk's script fonts: each Noto script font merged with Noto Sans (Latin).

Noto's script fonts have no Latin letters, and Kivy has no font fallback, so a web address or
an untranslated word inside Arabic or Bengali text would show as boxes. Merging once, here,
gives one font per script that covers both. The results are committed in assets/fonts/
(run again only when the source fonts change; needs Debian's fonts-noto-core):
python build_scripts/merge_fonts.py

Line metrics: Noto Sans Arabic reserves 2.1 em per line for the tallest stacks of marks, so
a one-line Arabic heading took half as much height again as a Latin one and the Arabic home
screen needed scrolling at 100 %. Its merged font gets 1.6 em (LINE_METRICS); glyphs that
reach beyond (a shadda with a vowel on a tall letter) are still drawn whole, because SDL_ttf
sizes a rendered line to its ink, and running text keeps a little extra line height
(core/languages.py). `--metrics-only` applies LINE_METRICS to the committed fonts in place.
"""

from __future__ import annotations

from pathlib import Path

from fontTools.merge import Merger, Options

FONTS = Path(__file__).resolve().parents[1] / "assets" / "fonts"
NOTO = Path("/usr/share/fonts/truetype/noto")  # Debian's fonts-noto-core
MERGES = {
    "KioskArabic": ("NotoSansArabic", "Kiosk Sans Arabic"),
    "KioskUrdu": ("NotoNastaliqUrdu", "Kiosk Nastaliq Urdu"),
    "KioskBengali": ("NotoSansBengali", "Kiosk Sans Bengali"),
    "KioskGujarati": ("NotoSansGujarati", "Kiosk Sans Gujarati"),
    "KioskGurmukhi": ("NotoSansGurmukhi", "Kiosk Sans Gurmukhi"),
    "KioskTamil": ("NotoSansTamil", "Kiosk Sans Tamil"),
}


# Ascent and descent in font units (of 1000 per em) for the merged fonts that need tighter
# lines than their source gives; both hhea and OS/2 (typo and win) say the same.
LINE_METRICS = {"KioskArabic": (1100, 500)}


def set_line_metrics(font, ascent: int, descent: int) -> None:
    font["hhea"].ascent, font["hhea"].descent, font["hhea"].lineGap = ascent, -descent, 0
    os2 = font["OS/2"]
    os2.sTypoAscender, os2.sTypoDescender, os2.sTypoLineGap = ascent, -descent, 0
    os2.usWinAscent, os2.usWinDescent = ascent, descent


def merge(script_font: Path, latin_font: Path, out: Path, family: str, style: str) -> None:
    font = Merger(options=Options(drop_tables=["vhea", "vmtx"])).merge(
        [str(script_font), str(latin_font)])
    if out.name.split("-")[0] in LINE_METRICS:
        set_line_metrics(font, *LINE_METRICS[out.name.split("-")[0]])
    name = font["name"]
    full = f"{family} {style}"
    for record_id, value in ((1, family), (2, style), (3, f"{full}; merged"), (4, full),
                             (6, full.replace(" ", "-")), (16, family), (17, style)):
        name.setName(value, record_id, 3, 1, 0x409)
    font.save(str(out))


def main(argv: list[str]) -> None:
    if argv == ["--metrics-only"]:
        from fontTools.ttLib import TTFont

        for out_name, metrics in LINE_METRICS.items():
            for style in ("Regular", "Bold"):
                path = FONTS / f"{out_name}-{style}.ttf"
                font = TTFont(str(path))
                set_line_metrics(font, *metrics)
                font.save(str(path))
                print(f"{path.name}: line metrics {metrics}")
        return
    for out_name, (source, family) in MERGES.items():
        for style in ("Regular", "Bold"):
            out = FONTS / f"{out_name}-{style}.ttf"
            merge(NOTO / f"{source}-{style}.ttf", FONTS / f"NotoSans-{style}.ttf", out, family,
                  style)
            print(f"{out.name}: {out.stat().st_size // 1024} KiB")


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
