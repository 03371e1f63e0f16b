"""The terminal's configuration files (kiosk/services/config_store.py): the hub's layers,
staff changes, locks, bad files that lose nothing, and a kill -9 in the middle of saving."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import pytest

from kiosk.core.config import ConfigError
from kiosk.services.config_store import ConfigFileError, ConfigStore

T1, T2 = "2026-12-01T09:00:00Z", "2026-12-02T09:00:00Z"


def hub_doc(timeout=200, locked=(), centre_name="Peckham Library"):
    return {"layers": [
        {"name": "all", "values": {"session.idle_timeout": {"value": timeout, "changed": T1,
                                                            "by": "admin ada"}},
         "locked": list(locked)},
        {"name": "centre", "values": {"centre.name": {"value": centre_name, "changed": T1}}},
    ]}


def test_a_new_terminal_has_the_defaults(tmp_path):
    store = ConfigStore(tmp_path, "t1")
    assert store.load().problems == []
    assert store.values()["session.idle_timeout"] == 120


def test_hub_then_staff_then_a_newer_hub_change(tmp_path):
    store = ConfigStore(tmp_path, "t1")
    store.save_hub(hub_doc(), etag='"v1"')
    assert store.values()["session.idle_timeout"] == 200
    store.set_staff({"session.idle_timeout": 300, "languages.offered": ["en", "pl"]},
                    now="2026-12-01T12:00:00Z")
    eff = store.resolved()
    assert eff["session.idle_timeout"].value == 300
    assert eff["session.idle_timeout"].by == "staff at terminal t1"
    assert eff["languages.offered"].value == ("en", "pl")
    # the admin changes it again later: the later change wins
    store.save_hub({"layers": [{"name": "all", "values": {
        "session.idle_timeout": {"value": 240, "changed": T2}}}]}, etag='"v2"')
    eff = store.resolved()
    assert eff["session.idle_timeout"].value == 240 and "later change wins" in \
        eff["session.idle_timeout"].note
    report = store.report()
    assert report["etag"] == '"v2"'
    assert report["values"]["languages.offered"] == {
        "value": ["en", "pl"], "source": "staff", "changed": "2026-12-01T12:00:00Z", "note": ""}


def test_staff_cannot_change_a_locked_setting(tmp_path):
    store = ConfigStore(tmp_path, "t1")
    store.save_hub(hub_doc(locked=["session.idle_timeout"]), etag=None)
    with pytest.raises(ConfigError, match="session.idle_timeout: is locked by the hub"):
        store.set_staff({"session.idle_timeout": 300})
    assert not store.staff_path.exists()


def test_changes_are_all_or_nothing(tmp_path):
    store = ConfigStore(tmp_path, "t1")
    store.set_staff({"session.read_aloud": True})
    before = store.staff_path.read_bytes()
    with pytest.raises(ConfigError, match="idle_warning: 60 s must be shorter"):
        store.set_staff({"session.idle_timeout": 60, "session.idle_warning": 60})
    with pytest.raises(ConfigError, match="between 60 and 600"):
        store.set_staff({"centre.name": "New name", "session.idle_timeout": 5})
    assert store.staff_path.read_bytes() == before


def test_a_bad_hub_document_is_refused_and_the_last_good_one_stays(tmp_path):
    store = ConfigStore(tmp_path, "t1")
    store.save_hub(hub_doc(), etag='"v1"')
    good = store.hub_path.read_bytes()
    for doc, message in [
        ({"layers": "all"}, "needs a list of layers"),
        (hub_doc(timeout=5), "session.idle_timeout: must be between 60 and 600, not 5"),
        ({"layers": [{"name": "staff", "values": {}}]}, "all, centre and terminal"),
        ({"layers": [{"name": "all", "values": {"session.idle": {"value": 1,
                                                                  "changed": T1}}}]},
         "session.idle: no such setting"),
    ]:
        with pytest.raises(ConfigFileError, match=message):
            store.save_hub(doc, etag='"v9"')
    assert store.hub_path.read_bytes() == good


def test_a_damaged_file_is_named_kept_and_the_terminal_goes_on(tmp_path):
    store = ConfigStore(tmp_path, "t1")
    store.save_hub(hub_doc(), etag=None)
    store.staff_path.write_text('{"values": {"session.idle_timeout": {"value": 9')
    loaded = store.load()
    assert len(loaded.problems) == 1 and "staff.json: is not valid JSON" in loaded.problems[0]
    assert store.values()["session.idle_timeout"] == 200  # the hub's, still used
    assert store.staff_path.read_text().endswith("9")  # left for staff or support to see


CHILD = r"""
import sys
from kiosk.services.config_store import ConfigStore
store = ConfigStore(sys.argv[1], "t1")
i = 0
while True:
    i += 1
    store.set_staff({"session.idle_timeout": 60 + i % 500, "centre.name": "x" * (i % 80)})
    print(i, flush=True)
"""


def test_a_kill_9_while_saving_never_leaves_a_broken_file(tmp_path):
    for attempt in range(5):
        proc = subprocess.Popen([sys.executable, "-c", CHILD, str(tmp_path)],
                                stdout=subprocess.PIPE, text=True)
        try:
            for _ in range(20 + attempt * 7):  # some saves done, one maybe half-way
                assert proc.stdout.readline()
            time.sleep(0.003 * attempt)
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            proc.stdout.close()
        data = json.loads(ConfigStore(tmp_path).staff_path.read_text())
        assert 60 <= data["values"]["session.idle_timeout"]["value"] <= 560
        assert ConfigStore(tmp_path).load().problems == []


def test_staff_changing_the_english_marks_its_older_translations_as_needing_an_update(tmp_path):
    """The defect: a Bengali citizen saw the Bengali of the OLD address after staff changed
    the English at the terminal. A translation older than its English (or from a layer
    before the English's) is not shown: citizens see the new English, marked as English.
    And the hub's translation does not come back at the next sync while staff's English
    stands; a translation written at the terminal with (or after) the English shows."""
    from kiosk.core import content, offer
    from kiosk.core.settings import DEFAULT_CONTENT_DIR, DEMO_CENTRE_CONFIG

    catalogue = content.load(DEFAULT_CONTENT_DIR)
    store = ConfigStore(tmp_path, "t1", defaults=DEMO_CENTRE_CONFIG)
    old = offer.build(catalogue, store.resolved()).centre
    assert old.address.lang_for("bn") == "bn" and old.hours.lang_for("bn") == "bn"
    store.set_staff({"centre.address": "122 Peckham Hill Street, SE15 5JR",
                     "centre.name": "Peckham Library", "centre.name.bn": "পেকহাম লাইব্রেরি"},
                    now="2026-12-03T10:00:00Z")
    eff = store.resolved()
    assert eff["centre.address.bn"].stale and "English" in eff["centre.address.bn"].note
    assert not eff["centre.name.bn"].stale and not eff["centre.hours.bn"].stale
    centre = offer.build(catalogue, eff).centre
    assert centre.address.get("bn") == "122 Peckham Hill Street, SE15 5JR"
    assert centre.address.lang_for("bn") == "en" and centre.address.needs_update("bn")
    assert centre.name.get("bn") == "পেকহাম লাইব্রেরি" and centre.name.lang_for("bn") == "bn"
    assert centre.hours.lang_for("bn") == "bn", "a text whose English did not change keeps it"

    # The hub sends its layers (the old Bengali address, as it was): it stays out of date.
    hub_bn = {"value": "পুরনো ঠিকানা", "changed": "2026-12-01T09:00:00Z", "by": "admin ada"}
    store.save_hub({"layers": [
        {"name": "all", "values": {}},
        {"name": "centre", "values": {
            "centre.address": {"value": "1 Old Road", "changed": "2026-12-01T09:00:00Z"},
            "centre.address.bn": hub_bn}}]}, '"v1"')
    centre = offer.build(catalogue, store.resolved()).centre
    assert centre.address.get("en") == "122 Peckham Hill Street, SE15 5JR"
    assert centre.address.lang_for("bn") == "en", "the hub's older Bengali does not come back"
    # Even a later edit of the centre's Bengali is a translation of the centre's English,
    # not of the English staff wrote here.
    store.save_hub({"layers": [{"name": "centre", "values": {
        "centre.address": {"value": "1 Old Road", "changed": "2026-12-01T09:00:00Z"},
        "centre.address.bn": {**hub_bn, "changed": "2026-12-04T09:00:00Z"}}}]}, '"v2"')
    assert offer.build(catalogue, store.resolved()).centre.address.lang_for("bn") == "en"
    # Staff write the Bengali of the new address: it shows.
    store.set_staff({"centre.address.bn": "১২২ পেকহাম হিল স্ট্রিট"},
                    now="2026-12-05T10:00:00Z")
    centre = offer.build(catalogue, store.resolved()).centre
    assert centre.address.get("bn") == "১২২ পেকহাম হিল স্ট্রিট"
    assert centre.address.lang_for("bn") == "bn"
    # The hub changes the English later (the later change wins) with its Bengali: both show.
    store.save_hub({"layers": [{"name": "centre", "values": {
        "centre.address": {"value": "2 New Road", "changed": "2026-12-06T09:00:00Z"},
        "centre.address.bn": {**hub_bn, "value": "২ নিউ রোড",
                              "changed": "2026-12-06T09:00:00Z"}}}]}, '"v3"')
    centre = offer.build(catalogue, store.resolved()).centre
    assert (centre.address.get("en"), centre.address.get("bn")) == ("2 New Road", "২ নিউ রোড")
