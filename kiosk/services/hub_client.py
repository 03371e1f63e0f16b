"""Talking to the hub: enrolment, the signed content manifest, content files.

One requests.Session with urllib3 retries (exponential backoff with jitter, Retry-After
honoured) on 429/500/502/503/504 and on connection failures, timeouts on every request
(connect 5 s, read 30 s) and the terminal's bearer token. Downloads stream to a `.part` file
and resume from its size with `Range: bytes=N-` after a cut connection; a server that sends
more bytes than the manifest says is cut off.

The enrolment (hub URL, terminal id, token, centre) lives in DATA_DIR/hub.json, mode 0600.

No Kivy here: `kiosk sync --once` and the app's background sync both use it.
"""

from __future__ import annotations

import json
import logging
import os
import re
from pathlib import Path

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

log = logging.getLogger(__name__)

API = "/api/v1"
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 30.0
CHUNK = 64 * 1024
MAX_MANIFEST_BYTES = 1_000_000
MAX_SIG_BYTES = 4_096
RETRY_STATUSES = (429, 500, 502, 503, 504)
HUB_FILE = "hub.json"
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


class HubError(Exception):
    """The hub could not be reached or answered badly; the message says which request."""


class AuthError(HubError):
    """The hub refused the token or the enrolment code (401/403)."""


class DownloadError(HubError):
    """A file download went wrong (too long, bad range, connection cut too often)."""


def make_retry(total: int = 5, backoff_factor: float = 0.5, backoff_max: float = 60.0,
               allowed_methods=frozenset({"GET", "HEAD"})) -> Retry:
    kwargs = {"total": total, "connect": total, "read": total, "status": total,
              "backoff_factor": backoff_factor, "status_forcelist": RETRY_STATUSES,
              "allowed_methods": allowed_methods, "respect_retry_after_header": True,
              "raise_on_status": False}
    try:  # urllib3 >= 2: backoff_jitter and backoff_max are constructor arguments
        return Retry(**kwargs, backoff_jitter=min(1.0, backoff_factor), backoff_max=backoff_max)
    except TypeError:  # older urllib3: no jitter
        return Retry(**kwargs)


class HubClient:
    def __init__(self, base_url: str, token: str | None = None, *, retries: int = 5,
                 backoff_factor: float = 0.5, connect_timeout: float = CONNECT_TIMEOUT,
                 read_timeout: float = READ_TIMEOUT, user_agent: str = "kiosk"):
        if not base_url or not re.match(r"^https?://", base_url):
            raise HubError(f"hub URL {base_url!r}: must start with http:// or https://")
        self.base_url = base_url.rstrip("/")
        self.timeout = (connect_timeout, read_timeout)
        self.retries = retries
        self.session = requests.Session()
        # POST (enrolment) is not retried on a status: a one-time code must not be spent twice.
        adapter = HTTPAdapter(max_retries=make_retry(retries, backoff_factor))
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers["User-Agent"] = user_agent
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def close(self) -> None:
        self.session.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def url(self, route: str) -> str:
        return f"{self.base_url}{API}/{route.lstrip('/')}"

    def _request(self, method: str, route: str, **kwargs) -> requests.Response:
        url = self.url(route)
        try:
            r = self.session.request(method, url, timeout=self.timeout, **kwargs)
        except requests.exceptions.RetryError as e:
            raise HubError(f"{method} {url}: the hub kept failing ({_reason(e)})") from None
        except requests.RequestException as e:
            raise HubError(f"{method} {url}: cannot reach the hub ({_reason(e)})") from None
        if r.status_code in (401, 403):
            detail = _detail(r)
            r.close()
            raise AuthError(f"{method} {url}: refused by the hub ({r.status_code}"
                            f"{': ' + detail if detail else ''})")
        return r

    @staticmethod
    def _check(r: requests.Response, *ok: int) -> requests.Response:
        if r.status_code not in ok:
            detail = _detail(r)
            r.close()
            raise HubError(f"{r.request.method} {r.url}: the hub answered {r.status_code}"
                           f"{': ' + detail if detail else ''}")
        return r

    # -----------------------------------------------------------------------------------

    def enrol(self, code: str) -> dict:
        """Exchange a one-time code for {"terminal_id", "token", "centre"}."""
        r = self._check(self._request("POST", "enrol", json={"code": code}), 200)
        try:
            data = r.json()
        except ValueError:
            raise HubError(f"POST {r.url}: the answer is not JSON") from None
        if not isinstance(data, dict) or not all(
                isinstance(data.get(k), str) and data.get(k) for k in ("terminal_id", "token")):
            raise HubError(f"POST {r.url}: the answer lacks terminal_id or token")
        centre = data.get("centre")
        return {"terminal_id": data["terminal_id"], "token": data["token"],
                "centre": "" if centre is None else str(centre)}

    def _get_small(self, route: str, cap: int, headers: dict | None = None
                   ) -> tuple[requests.Response, bytes | None]:
        r = self._request("GET", route, headers=headers or {}, stream=True)
        if r.status_code == 304:
            r.close()
            return r, None
        self._check(r, 200)
        try:
            declared = int(r.headers.get("Content-Length", "0"))
        except ValueError:
            declared = 0
        if declared > cap:
            r.close()
            raise HubError(f"GET {r.url}: {declared} bytes is over the limit of {cap}")
        body = bytearray()
        try:
            for chunk in r.iter_content(CHUNK):
                body += chunk
                if len(body) > cap:
                    raise HubError(f"GET {r.url}: the answer is over the limit of {cap} bytes")
        except requests.RequestException as e:
            raise HubError(f"GET {r.url}: the connection failed ({_reason(e)})") from None
        finally:
            r.close()
        return r, bytes(body)

    def get_manifest(self, etag: str | None = None) -> tuple[bytes | None, bytes | None, str | None]:
        """(manifest bytes, signature bytes, ETag); (None, None, etag) when unchanged (304)."""
        headers = {"If-None-Match": etag} if etag else {}
        r, raw = self._get_small("content/manifest.json", MAX_MANIFEST_BYTES, headers)
        if raw is None:
            return None, None, etag
        new_etag = r.headers.get("ETag")
        _, sig = self._get_small("content/manifest.sig", MAX_SIG_BYTES)
        return raw, sig, new_etag

    def download(self, sha256: str, dest_part: str | Path, expected_size: int,
                 attempts: int = 5, progress=None) -> int:
        """Fetch files/<sha256> into dest_part, resuming from its size; returns the bytes
        fetched over the network. Never writes more than expected_size bytes. The caller
        checks the hash (and renames the .part file)."""
        if not SHA256_RE.fullmatch(sha256):
            raise DownloadError(f"{sha256!r}: not a SHA-256")
        part = Path(dest_part)
        part.parent.mkdir(parents=True, exist_ok=True)
        fetched = 0
        last_error = ""
        for _ in range(max(1, attempts)):
            have = part.stat().st_size if part.exists() else 0
            if have > expected_size:  # left over from something else: start again
                part.unlink()
                have = 0
            if have == expected_size:
                return fetched
            headers = {"Accept-Encoding": "identity"}  # ranges count the file's own bytes
            if have:
                headers["Range"] = f"bytes={have}-"
            r = self._request("GET", f"content/files/{sha256}", headers=headers, stream=True)
            try:
                if r.status_code == 416:  # our .part is odd; start from nothing
                    part.unlink(missing_ok=True)
                    last_error = "416 Range Not Satisfiable"
                    continue
                self._check(r, 200, 206)
                if r.status_code == 206:
                    start = _range_start(r.headers.get("Content-Range", ""))
                    if start != have:
                        raise DownloadError(f"GET {r.url}: asked for bytes from {have}, the "
                                            f"hub sent {r.headers.get('Content-Range')!r}")
                    mode = "ab"
                else:  # 200: the whole file (the hub ignored the range)
                    have, mode = 0, "wb"
                try:
                    with part.open(mode) as f:
                        for chunk in _body_chunks(r):
                            if have + len(chunk) > expected_size:
                                f.write(chunk[:expected_size - have])
                                raise DownloadError(
                                    f"GET {r.url}: the hub sent more than the {expected_size}"
                                    " bytes the manifest says (cut off)")
                            f.write(chunk)
                            have += len(chunk)
                            fetched += len(chunk)
                            if progress:
                                progress(len(chunk))
                        f.flush()
                        os.fsync(f.fileno())
                except (requests.RequestException, urllib3.exceptions.HTTPError,
                        OSError) as e:  # cut mid-file: resume from .part
                    last_error = _reason(e)
                    log.warning("download of %s cut at %d bytes (%s); resuming", sha256, have,
                                last_error)
                    continue
                if have == expected_size:
                    return fetched
                last_error = f"the file ended at {have} of {expected_size} bytes"
            finally:
                r.close()
        raise DownloadError(f"GET {self.url('content/files/' + sha256)}: incomplete after "
                            f"{attempts} attempts ({last_error})")


def _body_chunks(r: requests.Response):
    """The body as it arrives: read1() hands over what came before a cut connection, where
    iter_content() would drop a partly filled chunk."""
    raw = r.raw
    if not hasattr(raw, "read1"):  # urllib3 < 2
        yield from r.iter_content(CHUNK)
        return
    while True:
        chunk = raw.read1(CHUNK, decode_content=True)
        if not chunk:
            break
        yield chunk


def _range_start(content_range: str) -> int | None:
    m = re.match(r"^\s*bytes\s+(\d+)-(\d+)/(\d+|\*)\s*$", content_range)
    return int(m.group(1)) if m else None


def _detail(r: requests.Response) -> str:
    try:
        data = r.json()
    except ValueError:
        return ""
    detail = data.get("detail") if isinstance(data, dict) else None
    return str(detail)[:200] if detail else ""


def _reason(e: Exception) -> str:
    """The innermost useful message of a requests/urllib3 error, on one line."""
    seen = e
    while True:
        nxt = getattr(seen, "reason", None) or (seen.args[0] if seen.args and
                                                isinstance(seen.args[0], Exception) else None)
        if not isinstance(nxt, Exception) or nxt is seen:
            break
        seen = nxt
    text = str(seen) or type(seen).__name__
    return " ".join(text.split())[:300]


# ---------------------------------------------------------------------------------------
# The enrolment on disk

def hub_file(data_dir: str | Path) -> Path:
    return Path(data_dir) / HUB_FILE


def save_enrolment(data_dir: str | Path, hub_url: str, enrolment: dict) -> Path:
    """Write DATA_DIR/hub.json (mode 0600) atomically."""
    path = hub_file(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"hub_url": hub_url.rstrip("/"), "terminal_id": enrolment["terminal_id"],
            "token": enrolment["token"], "centre": enrolment.get("centre", "")}
    tmp = path.with_name(f".{HUB_FILE}.tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    os.chmod(path, 0o600)
    return path


def load_enrolment(data_dir: str | Path) -> dict | None:
    """DATA_DIR/hub.json as a dict, None if not enrolled; HubError if unreadable."""
    path = hub_file(data_dir)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise HubError(f"{path}: cannot be read ({e}); enrol again") from None
    if not isinstance(data, dict) or not all(isinstance(data.get(k), str) and data.get(k)
                                             for k in ("hub_url", "terminal_id", "token")):
        raise HubError(f"{path}: lacks hub_url, terminal_id or token; enrol again")
    return data
