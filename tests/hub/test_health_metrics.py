"""The hub's own health for monitoring: /healthz, /readyz (database and migrations), /metrics
(parsed with prometheus_client's own parser; a real `kiosk-hub serve --workers 2` adds its
workers' figures up), and JSON-lines request logs without tokens or query strings."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from kiosk.core import events
from kiosk.hub import migrate
from kiosk.hub.app import create_app
from kiosk.hub.settings import HubSettings
from kiosk.hub.store import Store
from tests.hubtools import running
from tests.serverproc import hub_process

TOKEN = "metrics-token-0123456789"


def samples(text: str) -> dict[tuple, float]:
    """{(name, sorted labels): value} of a Prometheus text exposition."""
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def total(found: dict, name: str, **labels) -> float:
    return sum(v for (n, ls), v in found.items() if n == name
               and all(dict(ls).get(k) == w for k, w in labels.items()))


@pytest.fixture
def hub(tmp_path, hub_db_url):
    app = create_app(HubSettings(data_dir=tmp_path / "data", db=hub_db_url))
    with running(app) as base:
        yield app, base


def test_healthz_and_readyz_need_no_token_and_say_nothing_else(hub):
    app, base = hub
    r = requests.get(base + "/healthz", timeout=10)
    assert r.status_code == 200 and r.json() == {"status": "ok"}
    r = requests.get(base + "/readyz", timeout=10)
    assert r.status_code == 200 and r.json() == {"status": "ready"}
    # Migrations not current (an upgrade half done, say): not ready, and no detail why.
    migrate.downgrade(app.state.store.engine, "0006")
    r = requests.get(base + "/readyz", timeout=10)
    assert r.status_code == 503 and r.json() == {"status": "not ready"}
    migrate.upgrade(app.state.store.engine)
    assert requests.get(base + "/readyz", timeout=10).status_code == 200


def test_metrics_count_requests_by_route_events_and_terminals(hub):
    app, base = hub
    store = app.state.store
    tid, token, _ = store.enrol(store.create_enrol_code("Peckham Library"))
    auth = {"Authorization": f"Bearer {token}"}
    # Counters are per process (tests share one): what changed since this scrape counts.
    before = samples(requests.get(base + "/metrics", timeout=10).text)
    sid = events.new_session_id()
    batch = [events.make("k", "c", sid, "screen_view", time.time()) for _ in range(5)]
    for _ in range(2):  # the second time: duplicates
        assert requests.post(base + "/api/v1/events", json={"events": batch}, headers=auth,
                             timeout=10).status_code == 200
    bad = dict(batch[0], type="not-a-type")
    assert requests.post(base + "/api/v1/events", json={"events": [bad]}, headers=auth,
                         timeout=10).status_code == 422
    requests.get(base + f"/admin/fleet/{tid}", timeout=10)
    r = requests.get(base + "/metrics", timeout=10)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    found = samples(r.text)

    def more(name, **labels):
        return total(found, name, **labels) - total(before, name, **labels)

    assert more("kiosk_hub_requests_total", route="/api/v1/events", status="200") == 2
    assert more("kiosk_hub_requests_total", route="/api/v1/events", status="422") == 1
    assert more("kiosk_hub_requests_total", route="/admin/fleet/{terminal_id}") == 1
    assert tid not in r.text and token not in r.text  # templates, never paths
    assert more("kiosk_hub_request_duration_seconds_count", route="/api/v1/events") == 3
    assert more("kiosk_hub_events_ingested_total", result="stored") == 5
    assert more("kiosk_hub_events_ingested_total", result="duplicate") == 5
    assert more("kiosk_hub_events_refused_total", reason="invalid") == 1
    assert total(found, "kiosk_hub_terminals", status="ok") == 1
    assert total(found, "kiosk_hub_terminals") == 1
    assert ("kiosk_hub_db_pool_connections", (("state", "in_use"),)) in found


def test_metrics_with_a_token_need_it_even_from_this_machine(tmp_path):
    app = create_app(HubSettings(data_dir=tmp_path / "data", metrics_token=TOKEN))
    with running(app) as base:
        assert requests.get(base + "/metrics", timeout=10).status_code == 404
        assert requests.get(base + "/metrics", timeout=10, headers={
            "Authorization": "Bearer wrong-token-0123456789"}).status_code == 404
        r = requests.get(base + "/metrics", timeout=10,
                         headers={"Authorization": f"Bearer {TOKEN}"})
        assert r.status_code == 200 and "kiosk_hub_terminals" in r.text


def test_metrics_add_up_across_workers_and_logs_are_json_lines(tmp_path, pg_url):
    """A real `kiosk-hub serve --workers 2` on PostgreSQL, JSON logs: requests spread over
    both workers, and a scrape counts every one of them."""
    data = tmp_path / "hub"
    data.mkdir()
    store = Store(pg_url)
    _, token, _ = store.enrol(store.create_enrol_code("Peckham Library"))
    store.close()
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    env["KIOSK_LOG_FORMAT"] = "json"
    log = tmp_path / "serve.log"
    n = 120
    with hub_process(data, env, db_url=pg_url, workers=2, log=log, probe="/healthz") as hub:
        def hit(k: int) -> None:
            for _ in range(k):  # a new connection each time: the kernel picks a worker
                with requests.Session() as s:
                    s.get(hub.url + "/healthz?token=secret-in-query", timeout=30,
                          headers={"Authorization": f"Bearer {token}"})

        # Until both workers have served some (the kernel decides which one accepts).
        deadline = time.monotonic() + 60
        while True:
            threads = [threading.Thread(target=hit, args=(n // 6,)) for _ in range(6)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            counters = list((data / "metrics").glob("counter_*.db"))
            if len(counters) >= 2 or time.monotonic() > deadline:
                break
        r = requests.get(hub.url + "/metrics", timeout=30)
        assert r.status_code == 200
        found = samples(r.text)
        probes = sum(1 for line in log.read_text().splitlines()
                     if '"route": "/healthz"' in line)
    assert len(counters) >= 2, "both workers should have served requests"
    assert total(found, "kiosk_hub_requests_total", route="/healthz") == probes >= n
    assert total(found, "kiosk_hub_terminals", status="ok") == 1
    lines = [json.loads(line) for line in log.read_text().splitlines()
             if line.startswith("{")]
    requests_logged = [x for x in lines if x.get("event") == "request"]
    assert len(requests_logged) >= n
    assert {"time", "method", "route", "status", "ms"} <= set(requests_logged[0])
    text = log.read_text()
    assert token not in text and "secret-in-query" not in text
    assert all(line.startswith("{") for line in text.splitlines() if line.strip()), \
        [line for line in text.splitlines() if not line.startswith("{")][:3]


def test_a_bad_log_format_stops_the_server_with_one_line(tmp_path):
    import subprocess

    from tests.serverproc import BIN

    r = subprocess.run([BIN / "kiosk-hub", "serve", "--data-dir", tmp_path],
                       env={**os.environ, "KIOSK_LOG_FORMAT": "xml"}, capture_output=True,
                       text=True, timeout=60, check=False)
    assert r.returncode == 1 and "log_format must be text or json" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert Path(tmp_path).exists()
