"""The admin dashboard in a real browser: Debian's chromium driven by Playwright (never
`playwright install`), the real hub on uvicorn on 127.0.0.1, a month of seeded events.

Signs in through the form (arriving from a bookmarked address), checks that every chart is
drawn (coloured pixels on each canvas) and the figures match the seed, changes the centre
and the dates and sees the figures change, downloads the CSV and reads it. Any console
error, failed request or HTTP error fails the test: that is how a Content-Security-Policy
violation or a missing static file shows up. Screenshots go to a temp dir; with
KIOSK_UPDATE_SCREENSHOTS=1 (`make shots`) the first is copied to
docs/screenshots/hub-dashboard.png (a test run does not change tracked files otherwise).
"""

from __future__ import annotations

import csv
import io
import os
import random
import shutil
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from kiosk.core import events
from kiosk.hub import auth
from kiosk.hub.app import create_app
from kiosk.hub.pages import forms, report_view
from kiosk.hub.settings import HubSettings
from kiosk.hub.usage import LONDON
from tests.hubtools import running

ROOT = Path(__file__).resolve().parents[2]
NAME, PASSWORD = "ada", "correct horse battery staple"
# Four whole weeks, Monday to Sunday, ending last week: recent, so the hub's start-up roll-up
# of old events (usage.roll_up) leaves them raw.
END = forms.london_today() - timedelta(days=forms.london_today().weekday() + 1)
START = END - timedelta(days=27)
CENTRES = {"Brixton Library": (30, 45), "Peckham Library": (18, 30),
           "Whitechapel Idea Store": (4, 12)}  # sessions a day: Whitechapel has "<8" days
LANGUAGES = ["en"] * 8 + ["pl"] * 3 + ["ro"] * 3 + ["bn"] * 2 + ["ar"] * 2 + ["so", "ta", "es"]
SERVICES = ["universal-credit", "council-tax", "housing-register", "register-to-vote",
            "blue-badge", "freedom-pass", "register-with-a-gp", "renew-a-passport",
            "find-a-job", "prove-right-to-work", "report-a-street-problem"]
TUTORIALS = ["using-a-touchscreen", "email", "spotting-scams", "passwords-and-codes",
             "online-forms", "paying-safely-online", "video-calls", "finding-official-websites"]


def seed(store) -> dict[str, Counter]:
    """Four weeks of plausible sessions at three centres (opening hours 9 to 19), and the
    sessions started per (centre, day) for the checks."""
    rng = random.Random(20250303)
    per_day: dict[str, Counter] = {c: Counter() for c in CENTRES}
    for centre, (low, high) in CENTRES.items():
        batch: list[dict] = []
        kiosk = centre.split()[0].lower()
        for i in range((END - START).days + 1):
            day = START + timedelta(days=i)
            for j in range(rng.randint(low, high)):
                start = datetime(day.year, day.month, day.day, rng.randint(9, 18),
                                 rng.randint(0, 59), tzinfo=LONDON).timestamp()
                sid, lang = events.new_session_id(), rng.choice(LANGUAGES)
                if centre == "Brixton Library" and i < 3 and j == 0:
                    lang = "fa"  # three sessions in Persian in all: withheld everywhere
                batch += [events.make(kiosk, "c", sid, "session_start", start),
                          events.make(kiosk, "c", sid, "language_chosen", start + 2,
                                      language=lang)]
                t = start + 10
                for service in rng.sample(SERVICES, rng.choice([0, 1, 1, 2])):
                    batch.append(events.make(kiosk, "c", sid, "guide_opened", t,
                                             content_id=service, language=lang))
                    t += 60
                if rng.random() < 0.5:
                    tutorial = rng.choice(TUTORIALS[:rng.randint(1, len(TUTORIALS))])
                    batch.append(events.make(kiosk, "c", sid, "tutorial_started", t,
                                             content_id=tutorial, language=lang))
                    if rng.random() < 0.6:
                        t += 240
                        batch.append(events.make(kiosk, "c", sid, "tutorial_completed", t,
                                                 content_id=tutorial, language=lang,
                                                 duration_ms=240_000))
                length = int(t - start) + rng.randint(30, 600)
                batch.append(events.make(kiosk, "c", sid, "session_end", start + length,
                                         language=lang, duration_ms=length * 1000,
                                         outcome="finished"))
                per_day[centre][day] += 1
        for i in range(0, len(batch), 1000):
            store.ingest(f"t-{kiosk}", centre, batch[i:i + 1000])
    return per_day


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    data = tmp_path_factory.mktemp("hubdata")
    app = create_app(HubSettings(data_dir=data))
    per_day = seed(app.state.store)
    auth.set_admin_password(app.state.store.engine, NAME, PASSWORD)
    with running(app) as base:
        yield base, per_day


def drawn_pixels(page) -> dict[str, int]:
    """For each chart canvas: how many of its pixels are neither blank nor white."""
    return page.evaluate("""() => {
        const out = {};
        for (const c of document.querySelectorAll('canvas[data-chart]')) {
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let n = 0;
            for (let i = 0; i < d.length; i += 4) {
                if (d[i + 3] > 0 && (d[i] < 230 || d[i + 1] < 230 || d[i + 2] < 230)) n++;
            }
            out[c.dataset.chart] = n;
        }
        return out;
    }""")


def bars(page, chart: str) -> list:
    """The values Chart.js holds for a chart's first series."""
    return page.evaluate("id => Chart.getChart(document.getElementById('chart-' + id))"
                         ".data.datasets[0].data", chart)


def big_number(page, which: str) -> str:
    return page.inner_text(f"#big-{which} .big-number__value").strip()


def as_int(text: str) -> int:
    return int(text.replace(",", ""))


def test_dashboard_in_a_browser(hub, browser, tmp_path):
    base, per_day = hub
    problems: list[str] = []
    context = browser.new_context(accept_downloads=True, locale="en-GB",
                                  viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.on("console", lambda m: m.type in ("error", "warning")
            and problems.append(f"console {m.type}: {m.text}"))
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"failed: {r.url} {r.failure}"))
    page.on("response", lambda r: r.status >= 400
            and problems.append(f"HTTP {r.status}: {r.url}"))
    shots = tmp_path / "shots"
    shots.mkdir()
    try:
        # A bookmark, while signed out: the sign-in form, then the bookmarked page.
        page.goto(f"{base}/admin/?from={START}&to={END}")
        assert urlsplit(page.url).path == "/admin/login"
        page.screenshot(path=shots / "login.png")
        page.fill("#name", NAME)
        page.fill("#password", PASSWORD)
        with page.expect_navigation():
            page.click("button:has-text('Sign in')")
        assert urlsplit(page.url).path == "/admin/"
        assert parse_qs(urlsplit(page.url).query) == {"from": [str(START)], "to": [str(END)]}

        # Every chart drawn; figures as seeded (all of them 8 or more at this level).
        page.wait_for_function("document.querySelectorAll('canvas[data-chart]').length == 4"
                               " && [...document.querySelectorAll('canvas[data-chart]')]"
                               ".every(c => Chart.getChart(c))")
        pixels = drawn_pixels(page)
        assert set(pixels) == {"per-day", "languages", "services", "tutorials"}
        assert all(n > 500 for n in pixels.values()), pixels
        total = sum(sum(c.values()) for c in per_day.values())
        assert as_int(big_number(page, "sessions")) == total
        days = [sum(per_day[c][START + timedelta(days=i)] for c in CENTRES)
                for i in range((END - START).days + 1)]
        assert bars(page, "per-day") == days
        assert len(bars(page, "services")) == 10 and len(bars(page, "tutorials")) == 8
        assert None in bars(page, "languages")  # Persian's 3 (and one more to protect them)
        assert "Persian (fa)" in page.text_content("#table-languages")
        assert page.locator("#table-hour-of-week tbody tr").count() == 7
        assert page.locator("#table-centres tbody tr").count() == 3
        assert "%" in big_number(page, "completion")
        assert "min" in big_number(page, "median")
        for canvas in page.locator("canvas[data-chart]").all():
            assert "table below" in canvas.get_attribute("aria-label")
        page.screenshot(path=shots / "dashboard.png", full_page=True)

        # One centre, two weeks: the figures change, small days show "<8".
        centre, start, end = "Whitechapel Idea Store", START + timedelta(7), START + timedelta(20)
        page.select_option("#centre", centre)
        page.fill("#from", str(start))
        page.fill("#to", str(end))
        with page.expect_navigation():
            page.click("button:has-text('Show figures')")
        q = parse_qs(urlsplit(page.url).query)
        assert q == {"from": [str(start)], "to": [str(end)], "centre": [centre]}
        assert page.inner_text("h1").endswith(report_view.fmt_period(start, end))
        page.wait_for_function("[...document.querySelectorAll('canvas[data-chart]')]"
                               ".every(c => Chart.getChart(c))")
        wanted = [per_day[centre][start + timedelta(days=i)] for i in range(14)]
        assert as_int(big_number(page, "sessions")) == sum(wanted)
        shown = bars(page, "per-day")
        assert shown == [n if n >= 8 else None for n in wanted]  # withheld: gaps
        assert None in shown
        day_table = page.text_content("#table-per-day")  # in a closed <details>
        assert "<8" in day_table
        assert page.locator("#table-centres tbody tr").count() == 1
        assert all(n > 500 for n in drawn_pixels(page).values())
        page.screenshot(path=shots / "one-centre.png", full_page=True)

        # The CSV: the same figures, the same filters.
        with page.expect_download() as dl:
            page.click("a:has-text('Download CSV')")
        download = dl.value
        assert download.suggested_filename.endswith(".csv")
        rows = list(csv.reader(io.StringIO(Path(download.path()).read_text("utf-8-sig"))))
        assert rows[0] == ["table", "dimension", "key", "label", "value"]
        filters = {r[1]: r[4] for r in rows if r[0] == "filter"}
        assert (filters["centre"], filters["from"], filters["to"]) == (centre, str(start),
                                                                       str(end))
        figures = {(r[0], r[2]): r[4] for r in rows[1:]}
        assert figures[("sessions", "")] == str(sum(wanted))
        for i, n in enumerate(wanted):
            day = str(start + timedelta(days=i))
            assert figures[("sessions_by_day", day)] == (str(n) if n >= 8 else "<8")
    finally:
        context.close()
        if (shots / "dashboard.png").exists() and os.environ.get("KIOSK_UPDATE_SCREENSHOTS"):
            out = ROOT / "docs" / "screenshots"
            out.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(shots / "dashboard.png", out / "hub-dashboard.png")
    assert problems == []
