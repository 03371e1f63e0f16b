"""The staff panel at the terminal: how centre staff open it (a corner gesture, then a PIN),
what it shows (status and every setting staff may change) and what it does (sync, roll
content back, send set-aside events again, leave kiosk mode for maintenance).

    gesture.py   the corner gesture, watched at window level on every screen
    access.py    StaffMode: gesture -> PIN -> the citizen's session ended -> the panel;
                 maintenance mode; closing after a quiet minute
    pinpad.py    the PIN pad (enter, first PIN, change), on screen or a physical keyboard
    panel.py     the panel: a screen with sections
    status.py    its status section and actions (services called on worker threads)
    fields.py    a row per setting: its value, where it comes from, its editor
    editor.py    typing a text with the kiosk's keyboard (or a physical one)

Its words are the gettext domain `staff` (`st`, `sfmt`, `stn`): English is complete, other
languages fall back to English until translated, and citizens' catalogues are not held
back by them. Nothing here runs until the gesture: start-up imports only gesture.py.
"""

from __future__ import annotations

from kivy.app import App

from kiosk.core import i18n


class Shown(str):
    """A staff-panel string, knowing the language it is in: the panel's, or English while
    that is not translated yet. Anything put into it (a date, a number, a language's name)
    is written in that language too, so an English sentence never carries an Arabic date."""

    lang = "en"


def _shown(text: str, lang: str) -> Shown:
    out = Shown(text)
    out.lang = lang
    return out


def shown_in(msgid: str) -> str:
    """The language st(msgid) comes out in."""
    lang = App.get_running_app().lang
    if lang == "en":
        return "en"
    catalogue = getattr(i18n.translations(lang, i18n.STAFF), "_catalog", {})
    # gettext keeps a plural's forms as (msgid, index)
    return lang if msgid in catalogue or (msgid, 0) in catalogue else "en"


def st(msgid: str) -> Shown:
    """A staff-panel string in the panel's language (English until translated)."""
    lang = shown_in(msgid)
    return _shown(i18n.tr(msgid, lang, i18n.STAFF), lang)


def sfmt(msgid: str, **values) -> Shown:
    """A staff-panel string with values put in: whole numbers in the string's language's
    digits, and a value given as a function of the language (a date, a name) asked for in
    it."""
    lang = shown_in(msgid)

    def written(v):
        if callable(v):
            return v(lang)
        if isinstance(v, int) and not isinstance(v, bool):
            return i18n.number(v, lang)
        return v

    return _shown(i18n.tr(msgid, lang, i18n.STAFF).format(
        **{k: written(v) for k, v in values.items()}), lang)


def stn(singular: str, plural: str, n: int) -> Shown:
    """A staff-panel string with a count: `{n}` is filled in, in the language's digits."""
    lang = shown_in(singular)
    return _shown(i18n.ntr(singular, plural, n, lang, i18n.STAFF).format(
        n=i18n.number(n, lang)), lang)


def name_in(code: str, lang: str) -> str:
    """Language `code`'s name, to go into a sentence in `lang`: its own name where `lang`'s
    font can draw it (the same script, or Latin, which every kiosk font has), else its
    English name (Noto Sans has no Arabic: "Writing in: Arabic", not empty boxes)."""
    from kiosk.core import languages

    language = languages.get(code)
    if language.script in ("Latn", languages.get(lang).script):
        return language.native_name
    return language.english_name
