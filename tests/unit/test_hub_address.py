"""Where a terminal sends its token (issue 15, findings 4 and 10): only to the hub it
enrolled with, and only over https:// unless allow_insecure_hub is set for development. A
counting server on loopback stands for the place the token must not go."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from kiosk import cli
from kiosk.services import hub_client


class Counting(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.seen: list[str] = []
        self.url = f"http://127.0.0.1:{self.server_address[1]}"


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass

    def answer(self) -> None:
        self.server.seen.append(self.headers.get("Authorization") or "")  # type: ignore[attr-defined]
        self.send_response(401)  # refused at once: no retries to wait for
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_POST = answer


@pytest.fixture
def elsewhere():
    server = Counting()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


@pytest.fixture
def enrolled(tmp_path, monkeypatch):
    data = tmp_path / "data"
    data.mkdir()
    hub_client.save_enrolment(data, "https://hub.example.org",
                              {"terminal_id": "t1", "token": "secret-token", "centre": "c"})
    for name in ("KIOSK_HUB_URL", "KIOSK_ALLOW_INSECURE_HUB", "KIOSK_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    return data


def test_a_hub_url_setting_does_not_send_the_token_elsewhere(enrolled, elsewhere,
                                                             monkeypatch, capsys):
    monkeypatch.setenv("KIOSK_HUB_URL", elsewhere.url)
    monkeypatch.setenv("KIOSK_ALLOW_INSECURE_HUB", "1")
    rc = cli.main(["sync", "--once", "--data-dir", str(enrolled)])
    assert rc != 0
    assert "not the hub this terminal enrolled with" in capsys.readouterr().err
    assert elsewhere.seen == []  # not one request, so not the token
    cli.main(["status", "--json", "--data-dir", str(enrolled)])
    status = json.loads(capsys.readouterr().out)
    assert "not the hub this terminal enrolled with" in status["hub_problem"]


def test_an_http_hub_is_refused_unless_allowed(tmp_path, elsewhere, monkeypatch, capsys):
    monkeypatch.delenv("KIOSK_ALLOW_INSECURE_HUB", raising=False)
    data = tmp_path / "data"
    rc = cli.main(["enrol", "ABCD-EFGH", "--hub", elsewhere.url, "--data-dir", str(data)])
    err = capsys.readouterr().err
    assert rc != 0 and "https://" in err and "allow_insecure_hub" in err
    assert elsewhere.seen == []
    # Enrolled over http:// earlier (or by hand): sync refuses too, and status says why.
    hub_client.save_enrolment(data, elsewhere.url,
                              {"terminal_id": "t1", "token": "secret-token", "centre": "c"})
    assert cli.main(["sync", "--once", "--data-dir", str(data)]) != 0
    assert elsewhere.seen == []
    capsys.readouterr()
    cli.main(["status", "--json", "--data-dir", str(data)])
    status = json.loads(capsys.readouterr().out)
    assert status["hub_insecure"] and "not https://" in status["hub_problem"]
    # Allowed, for development: it goes through, and status says it is insecure.
    monkeypatch.setenv("KIOSK_ALLOW_INSECURE_HUB", "1")
    cli.main(["sync", "--once", "--data-dir", str(data)])
    assert elsewhere.seen and elsewhere.seen[0] == "Bearer secret-token"
    capsys.readouterr()
    cli.main(["status", "--data-dir", str(data)])
    assert "INSECURE" in capsys.readouterr().out
