"""The staff panel's words for settings: each setting's label and help (the same English as
core/config.py's FIELDS, written out here so they are extracted for translators; a test
holds the two together), where a value comes from, and a clear message for each problem
core/config.py can find."""

from __future__ import annotations

from kiosk.app.staff import sfmt, st
from kiosk.core import config


def label(key: str) -> str:
    return {
        "languages.offered": st("Languages offered"),
        "languages.default": st("Default language"),
        "services.shown": st("Services shown"),
        "services.featured": st("Services featured"),
        "tutorials.shown": st("Tutorials shown"),
        "tutorials.featured": st("Tutorials featured"),
        "centre.name": st("Centre name"),
        "centre.greeting": st("Greeting"),
        "centre.hours": st("Opening hours"),
        "centre.address": st("Address"),
        "centre.help": st("Who can help, and when"),
        "centre.phones": st("Local phone numbers"),
        "centre.accessibility": st("Accessibility notes"),
        "centre.links": st("Local links"),
        "centre.council": st("Local council"),
        "notice.text": st("Notice"),
        "notice.start": st("Notice from"),
        "notice.end": st("Notice until"),
        "session.idle_timeout": st("Idle timeout (seconds)"),
        "session.idle_warning": st("Idle warning (seconds)"),
        "session.read_aloud": st("Read aloud on by default"),
        "typing.inscript": st("InScript keyboard for Indian scripts"),
        "staff.pin_hash": st("Staff panel PIN"),
    }[config.field_for(key)[0].key]


def help_text(key: str) -> str:
    return {
        "languages.offered": st("Which languages citizens can choose, in the order of the "
                                "language screen: the centre's most common languages first."),
        "languages.default": st("The language of the attract screen between citizens; it "
                                "must be offered."),
        "services.shown": st("Which service guides are shown, in this order (empty: all, in "
                             "the usual order)."),
        "services.featured": st("Up to 3 guides shown first, at the top of the list."),
        "tutorials.shown": st("Which tutorials are shown, in this order (empty: all, in the "
                              "usual order)."),
        "tutorials.featured": st("Up to 3 tutorials shown first."),
        "centre.greeting": st("A line under the name on the attract screen."),
        "centre.hours": st("One line per day or period."),
        "centre.help": st("For example: 'Ask at the front desk. Digital champions: Tuesday "
                          "10am to 1pm.'"),
        "centre.phones": st("One a line, with what it is for."),
        "centre.accessibility": st("Step-free access, hearing loop, large-print "
                                   "keyboard..."),
        "centre.links": st("Up to 5 addresses (https) with a title each; citizens get a QR "
                           "code."),
        "centre.council": st("The London council the centre is in, by its official code "
                             "(E09000022 is Lambeth): council services link to its pages. "
                             "Empty: GOV.UK's 'find your local council'."),
        "notice.text": st("A short notice on the attract and home screens, e.g. 'Digital "
                          "help drop-in every Tuesday 10-12'."),
        "notice.start": st("The first day it shows (YYYY-MM-DD)."),
        "notice.end": st("The last day it shows (YYYY-MM-DD)."),
        "session.idle_timeout": st("Quiet time before 'Do you need more time?'."),
        "session.idle_warning": st("How long 'Do you need more time?' waits for an answer."),
        "typing.inscript": st("Bengali, Gujarati, Punjabi and Tamil keys in InScript's places "
                              "(India's standard keyboard) instead of in alphabetical order."),
    }.get(config.field_for(key)[0].key, "")


def when(changed: str | None, lang: str = "en") -> str:
    """An ISO 8601 UTC time as staff read it, in London time: 3 Dec 2026 13:14 (in `lang`,
    the language of the sentence it goes into)."""
    if not changed:
        return ""
    from datetime import datetime

    from babel.dates import format_datetime

    try:
        moment = datetime.fromisoformat(changed)
    except ValueError:
        return changed
    try:
        return format_datetime(moment, "d MMM y HH:mm", tzinfo="Europe/London", locale=lang)
    except Exception:  # noqa: BLE001 (a locale Babel lacks: the plain time)
        return changed


def source(eff: config.Effective, in_draft: bool = False) -> str:
    """Where a value comes from, in words."""
    if in_draft:
        return st("Changed here, not saved yet.")
    if eff.locked_at is not None:
        where = {"all": st("Locked for all terminals by your hub admin."),
                 "centre": st("Locked for this centre by your hub admin."),
                 "terminal": st("Locked for this terminal by your hub admin.")}
        text = where.get(eff.locked_at, st("Locked by your hub admin."))
        return text + " " + st("It cannot be changed here.")
    def at(lang):
        return when(eff.changed, lang)

    said = {
        "default": st("The kiosk's default."),
        "all": sfmt("Set on the hub for all terminals, {when}.", when=at),
        "centre": sfmt("Set on the hub for this centre, {when}.", when=at),
        "terminal": sfmt("Set on the hub for this terminal, {when}.", when=at),
        "staff": sfmt("Changed at this terminal, {when}.", when=at),
    }[eff.source]
    if eff.note and "older than" in eff.note:
        said += " " + st("A change made here earlier is not used: the hub's value is newer.")
    return said


def problem(e: config.ConfigError) -> str:
    """A clear message for one problem with a value, in the panel's language."""
    key, what = e.key, e.problem
    base = key.split("[")[0]
    try:
        f, _ = config.field_for(base)
    except config.ConfigError:
        return str(e)
    if base == "languages.offered" and "at least one" in what:
        return st("Offer at least one language.")
    if base == "languages.default" or "not among the languages offered" in what:
        return st("The default language must be one of the languages offered.")
    if base == "session.idle_warning" and "shorter" in what:
        return st("The warning must be shorter than the idle timeout.")
    if f.kind == "int":
        return sfmt("Choose a number of seconds from {low} to {high}.", low=f.low, high=f.high)
    if f.kind == "date" and "before the start" in what:
        return st("The last day must not be before the first day.")
    if f.kind == "date":
        return st("Write the date as year-month-day, for example 2026-12-24.")
    if f.kind == "text" and "at most" in what:
        return sfmt("Use {high} characters or fewer.", high=f.high)
    if f.kind == "text" and "control" in what:
        return st("Some of the characters cannot be used.")
    if f.kind == "links" and "title" in what:
        return st("Give each link a title.")
    if f.kind == "links" and "https" in what:
        return st("Each link must be a full address starting with https://")
    if f.kind == "links":
        return sfmt("Up to {n} links.", n=f.high or config.MAX_LINKS)
    if f.kind == "ids" and "featured" in what:
        return st("A featured item must also be shown.")
    if f.kind == "ids" and "at most" in what:
        return sfmt("Feature {n} or fewer.", n=f.high or config.MAX_FEATURED)
    if "locked" in what:
        return st("This setting is locked by your hub admin.")
    return str(e)
