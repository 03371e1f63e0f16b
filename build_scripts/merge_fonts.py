"""Make the kiosk's script fonts: each Noto script font merged with Noto Sans (Latin).

Noto's script fonts have no Latin letters, and Kivy has no font fallback, so a web address or
an untranslated word inside Arabic or Bengali text would show as boxes. Merging once, here,
gives one font per script that covers both. The results are committed in assets/fonts/
(run again only when the source fonts change; needs Debian's fonts-noto-core):
python build_scripts/merge_fonts.py
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


def merge(script_font: Path, latin_font: Path, out: Path, family: str, style: str) -> None:
    font = Merger(options=Options(drop_tables=["vhea", "vmtx"])).merge(
        [str(script_font), str(latin_font)])
    name = font["name"]
    full = f"{family} {style}"
    for record_id, value in ((1, family), (2, style), (3, f"{full}; merged"), (4, full),
                             (6, full.replace(" ", "-")), (16, family), (17, style)):
        name.setName(value, record_id, 3, 1, 0x409)
    font.save(str(out))


def main() -> None:
    for out_name, (source, family) in MERGES.items():
        for style in ("Regular", "Bold"):
            out = FONTS / f"{out_name}-{style}.ttf"
            merge(NOTO / f"{source}-{style}.ttf", FONTS / f"NotoSans-{style}.ttf", out, family,
                  style)
            print(f"{out.name}: {out.stat().st_size // 1024} KiB")


if __name__ == "__main__":
    main()
