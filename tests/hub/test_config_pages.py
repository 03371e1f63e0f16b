"""The configuration pages and the rules behind them (issue 11), on the real hub over SQLite
and PostgreSQL: configuration.set_values all or nothing; each bad field of a form gets its
own message and nothing is stored; locks on the pages; the precedence each page shows;
conflicts between staff at a terminal and the hub explained; translations with lang and
dir; CSRF; and `kiosk-hub staff-user`."""

from __future__ import annotations

import asyncio
import html
import re
from datetime import datetime
from urllib.parse import quote

import pytest
import requests
import sqlalchemy as sa

from kiosk import hub_cli
from kiosk.core import config
from kiosk.hub import auth, configuration
from kiosk.hub.app import create_app
from kiosk.hub.configuration import Refused, Scope
from kiosk.hub.schema import config_audit, config_locks, config_values, staff_centres
from kiosk.hub.settings import HubSettings
from tests.hubtools import running

PASSWORD = "correct horse battery staple"
PECKHAM, BRIXTON = "Peckham Library", "Brixton Library"
CSRF_RE = re.compile(r'name="csrf" value="([^"]+)"')
MON = datetime(2026, 11, 30, 9)
TUE = datetime(2026, 12, 1, 9)


@pytest.fixture
def hub(tmp_path, hub_db_url):
    """(base URL, engine, {name: terminal id}): a terminal at each centre, an admin (ada)
    and a staff login for Peckham (bea); Peckham offers English, Polish and Arabic."""
    app = create_app(HubSettings(data_dir=tmp_path / "data", db=hub_db_url))
    store = app.state.store
    e = store.engine
    auth.set_admin_password(e, "ada", PASSWORD)
    auth.set_staff_user(e, "bea", PASSWORD, [PECKHAM])
    ids = {}
    for centre in (PECKHAM, BRIXTON):
        ids[centre], _, _ = store.enrol(store.create_enrol_code(centre))
    configuration.set_value(e, Scope("centre", PECKHAM), "languages.offered",
                            ["en", "pl", "ar"], "admin ada", MON)
    with running(app) as base:
        yield base, e, ids


def sign_in(base: str, name: str) -> requests.Session:
    s = requests.Session()
    r = s.get(base + "/admin/login", timeout=10)
    r = s.post(base + "/admin/login", timeout=10, allow_redirects=False, data={
        "csrf": CSRF_RE.search(r.text).group(1), "name": name, "password": PASSWORD})
    assert r.status_code == 303, r.text
    return s


def open_page(s: requests.Session, url: str) -> tuple[str, str]:
    r = s.get(url, timeout=10)
    assert r.status_code == 200, r.text[:500]
    return r.text, CSRF_RE.search(r.text).group(1)


def stored(engine) -> tuple:
    with engine.connect() as c:
        return tuple(tuple(map(tuple, c.execute(sa.select(t)).all()))
                     for t in (config_values, config_locks, config_audit))


def summary(text: str) -> dict[str, str]:
    """The error summary: {control id: message}."""
    box = text.split('data-error-summary', 1)[1].split("</div>", 1)[0]
    return {i: html.unescape(m) for i, m in re.findall(r'<a href="#([^"]+)">([^<]+)</a>', box)}


def inline_error(text: str, control_id: str) -> str:
    m = re.search(rf'<p class="error-message" id="{re.escape(control_id)}-error">'
                  r'<span class="visually-hidden">Error:</span> ([^<]+)</p>', text)
    assert m, f"no inline error for {control_id}"
    return html.unescape(m.group(1))


def centre_url(base: str, centre: str = PECKHAM) -> str:
    return f"{base}/admin/centres/{quote(centre, safe='')}"


# --- set_values: all or nothing --------------------------------------------------------------

def test_set_values_checks_everything_then_writes_all_with_the_audit(hub):
    _, e, ids = hub
    peckham = Scope("centre", PECKHAM)
    before = stored(e)
    with pytest.raises(Refused) as caught:
        configuration.set_values(e, peckham, {
            "session.idle_timeout": 5, "centre.name": "Peckham Library",
            "languages.default": "xx", "notice.start": "2026-02-30"}, "admin ada")
    assert sorted(err.key for err in caught.value.errors) == [
        "languages.default", "notice.start", "session.idle_timeout"]
    # each value is fine on its own; together they break a rule: nothing is written
    with pytest.raises(Refused) as caught:
        configuration.set_values(e, peckham, {"session.idle_timeout": 60,
                                              "session.idle_warning": 90,
                                              "centre.name": "Peckham"}, "admin ada")
    assert [err.key for err in caught.value.errors] == ["session.idle_warning"]
    assert stored(e) == before
    done = configuration.set_values(e, peckham, {
        "session.idle_timeout": 300, "centre.name": "Peckham Library",
        "centre.name.ar": "مكتبة بيكهام"}, "admin ada", TUE, locks={"centre.name": True})
    assert sorted(done) == [("centre.name", "lock"), ("centre.name", "set"),
                            ("centre.name.ar", "set"), ("session.idle_timeout", "set")]
    log = configuration.audit(e, peckham)
    assert {(r["key"], r["action"], r["who"]) for r in log[:4]} == {
        ("centre.name", "lock", "admin ada"), ("centre.name", "set", "admin ada"),
        ("centre.name.ar", "set", "admin ada"), ("session.idle_timeout", "set", "admin ada")}
    # the same values again are no change: no new time, no audit row
    assert configuration.set_values(e, peckham, {"session.idle_timeout": 300}, "x") == []
    assert len(configuration.audit(e, peckham)) == len(log)
    # a clear and a set in one go; clearing what is not set is no change
    done = configuration.set_values(e, peckham, {"notice.text": "Drop-in Tuesdays"}, "x",
                                    clear=["session.idle_timeout", "session.idle_warning"])
    assert sorted(done) == [("notice.text", "set"), ("session.idle_timeout", "clear")]
    # a lock at the centre binds the terminal, and centre staff (honour_own_locks)
    with pytest.raises(Refused, match="centre.name.ar: is locked for centre Peckham"):
        configuration.set_values(e, Scope("terminal", ids[PECKHAM]),
                                 {"centre.name.ar": "x"}, "admin ada")
    with pytest.raises(Refused, match="centre.name: is locked for centre Peckham Library"):
        configuration.set_values(e, peckham, {"centre.name": "Other"}, "staff bea",
                                 honour_own_locks=True)
    with pytest.raises(Refused, match="lock centre.name itself"):
        configuration.set_values(e, peckham, {}, "x", locks={"centre.name.ar": True})
    with pytest.raises(Refused, match="no terminal 'nope'"):
        configuration.set_values(e, Scope("terminal", "nope"), {"notice.text": "x"}, "x")


# --- the forms ---------------------------------------------------------------------------------

BAD = {
    # control id: (field name, value, part of its message)
    "f-session-idle_timeout": ("session.idle_timeout", "5",
                               "Idle timeout (seconds): must be between 60 and 600, not 5"),
    "f-notice-start": ("notice.start", "2026-13-01", "is not a date (YYYY-MM-DD)"),
    "f-languages-offered": ("languages.offered", "en, xx",
                            "Languages offered: 'xx' is not one of the kiosk's languages"),
    "f-centre-name-ar": ("centre.name.ar", "م" * 81,
                         "Centre name (Arabic): at most 80 characters, not 81"),
    "f-session-idle_warning": ("session.idle_warning", "soon", "is not a whole number"),
    "f-services-featured": ("services.featured", "a, b, c, d", "at most 3, not 4"),
    "f-centre-links-1-url": ("centre.links.1.url", "http://peckham.example",
                             "Link 2: 'http://peckham.example' is not an https:// address"),
    "f-centre-links-2-title": ("centre.links.2.title", "",
                               "Link 3: give it a title"),
}


def test_each_bad_field_gets_its_message_and_nothing_is_stored(hub):
    base, e, _ = hub
    s = sign_in(base, "bea")
    _, csrf = open_page(s, centre_url(base))
    before = stored(e)
    form = {"csrf": csrf, "centre.name": "Peckham Library",
            "centre.links.1.title": "Library website",
            "centre.links.2.url": "https://peckham.example/help"}
    form.update({name: value for name, value, _ in BAD.values()})
    r = s.post(centre_url(base), data=form, timeout=10)
    assert r.status_code == 400
    assert r.text.count("<title>Error: ") == 1  # the page title says so first
    found = summary(r.text)
    assert list(found) == [i for i in re.findall(r'id="(f-[^"]+)"', r.text) if i in found], \
        "the summary is in the order of the form"
    for control, (_, value, message) in BAD.items():
        assert message in found.get(control, ""), (control, found)
        assert message in inline_error(r.text, control)
        # what was typed is shown again, to correct it
        if value and control != "f-centre-name-ar":
            assert f'value="{html.escape(value)}"' in r.text, control
    assert len(found) == len(BAD)
    assert stored(e) == before, "a form with problems stored something"


def test_rules_between_settings_name_the_field_to_change(hub):
    base, e, _ = hub
    s = sign_in(base, "ada")
    _, csrf = open_page(s, centre_url(base))
    before = stored(e)
    r = s.post(centre_url(base), timeout=10, data={
        "csrf": csrf, "session.idle_timeout": "60", "session.idle_warning": "90",
        "languages.default": "bn", "notice.start": "2026-12-10", "notice.end": "2026-12-01",
        "centre.name": "Peckham"})
    assert r.status_code == 400
    found = summary(r.text)
    assert "90 s must be shorter than the idle timeout (60 s)" in found["f-session-idle_warning"]
    assert "'bn' is not among the languages offered" in found["f-languages-default"]
    assert "2026-12-01 is before the start, 2026-12-10" in found["f-notice-end"]
    assert stored(e) == before


def test_a_good_form_is_saved_with_the_audit_and_says_so(hub):
    base, e, _ = hub
    s = sign_in(base, "bea")
    _, csrf = open_page(s, centre_url(base))
    r = s.post(centre_url(base), timeout=10, allow_redirects=False, data={
        "csrf": csrf, "session.idle_timeout": "300", "centre.name": "Peckham Library",
        "centre.name.ar": "مكتبة بيكهام", "centre.name.pl": "", "session.read_aloud": "on",
        "centre.links.0.title": "Library website",
        "centre.links.0.url": "https://peckham.example/"})
    assert r.status_code == 303 and r.headers["location"].endswith("?saved=5")
    page = s.get(base + r.headers["location"], timeout=10).text
    assert "Saved: 5 changes." in page and 'role="status"' in page
    eff = configuration.resolved(e, Scope("centre", PECKHAM))
    assert eff["session.idle_timeout"].value == 300
    assert eff["centre.name.ar"].value == "مكتبة بيكهام"
    assert eff["session.read_aloud"].value is True
    assert eff["centre.links"].value == ({"title": "Library website",
                                         "url": "https://peckham.example/"},)
    assert {r["who"] for r in configuration.audit(e, Scope("centre", PECKHAM))[:5]} == {
        "staff bea"}
    # an empty field clears what was set here: the value for all terminals applies again
    r = s.post(centre_url(base), timeout=10, allow_redirects=False,
               data={"csrf": csrf, "session.idle_timeout": ""})
    assert r.headers["location"].endswith("?saved=1")
    eff = configuration.resolved(e, Scope("centre", PECKHAM))["session.idle_timeout"]
    assert (eff.value, eff.source) == (120, "default")


def test_a_form_without_the_session_token_changes_nothing(hub):
    base, e, _ = hub
    s = sign_in(base, "ada")
    before = stored(e)
    for data in ({}, {"csrf": "x" * 43}):
        r = s.post(centre_url(base), data={**data, "session.idle_timeout": "300"},
                   timeout=10)
        assert r.status_code == 403 and "nothing was changed" in r.text
    assert stored(e) == before


# --- translations ------------------------------------------------------------------------------

def test_text_fields_per_offered_language_with_lang_and_dir(hub):
    base, e, _ = hub
    configuration.set_value(e, Scope("all"), "centre.name.ur", "پیکہم", "admin ada")
    s = sign_in(base, "bea")
    text, _ = open_page(s, centre_url(base))
    for key in ("centre.name", "centre.hours", "notice.text", "centre.accessibility"):
        controls = re.findall(rf'<(?:input|textarea)[^>]*name="{re.escape(key)}(?:\.(\w+))?"'
                              r'[^>]*lang="(\w+)" dir="(\w+)"', text)
        assert [(lang or "en", attr, d) for lang, attr, d in controls] == [
            ("en", "en", "ltr"), ("pl", "pl", "ltr"), ("ar", "ar", "rtl")], key
    assert 'name="centre.name.bn"' not in text  # not offered here
    # each translation's label names its language, in that language too
    assert re.search(r'<label class="label label--normal" for="f-centre-name-ar">Arabic '
                     r'\(<span lang="ar" dir="rtl">العربية</span>\)</label>', text)
    # a centre offering Urdu and Persian gets right-to-left fields for them too
    configuration.set_value(e, Scope("centre", PECKHAM), "languages.offered",
                            ["en", "ur", "fa"], "admin ada")
    text, _ = open_page(s, centre_url(base))
    assert re.search(r'name="centre.name.ur"[^>]*lang="ur" dir="rtl"', text)
    assert re.search(r'name="centre.name.fa"[^>]*lang="fa" dir="rtl"', text)
    assert "Used now: <span lang=\"ur\" dir=\"rtl\">پیکہم</span>" in text  # from all


def test_changing_the_english_marks_its_translations_out_of_date(hub):
    """The same rule as at the terminal (core/config.py): a translation left as it was when
    its English changed is of the old English, so citizens see the new English (marked as
    English), and the page says which translations need writing again."""
    base, e, ids = hub
    centre = Scope("centre", PECKHAM)
    configuration.set_values(e, centre, {"centre.address": "1 Old Road",
                                         "centre.address.pl": "Stara Droga 1",
                                         "centre.address.ar": "1 الطريق القديم"}, "admin ada",
                             MON)
    s = sign_in(base, "bea")
    text, csrf = open_page(s, centre_url(base))
    assert 'Used now: <span lang="pl" dir="ltr">Stara Droga 1</span>' in text
    r = s.post(centre_url(base), timeout=10, allow_redirects=False, data={
        "csrf": csrf, "centre.address": "122 Peckham Hill Street",
        "centre.address.pl": "Stara Droga 1", "centre.address.ar": "1 الطريق القديم"})
    assert r.status_code == 303 and r.headers["location"].endswith("?saved=1")
    eff = configuration.resolved(e, Scope("terminal", ids[PECKHAM]))
    assert eff["centre.address.pl"].stale and eff["centre.address.ar"].stale
    assert config.text(config.citizen_values(eff), "centre.address", "pl") == \
        ("122 Peckham Hill Street", "en")
    text, csrf = open_page(s, centre_url(base))
    assert 'Used now: <span lang="pl"' not in text
    assert text.count("Out of date: written for an earlier English, so citizens see the "
                      "English. Update it, or say below that it is still right.") == 2
    assert ">Stara Droga 1</textarea>" in text, "kept, for the translator to update"
    # Saving the form again with it as it was changes nothing; written again, the Polish
    # is used. The Arabic is said to be still right: used too.
    r = s.post(centre_url(base), timeout=10, allow_redirects=False, data={
        "csrf": csrf, "centre.address.pl": "Stara Droga 1",
        "centre.address.ar": "1 الطريق القديم"})
    assert r.headers["location"].endswith("?saved=0")
    assert re.search(r'<input class="checkboxes__input" type="checkbox" '
                     r'id="f-centre-address-ar-confirm" name="confirm.centre.address.ar"', text)
    assert '<label class="label label--normal checkboxes__label" for="f-centre-address-ar-' \
           'confirm">This Arabic is still right for the new English: show it again' in text
    r = s.post(centre_url(base), timeout=10, allow_redirects=False, data={
        "csrf": csrf, "centre.address.pl": "Peckham Hill Street 122",
        "centre.address.ar": "1 الطريق القديم", "confirm.centre.address.ar": "on"})
    assert r.headers["location"].endswith("?saved=2")
    eff = configuration.resolved(e, Scope("terminal", ids[PECKHAM]))
    assert not eff["centre.address.pl"].stale and not eff["centre.address.ar"].stale
    text, _ = open_page(s, centre_url(base))
    assert 'Used now: <span lang="pl" dir="ltr">Peckham Hill Street 122</span>' in text
    assert "Out of date" not in text and "confirm.centre" not in text


def test_link_titles_in_each_offered_language(hub):
    """Each link row has its title in each language the centre offers (with lang and dir),
    kept as centre.links.<code>, one title per link; an empty one shows the English."""
    base, e, ids = hub
    s = sign_in(base, "bea")
    text, csrf = open_page(s, centre_url(base))
    for i in range(5):
        assert re.search(rf'<input[^>]*name="centre.links.{i}.title.ar"[^>]*lang="ar" '
                         r'dir="rtl"', text)
        assert f'name="centre.links.{i}.title.pl"' in text
    assert 'name="centre.links.0.title.bn"' not in text  # not offered here
    assert re.search(r'<label class="label label--normal" for="f-centre-links-0-title-ar">'
                     r'Link 1 title in Arabic \(<span lang="ar" dir="rtl">العربية</span>\)',
                     text)
    r = s.post(centre_url(base), timeout=10, allow_redirects=False, data={
        "csrf": csrf,
        "centre.links.0.title": "Southwark Council",
        "centre.links.0.url": "https://www.southwark.gov.uk",
        "centre.links.0.title.ar": "مجلس ساوثوارك", "centre.links.0.title.pl": "",
        "centre.links.2.title": "NHS 111", "centre.links.2.url": "https://111.nhs.uk",
        "centre.links.2.title.ar": "", "centre.links.2.title.pl": "NHS 111 po polsku"})
    assert r.status_code == 303, summary(r.text)
    eff = configuration.resolved(e, Scope("terminal", ids[PECKHAM]))
    assert eff["centre.links.ar"].value == ("مجلس ساوثوارك",)
    assert eff["centre.links.pl"].value == ("", "NHS 111 po polsku"), "row 3 is link 2"
    text, csrf = open_page(s, centre_url(base))
    assert 'Used now: <span lang="ar" dir="rtl">مجلس ساوثوارك</span>' in text
    # A title in a row with no link: said so, nothing saved.
    before = stored(e)
    r = s.post(centre_url(base), timeout=10, data={
        "csrf": csrf, "centre.links.4.title.pl": "Coś"})
    assert r.status_code == 400
    assert summary(r.text)["f-centre-links-4-title-pl"] == \
        "Link 5: give the link its English title and address first"
    assert stored(e) == before
    # Only the Arabic sent (the English rows not in the form): aligned with the links used.
    r = s.post(centre_url(base), timeout=10, allow_redirects=False, data={
        "csrf": csrf, "centre.links.0.title.ar": "", "centre.links.1.title.ar": "NHS 111 ع"})
    assert r.status_code == 303
    assert configuration.resolved(e, Scope("centre", PECKHAM))["centre.links.ar"].value == \
        ("", "NHS 111 ع")


# --- locks and precedence ----------------------------------------------------------------------

def test_locks_on_the_pages(hub):
    base, e, ids = hub
    admin = sign_in(base, "ada")
    _, csrf = open_page(admin, f"{base}/admin/settings")
    r = admin.post(f"{base}/admin/settings", timeout=10, allow_redirects=False, data={
        "csrf": csrf, "locks-shown": "1", "session.idle_timeout": "180",
        "lock.session.idle_timeout": "on"})
    assert r.status_code == 303 and r.headers["location"].endswith("?saved=2")
    with e.connect() as c:
        assert c.execute(sa.select(config_locks.c.scope, config_locks.c.key)).all() == [
            ("all", "session.idle_timeout")]
    # staff see it locked, cannot change it, and have no lock checkboxes at all
    staff = sign_in(base, "bea")
    text, csrf_b = open_page(staff, centre_url(base))
    field = re.search(r'<input[^>]*id="f-session-idle_timeout"[^>]*>', text).group(0)
    assert " disabled" in field
    assert "Locked for all terminals by an admin: ask an admin to change it." in text
    assert 'type="checkbox"' not in text
    before = stored(e)
    r = staff.post(centre_url(base), timeout=10, data={
        "csrf": csrf_b, "session.idle_timeout": "300", "locks-shown": "1",
        "lock.centre.name": "on"})
    assert r.status_code == 400
    assert "is locked for all terminals" in summary(r.text)["f-session-idle_timeout"]
    assert stored(e) == before
    # a lock staff sent themselves is ignored (only admins lock)
    r = staff.post(centre_url(base), timeout=10, allow_redirects=False, data={
        "csrf": csrf_b, "locks-shown": "1", "lock.centre.name": "on"})
    assert r.headers["location"].endswith("?saved=0")
    assert stored(e) == before
    # the admin's centre page: the lock from all terminals shown, no checkbox for it there;
    # a lock at the centre binds the centre's staff too
    text, csrf = open_page(admin, centre_url(base))
    assert 'name="lock.session.idle_timeout"' not in text
    assert 'name="lock.notice.text"' in text
    r = admin.post(centre_url(base), timeout=10, allow_redirects=False, data={
        "csrf": csrf, "locks-shown": "1", "notice.text": "Closed on Monday",
        "lock.notice.text": "on"})
    assert r.headers["location"].endswith("?saved=2")
    text, csrf_b = open_page(staff, centre_url(base))
    assert "Locked for this centre by an admin" in text, re.findall(r"Locked[^<]*", text)
    r = staff.post(centre_url(base), timeout=10, data={"csrf": csrf_b,
                                                       "notice.text": "Open on Monday"})
    assert r.status_code == 400 and "is locked for centre Peckham Library" in r.text
    # unticking the box unlocks (the form says it had lock boxes)
    r = admin.post(centre_url(base), timeout=10, allow_redirects=False,
                   data={"csrf": csrf, "locks-shown": "1"})
    assert r.headers["location"].endswith("?saved=1")
    assert configuration.audit(e, Scope("centre", PECKHAM))[0]["action"] == "unlock"
    # and the terminal is given what the lock says
    eff = configuration.resolved(e, Scope("terminal", ids[PECKHAM]))["session.idle_timeout"]
    assert (eff.value, eff.locked_at) == (180, "all")


def test_each_page_says_which_value_is_used_and_where_it_comes_from(hub):
    """Precedence: the default, all terminals, the centre, the terminal (then staff at the
    terminal, below), each page showing the effective value and its source."""
    base, e, ids = hub
    t = ids[PECKHAM]
    configuration.set_value(e, Scope("all"), "session.idle_timeout", 200, "admin ada", MON)
    configuration.set_value(e, Scope("all"), "session.idle_warning", 40, "admin ada", MON)
    configuration.set_value(e, Scope("centre", PECKHAM), "session.idle_warning", 50,
                            "admin ada", MON)
    configuration.set_value(e, Scope("terminal", t), "session.idle_warning", 60, "admin ada",
                            TUE)
    admin = sign_in(base, "ada")

    def used(text: str, key: str) -> str:
        block = text.split(f'id="{key.replace(".", "-")}-used">', 1)[1].split("</p>", 1)[0]
        return re.sub(r"<[^>]+>", "", html.unescape(block))

    text, _ = open_page(admin, f"{base}/admin/settings")
    assert "Used now: 40 (set for all terminals by admin ada" in used(text,
                                                                     "session.idle_warning")
    assert "Used now: off (the default)" in used(text, "session.read_aloud")
    text, _ = open_page(admin, centre_url(base))
    assert "Used now: 50 (set for this centre by admin ada" in used(text,
                                                                    "session.idle_warning")
    assert "Used now: 200 (set for all terminals by admin ada" in used(text,
                                                                      "session.idle_timeout")
    text, _ = open_page(admin, f"{base}/admin/terminals/{t}")
    assert "Used now: 60 (set for this terminal by admin ada, 1 Dec 2026, 09:00)" in \
        used(text, "session.idle_warning")
    assert "Used now: 200 (set for all terminals" in used(text, "session.idle_timeout")
    assert "Used now: English, Polish, Arabic" not in text  # shown as codes
    assert "Used now: en, pl, ar (set for the centre Peckham Library" in \
        used(text, "languages.offered")


def report(e, terminal: str, values: dict, etag: str | None = None) -> None:
    configuration.record_report(e, terminal, {"etag": etag, "problems": [],
                                              "values": values})


def test_conflicts_with_staff_at_the_terminal_are_explained(hub):
    base, e, ids = hub
    t = ids[PECKHAM]
    configuration.set_value(e, Scope("centre", PECKHAM), "notice.text", "Hub notice",
                            "admin ada", MON)
    configuration.set_value(e, Scope("centre", PECKHAM), "session.idle_timeout", 300,
                            "admin ada", TUE)
    _, tag = configuration.document(e, t)
    # What the terminal's resolve() said: staff changed the notice after the hub (staff
    # win), and the idle timeout before the hub changed it (the hub wins).
    report(e, t, {
        "languages.offered": {"value": ["en", "pl", "ar"], "source": "centre",
                              "changed": "2026-11-30T09:00:00Z", "note": ""},
        "notice.text": {"value": "Staff notice", "source": "staff",
                        "changed": "2026-11-30T15:00:00Z",
                        "note": "newer than the centre value (2026-11-30T09:00:00Z)"},
        "session.idle_timeout": {"value": 300, "source": "centre",
                                 "changed": "2026-12-01T09:00:00Z",
                                 "note": "the staff change at the terminal "
                                         "(2026-11-30T16:00:00Z) is older than the centre "
                                         "value (2026-12-01T09:00:00Z): the later change "
                                         "wins"}}, tag)
    admin = sign_in(base, "ada")
    text, _ = open_page(admin, f"{base}/admin/terminals/{t}")
    table = html.unescape(text.split('id="table-reported"', 1)[1].split("</table>", 1)[0])
    rows = {re.sub(r"<[^>]+>", " ", row).split()[0]: re.sub(r"\s+", " ",
                                                           re.sub(r"<[^>]+>", " ", row))
            for row in table.split("<tr>")[2:]}
    notice = rows["Notice"]
    assert "Conflict" in notice and "Hub notice" in notice and "Staff notice" in notice
    assert "the later change wins, so the terminal uses the staff's value" in notice
    assert "the change staff made at the terminal" in notice
    idle = rows["Idle"]
    assert "Conflict" in idle and "the terminal uses the hub's value" in idle
    assert "Languages" not in rows  # the same on both sides: nothing to explain
    assert "It has the hub's latest settings." in text
    # the staff change is in the audit, for admins
    audit = admin.get(f"{base}/admin/audit", timeout=10).text
    assert f"staff at terminal {t}" in audit and "changed at the terminal to Staff notice" \
        in html.unescape(audit)
    # a hub change the terminal has not fetched yet is said so
    configuration.set_value(e, Scope("terminal", t), "session.read_aloud", True, "admin ada")
    text, _ = open_page(admin, f"{base}/admin/terminals/{t}")
    assert "It has not fetched the" in text
    assert "has not applied the hub's latest settings yet" in html.unescape(text)
    # the hub changes the notice after the staff did, and the terminal has not fetched it
    configuration.set_value(e, Scope("centre", PECKHAM), "notice.text", "Newer hub notice",
                            "admin ada", TUE)
    text = html.unescape(open_page(admin, f"{base}/admin/terminals/{t}")[0])
    assert "and the hub changed it later (1 Dec 2026, 09:00): the later change wins, so the " \
           "terminal will use the hub's value once it has fetched it" in text


# --- what terminals fetch, from memory ------------------------------------------------------

def test_the_documents_kept_in_memory_follow_every_change(hub):
    """configuration.Documents (what GET /api/v1/config serves) always equals the document
    read afresh, byte for byte, after every kind of change, made through any connection
    (another engine here stands for `kiosk-hub config` or another worker)."""
    _, e, ids = hub
    t = ids[PECKHAM]
    docs = configuration.Documents(e)
    other = sa.create_engine(e.url)

    def kept(terminal_id, centre):  # as the route asks: at the version read after arriving
        with e.connect() as c:
            at = configuration.version(c)
        return asyncio.run(docs.get(terminal_id, centre, at))

    try:
        changes = [
            lambda: configuration.set_value(other, Scope("all"), "notice.text", "A", "x"),
            lambda: configuration.set_values(other, Scope("centre", PECKHAM),
                                             {"centre.name.ar": "مكتبة"}, "x"),
            lambda: configuration.set_lock(other, Scope("centre", PECKHAM), "centre.name",
                                           True, "x"),
            lambda: configuration.set_values(other, Scope("terminal", t), {}, "x",
                                             locks={"notice.text": True}),
            lambda: configuration.clear_value(other, Scope("all"), "notice.text", "x"),
        ]
        seen = {kept(t, PECKHAM)[1]}
        assert kept(t, PECKHAM) == configuration.document(e, t)
        for change in changes:
            change()
            body, tag = kept(t, PECKHAM)
            assert (body, tag) == configuration.document(e, t)
            assert tag not in seen
            seen.add(tag)
        # what a terminal reports is not a change to what it is given
        report(e, t, {})
        assert kept(t, PECKHAM)[1] == tag
        assert kept(ids[BRIXTON], BRIXTON) == configuration.document(e, ids[BRIXTON])
    finally:
        docs.close()
        other.dispose()


# --- staff and the figures; the staff-user command ------------------------------------------

def test_staff_see_only_their_centres(hub):
    base, _, _ = hub
    s = sign_in(base, "bea")
    centres = s.get(base + "/admin/centres", timeout=10).text
    assert PECKHAM in centres and BRIXTON not in centres
    figures = s.get(base + "/admin/", timeout=10).text
    assert "All centres" not in figures and BRIXTON not in figures
    assert f'<option value="{PECKHAM}" selected>' in figures
    r = s.get(f"{base}/admin/export.csv?centre={quote(BRIXTON)}", timeout=10)
    assert r.status_code == 404 and BRIXTON not in r.text
    csv = s.get(f"{base}/admin/export.csv", timeout=10)
    assert csv.status_code == 200 and BRIXTON not in csv.text
    assert next(line for line in csv.text.splitlines()
                if line.startswith("filter,centre,")).endswith(PECKHAM)


def run_cli(capsys, monkeypatch, stdin: str, *argv):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    rc = hub_cli.main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def test_the_staff_user_command(hub, capsys, monkeypatch):
    _, e, _ = hub
    db = ["--db", e.url.render_as_string(hide_password=False)]
    rc, out, err = run_cli(capsys, monkeypatch, "a long enough password\n", "staff-user",
                           "cy", "--centre", PECKHAM, "--centre", "Peckam Library",
                           "--password-stdin", *db)
    assert rc == 0, err
    assert out == f"staff cy: created for {PECKHAM}, Peckam Library\n"
    assert "no terminal is enrolled at 'Peckam Library' yet" in err  # a typo, said
    assert auth.verify_login(e, "cy", "a long enough password") == "staff"
    # a reset: new password, new centres, sessions ended
    auth.create_session(e, "cy", kind="staff")
    rc, out, err = run_cli(capsys, monkeypatch, "another long password\n", "staff-user",
                           "cy", "--centre", BRIXTON, "--password-stdin", *db)
    assert rc == 0 and "password reset, now for Brixton Library" in out and err == ""
    with e.connect() as c:
        assert c.execute(sa.select(staff_centres.c.centre)
                         .where(staff_centres.c.name == "cy")).scalars().all() == [BRIXTON]
    assert auth.verify_login(e, "cy", "a long enough password") is None
    for argv, stdin, message in [
        (["staff-user", "ada", "--centre", PECKHAM], PASSWORD, "'ada' is an admin login"),
        (["admin-user", "bea"], PASSWORD, "'bea' is a centre staff login"),
        (["staff-user", "dee", "--centre", " "], PASSWORD, "--centre: give the centre's"),
        (["staff-user", "dee", "--centre", PECKHAM], "short", "at least 12 characters"),
    ]:
        rc, out, err = run_cli(capsys, monkeypatch, stdin + "\n", *argv, "--password-stdin",
                               *db)
        assert rc == 1 and message in err and err.count("\n") == 1, err
