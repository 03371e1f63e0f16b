"""Talking to the hub: enrolment, the signed content manifest, content files, usage events.

One requests.Session with urllib3 retries (exponential backoff with jitter, Retry-After
honoured) on 429/500/502/503/504 and on connection failures, timeouts on every request
(connect 5 s, read 30 s) and the terminal's bearer token. Downloads stream to a `.part` file
and resume from its size with `Range: bytes=N-` after a cut connection; a server that sends
more bytes than the manifest says is cut off.

`post_events` is the exception to the retries: it is sent once (its own Session, no urllib3
Retry) and every failure comes back as a typed error carrying Retry-After, because the
uploader (`services/event_sync.py`) owns the backoff: urllib3 would sleep inside one call
for as long as a hub asked, where the uploader can give up a cycle or stop with the app.

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

from kiosk.core import files, protocol
from kiosk.core.protocol import (
    CONTENT_VERSION_HEADER,
    MAX_ACK_BYTES,
    MAX_CONFIG_BYTES,
    MAX_CONFIG_REPORT_BYTES,
    MAX_EVENTS_BODY,
    MAX_EVENTS_PER_BATCH,
    MAX_HEARTBEAT_BYTES,
    MAX_HEARTBEAT_REPLY_BYTES,
    MAX_MANIFEST_BYTES,
    MAX_SIG_BYTES,
    QUEUE_HEADER,
    SHA256_RE,
    USER_AGENT_PREFIX,
)

log = logging.getLogger(__name__)

CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 30.0
CHUNK = 64 * 1024
# What is read of an answer that is not the one asked for (an error's JSON detail): a hostile
# or broken hub's 404 of 400 MiB made `kiosk sync` grow to 1.2 GiB (issue 15). Every answer
# is read as a stream and capped: errors here, the rest by their own limits (protocol.py).
MAX_ERROR_BYTES = 16 * 1024
MAX_ENROL_REPLY_BYTES = 16 * 1024
RETRY_STATUSES = (429, 500, 502, 503, 504)
HUB_FILE = "hub.json"
# Written when the hub refuses this terminal's token (services/enrolment.py).
REFUSED_FILE = "hub-refused.json"


class HubError(Exception):
    """The hub could not be reached or answered badly; the message says which request."""


class AuthError(HubError):
    """The hub refused the token or the enrolment code (401/403)."""


class NotOffered(HubError):
    """The hub does not have this route (404): an older hub, upgraded after its terminals."""


class DownloadError(HubError):
    """A file download went wrong (too long, bad range, connection cut too often)."""


class TransientError(HubError):
    """Worth sending again later: no connection, a timeout, 429, 5xx. `retry_after` is the
    hub's Retry-After header as sent (seconds or an HTTP date), or None."""

    def __init__(self, message: str, retry_after: str | None = None, status: int | None = None):
        super().__init__(message)
        self.retry_after = retry_after
        self.status = status


class TooLargeError(HubError):
    """413: the batch is over the hub's limits (bytes or events); send smaller ones."""


class RejectedError(HubError):
    """422: the hub refused the batch as a whole because of the body or one event.
    `index` is the event the hub named ("event 3: ..."), if it named one."""

    def __init__(self, message: str, detail: str = "", index: int | None = None):
        super().__init__(message)
        self.detail = detail
        self.index = index


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
                 read_timeout: float = READ_TIMEOUT, user_agent: str | None = None,
                 content_version: int | None = None):
        """`content_version`: the installed content, told to the hub on every request (with
        the app's version in User-Agent and the event queue's depth on uploads) so admins
        see what each terminal runs (`kiosk-hub terminals`)."""
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
        from kiosk import __version__

        self.session.headers["User-Agent"] = user_agent or f"{USER_AGENT_PREFIX}{__version__}"
        # The hub never compresses; a compressed answer could inflate past any cap.
        self.session.headers["Accept-Encoding"] = "identity"
        if content_version is not None:
            self.session.headers[CONTENT_VERSION_HEADER] = str(content_version)
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"
        self._post_session: requests.Session | None = None

    def close(self) -> None:
        self.session.close()
        if self._post_session is not None:
            self._post_session.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def url(self, route: str) -> str:
        return f"{self.base_url}{protocol.path(route.lstrip('/'))}"

    def _request(self, method: str, route: str, **kwargs) -> requests.Response:
        """Always a stream: nothing of the body is read until the caller reads it, capped."""
        url = self.url(route)
        kwargs["stream"] = True
        try:
            r = self.session.request(method, url, timeout=self.timeout, **kwargs)
        except requests.exceptions.RetryError as e:
            raise HubError(f"{method} {url}: the hub kept failing ({_reason(e)})") from None
        except requests.RequestException as e:
            raise HubError(f"{method} {url}: cannot reach the hub ({_reason(e)})") from None
        _refuse_compressed(r, method, url)
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
            raise (NotOffered if r.status_code == 404 else HubError)(f"{r.request.method} {r.url}: the hub answered {r.status_code}"
                           f"{': ' + detail if detail else ''}")
        return r

    # -----------------------------------------------------------------------------------

    def enrol(self, code: str) -> dict:
        """Exchange a one-time code for {"terminal_id", "token", "centre"}."""
        r = self._check(self._request("POST", protocol.ENROL, json={"code": code}), 200)
        raw = _read_capped(r, MAX_ENROL_REPLY_BYTES)
        try:
            data = json.loads(raw) if raw is not None else None
        except ValueError:
            data = None
        if data is None:
            raise HubError(f"POST {r.url}: the answer is not an enrolment")
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
        r, raw = self._get_small(protocol.MANIFEST, MAX_MANIFEST_BYTES, headers)
        if raw is None:
            return None, None, etag
        new_etag = r.headers.get("ETag")
        _, sig = self._get_small(protocol.SIGNATURE, MAX_SIG_BYTES)
        return raw, sig, new_etag

    def get_config(self, etag: str | None = None) -> tuple[dict | None, str | None]:
        """This terminal's configuration document and its ETag; (None, etag) when
        unchanged (304). HubError when the answer is not a JSON object."""
        headers = {"If-None-Match": etag} if etag else {}
        r, raw = self._get_small(protocol.CONFIG, MAX_CONFIG_BYTES, headers)
        if raw is None:
            return None, etag
        try:
            doc = json.loads(raw)
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise HubError(f"GET {r.url}: the answer is not JSON") from None
        if not isinstance(doc, dict):
            raise HubError(f"GET {r.url}: the answer is not a configuration")
        return doc, r.headers.get("ETag")

    def post_config_report(self, report: dict) -> None:
        """Tell the hub what configuration this terminal uses (staff changes included)."""
        body = json.dumps(report, ensure_ascii=False).encode("utf-8")
        if len(body) > MAX_CONFIG_REPORT_BYTES:
            raise TooLargeError(f"configuration report of {len(body)} bytes is over the limit "
                                f"of {MAX_CONFIG_REPORT_BYTES}")
        r = self._request("POST", protocol.CONFIG_REPORT, data=body,
                          headers={"Content-Type": "application/json"})
        self._check(r, 204).close()

    def set_token(self, token: str) -> None:
        """Use `token` from now on (after a confirmed replacement)."""
        self.session.headers["Authorization"] = f"Bearer {token}"

    def post_heartbeat(self, heartbeat: dict) -> dict:
        """Send a heartbeat (core/heartbeat.py); the hub's answer, {"actions": [...]}.
        NotOffered from a hub older than heartbeats."""
        body = json.dumps(heartbeat, separators=(",", ":"), ensure_ascii=False).encode()
        if len(body) > MAX_HEARTBEAT_BYTES:
            raise TooLargeError(f"heartbeat of {len(body)} bytes is over the limit of "
                                f"{MAX_HEARTBEAT_BYTES}")
        r = self._request("POST", protocol.HEARTBEAT, data=body,
                          headers={"Content-Type": "application/json"}, stream=True)
        self._check(r, 200)
        try:
            raw = r.raw.read(MAX_HEARTBEAT_REPLY_BYTES + 1, decode_content=True)
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as e:
            raise HubError(f"POST {r.url}: the answer was cut ({_reason(e)})") from None
        finally:
            r.close()
        try:
            reply = json.loads(raw) if len(raw) <= MAX_HEARTBEAT_REPLY_BYTES else None
        except ValueError:
            reply = None
        if not isinstance(reply, dict):
            raise HubError(f"POST {r.url}: the answer is not an acknowledgement")
        return reply

    def confirm_token(self, token: str) -> None:
        """Confirm a replacement token by using it: from then on the hub takes only it.
        AuthError when the hub does not know it."""
        r = self._request("POST", protocol.TOKEN_CONFIRM,
                          headers={"Authorization": f"Bearer {token}"})
        self._check(r, 204).close()

    def post_events(self, batch: list[dict], queued: int | None = None) -> dict:
        """POST one batch of events; the hub's ack {"accepted": n, "duplicates": m}.

        Sent once: TransientError (no connection, timeout, 429, 5xx; with Retry-After),
        TooLargeError (413, or over the limits before sending), RejectedError (422),
        AuthError (401/403), HubError for anything else (404 from a hub too old to take
        events, an answer that is not an ack: a captive portal's 200 page must not count as
        delivered)."""
        url = self.url(protocol.EVENTS)
        if len(batch) > MAX_EVENTS_PER_BATCH:
            raise TooLargeError(f"POST {url}: {len(batch)} events is over the limit of "
                                f"{MAX_EVENTS_PER_BATCH}")
        body = json.dumps({"events": batch}, separators=(",", ":"),
                          ensure_ascii=False).encode("utf-8")
        if len(body) > MAX_EVENTS_BODY:
            raise TooLargeError(f"POST {url}: {len(body)} bytes is over the limit of "
                                f"{MAX_EVENTS_BODY}")
        if self._post_session is None:
            self._post_session = requests.Session()
            adapter = HTTPAdapter(max_retries=Retry(total=0, redirect=0, raise_on_status=False))
            self._post_session.mount("http://", adapter)
            self._post_session.mount("https://", adapter)
        headers = dict(self.session.headers)
        headers["Content-Type"] = "application/json"
        if queued is not None:  # events still waiting once this batch is in
            headers[QUEUE_HEADER] = str(max(0, queued))
        try:
            r = self._post_session.post(url, data=body, headers=headers, timeout=self.timeout,
                                        stream=True)
        except requests.Timeout as e:
            raise TransientError(f"POST {url}: no answer in time ({_reason(e)})") from None
        except requests.RequestException as e:
            raise TransientError(f"POST {url}: cannot reach the hub ({_reason(e)})") from None
        try:
            _refuse_compressed(r, "POST", url)
            try:
                raw = r.raw.read(MAX_ACK_BYTES + 1, decode_content=True)
            except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as e:
                raise TransientError(f"POST {url}: the answer was cut ({_reason(e)})") from None
            status = r.status_code
            detail = _detail_of(raw)
            said = f"{status}{': ' + detail if detail else ''}"
            if status in (401, 403):
                raise AuthError(f"POST {url}: refused by the hub ({said})")
            if status == 413:
                raise TooLargeError(f"POST {url}: the hub answered {said}")
            if status == 422:
                m = re.match(r"^event (\d+):", detail)
                raise RejectedError(f"POST {url}: the hub answered {said}", detail,
                                    int(m.group(1)) if m else None)
            if status == 429 or status >= 500:
                raise TransientError(f"POST {url}: the hub answered {said}",
                                     r.headers.get("Retry-After"), status)
            if status != 200:
                raise HubError(f"POST {url}: the hub answered {said}")
            try:
                ack = json.loads(raw) if len(raw) <= MAX_ACK_BYTES else None
            except ValueError:
                ack = None
            if not (isinstance(ack, dict) and all(
                    type(ack.get(k)) is int and ack[k] >= 0 for k in ("accepted", "duplicates"))):
                raise HubError(f"POST {url}: the answer is not an acknowledgement of events")
            return {"accepted": ack["accepted"], "duplicates": ack["duplicates"]}
        finally:
            r.close()

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
            r = self._request("GET", f"{protocol.FILES}/{sha256}", headers=headers, stream=True)
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
        raise DownloadError(f"GET {self.url(f'{protocol.FILES}/{sha256}')}: incomplete after "
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


def _refuse_compressed(r: requests.Response, method: str, url: str) -> None:
    encoding = r.headers.get("Content-Encoding", "identity").strip().lower()
    if encoding not in ("", "identity"):
        r.close()
        raise HubError(f"{method} {url}: the hub sent a compressed answer ({encoding[:20]}), "
                       "which it never does")


def _read_capped(r: requests.Response, cap: int) -> bytes | None:
    """At most cap bytes of a streamed answer, then the connection is closed; None when the
    answer is longer than cap or cut."""
    try:
        raw = r.raw.read(cap + 1, decode_content=False)
    except (requests.RequestException, urllib3.exceptions.HTTPError, OSError):
        return None
    finally:
        r.close()
    return raw if len(raw) <= cap else None


def _detail(r: requests.Response) -> str:
    """The "detail" of an error answer, read from at most MAX_ERROR_BYTES of it."""
    raw = _read_capped(r, MAX_ERROR_BYTES)
    return _detail_of(raw) if raw else ""


def _detail_of(raw: bytes) -> str:
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        return ""
    detail = data.get("detail") if isinstance(data, dict) else None
    return " ".join(str(detail).split())[:200] if detail else ""


def retry_after_seconds(value: str | None, now: float) -> float | None:
    """Retry-After as seconds from `now` (Unix time): it is either whole seconds or an HTTP
    date. None when absent or unreadable (the caller backs off on its own)."""
    if not value:
        return None
    value = value.strip()
    if re.fullmatch(r"\d+(\.\d+)?", value):
        return float(value)
    try:
        from email.utils import parsedate_to_datetime

        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:  # an HTTP date is GMT
        from datetime import UTC

        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - now)


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
    """Write DATA_DIR/hub.json atomically, mode 0600 from the start (it holds the token)."""
    files.private_dir(data_dir)  # 0700: the token's folder is the terminal's alone
    path = hub_file(data_dir)
    data = {"hub_url": hub_url.rstrip("/"), "terminal_id": enrolment["terminal_id"],
            "token": enrolment["token"], "centre": enrolment.get("centre", "")}
    files.write_atomic(path, json.dumps(data, indent=2) + "\n", perms=0o600)
    (Path(data_dir) / REFUSED_FILE).unlink(missing_ok=True)  # a new token: not refused yet
    return path


INSECURE_HINT = ("set allow_insecure_hub = true (KIOSK_ALLOW_INSECURE_HUB=1) only for a hub "
                 "on this machine, in development")


def check_hub_url(url: str, allow_insecure: bool = False) -> str:
    """The hub's address if the terminal may use it: https://, or http:// only when
    allow_insecure_hub is set (tokens and usage events must not travel in clear; issue
    15). HubError otherwise, saying what to do."""
    url = (url or "").strip()
    if url.startswith("https://") or (allow_insecure and url.startswith("http://")):
        return url.rstrip("/")
    if url.startswith("http://"):
        raise HubError(f"hub URL {url!r}: refused, it is not https:// (the token and usage "
                       f"events would travel in clear); use the hub's https:// address, or "
                       f"{INSECURE_HINT}")
    raise HubError(f"hub URL {url!r}: must start with https://")


def hub_address(configured: str, enrolment: dict, allow_insecure: bool = False) -> str:
    """Where this terminal sends its token: the hub it enrolled with. A hub_url setting (the
    config file, KIOSK_HUB_URL) that says otherwise is refused rather than followed, so a
    changed setting cannot send the token elsewhere (issue 15): enrol again to change
    hub."""
    enrolled = enrolment["hub_url"].rstrip("/")
    if configured and configured.strip().rstrip("/") != enrolled:
        raise HubError(f"the hub_url setting ({configured.strip()}) is not the hub this "
                       f"terminal enrolled with ({enrolled}), which alone gets its token; "
                       "remove the setting, or enrol again: kiosk enrol CODE --hub URL")
    return check_hub_url(enrolled, allow_insecure)


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
