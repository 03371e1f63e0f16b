"""The hub's API fuzzed from its own OpenAPI document (issue 15): schemathesis makes
requests, valid and not, for every operation /openapi.json describes, against a real
`kiosk-hub serve` on loopback, as an enrolled terminal and with an admin's session too.
No answer may be a 5xx, and every answer must be one the document describes (status,
content type, body schema). The number of examples is bounded so `make test` stays short;
KIOSK_FUZZ_EXAMPLES raises it (make soak)."""

from __future__ import annotations

import os
import re

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from kiosk.hub import auth
from kiosk.hub.store import Store, default_db_url
from tests.serverproc import hub_process

EXAMPLES = int(os.environ.get("KIOSK_FUZZ_EXAMPLES", "10"))
ADMIN, PASSWORD = "fuzz-admin", "correct horse battery staple"


@pytest.fixture(scope="module")
def fuzzed_hub(tmp_path_factory):
    root = tmp_path_factory.mktemp("fuzz")
    data = root / "data"
    data.mkdir()
    store = Store(default_db_url(data))
    try:
        auth.set_admin_password(store.engine, ADMIN, PASSWORD)
        _, token, _ = store.enrol(store.create_enrol_code("Fuzz Library"))
    finally:
        store.close()
    server = hub_process(data, dict(os.environ), log=root / "hub.log").start()
    try:
        s = requests.Session()
        page = s.get(server.url + "/admin/login", timeout=30)
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
        r = s.post(server.url + "/admin/login", timeout=60, allow_redirects=False,
                   data={"csrf": csrf, "name": ADMIN, "password": PASSWORD})
        assert r.status_code == 303
        yield server.url, token, s.cookies.get(auth.SESSION_COOKIE, path="/admin")
    finally:
        server.stop()


@pytest.fixture(scope="module")
def api_schema(fuzzed_hub):
    url, _, _ = fuzzed_hub
    return schemathesis.openapi.from_url(url + "/openapi.json")


def test_every_operation_answers_as_documented(api_schema, fuzzed_hub):
    """Each operation in turn, EXAMPLES cases each (Hypothesis through schemathesis's
    strategies; its pytest plugin does not load under this pytest)."""
    url, token, session = fuzzed_hub
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 8

    for operation in operations:
        # Events dated more than a day ahead or older than the hub keeps them are refused
        # (422): the schema cannot say "now", so valid-looking events may be refused there.
        # The heartbeat's and the configuration report's bodies are checked by
        # core/heartbeat.py and core/config.py, which /openapi.json describes in words
        # only (not yet as JSON Schema): there too a body the document allows may be
        # refused. Every other check holds for them (no 5xx, documented statuses, types
        # and bodies).
        loose = ("/events", "/heartbeat", "/config/report")
        excluded = [positive_data_acceptance] if operation.path.endswith(loose) else []

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def fuzz(case):
            # run at once, in this turn of the loop: the closure sees this turn's value
            case.call_and_validate(base_url=url, timeout=30, excluded_checks=excluded,  # noqa: B023
                                   headers={"Authorization": f"Bearer {token}"},
                                   cookies={auth.SESSION_COOKIE: session})

        fuzz()
