"""The configuration rules (kiosk/core/config.py): values and their bounds, and precedence
with locking and conflicts, table-driven."""

from __future__ import annotations

import pytest

from kiosk.core import config
from kiosk.core.config import ConfigError, Layer, Setting

MON, TUE, WED = "2026-11-30T10:00:00Z", "2026-12-01T10:00:00Z", "2026-12-02T10:00:00Z"
KEY = "session.idle_timeout"


def layer(name, value=None, when=MON, locked=()):
    values = {} if value is None else {KEY: Setting(value, when, f"by-{name}")}
    return Layer(name, values, frozenset(locked))


# (layers, expected value, expected source, expected lock, words in the note)
PRECEDENCE = [
    ([], 120, "default", None, ""),
    ([layer("all", 200)], 200, "all", None, ""),
    ([layer("all", 200), layer("centre", 300)], 300, "centre", None, ""),
    ([layer("all", 200), layer("centre", 300), layer("terminal", 90)], 90, "terminal", None,
     ""),
    # a later layer wins among the hub's layers whatever the times
    ([layer("centre", 300, WED), layer("terminal", 90, MON)], 90, "terminal", None, ""),
    # staff at the terminal: newer than the hub's value, so it is used
    ([layer("centre", 300, MON), layer("staff", 240, TUE)], 240, "staff", None, "newer"),
    # staff changed it offline on Monday; the centre changed it on Tuesday: later wins
    ([layer("centre", 300, TUE), layer("staff", 240, MON)], 300, "centre", None,
     "older than the centre value"),
    # staff over a default: always used
    ([layer("staff", 240, MON)], 240, "staff", None, ""),
    # locks: the admin's lock at all holds against every later layer, staff included
    ([layer("all", 200, MON, locked=[KEY]), layer("centre", 300, TUE),
      layer("staff", 240, WED)], 200, "all", "all", "locked at all"),
    # a lock at the centre stops the terminal and staff, not what came before
    ([layer("all", 200), layer("centre", 300, locked=[KEY]), layer("terminal", 90)], 300,
     "centre", "centre", "locked at centre"),
    # a lock without a value at that layer freezes what was effective there
    ([layer("all", 200), layer("centre", locked=[KEY]), layer("staff", 240, WED)], 200, "all",
     "centre", "locked at centre"),
    # a lock on a different key does nothing here
    ([layer("all", 200, locked=["session.read_aloud"]), layer("staff", 240, WED)], 240,
     "staff", None, ""),
]


@pytest.mark.parametrize("layers, value, source, locked_at, note", PRECEDENCE)
def test_precedence_locks_and_conflicts(layers, value, source, locked_at, note):
    eff = config.resolve(layers, only=[KEY])[KEY]
    assert (eff.value, eff.source, eff.locked_at) == (value, source, locked_at)
    assert note in eff.note
    if source not in ("default",):
        assert eff.by == f"by-{source}"


def test_a_lock_on_a_text_covers_its_translations():
    layers = [Layer("centre", {"centre.name.ar": Setting("مكتبة", MON)},
                    frozenset({"centre.name"})),
              Layer("staff", {"centre.name.ar": Setting("غير ذلك", TUE),
                              "centre.greeting.ar": Setting("أهلاً", TUE)})]
    eff = config.resolve(layers, only=["centre.name.ar", "centre.greeting.ar"])
    assert eff["centre.name.ar"].value == "مكتبة" and eff["centre.name.ar"].locked_at == "centre"
    assert eff["centre.greeting.ar"].value == "أهلاً"


def test_unknown_layers_are_refused():
    with pytest.raises(ValueError, match="unknown layer 'borough'"):
        config.resolve([Layer("borough")])


GOOD = [
    ("languages.offered", "pl, en, ar", ("pl", "en", "ar")),
    ("languages.offered", '["bn", "en"]', ("bn", "en")),
    ("languages.default", "ar", "ar"),
    ("services.shown", "universal-credit, council-tax", ("universal-credit", "council-tax")),
    ("services.shown", "", None),
    ("services.featured", "", ()),
    ("centre.name", "  Peckham Library  ", "Peckham Library"),
    ("centre.hours", "Mon-Fri: 9-6\r\n  Sat: 10-4 ", "Mon-Fri: 9-6\nSat: 10-4"),
    ("centre.name.ar", "مكتبة بيكهام", "مكتبة بيكهام"),
    ("centre.links", '[{"title": "Southwark Council", "url": "https://www.southwark.gov.uk"}]',
     ({"title": "Southwark Council", "url": "https://www.southwark.gov.uk"},)),
    ("notice.start", "2026-12-01", "2026-12-01"),
    ("notice.end", "", None),
    ("session.idle_timeout", "60", 60),
    ("session.idle_timeout", "600", 600),
    ("session.idle_warning", "20", 20),
    ("session.read_aloud", "On", True),
    ("session.read_aloud", "no", False),
]


@pytest.mark.parametrize("key, text, value", GOOD)
def test_values_are_parsed_into_their_canonical_form(key, text, value):
    assert config.parse(key, text) == value
    assert config.parse(key, config.show(value)) == value  # shown values read back


BAD = [
    ("session.idle_timeout", "59", "session.idle_timeout: must be between 60 and 600, not 59"),
    ("session.idle_timeout", "601", "between 60 and 600, not 601"),
    ("session.idle_timeout", "two minutes", "'two minutes' is not a whole number"),
    ("session.idle_warning", "19", "between 20 and 120"),
    ("session.read_aloud", "maybe", "'maybe': say on or off"),
    ("languages.offered", "", "offer at least one language"),
    ("languages.offered", "en, xx", "'xx' is not one of the kiosk's languages"),
    ("languages.offered", "en, ar, en", "'en' is listed twice"),
    ("languages.default", "klingon", "'klingon' is not one of the kiosk's languages"),
    ("services.featured", "a, b, c, d", "at most 3, not 4"),
    ("services.shown", "Universal Credit", "'Universal Credit' is not a guide or tutorial id"),
    ("centre.name", "x" * 81, "at most 80 characters, not 81"),
    ("centre.name", "bell\x07", "control characters are not allowed"),
    ("centre.links", '[{"title": "Council", "url": "http://example.org"}]',
     "centre.links[0]: 'http://example.org' is not an https:// address"),
    ("centre.links", '[{"title": "", "url": "https://example.org"}]', "needs a title"),
    ("centre.links", '[{"url": "https://example.org"}]', 'must be {"title": ..., "url": ...}'),
    ("centre.links", "[", "is not valid JSON"),
    ("notice.start", "1/12/2026", "'1/12/2026' is not a date (YYYY-MM-DD)"),
    ("notice.start", "2026-02-30", "is not a date"),
    ("centre.name.en", "x", "English is centre.name itself"),
    ("centre.name.xx", "x", "'xx' is not one of the kiosk's languages"),
    ("session.timeout", "5", "session.timeout: no such setting"),
]


@pytest.mark.parametrize("key, text, message", BAD)
def test_bad_values_get_a_message_naming_the_key(key, text, message):
    with pytest.raises(ConfigError) as e:
        config.parse(key, text)
    assert message in str(e.value)
    assert str(e.value).startswith(key.split("[")[0])


TOGETHER = [
    ({"languages.offered": ("en", "ar"), "languages.default": "bn"},
     "languages.default: 'bn' is not among the languages offered"),
    ({"session.idle_timeout": 60, "session.idle_warning": 60},
     "session.idle_warning: 60 s must be shorter than the idle timeout (60 s)"),
    ({"notice.start": "2026-12-10", "notice.end": "2026-12-01"},
     "notice.end: 2026-12-01 is before the start, 2026-12-10"),
    ({"services.shown": ("council-tax",), "services.featured": ("universal-credit",)},
     "services.featured: 'universal-credit' is featured but not among the services shown"),
]


@pytest.mark.parametrize("values, message", TOGETHER)
def test_rules_between_settings(values, message):
    errors = config.check_together(values)
    assert [str(e) for e in errors] == [message]


def test_defaults_are_valid_and_every_key_is_known():
    defaults = config.values(config.resolve([]))
    assert config.check_together(defaults) == []
    assert defaults["languages.offered"][0] == "en" and len(defaults["languages.offered"]) == 16
    for key in config.all_keys():
        config.field_for(key)
    assert "centre.name.ar" in config.all_keys() and "session.idle_timeout.ar" not in config.all_keys()


def test_a_citizen_reads_their_language_or_english_said_so():
    vals = {"centre.name": "Peckham Library", "centre.name.ar": "مكتبة بيكهام"}
    assert config.text(vals, "centre.name", "ar") == ("مكتبة بيكهام", "ar")
    assert config.text(vals, "centre.name", "bn") == ("Peckham Library", "en")
    assert config.text(vals, "centre.name", "en") == ("Peckham Library", "en")


def _t(layer_name, when, **values):
    return Layer(layer_name, {k.replace("__", "."): Setting(v, when, layer_name)
                              for k, v in values.items()})


# (layers, is the Bengali name used?)
TRANSLATIONS = [
    # written together, or the translation later: used
    ([_t("all", MON, centre__name="Library", centre__name__bn="লাইব্রেরি")], True),
    ([_t("all", MON, centre__name="Library"), _t("centre", TUE, centre__name__bn="লাইব্রেরি")],
     True),
    # the English changed after the translation, at the same layer: not used
    ([_t("all", MON, centre__name__bn="লাইব্রেরি"), _t("all", TUE, centre__name="Library")],
     False),
    # the English changed at a later layer (the centre, staff at the terminal): the earlier
    # layer's translation is of another English, whatever its time
    ([_t("all", MON, centre__name="Library", centre__name__bn="লাইব্রেরি"),
      _t("centre", TUE, centre__name="Peckham Library")], False),
    ([_t("centre", WED, centre__name="Library", centre__name__bn="লাইব্রেরি"),
      _t("staff", TUE, centre__name="Peckham Library")], True),  # staff's English is older
    ([_t("centre", MON, centre__name="Library", centre__name__bn="লাইব্রেরি"),
      _t("staff", TUE, centre__name="Peckham Library")], False),
    ([_t("centre", MON, centre__name="Library"), _t("centre", WED, centre__name__bn="লাই"),
      _t("staff", TUE, centre__name="Peckham Library")], False),
    # staff's English and their own translation: used
    ([_t("centre", MON, centre__name="Library", centre__name__bn="লাইব্রেরি"),
      _t("staff", TUE, centre__name="Peckham Library", centre__name__bn="পেকহাম")], True),
]


@pytest.mark.parametrize("layers, used", TRANSLATIONS)
def test_a_translation_older_than_its_english_needs_an_update(layers, used):
    merged: dict[str, Layer] = {}
    for layer in layers:  # several values of a layer at different times: one layer
        old = merged.get(layer.name)
        merged[layer.name] = Layer(layer.name, {**(old.values if old else {}), **layer.values})
    eff = config.resolve(merged.values())
    assert eff["centre.name.bn"].stale == (not used)
    shown, lang = config.text(config.citizen_values(eff), "centre.name", "bn")
    assert lang == ("bn" if used else "en") and shown


def test_link_titles_in_a_language_one_per_link():
    """centre.links.<lang>: the links' titles in that language, in the links' order ("" for
    one not translated); the addresses are the English links'. A lock on centre.links covers
    them, and they go out of date with the links' English like any translation."""
    from kiosk.core import content, offer
    from kiosk.core.settings import DEFAULT_CONTENT_DIR

    assert config.check("centre.links.bn", ["সাউথওয়ার্ক কাউন্সিল", "", ""]) == \
        ("সাউথওয়ার্ক কাউন্সিল",)
    assert config.parse("centre.links.ar", '["مجلس ساوثوارك", "NHS 111"]') == \
        ("مجلس ساوثوارك", "NHS 111")
    assert config.parse("centre.links.pl", "Rada Southwark\n\nNHS 111\n") == \
        ("Rada Southwark", "", "NHS 111")
    assert config.parse("centre.links.pl", "") == ()
    assert config.show(("Rada, Southwark", ""), "centre.links.pl") == '["Rada, Southwark", ""]'
    assert config.parse("centre.links.pl", config.show(("Rada, Southwark", "x"),
                                                       "centre.links.pl")) == \
        ("Rada, Southwark", "x")
    for bad, words in (("x" * 81, "at most 80"), (["a"] * 6, "at most 5 titles"),
                       ([1], "list of link titles")):
        with pytest.raises(ConfigError, match=words):
            config.check("centre.links.bn", bad if isinstance(bad, list) else [bad])
    assert "centre.links.bn" in config.all_keys()
    links = ({"title": "Southwark Council", "url": "https://www.southwark.gov.uk"},
             {"title": "NHS 111", "url": "https://111.nhs.uk"})
    locked = Layer("all", {}, frozenset({"centre.links"}))
    eff = config.resolve([locked, _t("staff", TUE, centre__links__bn=("x",))])
    assert eff["centre.links.bn"].locked_at == "all" and eff["centre.links.bn"].value == ""

    catalogue = content.load(DEFAULT_CONTENT_DIR)
    same = _t("centre", MON, centre__links=links, centre__links__bn=("সাউথওয়ার্ক কাউন্সিল",))
    shown = offer.build(catalogue, config.resolve([same])).centre.links
    assert [(lk.title.get("bn"), lk.title.lang_for("bn")) for lk in shown] == [
        ("সাউথওয়ার্ক কাউন্সিল", "bn"), ("NHS 111", "en")]
    assert [lk.url for lk in shown] == ["https://www.southwark.gov.uk", "https://111.nhs.uk"]
    # Staff add a link at the terminal: the Bengali titles were for the old list.
    later = _t("staff", TUE, centre__links=links + (
        {"title": "Peckham Library", "url": "https://www.southwark.gov.uk/libraries"},))
    eff = config.resolve([same, later])
    assert eff["centre.links.bn"].stale
    shown = offer.build(catalogue, eff).centre.links
    assert [lk.title.lang_for("bn") for lk in shown] == ["en", "en", "en"]
