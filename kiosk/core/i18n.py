"""Interface strings: gettext catalogues under kiosk/locale/<code>/LC_MESSAGES/<domain>.po.

Two domains: `kiosk`, what citizens read (every language kept at least 95 % translated),
and `staff`, the staff panel at the terminal (English complete; other languages translated
as translators get to it, falling back to English meanwhile). Source strings are plain
English in the code (`tr("Home")`; the staff panel's `st("Sync now")`). `make i18n` compiles
the .po files to .mo (build output, never committed); when a .mo is missing or older than
its .po, the .po is read directly through Babel, so a fresh checkout still shows every
language.

`python -m kiosk.core.i18n compile` compiles; `... report` prints completeness per language.
"""

from __future__ import annotations

import gettext
import sys
from functools import cache, lru_cache
from pathlib import Path

from kiosk.core import resources

LOCALE_DIR = resources.locale_dir()
DOMAIN = "kiosk"
STAFF = "staff"
DOMAINS = (DOMAIN, STAFF)


@cache
def translations(lang: str, domain: str = DOMAIN) -> gettext.NullTranslations:
    if lang == "en":
        return gettext.NullTranslations()
    folder = LOCALE_DIR / lang / "LC_MESSAGES"
    po, mo = folder / f"{domain}.po", folder / f"{domain}.mo"
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as f:
            return gettext.GNUTranslations(f)
    if po.exists():
        return _from_po(po)
    return gettext.NullTranslations()


def _from_po(po: Path) -> gettext.NullTranslations:
    import io

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as f:
        catalog = read_po(f)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


def N_(msgid: str) -> str:
    """Marks a string kept in a constant as an interface string, so `make i18n-extract`
    finds it (translate it with `tr` where it is shown); returns it unchanged."""
    return msgid


def tr(msgid: str, lang: str, domain: str = DOMAIN) -> str:
    return translations(lang, domain).gettext(msgid)


def ntr(singular: str, plural: str, n: int, lang: str, domain: str = DOMAIN) -> str:
    return translations(lang, domain).ngettext(singular, plural, n)


# The digits of CLDR's numeric numbering systems that the kiosk's languages use by default
# (CLDR numberingSystems.xml; Babel names a locale's system but does not hold its digits).
_ZERO = {"latn": "0", "arab": "\u0660", "arabext": "\u06f0", "beng": "\u09e6",
         "deva": "\u0966", "gujr": "\u0ae6", "guru": "\u0a66", "tamldec": "\u0be6"}


@cache
def digits(lang: str) -> str:
    """Zero to nine as the language writes them by default (CLDR, through Babel): Bengali
    ০-৯ and Persian ۰-۹; Latin for languages whose default is Latin (Arabic, Urdu, Tamil...)."""
    from babel import Locale

    zero = _ZERO.get(Locale.parse(lang).default_numbering_system, "0")
    return "".join(chr(ord(zero) + i) for i in range(10))


@lru_cache(maxsize=2048)
def number(n: int, lang: str) -> str:
    """A whole number as the language writes it (grouping, digits), from CLDR via Babel:
    the language's default numbering system, its separators and its digits. Remembered:
    screens write the same few numbers (step numbers, "Part 1 of 4", the text size) each
    time they are built, and Babel takes a quarter of a millisecond for each."""
    from babel.numbers import format_decimal

    written = format_decimal(n, locale=lang, numbering_system="default")
    own = digits(lang)
    return written if own[0] == "0" else written.translate(str.maketrans("0123456789", own))


def warm(codes) -> None:
    """Load the interface catalogue of each language in `codes`, which its first use would
    read from disk: for a worker thread, so that the first switch to a language does not
    read it on the UI thread (issue 17). The cache above makes a second load harmless.
    Babel's number data is not loaded ahead: about 1 MiB of memory a language, for 4-9 ms
    of the first switch (docs/performance.md)."""
    for code in codes:
        translations(code, DOMAIN)  # as tr() asks: the cache keys on the arguments as given


def catalogue_languages() -> list[str]:
    return sorted(p.name for p in LOCALE_DIR.iterdir() if (p / "LC_MESSAGES").is_dir()) \
        if LOCALE_DIR.is_dir() else []


def compile_all() -> int:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    count = 0
    for lang in catalogue_languages():
        for domain in DOMAINS:
            po = LOCALE_DIR / lang / "LC_MESSAGES" / f"{domain}.po"
            mo = po.with_suffix(".mo")
            if not po.exists() or (mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime):
                continue
            with po.open("rb") as f:
                catalog = read_po(f, locale=lang)
            with mo.open("wb") as f:
                write_mo(f, catalog)
            count += 1
    return count


def completeness(domain: str = DOMAIN) -> dict[str, tuple[int, int]]:
    """Per language: (translated, total) against the template."""
    from babel.messages.pofile import read_po

    result = {}
    for lang in catalogue_languages():
        po = LOCALE_DIR / lang / "LC_MESSAGES" / f"{domain}.po"
        if not po.exists():
            continue
        with po.open("rb") as f:
            catalog = read_po(f, locale=lang)
        msgs = [m for m in catalog if m.id]
        done = [m for m in msgs if m.string and not m.fuzzy and
                (all(m.string) if isinstance(m.string, (list, tuple)) else True)]
        result[lang] = (len(done), len(msgs))
    return result


def main(argv: list[str]) -> int:
    if argv[:1] == ["compile"]:
        compile_all()
        return 0
    if argv[:1] == ["report"]:
        for domain in DOMAINS:
            print(f"{domain}:")
            for lang, (done, total) in completeness(domain).items():
                print(f"  {lang}: {done}/{total} ({100 * done / max(total, 1):.0f}%)")
        return 0
    print("usage: python -m kiosk.core.i18n compile|report", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
