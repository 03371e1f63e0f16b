"""The hub in production, as config/ ships it: the systemd unit passes systemd's own checks
with a low exposure score, and the example nginx site, run by a real nginx with a throw-away
certificate in front of a real `kiosk-hub serve` on loopback, serves https with HSTS, sends
http to https, refuses bodies over the hub's limit, hides /metrics, and lets the hub see
https (Secure cookies) through --trusted-proxies."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import requests

from kiosk.core.protocol import MAX_EVENTS_BODY
from kiosk.hub.pages import settings_form
from tests import REPO_ROOT
from tests.serverproc import BIN, Children, ServerProcess, free_port

UNIT = REPO_ROOT / "config" / "kiosk-hub.service"
SITE = REPO_ROOT / "config" / "kiosk-hub.nginx"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def unit_here(tmp_path: Path) -> Path:
    """The unit with its ExecStart pointing at this environment's kiosk-hub (systemd checks
    that the program exists)."""
    unit = tmp_path / "kiosk-hub.service"
    unit.write_text(UNIT.read_text().replace("/opt/kiosk-hub/bin/kiosk-hub",
                                             str(BIN / "kiosk-hub")))
    return unit


def test_unit_runs_serve_with_workers_as_its_own_user_hardened(tmp_path):
    text = UNIT.read_text()
    exec_start = re.search(r"^ExecStart=(.*)$", text, re.MULTILINE).group(1).split()
    assert exec_start[:2] == ["/opt/kiosk-hub/bin/kiosk-hub", "serve"]
    assert "--workers" in exec_start and "--trusted-proxies" in exec_start
    # the same flags the program takes
    from kiosk.hub_cli import build_parser

    build_parser().parse_args(exec_start[1:])
    for line in ("User=kiosk-hub", "NoNewPrivileges=yes", "ProtectSystem=strict",
                 "ProtectHome=yes", "PrivateTmp=yes", "CapabilityBoundingSet=",
                 "StateDirectory=kiosk-hub"):
        assert re.search(rf"^{re.escape(line)}$", text, re.MULTILINE), line
    unit = unit_here(tmp_path)
    verify = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True,
                            text=True, timeout=60, check=False)
    assert verify.returncode == 0 and not verify.stderr.strip(), verify.stderr
    security = subprocess.run(["systemd-analyze", "security", "--offline=yes", str(unit)],
                              capture_output=True, text=True, timeout=60, check=False)
    score = re.search(r"Overall exposure level for \S+: ([0-9.]+)", security.stdout)
    assert score, security.stdout[-500:] + security.stderr
    assert float(score.group(1)) <= 2.0, security.stdout[-2000:]


def test_nginx_body_limit_is_the_hubs():
    limit = re.search(r"^\s*client_max_body_size (\d+)m;", SITE.read_text(), re.MULTILINE)
    assert limit and int(limit.group(1)) * 1024 * 1024 == max(MAX_EVENTS_BODY,
                                                              settings_form.MAX_FORM_BYTES)


@pytest.fixture
def behind_nginx(tmp_path):
    """(https URL, http URL, CA file) of the example site run by nginx before a real hub."""
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
                    "-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem")],
                   capture_output=True, check=True, timeout=60)
    hub_port, https_port, http_port = free_port(), free_port(), free_port()
    site = SITE.read_text()
    site = re.sub(r"^\s*listen \[::\].*\n", "", site, flags=re.MULTILINE)  # no IPv6 needed here
    site = (site.replace("127.0.0.1:8080", f"127.0.0.1:{hub_port}")
            .replace("listen 443 ssl", f"listen 127.0.0.1:{https_port} ssl")
            .replace("listen 80;", f"listen 127.0.0.1:{http_port};")
            .replace("hub.example.org", "localhost")
            .replace("/etc/letsencrypt/live/localhost/fullchain.pem", str(tmp_path / "cert.pem"))
            .replace("/etc/letsencrypt/live/localhost/privkey.pem", str(tmp_path / "key.pem")))
    (tmp_path / "site.conf").write_text(site)
    for d in ("body", "proxy"):
        (tmp_path / d).mkdir()
    (tmp_path / "nginx.conf").write_text(f"""
daemon off;
user root root;
worker_processes 1;
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {tmp_path}/body;
    proxy_temp_path {tmp_path}/proxy;
    fastcgi_temp_path {tmp_path}/proxy;
    uwsgi_temp_path {tmp_path}/proxy;
    scgi_temp_path {tmp_path}/proxy;
    include {tmp_path}/site.conf;
}}
""")
    check = subprocess.run([NGINX, "-t", "-c", str(tmp_path / "nginx.conf")],
                           capture_output=True, text=True, timeout=60, check=False)
    assert check.returncode == 0, check.stderr
    hub = ServerProcess([BIN / "kiosk-hub", "serve", "--data-dir", tmp_path / "hub", "--host",
                         "127.0.0.1", "--port", hub_port, "--trusted-proxies", "127.0.0.1"],
                        port=hub_port, probe="/readyz", log=tmp_path / "hub.log")
    with hub, Children() as kids:
        kids.popen([NGINX, "-c", tmp_path / "nginx.conf"], stdin=subprocess.DEVNULL,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        https = f"https://localhost:{https_port}"
        deadline, last = time.monotonic() + 30, None
        while True:
            try:
                requests.get(https + "/healthz", verify=str(tmp_path / "cert.pem"), timeout=5)
                break
            except requests.RequestException as e:
                last = e
            assert time.monotonic() < deadline, f"nginx did not answer: {last}; " + \
                (tmp_path / "error.log").read_text(errors="replace")[-500:]
            time.sleep(0.1)
        yield https, f"http://localhost:{http_port}", str(tmp_path / "cert.pem")


def test_nginx_site_in_front_of_the_hub(behind_nginx):
    https, http, ca = behind_nginx
    r = requests.get(https + "/readyz", verify=ca, timeout=10)
    assert r.status_code == 200
    assert r.headers["Strict-Transport-Security"] == "max-age=63072000; includeSubDomains"
    r = requests.get(http + "/readyz", allow_redirects=False, timeout=10)
    assert r.status_code == 301 and r.headers["Location"].startswith("https://localhost")
    r = requests.post(https + "/api/v1/events", data=b"x" * (MAX_EVENTS_BODY + 4096),
                      verify=ca, timeout=30)
    assert r.status_code == 413
    assert requests.get(https + "/metrics", verify=ca, timeout=10).status_code == 404
    # The hub believes nginx: the page came over https, so its cookie is Secure.
    r = requests.get(https + "/admin/login", verify=ca, timeout=10)
    assert r.status_code == 200
    cookie = r.headers.get("Set-Cookie", "")
    assert "kiosk_admin_login=" in cookie and "Secure" in cookie, cookie
