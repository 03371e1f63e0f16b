"""A centre's settings page in a real browser, with the keyboard only: Debian's chromium
driven by Playwright (never `playwright install`), the real hub on uvicorn on 127.0.0.1.

Centre staff sign in, open their centre, type a bad idle timeout and an Arabic greeting,
save with Enter; the error summary takes the focus and names the field, its link puts the
focus in the field, the value is corrected and saved. Every form control has a label, each
translation its `lang` and `dir`. Any console error, failed request or HTTP error other
than the form's own 400 fails the test (that is how a Content-Security-Policy violation or a
missing static file shows up). With KIOSK_UPDATE_SCREENSHOTS=1 (`make shots`) the page is
copied to docs/screenshots/hub-centre.png and the error state to hub-centre-error.png.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

from kiosk.hub import auth, configuration
from kiosk.hub.app import create_app
from kiosk.hub.configuration import Scope
from kiosk.hub.settings import HubSettings
from tests.hubtools import running

ROOT = Path(__file__).resolve().parents[2]
NAME, PASSWORD = "bea", "correct horse battery staple"
CENTRE = "Peckham Library"
GREETING_AR = "أهلاً بكم في مكتبة بيكهام"


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    app = create_app(HubSettings(data_dir=tmp_path_factory.mktemp("hubdata")))
    e = app.state.store.engine
    auth.set_admin_password(e, "ada", PASSWORD + "!")
    auth.set_staff_user(e, NAME, PASSWORD, [CENTRE])
    store = app.state.store
    store.enrol(store.create_enrol_code(CENTRE))
    configuration.set_values(e, Scope("all"), {"session.read_aloud": False}, "admin ada",
                             locks={"session.read_aloud": True})
    configuration.set_values(e, Scope("centre", CENTRE), {
        "languages.offered": ["en", "pl", "ar"], "centre.name": CENTRE,
        "centre.name.ar": "مكتبة بيكهام", "centre.name.pl": "Biblioteka Peckham",
        "centre.greeting": "Welcome to Peckham Library",
        "services.featured": ["universal-credit", "council-tax"]}, "admin ada")
    with running(app) as base:
        yield base, e


def focused(page) -> dict:
    return page.evaluate("""() => {
        const a = document.activeElement;
        return {id: a.id, tag: a.tagName, summary: a.hasAttribute('data-error-summary'),
                text: (a.textContent || '').trim().slice(0, 200)};
    }""")


def unlabelled(page) -> list[str]:
    """Form controls a screen reader could not name: no <label>, or a radio outside a
    fieldset with a legend."""
    return page.evaluate("""() => [...document.querySelectorAll(
            'main input:not([type=hidden]), main select, main textarea')]
        .filter(el => !el.labels || el.labels.length === 0 || !el.labels[0].textContent.trim()
                || (el.type === 'radio' && !el.closest('fieldset')?.querySelector('legend')))
        .map(el => el.name || el.id)""")


def press_until(page, key: str, selector: str, most: int = 400) -> None:
    """Press key (Tab) until the element matching selector has the focus."""
    for _ in range(most):
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
        page.keyboard.press(key)
    raise AssertionError(f"{selector} never got the focus with {key}")


def test_centre_staff_change_a_setting_with_the_keyboard(hub, browser, tmp_path):
    base, engine = hub
    problems: list[str] = []
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.on("console", lambda m: m.type in ("error", "warning")
            and "400 (Bad Request)" not in m.text
            and problems.append(f"console {m.type}: {m.text}"))
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"failed: {r.url} {r.failure}"))
    page.on("response", lambda r: r.status >= 400 and not (r.status == 400 and
                                                           r.request.method == "POST")
            and problems.append(f"HTTP {r.status}: {r.url}"))
    shots = tmp_path / "shots"
    shots.mkdir()
    centre_path = f"/admin/centres/{quote(CENTRE, safe='')}"
    try:
        # Sign in with the keyboard: the name field has the focus, Tab, Enter.
        page.goto(f"{base}/admin/login")
        assert focused(page)["id"] == "name"
        page.keyboard.type(NAME)
        page.keyboard.press("Tab")
        page.keyboard.type(PASSWORD)
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert urlsplit(page.url).path == "/admin/centres"  # what staff come for
        assert page.locator("#table-centres tbody tr").count() == 1

        # To the centre's page: Tab to its link, Enter.
        press_until(page, "Tab", f"a[href='{centre_path}']")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert urlsplit(page.url).path == centre_path
        assert page.inner_text("h1") == CENTRE
        assert unlabelled(page) == []
        arabic = page.locator("#f-centre-greeting-ar")
        assert (arabic.get_attribute("lang"), arabic.get_attribute("dir")) == ("ar", "rtl")
        assert page.locator("#f-centre-greeting-pl").get_attribute("dir") == "ltr"
        assert page.locator("#f-centre-name-ar").input_value() == "مكتبة بيكهام"
        assert page.locator("#f-session-read_aloud").is_disabled()  # locked for all
        assert "Locked" in page.inner_text("#setting-session-read_aloud")

        # An Arabic greeting and a bad idle timeout, typed; Enter saves.
        press_until(page, "Tab", "#f-centre-greeting-ar")
        page.keyboard.type(GREETING_AR)
        press_until(page, "Tab", "#f-session-idle_timeout")
        page.keyboard.type("5")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.title().startswith("Error: ")
        at = focused(page)
        assert at["summary"], at  # the summary has the focus: read out at once
        assert "Idle timeout (seconds): must be between 60 and 600, not 5" in at["text"]
        assert page.locator("#f-session-idle_timeout-error").is_visible()
        assert page.locator("#f-centre-greeting-ar").input_value() == GREETING_AR  # kept
        assert configuration.resolved(engine, Scope("centre", CENTRE))[
            "centre.greeting.ar"].value == ""  # nothing saved
        page.screenshot(path=shots / "error.png")

        # The summary's link puts the focus in the field; correct it; Enter saves.
        page.keyboard.press("Tab")
        assert focused(page)["tag"] == "A"
        page.keyboard.press("Enter")
        assert focused(page)["id"] == "f-session-idle_timeout"
        page.keyboard.press("Control+A")
        page.keyboard.type("300")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert urlsplit(page.url).path == centre_path
        assert "Saved: 2 changes." in page.inner_text("[role=status]")
        eff = configuration.resolved(engine, Scope("centre", CENTRE))
        assert eff["session.idle_timeout"].value == 300
        assert eff["centre.greeting.ar"].value == GREETING_AR
        assert eff["centre.greeting.ar"].by == f"staff {NAME}"
        assert "set for this centre by staff bea" in page.inner_text(
            "#setting-session-idle_timeout")
        # The page as staff see it: from the top to the centre's greeting in Arabic.
        box = page.locator("#setting-centre-greeting").bounding_box()
        page.screenshot(path=shots / "centre.png", full_page=True,
                        clip={"x": 0, "y": 0, "width": 1280,
                              "height": box["y"] + box["height"] + 30})
        # The local links: each row's title in every language the centre offers.
        links = page.locator("#setting-centre-links")
        assert links.locator("input[name='centre.links.0.title.ar'][dir=rtl]").count() == 1
        links.screenshot(path=shots / "links.png")
    finally:
        context.close()
        if os.environ.get("KIOSK_UPDATE_SCREENSHOTS"):
            out = ROOT / "docs" / "screenshots"
            out.mkdir(parents=True, exist_ok=True)
            for name, target in (("centre.png", "hub-centre.png"),
                                 ("error.png", "hub-centre-error.png"),
                                 ("links.png", "hub-centre-links.png")):
                if (shots / name).exists():
                    shutil.copyfile(shots / name, out / target)
    assert problems == []
