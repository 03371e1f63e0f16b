"""The usage report (kiosk/hub/reports.py) over hand-made events, on SQLite and PostgreSQL:
exact figures, before and after the retention roll-up, filtered by days and centre, and
suppressed."""

from __future__ import annotations

import statistics
from datetime import UTC, date, datetime

import pytest

from kiosk.core.events import make, new_session_id
from kiosk.hub import reports
from kiosk.hub.reports import Filters
from kiosk.hub.store import Store
from kiosk.hub.suppress import SMALL as S
from kiosk.hub.suppress import WITHHELD as W

BRIXTON = "Brixton Library"
EALING = "Ealing Central Library – Café"  # not ASCII: names come from enrolment


def ts(text: str) -> float:
    """Unix time of a UTC 'YYYY-MM-DD HH:MM'."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def session(start: float, lang: str, seconds: int, *, guides=(), started=(), completed=(),
            outcome: str = "finished") -> list[dict]:
    """One citizen session's events, as the app records them: session_start in the default
    language, then everything in the chosen one."""
    sid = new_session_id()
    ev = [make("k1", "c1", sid, "session_start", start, language="en"),
          make("k1", "c1", sid, "language_chosen", start + 1, language=lang)]
    for i, g in enumerate(guides):
        ev.append(make("k1", "c1", sid, "guide_opened", start + 2 + i, content_id=g,
                       language=lang))
    for i, t in enumerate(started):
        ev.append(make("k1", "c1", sid, "tutorial_started", start + 10 + i, content_id=t,
                       language=lang))
    for i, t in enumerate(completed):
        ev.append(make("k1", "c1", sid, "tutorial_completed", start + 20 + i, content_id=t,
                       language=lang, duration_ms=5000))
    ev.append(make("k1", "c1", sid, "session_end", start + seconds, language=lang,
                   duration_ms=seconds * 1000, outcome=outcome))
    return ev


# Durations in seconds, for the median.
BRIXTON_MON = [60 * i for i in range(1, 11)]
BRIXTON_TUE = [30, 45]
EALING_MON = [200 + 10 * k for k in range(9)]
EALING_WED = [1000]
DURATIONS = BRIXTON_MON + BRIXTON_TUE + EALING_MON + EALING_WED


def load(store: Store) -> None:
    """January 2025 (GMT: London time is UTC):
    Mon 6th  Brixton 10 sessions at 10:xx (6 Polish, 4 English), all open blue-badge, 3 also
             council-tax; Ealing 9 sessions at 11:xx (English), register-to-vote, 9 start
             the email tutorial and 8 complete it
    Tue 7th  Brixton 2 sessions at 14:xx (Arabic), start email, one completes it
    Wed 8th  Ealing 1 session at 11:xx (Somali), starts spotting-scams
    """
    brixton, ealing = [], []
    for i, secs in enumerate(BRIXTON_MON):
        brixton += session(ts(f"2025-01-06 10:{i * 4:02d}"), "pl" if i < 6 else "en", secs,
                           guides=["blue-badge"] + (["council-tax"] if i < 3 else []))
    for i, secs in enumerate(BRIXTON_TUE):
        brixton += session(ts(f"2025-01-07 14:{i * 10:02d}"), "ar", secs, started=["email"],
                           completed=["email"] if i == 0 else [])
    for i, secs in enumerate(EALING_MON):
        ealing += session(ts(f"2025-01-06 11:{i * 5:02d}"), "en", secs,
                          guides=["register-to-vote"], started=["email"],
                          completed=["email"] if i < 8 else [])
    ealing += session(ts("2025-01-08 11:30"), "so", EALING_WED[0], started=["spotting-scams"])
    assert store.ingest("t-brixton", BRIXTON, brixton)[0] == len(brixton)
    assert store.ingest("t-ealing", EALING, ealing)[0] == len(ealing)


@pytest.fixture
def store(hub_db_url):
    s = Store(hub_db_url)
    load(s)
    yield s
    s.close()


JAN = Filters(date(2025, 1, 5), date(2025, 1, 9))  # Sunday to Thursday


def hours(cells: dict[int, object], fill: object = 0) -> list[list]:
    flat = [cells.get(h, fill) for h in range(168)]
    return [flat[d * 24:(d + 1) * 24] for d in range(7)]


MON, TUE, WED = 0, 24, 48

EXPECTED_RAW = {
    "filters": {"from": "2025-01-05", "to": "2025-01-09", "centre": None},
    "suppressed": False,
    "rolled_up_until": None,
    "notes": [],
    "sessions": {
        "total": 22,
        "by_day": [{"day": "2025-01-05", "sessions": 0}, {"day": "2025-01-06", "sessions": 19},
                   {"day": "2025-01-07", "sessions": 2}, {"day": "2025-01-08", "sessions": 1},
                   {"day": "2025-01-09", "sessions": 0}],
        "by_hour_of_week": hours({MON + 10: 10, MON + 11: 9, TUE + 14: 2, WED + 11: 1}),
        "by_language": [{"language": "en", "name": "English", "sessions": 13},
                        {"language": "pl", "name": "Polish", "sessions": 6},
                        {"language": "ar", "name": "Arabic", "sessions": 2},
                        {"language": "so", "name": "Somali", "sessions": 1}],
        "by_centre": [{"centre": BRIXTON, "sessions": 12}, {"centre": EALING, "sessions": 10}],
        "median_length_s": 245.0,
    },
    "services": {
        "opened": 22,
        "rows": [{"id": "blue-badge", "title": "Apply for a Blue Badge", "opened": 10},
                 {"id": "register-to-vote", "title": "Register to vote", "opened": 9},
                 {"id": "council-tax", "title": "Council Tax: pay, discounts and help",
                  "opened": 3}],
    },
    "tutorials": {
        "started": 12, "completed": 9, "completion_rate": 0.75,
        "rows": [{"id": "email", "title": "Email", "started": 11, "completed": 9,
                  "completion_rate": 0.818},
                 {"id": "spotting-scams", "title": "Spotting scams", "started": 1,
                  "completed": 0, "completion_rate": 0.0}],
    },
}

EXPECTED_SUPPRESSED = {
    **EXPECTED_RAW,
    "suppressed": True,
    "sessions": {
        "total": 22,
        # 2 and 1 are small, and 3 together: the 19 goes too
        "by_day": [{"day": "2025-01-05", "sessions": 0}, {"day": "2025-01-06", "sessions": S},
                   {"day": "2025-01-07", "sessions": S}, {"day": "2025-01-08", "sessions": S},
                   {"day": "2025-01-09", "sessions": 0}],
        # 2 + 1 = 3: the next smallest, 9, goes too; 10 stays
        "by_hour_of_week": hours({MON + 10: 10, MON + 11: S, TUE + 14: S, WED + 11: S}),
        # 6 + 2 + 1 = 9 hidden: enough
        "by_language": [{"language": "en", "name": "English", "sessions": 13},
                        {"language": "ar", "name": "Arabic", "sessions": S},
                        {"language": "pl", "name": "Polish", "sessions": S},
                        {"language": "so", "name": "Somali", "sessions": S}],
        "by_centre": [{"centre": BRIXTON, "sessions": 12}, {"centre": EALING, "sessions": 10}],
        "median_length_s": 245.0,
    },
    "services": {
        "opened": 22,
        # council-tax 3 is small; alone it could be worked back, so register-to-vote (9) too
        "rows": [{"id": "blue-badge", "title": "Apply for a Blue Badge", "opened": 10},
                 {"id": "council-tax", "title": "Council Tax: pay, discounts and help",
                  "opened": S},
                 {"id": "register-to-vote", "title": "Register to vote", "opened": S}],
    },
    "tutorials": {
        # started: 1 is small, so the 11 goes too; both rates rest on a hidden count
        "started": 12, "completed": 9, "completion_rate": 0.75,
        "rows": [{"id": "email", "title": "Email", "started": S, "completed": 9,
                  "completion_rate": W},
                 {"id": "spotting-scams", "title": "Spotting scams", "started": S,
                  "completed": 0, "completion_rate": W}],
    },
}


def test_median_expected_is_what_the_events_say():
    assert statistics.median(DURATIONS) == 245.0


def test_report_exact(store):
    assert reports.report(store.engine, JAN, suppress=False) == EXPECTED_RAW
    assert reports.report(store.engine, JAN) == EXPECTED_SUPPRESSED


def test_centres(store):
    assert reports.centres(store.engine) == [BRIXTON, EALING]
    # an enrolled centre without a session yet is listed, and shows 0
    store.enrol(store.create_enrol_code("Kilburn Library"))
    assert reports.centres(store.engine) == [BRIXTON, EALING, "Kilburn Library"]
    rep = reports.report(store.engine, JAN)
    assert rep["sessions"]["by_centre"] == [{"centre": BRIXTON, "sessions": 12},
                                            {"centre": EALING, "sessions": 10},
                                            {"centre": "Kilburn Library", "sessions": 0}]


def test_filter_by_days(store):
    rep = reports.report(store.engine, Filters(date(2025, 1, 7), date(2025, 1, 8)),
                         suppress=False)
    s = rep["sessions"]
    assert s["total"] == 3
    assert s["by_day"] == [{"day": "2025-01-07", "sessions": 2},
                           {"day": "2025-01-08", "sessions": 1}]
    assert s["by_hour_of_week"] == hours({TUE + 14: 2, WED + 11: 1})
    assert s["by_centre"] == [{"centre": BRIXTON, "sessions": 2},
                              {"centre": EALING, "sessions": 1}]
    assert s["median_length_s"] == statistics.median(BRIXTON_TUE + EALING_WED)
    assert rep["services"] == {"opened": 0, "rows": []}
    assert rep["tutorials"]["started"] == 3 and rep["tutorials"]["completed"] == 1
    # suppressed: everything is small, the total too
    sup = reports.report(store.engine, Filters(date(2025, 1, 7), date(2025, 1, 8)))
    assert sup["sessions"]["total"] == S
    assert [r["sessions"] for r in sup["sessions"]["by_centre"]] == [S, S]
    assert sup["sessions"]["median_length_s"] == W
    assert sup["tutorials"]["completion_rate"] == W


def test_filter_by_centre(store):
    rep = reports.report(store.engine, Filters(date(2025, 1, 5), date(2025, 1, 9), EALING),
                         suppress=False)
    assert rep["filters"]["centre"] == EALING
    s = rep["sessions"]
    assert s["total"] == 10
    assert [r["sessions"] for r in s["by_day"]] == [0, 9, 0, 1, 0]
    assert s["by_centre"] == [{"centre": EALING, "sessions": 10}]
    assert s["by_hour_of_week"] == hours({MON + 11: 9, WED + 11: 1})
    assert s["by_language"] == [{"language": "en", "name": "English", "sessions": 9},
                                {"language": "so", "name": "Somali", "sessions": 1}]
    assert s["median_length_s"] == statistics.median(EALING_MON + EALING_WED)
    assert rep["services"]["rows"] == [{"id": "register-to-vote", "title": "Register to vote",
                                        "opened": 9}]
    assert rep["tutorials"]["rows"] == [
        {"id": "email", "title": "Email", "started": 9, "completed": 8,
         "completion_rate": 0.889},
        {"id": "spotting-scams", "title": "Spotting scams", "started": 1, "completed": 0,
         "completion_rate": 0.0}]
    sup = reports.report(store.engine, Filters(date(2025, 1, 5), date(2025, 1, 9), EALING))
    # 9 and 1 by day: 1 is small and the 9 goes with it; the total of 10 stays
    assert sup["sessions"]["total"] == 10
    assert [r["sessions"] for r in sup["sessions"]["by_day"]] == [0, S, 0, S, 0]
    assert [r["sessions"] for r in sup["sessions"]["by_language"]] == [S, S]
    # a centre nobody has heard of has nothing
    none = reports.report(store.engine, Filters(date(2025, 1, 5), date(2025, 1, 9), "Nowhere"))
    assert none["sessions"]["total"] == 0
    assert none["sessions"]["by_centre"] == [{"centre": "Nowhere", "sessions": 0}]


def test_same_counts_after_roll_up(store):
    before = reports.report(store.engine, JAN, suppress=False)
    # everything in January is older than 30 days on 1 March
    stored = count_events(store)
    assert store.roll_up(days=30, today=date(2025, 3, 1)) == stored
    assert count_events(store) == 0
    after = reports.report(store.engine, JAN, suppress=False)
    for key in ("total", "by_day", "by_language", "by_centre"):
        assert after["sessions"][key] == before["sessions"][key], key
    assert after["services"] == before["services"]
    assert after["tutorials"] == before["tutorials"]
    # what only raw events can say is gone, and the report says so
    assert after["sessions"]["by_hour_of_week"] == hours({})
    assert after["sessions"]["median_length_s"] is None
    assert after["rolled_up_until"] == "2025-01-08"
    # (the newest rolled-up day is the 8th: nothing happened on the 9th)
    assert after["notes"] == [("Days up to 2025-01-08 are kept only as daily counts: sessions "
                              "by hour of the week and the median session length cover "
                              "2025-01-09 only.")]
    early = reports.report(store.engine, Filters(date(2025, 1, 5), date(2025, 1, 8)))
    assert early["notes"] == [("Every day of this range is kept only as daily counts: sessions "
                              "by hour of the week and the median session length are not "
                              "available.")]
    # suppressed, the same figures as before the roll-up, apart from those two
    sup = reports.report(store.engine, JAN)
    assert sup["sessions"]["by_day"] == EXPECTED_SUPPRESSED["sessions"]["by_day"]
    assert sup["sessions"]["by_centre"] == EXPECTED_SUPPRESSED["sessions"]["by_centre"]
    assert sup["services"] == EXPECTED_SUPPRESSED["services"]
    assert sup["tutorials"] == EXPECTED_SUPPRESSED["tutorials"]


def count_events(store: Store) -> int:
    import sqlalchemy as sa

    from kiosk.hub.schema import events

    with store.engine.connect() as c:
        return c.execute(sa.select(sa.func.count()).select_from(events)).scalar_one()


def test_partly_rolled_up(store):
    before = reports.report(store.engine, JAN, suppress=False)
    # on 5 Feb with 30 days kept, days before 6 Jan... and 6 Jan itself is rolled: cutoff 7th
    store.roll_up(days=29, today=date(2025, 2, 5))
    after = reports.report(store.engine, JAN, suppress=False)
    assert after["sessions"]["total"] == 22
    assert after["sessions"]["by_day"] == before["sessions"]["by_day"]
    assert after["sessions"]["by_language"] == before["sessions"]["by_language"]
    assert after["services"] == before["services"] and after["tutorials"] == before["tutorials"]
    # only the 7th and 8th are raw now
    assert after["sessions"]["by_hour_of_week"] == hours({TUE + 14: 2, WED + 11: 1})
    assert after["sessions"]["median_length_s"] == statistics.median(BRIXTON_TUE + EALING_WED)
    assert after["rolled_up_until"] == "2025-01-06"
    assert after["notes"] == [("Days up to 2025-01-06 are kept only as daily counts: sessions "
                              "by hour of the week and the median session length cover "
                              "2025-01-07 to 2025-01-09 only.")]
    # the hour table (3 sessions) no longer adds up to the total (22), and 3 is small: with
    # the 7th's and 8th's cells shown elsewhere it could be worked out, so it goes whole
    sup = reports.report(store.engine, JAN)
    assert sup["sessions"]["by_hour_of_week"] == hours({}, fill=S)
    # a range after the rolled days has no note
    later = reports.report(store.engine, Filters(date(2025, 1, 7), date(2025, 1, 9)))
    assert later["notes"] == [] and later["rolled_up_until"] == "2025-01-06"


def test_raw_and_rolled_rows_of_one_day_add_up(store):
    store.roll_up(days=30, today=date(2025, 3, 1))
    # a terminal that was offline for months sends a session of the 6th after the roll-up
    store.ingest("t-brixton", BRIXTON, session(ts("2025-01-06 16:00"), "pl", 100,
                                               guides=["blue-badge"]))
    rep = reports.report(store.engine, JAN, suppress=False)
    assert rep["sessions"]["total"] == 23
    assert rep["sessions"]["by_day"][1] == {"day": "2025-01-06", "sessions": 20}
    assert rep["sessions"]["by_centre"][0] == {"centre": BRIXTON, "sessions": 13}
    assert rep["services"]["rows"][0]["opened"] == 11
    assert {r["language"]: r["sessions"] for r in rep["sessions"]["by_language"]}["pl"] == 7
    assert rep["sessions"]["by_hour_of_week"] == hours({MON + 16: 1})
    assert rep["sessions"]["median_length_s"] == 100.0


def test_london_days_and_hours_in_summer(hub_db_url):
    store = Store(hub_db_url)
    try:
        # 23:30 UTC on Monday 2 June is 00:30 on Tuesday 3 June in London (BST)
        store.ingest("t", BRIXTON, session(ts("2025-06-02 23:30"), "en", 60))
        rep = reports.report(store.engine, Filters(date(2025, 6, 2), date(2025, 6, 3)),
                             suppress=False)
    finally:
        store.close()
    assert [r["sessions"] for r in rep["sessions"]["by_day"]] == [0, 1]
    assert rep["sessions"]["by_hour_of_week"] == hours({TUE + 0: 1})


def test_a_small_centre_is_not_given_away_by_the_total(hub_db_url):
    store = Store(hub_db_url)
    try:
        for i in range(20):
            store.ingest("a", BRIXTON, session(ts(f"2025-01-06 09:{i:02d}"), "en", 60))
        for i in range(3):
            store.ingest("b", EALING, session(ts(f"2025-01-06 15:{i:02d}"), "en", 60))
        rep = reports.report(store.engine, JAN)
    finally:
        store.close()
    assert rep["sessions"]["total"] == 23
    # 23 - 20 would be Ealing's 3: Brixton's 20 is hidden with it
    assert rep["sessions"]["by_centre"] == [{"centre": BRIXTON, "sessions": S},
                                            {"centre": EALING, "sessions": S}]
    assert [r["sessions"] for r in rep["sessions"]["by_day"]] == [0, 23, 0, 0, 0]


def test_one_session_a_day_withholds_the_total_and_everything_adding_up_to_it(hub_db_url):
    store = Store(hub_db_url)
    try:
        for day in range(6, 15):  # nine days, one session each
            store.ingest("a", BRIXTON, session(ts(f"2025-01-{day:02d} 10:00"), "en", 60))
        rep = reports.report(store.engine, Filters(date(2025, 1, 6), date(2025, 1, 14)))
        raw = reports.report(store.engine, Filters(date(2025, 1, 6), date(2025, 1, 14)),
                             suppress=False)
    finally:
        store.close()
    assert raw["sessions"]["total"] == 9
    # nine hidden days adding up to a published 9 would each be 1
    assert rep["sessions"]["total"] == S
    assert [r["sessions"] for r in rep["sessions"]["by_day"]] == [S] * 9
    assert rep["sessions"]["by_centre"] == [{"centre": BRIXTON, "sessions": S}]
    # and the languages table, which adds up to the same 9
    assert rep["sessions"]["by_language"] == [{"language": "en", "name": "English",
                                               "sessions": S}]
    assert rep["sessions"]["median_length_s"] == 60.0  # nine sessions: a median may show


def test_empty_hub(hub_db_url):
    store = Store(hub_db_url)
    try:
        rep = reports.report(store.engine, Filters(date(2025, 1, 1), date(2025, 1, 2)))
        assert reports.centres(store.engine) == []
    finally:
        store.close()
    assert rep["sessions"]["total"] == 0
    assert rep["sessions"]["by_day"] == [{"day": "2025-01-01", "sessions": 0},
                                         {"day": "2025-01-02", "sessions": 0}]
    assert rep["sessions"]["median_length_s"] is None
    assert rep["tutorials"]["completion_rate"] is None
    assert rep["sessions"]["by_centre"] == [] and rep["services"]["rows"] == []


def test_filters_refuse_a_backwards_or_huge_range():
    with pytest.raises(ValueError, match="after"):
        Filters(date(2025, 2, 1), date(2025, 1, 1))
    with pytest.raises(ValueError, match="at most"):
        Filters(date(1900, 1, 1), date(2025, 1, 1))


def test_titles_fall_back_to_ids(store):
    rep = reports.report(store.engine, JAN, titles_by_id={"email": "E-mail basics"})
    assert rep["tutorials"]["rows"][0]["title"] == "E-mail basics"
    assert rep["services"]["rows"][0]["title"] == "blue-badge"
