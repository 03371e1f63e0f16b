"""The language registry: every language the kiosk knows, and how to show and speak it.

One place says, for each language, its name in its own script, its script (ISO 15924),
its direction, its fonts and its espeak-ng voice. The app, the content validator and the
hub all read it, so they cannot disagree on what a language code means.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Language:
    code: str
    native_name: str
    english_name: str
    script: str  # ISO 15924, exactly four letters (Kivy silently ignores anything else)
    direction: str  # "ltr" or "rtl"
    font: str  # regular font file in assets/fonts/
    font_bold: str
    voice: str | None  # espeak-ng voice, None when there is none
    keyboard: str = "latin"
    ui_ready: bool = False  # offered on the language screen
    greeting: str = "Welcome"  # the attract screen's rotating greeting
    line_height: float = 1.15  # running text; tall scripts need more

    @property
    def rtl(self) -> bool:
        return self.direction == "rtl"

    def keyboard_layout(self, inscript: bool = False) -> str:
        """The on-screen keyboard's layout: with `inscript` (the centre's choice), InScript's
        for the Indian scripts that have one (assets/keyboards/<keyboard>-inscript.json)."""
        if inscript and self.keyboard in INSCRIPT:
            return f"{self.keyboard}-inscript"
        return self.keyboard


# The alphabetical layouts that have an InScript twin (India's standard keyboard, IS 13194).
INSCRIPT = ("bengali", "gujarati", "gurmukhi", "tamil")


_LATIN = ("NotoSans-Regular.ttf", "NotoSans-Bold.ttf")
# Noto script fonts merged with Noto Sans (build_scripts/merge_fonts.py): Latin inside them
# (addresses, untranslated words) has glyphs, as Kivy has no font fallback.
_ARABIC = ("KioskArabic-Regular.ttf", "KioskArabic-Bold.ttf")
_URDU = ("KioskUrdu-Regular.ttf", "KioskUrdu-Bold.ttf")  # Nastaliq
_BENGALI = ("KioskBengali-Regular.ttf", "KioskBengali-Bold.ttf")
_GUJARATI = ("KioskGujarati-Regular.ttf", "KioskGujarati-Bold.ttf")
_GURMUKHI = ("KioskGurmukhi-Regular.ttf", "KioskGurmukhi-Bold.ttf")
_TAMIL = ("KioskTamil-Regular.ttf", "KioskTamil-Bold.ttf")


def _lang(code, native, english, script, direction, fonts, voice, keyboard="latin",
          ui_ready=True, greeting="Welcome", line_height=None):
    # Running text: extra line height where the font's own is tight (Latin 1.36 em, Indic).
    # The Arabic font's lines are 1.6 em (build_scripts/merge_fonts.py LINE_METRICS: Noto's
    # 2.1 em made the Arabic home scroll at 100 %): a little more keeps stacked marks clear
    # of the line above. Nastaliq's own 2.5 em is tall enough; more would break a paragraph
    # apart.
    if line_height is None:
        line_height = 1.0 if fonts == _URDU else 1.1 if script == "Arab" else 1.15
    return Language(code, native, english, script, direction, fonts[0], fonts[1], voice,
                    keyboard, ui_ready, greeting, line_height)


# English first, then London's main languages after English (2021 Census order).
# `keyboard` names a layout in assets/keyboards/; every keyboard can switch to Latin.
LANGUAGES: dict[str, Language] = {
    lang.code: lang
    for lang in [
        _lang("en", "English", "English", "Latn", "ltr", _LATIN, "en-gb", greeting="Welcome"),
        _lang("ro", "Română", "Romanian", "Latn", "ltr", _LATIN, "ro", keyboard="romanian",
              greeting="Bun venit"),
        _lang("es", "Español", "Spanish", "Latn", "ltr", _LATIN, "es", keyboard="spanish",
              greeting="Bienvenido"),
        _lang("pl", "Polski", "Polish", "Latn", "ltr", _LATIN, "pl", keyboard="polish",
              greeting="Witamy"),
        _lang("bn", "বাংলা", "Bengali", "Beng", "ltr", _BENGALI, "bn", keyboard="bengali",
              greeting="স্বাগতম"),
        _lang("pt", "Português", "Portuguese", "Latn", "ltr", _LATIN, "pt",
              keyboard="portuguese", greeting="Bem-vindo"),
        _lang("it", "Italiano", "Italian", "Latn", "ltr", _LATIN, "it", keyboard="italian",
              greeting="Benvenuto"),
        _lang("gu", "ગુજરાતી", "Gujarati", "Gujr", "ltr", _GUJARATI, "gu", keyboard="gujarati",
              greeting="સ્વાગત છે"),
        _lang("pa", "ਪੰਜਾਬੀ", "Punjabi", "Guru", "ltr", _GURMUKHI, "pa", keyboard="gurmukhi",
              greeting="ਜੀ ਆਇਆਂ ਨੂੰ"),
        _lang("fr", "Français", "French", "Latn", "ltr", _LATIN, "fr-fr", keyboard="french",
              greeting="Bienvenue"),
        # Nastaliq's tall, sloping lines need more room than Naskh: its font gives 2.5 em.
        _lang("ur", "اردو", "Urdu", "Arab", "rtl", _URDU, "ur", keyboard="urdu",
              greeting="خوش آمدید"),
        _lang("tr", "Türkçe", "Turkish", "Latn", "ltr", _LATIN, "tr", keyboard="turkish",
              greeting="Hoş geldiniz"),
        _lang("ar", "العربية", "Arabic", "Arab", "rtl", _ARABIC, "ar", keyboard="arabic",
              greeting="أهلاً وسهلاً"),
        _lang("ta", "தமிழ்", "Tamil", "Taml", "ltr", _TAMIL, "ta", keyboard="tamil",
              greeting="வரவேற்கிறோம்"),
        _lang("fa", "فارسی", "Persian", "Arab", "rtl", _ARABIC, "fa", keyboard="persian",
              greeting="خوش آمدید"),
        # Somali writes the glottal stop with an apostrophe (ba'an, lo'): its key comes first
        # on the top row, a full key, not tucked at the end of a row.
        _lang("so", "Soomaali", "Somali", "Latn", "ltr", _LATIN, None, keyboard="somali",
              greeting="Soo dhawoow"),
    ]
}

DEFAULT = "en"


def get(code: str) -> Language:
    """The language for a code; KeyError names the code when it is unknown."""
    try:
        return LANGUAGES[code]
    except KeyError:
        raise KeyError(f"unknown language code {code!r}") from None


def is_known(code: str) -> bool:
    return code in LANGUAGES


def offered() -> list[Language]:
    """The languages a citizen can choose today (interface translated and tested)."""
    return [lang for lang in LANGUAGES.values() if lang.ui_ready]


# Unicode blocks of each non-Latin script, to tell whether a text is written in it.
SCRIPT_RANGES: dict[str, tuple[tuple[int, int], ...]] = {
    "Arab": ((0x0600, 0x06FF), (0x0750, 0x077F), (0x08A0, 0x08FF), (0xFB50, 0xFDFF),
             (0xFE70, 0xFEFF)),
    "Beng": ((0x0980, 0x09FF),),
    "Gujr": ((0x0A80, 0x0AFF),),
    "Guru": ((0x0A00, 0x0A7F),),
    "Taml": ((0x0B80, 0x0BFF),),
}


def uses_script(text: str, script: str) -> bool:
    """True when the text has at least one letter of the script (Latin: always true)."""
    ranges = SCRIPT_RANGES.get(script)
    if ranges is None:
        return True
    return any(lo <= ord(ch) <= hi for ch in text for lo, hi in ranges)
