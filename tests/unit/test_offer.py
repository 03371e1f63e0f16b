"""What a centre offers (kiosk/core/offer.py): the city-wide content seen through the
centre's configuration."""

from __future__ import annotations

from datetime import date

import pytest

from kiosk.core import config, content, offer
from kiosk.core.config import Layer, Setting
from kiosk.core.settings import DEFAULT_CONTENT_DIR

T = "2026-12-01T09:00:00Z"


@pytest.fixture(scope="module")
def catalogue():
    return content.load(DEFAULT_CONTENT_DIR)


def offer_with(catalogue, **values):
    layer = Layer("centre", {k.replace("__", "."): Setting(config.check(k.replace("__", "."), v), T)
                             for k, v in values.items()})
    return offer.build(catalogue, config.resolve([layer]))


def test_defaults_offer_everything_in_the_usual_order(catalogue):
    o = offer.build(catalogue, config.resolve([]))
    assert o.services == tuple(catalogue.services) and o.featured_services == ()
    assert o.tutorials == tuple(catalogue.tutorials)
    assert o.languages[0] == "en" and len(o.languages) == 16 and o.default_language == "en"
    assert o.centre.name.get("en") == "" and o.centre.links == ()  # none configured
    assert o.notice_on(date(2026, 12, 3)) is None
    assert o.idle_timeout is None and o.read_aloud is False


def test_a_centre_next_to_a_job_centre(catalogue):
    ids = list(catalogue.services)
    o = offer_with(catalogue, services__shown=ids[:4] + ["not-in-this-pack"],
                   services__featured=[ids[3]], languages__offered=["pl", "en", "ar"],
                   languages__default="pl", session__idle_timeout=300)
    assert o.services == (ids[3], ids[0], ids[1], ids[2])
    assert o.featured_services == (ids[3],)
    assert o.languages == ("pl", "en", "ar") and o.default_language == "pl"
    assert o.idle_timeout == 300 and o.idle_warning is None


def test_the_centres_own_information_in_its_languages(catalogue):
    o = offer_with(catalogue, centre__name="Peckham Library", centre__name__ar="مكتبة بيكهام",
                   centre__hours="Mon-Fri 9-6\nSat 10-4",
                   centre__links=[{"title": "Southwark Council",
                                   "url": "https://www.southwark.gov.uk"}])
    assert o.centre.name.get("ar") == "مكتبة بيكهام"
    assert o.centre.name.lang_for("bn") == "en"  # untranslated: English, and it says so
    assert o.centre.hours.get("en").splitlines() == ["Mon-Fri 9-6", "Sat 10-4"]
    assert o.centre.links[0].url == "https://www.southwark.gov.uk"
    assert o.centre.address is None and o.centre.phones is None  # not set: not shown


def test_the_demo_centre_is_a_default_configuration(tmp_path):
    """The bundled demo keeps its centre, as configuration a hub would send."""
    from kiosk.core.settings import DEMO_CENTRE_CONFIG
    from kiosk.services.config_store import ConfigStore

    store = ConfigStore(tmp_path, "t1", defaults=DEMO_CENTRE_CONFIG)
    loaded = store.load()
    assert loaded.problems == [] and [layer.name for layer in loaded.hub] == ["all"]
    o = offer.build(content.load(DEFAULT_CONTENT_DIR), store.resolved())
    assert o.centre.name.get("en") == "Demo Community Library"
    assert o.centre.name.lang_for("bn") == "bn" and o.centre.hours.has("ar")
    assert o.centre.address.lang_for("ta") == "ta"  # the demo's address is in Tamil now
    # A field with no translation in a language is shown in English (and the page says so):
    # a copy of the demo centre without its Tamil address (not the shipped one, which is
    # translated; the bundled address lacks ar bn pl ro ur, a gap not to rely on).
    import json

    data = json.loads(DEMO_CENTRE_CONFIG.read_text(encoding="utf-8"))
    del data["layers"][0]["values"]["centre.address.ta"]
    (tmp_path / "no-ta.json").write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    partial = ConfigStore(tmp_path / "partial", "t1", defaults=tmp_path / "no-ta.json")
    o_partial = offer.build(content.load(DEFAULT_CONTENT_DIR), partial.resolved())
    assert o_partial.centre.address.lang_for("ta") == "en"
    assert o_partial.centre.address.get("ta") == o.centre.address.get("en")
    assert o_partial.centre.hours.lang_for("ta") == "ta"
    assert all(link.url.startswith("https://") for link in o.centre.links) and o.centre.links
    # Once a hub has sent a configuration, the default no longer stands in.
    store.save_hub({"layers": [{"name": "all", "values": {}}]}, '"v1"')
    assert offer.build(content.load(DEFAULT_CONTENT_DIR),
                       store.resolved()).centre.name.get("en") == ""


@pytest.mark.parametrize("today, shown", [(date(2026, 11, 30), False), (date(2026, 12, 1), True),
                                          (date(2026, 12, 8), True), (date(2026, 12, 9), False)])
def test_the_notice_shows_between_its_dates(catalogue, today, shown):
    o = offer_with(catalogue, notice__text="Digital help drop-in every Tuesday",
                   notice__start="2026-12-01", notice__end="2026-12-08")
    assert (o.notice_on(today) is not None) == shown
    values = config.values(config.resolve([Layer("centre", {
        "notice.text": Setting("Drop-in", T), "notice.start": Setting("2026-12-01", T),
        "notice.end": Setting("2026-12-08", T)})]))
    assert (offer.notice_for(values, today) is not None) == shown


def test_languages_the_centre_offers_that_citizens_can_use(catalogue):
    o = offer_with(catalogue, languages__offered=["ar", "bn", "en"], languages__default="bn")
    assert o.languages == ("ar", "bn", "en") and o.default_language == "bn"
    small = content.Catalogue(("en", "ar"), catalogue.services, catalogue.tutorials)
    o = offer.build(small, config.resolve([Layer("centre", {
        "languages.offered": Setting(("bn", "ar"), T), "languages.default": Setting("bn", T)})]))
    assert o.languages == ("ar",) and o.default_language == "ar", \
        "a language the content pack lacks is not offered; the default falls back"


def test_a_hidden_guide_is_not_shown(catalogue):
    ids = list(catalogue.services)
    o = offer_with(catalogue, services__shown=ids[1:])
    assert not o.shows(ids[0]) and o.shows(ids[1])
    assert o.shows(next(iter(catalogue.tutorials)))
