"""A guide's council step at a centre: "Your council: Lambeth" with a link to the council's
page and its QR code (the browser may load the council's site); GOV.UK's postcode page
where no council page is recorded; GOV.UK's "find your local council" where the centre has
no council. And a translation marked as needing an update shows in English, said so.

Real Kivy under Xvfb, driven by simulated touches; screenshots in English and Arabic are
written to KIOSK_SHOTS_DIR when it is set (for a person to look at)."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

from kiosk.core import content, councils
from tests.ui.conftest import find
from tests.ui.test_centre_offer import change, start

LAMBETH = "E09000022"
PAGE = "https://www.lambeth.gov.uk/council-tax/pay"  # a page a test editor "checked"


def shot(h, name: str, widget=None) -> None:
    out = os.environ.get("KIOSK_SHOTS_DIR")
    if out:
        if widget is not None:
            h.scroll_to(widget)
        h.screenshot(Path(out) / f"{name}.png")


def open_council_step(h, lang: str):
    """From the attract screen to the Council Tax guide with its council step open."""
    start(h, lang)
    h.app.go("guide", id="council-tax")
    h.frames(3)
    view = h.screen.steps[0]
    h.tap(view.toggle)
    assert view.expanded
    return h.screen


@pytest.fixture
def catalogue():
    """The bundled content, with a checked Council Tax page recorded for Lambeth."""
    cat = content.load(Path(__file__).resolve().parents[2] / "assets" / "content")
    table = cat.councils
    lambeth = dataclasses.replace(table.councils[LAMBETH], pages={"council_tax": PAGE},
                                  checked={"council_tax": "test editor, 2026-12-03"})
    return dataclasses.replace(cat, councils=dataclasses.replace(
        table, councils=table.councils | {LAMBETH: lambeth}))


def test_the_council_step_points_to_the_centres_council_or_to_gov_uk(tmp_path, catalogue):
    from kiosk.app.harness import Harness

    h = Harness(data_dir=tmp_path, catalogue=catalogue)
    try:
        # No council set: GOV.UK's "find your local council"; every London council's site
        # may load (GOV.UK sends the citizen to one of them).
        screen = open_council_step(h, "en")
        assert screen.council_heading.text == "Find your local council"
        assert screen.council_url == councils.FIND_COUNCIL
        assert screen.council_qr.url == councils.FIND_COUNCIL
        allowed = h.app.official_sites("council-tax", screen.council_url)
        assert {"lambeth.gov.uk", "westminster.gov.uk", "gov.uk"} <= set(allowed)
        shot(h, "council-none-en", screen.council_qr)
        h.tap(screen.council_link)
        assert h.wait_for(lambda: h.browser.opened[-1:] == [councils.FIND_COUNCIL])

        # The centre is in Lambeth, which has a checked page: Lambeth's page, its QR code,
        # and Lambeth's site (not Westminster's) for the browser.
        h.app.close_official("back")
        change(h, "hub", centre__council=LAMBETH)
        from tests.ui.conftest import confirm_end

        confirm_end(h)
        screen = open_council_step(h, "en")
        assert screen.council_heading.text == "Your council: Lambeth"
        assert screen.council_url == PAGE and screen.council_qr.url == PAGE
        assert "lambeth.gov.uk" in screen.council_link.text
        allowed = h.app.official_sites("council-tax", PAGE)
        assert "lambeth.gov.uk" in allowed and "westminster.gov.uk" not in allowed
        assert h.wait_for(lambda: screen.council_qr.ready)
        shot(h, "council-lambeth-en", screen.council_qr)

        confirm_end(h)
        screen = open_council_step(h, "ar")
        assert screen.council_heading.text == "مجلسك المحلي: Lambeth"
        assert screen.council_url == PAGE
        assert h.wait_for(lambda: screen.council_qr.ready)
        shot(h, "council-lambeth-ar", screen.council_qr)

        # Housing at the same centre: no page recorded for Lambeth, so GOV.UK's page for
        # it, which asks for a postcode (and says so).
        confirm_end(h)
        start(h, "en")
        h.app.go("guide", id="housing-register")
        h.frames(3)
        h.tap(h.screen.steps[2].toggle)
        assert h.screen.council_heading.text == "Your council: Lambeth"
        assert h.screen.council_url == catalogue.councils.services["housing"].govuk
        words = [w.text for w in find(h.screen.page) if getattr(w, "text", "")]
        assert "GOV.UK asks for your postcode and takes you to your council's page." in words
    finally:
        h.close()


def test_a_translation_whose_english_changed_shows_in_english_said_so(tmp_path):
    """A re-import marked the Arabic of a step's title as needing an update: an Arabic
    reader sees the new English (not the old Arabic), and the page says some of it is in
    English; the other steps stay in Arabic."""
    from kiosk.app.harness import Harness

    src = tmp_path / "content"
    import shutil

    shutil.copytree(Path(__file__).resolve().parents[2] / "assets" / "content", src)
    p = src / "services" / "council-tax.json"
    import json

    data = json.loads(p.read_text(encoding="utf-8"))
    title = data["guide"]["steps"][1]["title"]
    old_ar = title["ar"]
    title["en"] = "Pay your bill (new English from GOV.UK)"
    title["needs_update"] = "ar"
    p.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    cat = content.load(src)
    h = Harness(data_dir=tmp_path / "data", catalogue=cat)
    try:
        start(h, "ar")
        h.app.go("guide", id="council-tax")
        h.frames(3)
        screen = h.screen
        stale, fresh = screen.steps[1].title, screen.steps[0].title
        assert stale.text == "Pay your bill (new English from GOV.UK)" and stale.text_lang == "en"
        assert old_ar not in [w.text for w in find(screen.page) if getattr(w, "text", "")]
        assert fresh.text_lang == "ar"
        assert screen.in_english >= 1  # "Some of this page is in English ..." at the top
        shot(h, "needs-update-ar")
    finally:
        h.close()


def test_staff_choose_the_centres_council_from_londons_33(tmp_path):
    """At the terminal, staff choose the council by name from a list; once saved, the next
    citizen's council step names it."""
    from kiosk.app.harness import Harness
    from tests.ui.staff import open_panel, section, set_pin

    h = Harness(data_dir=tmp_path)
    try:
        set_pin(h)
        open_panel(h)
        panel = section(h, "centre")
        row = panel.rows["centre.council"]
        assert row.shown.text == "No council set"
        h.tap(row.choose)
        dialog = h.app._modals[-1]
        assert len(dialog.choices) == 33
        shot(h, "staff-council-choice-en")
        h.tap(dialog.choices[LAMBETH])
        row = h.screen.rows["centre.council"]
        assert row.shown.text == "Lambeth (E09000022)"
        h.scroll_to(row)
        shot(h, "staff-council-row-en", row)
        h.tap(h.screen.save_button)
        assert h.wait_for(lambda: not h.screen.state.saving and not h.screen.state.draft, 10)
        h.tap(h.screen.close_button)
        assert h.app.offer.council == LAMBETH
        screen = open_council_step(h, "en")
        assert screen.council_heading.text == "Your council: Lambeth"
    finally:
        h.close()
