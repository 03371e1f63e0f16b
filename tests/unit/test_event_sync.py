"""Sending usage events to the hub (services/event_sync.py, HubClient.post_events, the syncer and
`kiosk sync --once`) against a fault-injecting stub of POST /api/v1/events on 127.0.0.1 that
stores each event id once, as the real hub does: every event arrives exactly once however
the network misbehaves, 429/503 waits are the hub's, 413 halves, 422 isolates the bad event,
401 stops, and a large backlog streams in bounded memory."""

from __future__ import annotations

import json
import random
import socket
import sqlite3
import threading
import time
import tracemalloc
import uuid
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from kiosk import cli
from kiosk.core import events
from kiosk.services import event_sync, hub_client, outbox
from kiosk.services.syncer import Syncer

TOKEN = "tok-" + "e" * 40
NOW = 1_760_000_000.0  # the injected clock
READ_TIMEOUT = 0.25


# ---------------------------------------------------------------------------------------
# The stub hub

class StubHub:
    """POST /api/v1/events as the hub's contract says, with faults on request.

    `faults`: what the next POSTs get, in order; then, if `fault_rate`, a fault drawn with
    `rng` for that share of POSTs. Faults: "500", "503" / "503:<Retry-After>", "429:<...>",
    "cut" (the connection closes halfway through reading the body: nothing stored),
    "cut_after" (stored, then closed without an answer), "timeout" (stored, the answer comes
    too late for the client), "413", "404", "html" (a captive portal's 200 page)."""

    def __init__(self):
        self.stored: set[str] = set()
        self.accepted = self.duplicates = 0
        self.posts: list[int] = []  # events per POST, in order
        self.faults: list[str] = []
        self.seen_faults: list[str] = []
        self.rng = random.Random(0)
        self.fault_rate = 0.0
        self.random_faults = ("500", "503", "timeout", "cut", "cut_after")
        self.max_events = 1000
        self.refuse_types: set[str] = set()  # an "older schema": 422 for these event types
        self.name_index = True  # 422 detail "event i: ..." (else a detail without an index)
        self.wrong_index = False  # name index 0 whatever the bad event is
        self.lock = threading.Lock()
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def _json(self, code, data, headers=None, ctype="application/json"):
                body = data if isinstance(data, bytes) else json.dumps(data).encode()
                self.send_response(code)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

            def _cut(self):
                self.close_connection = True
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

            def do_POST(self):
                if self.path != "/api/v1/events":  # a heartbeat, say: a hub older than it
                    self.rfile.read(int(self.headers.get("Content-Length", 0)))
                    return self._json(404, {"detail": "Not Found"})
                if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                    return self._json(401, {"detail": "unknown or revoked token"})
                n = int(self.headers.get("Content-Length", 0))
                with hub.lock:
                    if hub.faults:
                        fault = hub.faults.pop(0)
                    elif hub.fault_rate and hub.rng.random() < hub.fault_rate:
                        fault = hub.rng.choice(hub.random_faults)
                    else:
                        fault = ""
                    if fault:
                        hub.seen_faults.append(fault)
                if fault == "cut":
                    self.rfile.read(n // 2)
                    return self._cut()
                body = json.loads(self.rfile.read(n))
                batch = body["events"]
                with hub.lock:
                    hub.posts.append(len(batch))
                code, _, after = fault.partition(":")
                if code in ("500", "503", "429"):
                    return self._json(int(code), {"detail": "busy"},
                                      {"Retry-After": after} if after else None)
                if code == "404":
                    return self._json(404, {"detail": "Not Found"})
                if code == "html":
                    return self._json(200, b"<html>Sign in to the library Wi-Fi</html>",
                                      ctype="text/html")
                if code == "413" or len(batch) > hub.max_events:
                    return self._json(413, {"detail": "send at most ... events"})
                for i, event in enumerate(batch):
                    try:
                        events.validate(event)
                        if event["type"] in hub.refuse_types:
                            raise events.EventError(
                                f"field 'type': {event['type']!r} is not a known event type")
                    except events.EventError as e:
                        where = "event 0" if hub.wrong_index else f"event {i}"
                        detail = f"{where}: {e}" if hub.name_index else f"bad batch ({e})"
                        return self._json(422, {"detail": detail})
                with hub.lock:
                    new = 0
                    for event in batch:
                        if event["event_id"] not in hub.stored:
                            hub.stored.add(event["event_id"])
                            new += 1
                    hub.accepted += new
                    hub.duplicates += len(batch) - new
                if code == "cut_after":
                    return self._cut()
                if code == "timeout":
                    time.sleep(READ_TIMEOUT * 2)
                self._json(200, {"accepted": new, "duplicates": len(batch) - new})

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):
                pass  # the faults above break connections on purpose

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,),
                                       daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hub():
    h = StubHub()
    yield h
    h.stop()


@pytest.fixture
def client(hub):
    c = hub_client.HubClient(hub.url, TOKEN, read_timeout=5)
    yield c
    c.close()


@pytest.fixture
def impatient_client(hub):
    """Gives up on an answer after READ_TIMEOUT (the stub's "timeout" fault is twice that)."""
    c = hub_client.HubClient(hub.url, TOKEN, read_timeout=READ_TIMEOUT)
    yield c
    c.close()


# ---------------------------------------------------------------------------------------
# Helpers

def make_outbox_db(path: Path, n: int, *, time_of=lambda i: NOW - 3600 + i * 0.001,
                   type_of=lambda i: "screen_view") -> list[str]:
    """An outbox database (the Outbox's own schema) with n queued events; their ids."""
    outbox.open_db(path).conn.close()
    session = events.new_session_id()
    ids = [str(uuid.uuid4()) for _ in range(n)]
    rows = ((eid, "kiosk-1", "camden", time_of(i), session, type_of(i), "home", "en", None,
             None) for i, eid in enumerate(ids))
    with sqlite3.connect(path) as conn:
        conn.executemany("insert into events (" + ", ".join(events.FIELDS) + ") values "
                         "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    return ids


def sent_state(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as conn:
        return dict(conn.execute("select event_id, sent from events"))


def uploader(path, client, sleeps=None, **kw) -> event_sync.Uploader:
    kw.setdefault("clock", lambda: NOW)
    kw.setdefault("rng", random.Random(1))
    return event_sync.Uploader(path, client,
                               sleep=sleeps.append if sleeps is not None else _no_sleep, **kw)


def _no_sleep(seconds):
    raise AssertionError(f"slept {seconds} s")


# ---------------------------------------------------------------------------------------
# The protocol

def test_acknowledged_batches_are_marked_sent(tmp_path, hub, client):
    db = tmp_path / "outbox.db"
    ids = make_outbox_db(db, 1200)
    report = uploader(db, client).run()
    assert hub.posts == [1000, 200]
    assert hub.stored == set(ids) and hub.accepted == 1200 and hub.duplicates == 0
    assert set(sent_state(db).values()) == {1}
    assert report == {"status": "uploaded", "events_uploaded": 1200, "accepted": 1200,
                      "duplicates": 0, "rejected": 0, "batches": 2, "queued": 0, "deleted": 0,
                      "retry_after": None, "auth_refused": False}
    again = uploader(db, client).run()
    assert again["status"] == "nothing_to_send" and again["events_uploaded"] == 0
    assert hub.posts == [1000, 200]  # nothing sent when nothing is queued


def test_no_outbox_yet_is_nothing_to_send(tmp_path, hub, client):
    report = uploader(tmp_path / "outbox.db", client).run()
    assert report["status"] == "nothing_to_send" and hub.posts == []
    assert not (tmp_path / "outbox.db").exists()


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_random_faults_still_deliver_every_event_exactly_once(tmp_path, hub, impatient_client,
                                                             seed):
    """500, 503, timeouts and connections cut before or after the hub stored the batch, at
    random: cycles are run until the queue is empty; the hub has every event once, and the
    kiosk marked each sent once, after an answer that counted it."""
    db = tmp_path / "outbox.db"
    ids = make_outbox_db(db, 2000)
    hub.rng, hub.fault_rate = random.Random(seed), 0.4
    hub.faults = list(hub.random_faults)  # each kind at least once, then at random
    random.Random(seed).shuffle(hub.faults)
    totals = {"events_uploaded": 0, "accepted": 0, "duplicates": 0}
    sleeps: list[float] = []
    for _cycle in range(40):
        report = uploader(db, impatient_client, sleeps, batch_size=100, max_failures=3,
                          backoff_base=0.5, backoff_cap=4, rng=random.Random(seed)).run()
        for k in totals:
            totals[k] += report[k]
        if report["queued"] == 0:
            break
    assert report["status"] == "uploaded" and report["queued"] == 0
    assert hub.stored == set(ids) and hub.accepted == len(ids)
    assert totals["events_uploaded"] == totals["accepted"] + totals["duplicates"] == len(ids)
    # The kiosk counts a duplicate where the hub's first answer was lost: a lower bound.
    assert 0 < totals["duplicates"] <= hub.duplicates
    assert set(sent_state(db).values()) == {1}
    assert set(hub.seen_faults) == set(hub.random_faults)  # every kind happened
    assert hub.duplicates > 0  # answers were lost after storing, and re-sent safely
    assert sleeps and all(0 <= s <= 4 for s in sleeps)


def test_backoff_is_exponential_with_full_jitter_and_capped(tmp_path, hub, client):
    db = tmp_path / "outbox.db"
    make_outbox_db(db, 10)
    hub.faults = ["500"] * 7
    sleeps: list[float] = []
    report = uploader(db, client, sleeps, max_failures=10, backoff_base=1.0, backoff_cap=8.0,
                      rng=random.Random(5)).run()
    assert report["status"] == "uploaded" and report["events_uploaded"] == 10
    rng = random.Random(5)
    assert sleeps == [rng.uniform(0, min(8.0, 2.0 ** k)) for k in range(7)]
    assert len(set(sleeps)) == 7 and max(sleeps) <= 8.0


def test_too_many_failures_end_the_cycle_with_everything_still_queued(tmp_path, hub, client):
    db = tmp_path / "outbox.db"
    make_outbox_db(db, 10)
    hub.faults = ["503"] * 10
    sleeps: list[float] = []
    report = uploader(db, client, sleeps, max_failures=3).run()
    assert report["status"].startswith("error: ") and "503" in report["status"]
    assert len(sleeps) == 3 and len(hub.posts) == 4
    assert report["queued"] == 10 and set(sent_state(db).values()) == {0}


def test_retry_after_in_seconds_and_as_an_http_date_is_honoured(tmp_path, hub, client):
    db = tmp_path / "outbox.db"
    make_outbox_db(db, 10)
    hub.faults = ["429:7", f"503:{formatdate(NOW + 12, usegmt=True)}"]
    sleeps: list[float] = []
    report = uploader(db, client, sleeps).run()
    assert sleeps == [7.0, 12.0]
    assert report["status"] == "uploaded" and report["events_uploaded"] == 10


def test_a_retry_after_beyond_the_cycle_ends_it_and_is_reported(tmp_path, hub, client):
    db = tmp_path / "outbox.db"
    make_outbox_db(db, 10)
    hub.faults = ["503:3600"]
    sleeps: list[float] = []
    report = uploader(db, client, sleeps, max_wait=300).run()
    assert sleeps == [] and report["retry_after"] == 3600
    assert report["status"].startswith("error") and report["queued"] == 10


def test_413_halves_the_batch(tmp_path, hub, client):
    db = tmp_path / "outbox.db"
    ids = make_outbox_db(db, 300)
    hub.max_events = 120
    report = uploader(db, client).run()
    assert hub.posts == [300, 150, 75, 75, 75, 75]
    assert hub.stored == set(ids) and report["events_uploaded"] == 300
    assert report["batches"] == 4 and report["rejected"] == 0


def test_a_batch_over_the_hubs_limits_is_not_sent(hub, client):
    session = events.new_session_id()
    batch = [events.make("kiosk-1", "camden", session, "screen_view", NOW) for _ in range(1001)]
    with pytest.raises(hub_client.TooLargeError, match="1001 events is over the limit"):
        client.post_events(batch)
    # Valid events cannot reach 1 MiB in 1000; the check is on the bytes all the same.
    with pytest.raises(hub_client.TooLargeError, match="bytes is over the limit"):
        client.post_events([dict(e, content_id="x" * 2000) for e in batch[:600]])
    assert hub.posts == []


def test_one_event_the_hub_finds_too_large_is_set_aside(tmp_path, hub, client):
    db = tmp_path / "outbox.db"
    ids = make_outbox_db(db, 3)
    hub.faults = ["413", "413"]  # all three, then the first one alone
    report = uploader(db, client).run()
    assert hub.posts == [3, 1, 1, 1]
    assert sent_state(db)[ids[0]] == -1 and report["rejected"] == 1
    assert hub.stored == set(ids[1:])


@pytest.mark.parametrize("name_index", [True, False])
def test_422_isolates_the_bad_events_and_sends_the_rest(tmp_path, hub, client, name_index):
    """A hub with an older schema refuses one type: only those events are set aside."""
    db = tmp_path / "outbox.db"
    bad = {5, 41}
    ids = make_outbox_db(db, 64, type_of=lambda i: "qr_shown" if i in bad else "screen_view")
    hub.refuse_types, hub.name_index = {"qr_shown"}, name_index
    report = uploader(db, client).run()
    state = sent_state(db)
    rejected = {ids[i] for i in bad}
    assert {i for i, s in state.items() if s == -1} == rejected
    assert hub.stored == set(ids) - rejected
    assert report["rejected"] == 2 and report["events_uploaded"] == 62
    assert report["status"] == "uploaded" and report["queued"] == 0
    # Straight to the named event: a handful of requests; bisection: about 2 log2(64) each.
    assert len(hub.posts) <= (7 if name_index else 2 * 2 * 6 + 1)
    assert uploader(db, client).run()["status"] == "nothing_to_send"  # never sent again


def test_a_wrong_index_from_the_hub_rejects_no_good_event(tmp_path, hub, client):
    db = tmp_path / "outbox.db"
    ids = make_outbox_db(db, 20, type_of=lambda i: "qr_shown" if i == 13 else "screen_view")
    hub.refuse_types, hub.wrong_index = {"qr_shown"}, True
    report = uploader(db, client).run()
    assert [i for i, s in sent_state(db).items() if s == -1] == [ids[13]]
    assert report["rejected"] == 1 and len(hub.stored) == 19


def test_401_stops_and_says_so(tmp_path, hub):
    db = tmp_path / "outbox.db"
    make_outbox_db(db, 10)
    with hub_client.HubClient(hub.url, "revoked") as revoked:
        report = uploader(db, revoked).run()
    assert report["status"].startswith("error: the hub refused this terminal's token (revoked?)")
    assert "401" in report["status"] and report["auth_refused"]
    assert hub.posts == [] and report["queued"] == 10


@pytest.mark.parametrize("fault", ["404", "html"])
def test_an_answer_that_is_not_an_ack_marks_nothing(tmp_path, hub, client, fault):
    """A hub too old to take events, or a captive portal's 200 page: nothing counts as sent."""
    db = tmp_path / "outbox.db"
    make_outbox_db(db, 10)
    hub.faults = [fault]
    report = uploader(db, client).run()
    assert report["status"].startswith("error") and report["events_uploaded"] == 0
    assert set(sent_state(db).values()) == {0}


def test_old_sent_events_are_deleted_after_a_good_cycle(tmp_path, hub, client):
    db = tmp_path / "outbox.db"
    day = 86400
    old = make_outbox_db(db, 30, time_of=lambda i: NOW - 8 * day - i)
    with sqlite3.connect(db) as conn:  # one the hub refused: kept however old
        conn.execute("update events set sent = -1 where event_id = ?", (old[0],))
    then = uploader(db, client, clock=lambda: NOW - 8 * day + 3600).run()
    assert then["events_uploaded"] == 29 and then["deleted"] == 0  # a week younger then
    recent = make_outbox_db(db, 20, time_of=lambda i: NOW - 1 * day - i)
    report = uploader(db, client).run()
    state = sent_state(db)
    assert report["deleted"] == 29 and report["events_uploaded"] == 20
    assert set(state) == {old[0], *recent} and state[old[0]] == -1
    assert all(state[i] == 1 for i in recent)


def test_a_failed_cycle_deletes_nothing(tmp_path, hub, client):
    db = tmp_path / "outbox.db"
    make_outbox_db(db, 10, time_of=lambda i: NOW - 30 * 86400)
    with sqlite3.connect(db) as conn:
        conn.execute("update events set sent = 1 where rowid <= 5")
    hub.faults = ["404"]
    report = uploader(db, client).run()
    assert report["status"].startswith("error") and report["deleted"] == 0
    assert len(sent_state(db)) == 10


def test_a_stop_during_a_wait_ends_the_cycle(tmp_path, hub, client):
    db = tmp_path / "outbox.db"
    make_outbox_db(db, 10)
    hub.faults = ["503"] * 5
    stop = threading.Event()

    def sleep(seconds):
        stop.set()

    report = event_sync.Uploader(db, client, sleep=sleep, stop=stop).run()
    assert report["status"] == "stopped" and report["queued"] == 10 and len(hub.posts) == 1


def test_uploads_while_the_app_records(tmp_path, hub, client):
    """The uploader's own connection beside a live Outbox writing to the same file: every
    event recorded arrives exactly once."""
    db = tmp_path / "outbox.db"
    box = outbox.Outbox(db, "kiosk-1", "camden", flush_interval=0.01)
    recorded: list[str] = []
    session = events.new_session_id()
    done = threading.Event()

    def record():
        for i in range(3000):
            recorded.append(box.record(session, "screen_view", content_id="home")["event_id"])
            if i % 100 == 0:
                time.sleep(0.005)
        done.set()

    t = threading.Thread(target=record)
    t.start()
    cycles = 0
    while not done.is_set() or cycles < 2:
        uploader(db, client, batch_size=200).run()
        cycles += 1
    t.join()
    box.close()
    final = uploader(db, client).run()
    assert final["queued"] == 0
    assert hub.stored == set(recorded) and hub.accepted == 3000 and hub.duplicates == 0
    assert set(sent_state(db).values()) == {1} and cycles >= 2


def test_a_backlog_of_100k_events_streams_in_bounded_memory(tmp_path):
    """Weeks offline: the uploader holds one batch at a time, not the backlog."""
    db = tmp_path / "outbox.db"
    n = 100_000
    make_outbox_db(db, n)

    class CountingClient:  # no HTTP: only the uploader's own memory is measured
        sent = posts = 0

        def post_events(self, batch, queued=None):
            self.sent += len(batch)
            self.posts += 1
            return {"accepted": len(batch), "duplicates": 0}

    with sqlite3.connect(db) as conn:  # what holding it all would take, for comparison
        tracemalloc.start()
        rows = conn.execute("select " + ", ".join(events.FIELDS) + " from events").fetchall()
        whole = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        del rows
    fake = CountingClient()
    tracemalloc.start()
    try:
        report = event_sync.Uploader(db, fake, sleep=_no_sleep).run()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert report["events_uploaded"] == fake.sent == n and fake.posts == n // 1000
    assert report["queued"] == 0
    assert peak < whole / 20 and peak < 5_000_000, (peak, whole)


def test_the_queued_rows_are_read_through_the_partial_index(tmp_path):
    db = tmp_path / "outbox.db"
    make_outbox_db(db, 10)
    with sqlite3.connect(db) as conn:
        plan = conn.execute("explain query plan " + event_sync._SELECT, (0, 10)).fetchall()
    assert "events_queued" in str(plan)


def test_retry_after_parsing():
    assert hub_client.retry_after_seconds("120", NOW) == 120.0
    assert hub_client.retry_after_seconds(formatdate(NOW + 30, usegmt=True), NOW) == 30.0
    assert hub_client.retry_after_seconds(formatdate(NOW - 30, usegmt=True), NOW) == 0.0
    assert hub_client.retry_after_seconds("soon", NOW) is None
    assert hub_client.retry_after_seconds(None, NOW) is None


def test_the_events_post_is_sent_once_whatever_the_answer(hub, client):
    """urllib3 does not retry it (the uploader decides), even on 503 with Retry-After."""
    session = events.new_session_id()
    batch = [events.make("kiosk-1", "camden", session, "screen_view", NOW)]
    hub.faults = ["503:1"]
    with pytest.raises(hub_client.TransientError) as e:
        client.post_events(batch)
    assert e.value.retry_after == "1" and e.value.status == 503 and hub.posts == [1]
    assert client.post_events(batch) == {"accepted": 1, "duplicates": 0}
    assert client.post_events(batch) == {"accepted": 0, "duplicates": 1}


# ---------------------------------------------------------------------------------------
# The syncer and the command line

def test_the_syncer_flushes_the_outbox_and_sends_from_its_thread(tmp_path, hub):
    data = tmp_path / "data"
    box = outbox.Outbox(data / "outbox.db", "kiosk-1", "camden", flush_interval=60)
    session = events.new_session_id()
    ids = {box.record(session, "screen_view")["event_id"] for _ in range(50)}
    syncer = Syncer(data, hub.url, TOKEN, None, lambda v: None, outbox=box,
                    events_interval=0.05, first_delay=(0, 0))
    syncer.start()
    try:
        deadline = time.monotonic() + 30  # the first flush waits on thread start-up and CPU
        while hub.stored != ids and time.monotonic() < deadline:
            time.sleep(0.02)
        assert hub.stored == ids  # flushed by the syncer (the writer waits a minute)
        ids |= {box.record(session, "screen_view")["event_id"] for _ in range(5)}
        while hub.stored != ids and time.monotonic() < deadline:
            time.sleep(0.02)
        assert hub.stored == ids
    finally:
        syncer.stop()
        box.close()
    assert not syncer._thread.is_alive()
    # Stopped maybe mid-cycle, after the hub stored the last five: that cycle is 'stopped'.
    assert syncer.last_events_report["status"] in ("uploaded", "nothing_to_send", "stopped")
    assert event_sync.last(data)["status"] == "uploaded"


def test_a_cycle_cut_short_by_stopping_is_not_the_last_sync_staff_see(tmp_path, hub):
    """The app closing mid-upload ends the cycle as 'stopped': not a result of syncing, so the
    last upload's result stands for staff (it did, racing the end of the test above)."""
    data = tmp_path / "data"
    box = outbox.Outbox(data / "outbox.db", "kiosk-1", "camden", flush_interval=60)
    box.record(events.new_session_id(), "screen_view")
    syncer = Syncer(data, hub.url, TOKEN, None, lambda v: None, outbox=box)
    try:
        assert syncer.upload_events()["status"] == "uploaded"
        box.record(events.new_session_id(), "screen_view")
        syncer._stop.set()  # what stop() does, here between two cycles
        assert syncer.upload_events()["status"] == "stopped"
    finally:
        box.close()
    assert event_sync.last(data)["status"] == "uploaded"


def test_the_syncer_backs_off_after_failed_uploads(tmp_path):
    s = Syncer(tmp_path, "http://127.0.0.1:9", TOKEN, None, lambda v: None,
               events_interval=60, interval=900)
    delays = [s._events_delay({"status": "error: down"}) for _ in range(6)]
    assert 48 <= delays[0] <= 144 and all(d <= 900 * 1.2 for d in delays)
    assert delays[3] >= 60 * 8 * 0.8
    assert 48 <= s._events_delay({"status": "uploaded"}) <= 72
    assert s._events_delay({"status": "error: busy", "retry_after": 2000}) == 2000


@pytest.fixture
def terminal(tmp_path, hub, monkeypatch):
    """An enrolled terminal's data dir with 700 queued events and no trusted keys."""
    for name in ("KIOSK_TRUSTED_KEYS", "KIOSK_HUB_URL", "KIOSK_CONFIG", "KIOSK_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    data = tmp_path / "data"
    hub_client.save_enrolment(data, hub.url, {"terminal_id": "t-1", "token": TOKEN,
                                              "centre": "camden"})
    ids = make_outbox_db(data / "outbox.db", 700, time_of=lambda i: time.time() - 60 + i / 100)
    return data, ids


def test_kiosk_sync_once_sends_events_even_without_trusted_keys(terminal, hub, capsys):
    data, ids = terminal
    rc = cli.main(["sync", "--once", "--json", "--data-dir", str(data)])
    out, err = capsys.readouterr()
    report = json.loads(out.strip().splitlines()[-1])
    assert rc == 1 and "no trusted content keys" in err and len(err.strip().splitlines()) == 1
    assert report["events_uploaded"] == 700 and report["events_status"] == "uploaded"
    assert report["events_queued"] == 0 and hub.stored == set(ids)
    rc = cli.main(["status", "--json", "--data-dir", str(data)])
    status = json.loads(capsys.readouterr().out)
    assert status["queued_events"] == 0 and status["rejected_events"] == 0
    assert status["last_sync"]["events_uploaded"] == 700
    assert status["last_event_upload"]["events_uploaded"] == 700


def test_kiosk_status_counts_queued_and_rejected(terminal, hub, capsys):
    data, ids = terminal
    with sqlite3.connect(data / "outbox.db") as conn:
        conn.execute("update events set sent = -1 where event_id = ?", (ids[0],))
        conn.execute("update events set sent = 1 where event_id = ?", (ids[1],))
    assert cli.main(["status", "--json", "--data-dir", str(data)]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["queued_events"] == 698 and status["rejected_events"] == 1


def test_kiosk_sync_once_with_a_revoked_token_stops_in_one_line(terminal, hub, capsys):
    data, _ = terminal
    hub_client.save_enrolment(data, hub.url, {"terminal_id": "t-1", "token": "revoked"})
    rc = cli.main(["sync", "--once", "--json", "--data-dir", str(data)])
    out, err = capsys.readouterr()
    assert rc == 1 and len(err.strip().splitlines()) == 1
    assert "refused this terminal's token (revoked?)" in err and "401" in err
    assert json.loads(out)["events_uploaded"] == 0 and hub.posts == []


def test_a_batch_that_cannot_be_marked_is_sent_again_and_counted_once(tmp_path, hub, client,
                                                                      monkeypatch):
    """Marking happens on its own thread; when it fails (a full disk, say) the cycle ends
    with an error, what was marked stays marked, and the rest is sent again next time: the
    hub counts it as duplicates, never twice."""
    db = tmp_path / "outbox.db"
    ids = make_outbox_db(db, 2500)
    real_mark = event_sync._mark
    calls = []

    def failing_mark(conn, event_ids, value):
        calls.append(len(event_ids))
        if len(calls) == 2:
            raise sqlite3.OperationalError("database or disk is full")
        real_mark(conn, event_ids, value)

    monkeypatch.setattr(event_sync, "_mark", failing_mark)
    report = uploader(db, client).run()
    assert report["status"].startswith("error: the terminal's disk is full: ")  # in words
    assert "database or disk is full" in report["status"]  # and SQLite's, for the log
    state = sent_state(db)
    assert sum(v == 1 for v in state.values()) == 1000  # the first batch only
    assert report["queued"] == 1500
    monkeypatch.setattr(event_sync, "_mark", real_mark)
    again = uploader(db, client).run()
    assert again["status"] == "uploaded" and again["queued"] == 0
    assert hub.stored == set(ids) and hub.accepted == 2500
    assert again["duplicates"] >= 1000  # the batch whose marking failed, and maybe more
    assert set(sent_state(db).values()) == {1}
