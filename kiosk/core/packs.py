"""Signed content packs: build one from a content source, verify one before using it.

A pack is a directory (docs/content-format.md, "Content packs"):

    PACK/manifest.json   canonical JSON: format, version, created, expires, languages, files
    PACK/manifest.sig    {"key_id": ..., "signature": base64 Ed25519 over manifest.json's bytes}
    PACK/files/<sha256>  the content files, named by their SHA-256 (content-addressed)

Keys are Ed25519 (PyNaCl). `publisher.key` holds `ed25519-secret:<base64 seed>`;
`publisher.pub`, and a KIOSK_TRUSTED_KEYS file, hold lines `ed25519:<base64 key> <name>`.

verify() trusts nothing in the pack: it caps every size before reading, reads in chunks and
stops as soon as a file is longer than the manifest says, and refuses each attack with its own
PackError subclass whose message names the file and the field at fault.

Pure Python: no Kivy, no network.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import json
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import Any

from nacl import exceptions as nacl_exceptions
from nacl import signing

from kiosk.core import content, languages
from kiosk.core.files import write_atomic
from kiosk.core.protocol import (
    MAX_FILE_BYTES,
    MAX_MANIFEST_BYTES,
    MAX_PATH_CHARS,
    MAX_SIG_BYTES,
    SHA256_RE,
)

FORMAT = 1
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
FILES = "files"
CHUNK = 64 * 1024
SECRET_PREFIX = "ed25519-secret:"
PUBLIC_PREFIX = "ed25519:"
MANIFEST_KEYS = {"format", "version", "created", "expires", "languages", "files"}
FILE_KEYS = {"path", "sha256", "size"}

Progress = Callable[[int, int], None]


# ---------------------------------------------------------------------------------------
# Errors: one class per thing that can be wrong, all PackError (a ValueError).

class PackError(ValueError):
    """Something wrong with a pack or a key file; the message names the file and field."""


class KeyFileError(PackError):
    """A key file that cannot be read or parsed."""


class ManifestTooLargeError(PackError):
    pass


class ManifestMalformedError(PackError):
    """manifest.json is not well-formed UTF-8 JSON."""


class ManifestSchemaError(PackError):
    """manifest.json is JSON but a field is missing, of the wrong type or not allowed."""


class SignatureError(PackError):
    """manifest.sig is missing, malformed, or does not match manifest.json."""


class UnknownKeyError(SignatureError):
    """The pack is signed by a key that is not trusted."""


class ExpiredError(PackError):
    pass


class MissingFileError(PackError):
    pass


class SizeMismatchError(PackError):
    """A file's size differs from the manifest (truncated, or longer: endless data)."""


class FileTooLargeError(PackError):
    """A content file over MAX_FILE_BYTES, refused when a pack is built."""


class HashMismatchError(PackError):
    pass


class ExtraFileError(PackError):
    """The pack holds a file the manifest does not list (mix-and-match)."""


# ---------------------------------------------------------------------------------------
# Keys

def key_id(public_key: bytes) -> str:
    """A key's id: the first 16 hex characters of the SHA-256 of its 32 public bytes."""
    return hashlib.sha256(public_key).hexdigest()[:16]


@dataclass(frozen=True)
class TrustedKey:
    name: str
    verify_key: signing.VerifyKey

    @property
    def key_id(self) -> str:
        return key_id(bytes(self.verify_key))


def public_key_line(verify_key: signing.VerifyKey, name: str) -> str:
    return f"{PUBLIC_PREFIX}{base64.b64encode(bytes(verify_key)).decode('ascii')} {name}"


def generate_keypair(out_dir: str | Path, name: str = "publisher") -> tuple[Path, Path]:
    """Write out_dir/publisher.key (secret, mode 0600) and out_dir/publisher.pub.

    Refuses to overwrite an existing key: losing a publisher's key is not undoable.
    """
    if not name or any(c in name for c in "\r\n") or name != name.strip():
        raise KeyFileError(f"key name {name!r}: must be one line without surrounding spaces")
    out = Path(out_dir)
    key_path, pub_path = out / "publisher.key", out / "publisher.pub"
    for p in (key_path, pub_path):
        if p.exists():
            raise KeyFileError(f"{p}: already exists (refusing to overwrite a key)")
    out.mkdir(parents=True, exist_ok=True)
    sk = signing.SigningKey.generate()
    seed = base64.b64encode(bytes(sk)).decode("ascii")
    # Durable before we say it exists: a publisher's only copy of its key may be this one.
    write_atomic(key_path, f"{SECRET_PREFIX}{seed}\n", perms=0o600)
    write_atomic(pub_path, public_key_line(sk.verify_key, name) + "\n")
    return key_path, pub_path


def _read_small_text(path: Path, cap: int, error: type[PackError]) -> str:
    try:
        with path.open("rb") as f:
            data = f.read(cap + 1)
    except FileNotFoundError:
        raise error(f"{path}: no such file") from None
    except IsADirectoryError:
        raise error(f"{path}: is a directory, not a key file") from None
    except OSError as e:
        raise error(f"{path}: cannot be read ({e.strerror or e})") from None
    if len(data) > cap:
        raise error(f"{path}: is larger than {cap} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise error(f"{path}: is not UTF-8 ({e.reason} at byte {e.start})") from None


def _b64_32(text: str, where: str, what: str) -> bytes:
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise KeyFileError(f"{where}: the {what} is not valid base64") from None
    if len(raw) != 32:
        raise KeyFileError(f"{where}: the {what} must be 32 bytes, not {len(raw)}")
    return raw


def load_secret_key(path: str | Path) -> signing.SigningKey:
    """Read a publisher.key file (`ed25519-secret:<base64 32-byte seed>`)."""
    path = Path(path)
    lines = [ln.strip() for ln in _read_small_text(path, 4096, KeyFileError).splitlines()]
    lines = [ln for ln in lines if ln and not ln.startswith("#")]
    if len(lines) != 1 or not lines[0].startswith(SECRET_PREFIX):
        hint = " (this is a public key; use publisher.key)" if lines and \
            lines[0].startswith(PUBLIC_PREFIX) else ""
        raise KeyFileError(f"{path}: not a secret key file: expected one line "
                           f"'{SECRET_PREFIX}<base64>'{hint}")
    seed = _b64_32(lines[0][len(SECRET_PREFIX):], f"{path}: line 1", "secret key")
    return signing.SigningKey(seed)


def load_trusted_keys(path: str | Path) -> dict[str, TrustedKey]:
    """Read a trusted keys file: `ed25519:<base64> <name>` lines, `#` comments, blank lines.

    Returns {key id: TrustedKey}. Errors name the file and the line.
    """
    path = Path(path)
    text = _read_small_text(path, MAX_MANIFEST_BYTES, KeyFileError)
    keys: dict[str, TrustedKey] = {}
    for n, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        where = f"{path}: line {n}"
        if line.startswith(SECRET_PREFIX):
            raise KeyFileError(f"{where}: is a secret key; trusted keys files hold public keys")
        if not line.startswith(PUBLIC_PREFIX):
            raise KeyFileError(f"{where}: expected '{PUBLIC_PREFIX}<base64 key> <name>'")
        b64, _, name = line[len(PUBLIC_PREFIX):].partition(" ")
        raw = _b64_32(b64, where, "public key")
        tk = TrustedKey(name.strip() or key_id(raw), signing.VerifyKey(raw))
        if tk.key_id in keys:
            raise KeyFileError(f"{where}: key {tk.key_id} is listed twice")
        keys[tk.key_id] = tk
    if not keys:
        raise KeyFileError(f"{path}: holds no public keys")
    return keys


# ---------------------------------------------------------------------------------------
# The manifest

@dataclass(frozen=True)
class FileEntry:
    path: str
    sha256: str
    size: int


@dataclass(frozen=True)
class Manifest:
    format: int
    version: int
    created: datetime
    expires: datetime
    languages: tuple[str, ...]
    files: tuple[FileEntry, ...]
    key_id: str = ""
    signer: str = ""

    @property
    def total_bytes(self) -> int:
        return sum(f.size for f in self.files)


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def canonical_json(data: Any) -> bytes:
    """Sorted keys, no whitespace, UTF-8: the exact bytes that are signed."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def _fail(field: str, problem: str) -> ManifestSchemaError:
    return ManifestSchemaError(f"{MANIFEST}: field {field!r}: {problem}")


def check_path(p: Any, field: str) -> str:
    """A file path in a pack: relative, POSIX, no '..', '.', empty parts or backslashes."""
    if not isinstance(p, str) or not p:
        raise _fail(field, "must be a non-empty string")
    if len(p) > MAX_PATH_CHARS:
        raise _fail(field, f"path is longer than {MAX_PATH_CHARS} characters")
    if "\\" in p:
        raise _fail(field, f"{p!r}: backslashes are not allowed (use '/')")
    if any(ord(c) < 32 or ord(c) == 127 for c in p):
        raise _fail(field, f"{p!r}: control characters are not allowed")
    if p.startswith("/") or re.match(r"^[A-Za-z]:", p):
        raise _fail(field, f"{p!r}: absolute paths are not allowed")
    parts = p.split("/")
    if ".." in parts:
        raise _fail(field, f"{p!r}: '..' (path traversal) is not allowed")
    if any(part in ("", ".") for part in parts):
        raise _fail(field, f"{p!r}: empty or '.' path parts are not allowed")
    return p


def _date(data: dict, key: str) -> datetime:
    value = data[key]
    if not isinstance(value, str):
        raise _fail(key, "must be an ISO date-time string in UTC, like 2025-01-31T12:00:00Z")
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        raise _fail(key, f"{value!r} is not an ISO date-time") from None
    if dt.tzinfo is None or dt.utcoffset() != timedelta(0):
        raise _fail(key, f"{value!r} must be in UTC (end with Z)")
    return dt


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict:
    seen: dict[str, Any] = {}
    for k, v in pairs:
        if k in seen:
            raise ValueError(f"duplicate key {k!r}")
        seen[k] = v
    return seen


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


def parse_manifest(raw: bytes) -> Manifest:
    """Parse and check manifest bytes (no signature check): schema errors name the field."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ManifestMalformedError(f"{MANIFEST}: is not UTF-8 ({e.reason} at byte "
                                     f"{e.start})") from None
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicate_keys,
                          parse_constant=_reject_constant)
    except json.JSONDecodeError as e:
        raise ManifestMalformedError(f"{MANIFEST}: is not valid JSON: {e.msg} at line "
                                     f"{e.lineno}, column {e.colno}") from None
    except (ValueError, RecursionError) as e:
        raise ManifestMalformedError(f"{MANIFEST}: is not valid JSON: {e}") from None
    if not isinstance(data, dict):
        raise ManifestSchemaError(f"{MANIFEST}: must be a JSON object")
    for key in sorted(MANIFEST_KEYS):
        if key not in data:
            raise _fail(key, "is missing")
    extra = sorted(set(data) - MANIFEST_KEYS)
    if extra:
        raise _fail(extra[0], "is not a known field")
    if data["format"] != FORMAT or isinstance(data["format"], bool):
        raise _fail("format", f"must be {FORMAT}, not {data['format']!r}")
    version = data["version"]
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise _fail("version", f"must be a whole number of at least 1, not {version!r}")
    created, expires = _date(data, "created"), _date(data, "expires")
    if expires <= created:
        raise _fail("expires", "must be after 'created'")
    langs = data["languages"]
    if not isinstance(langs, list) or not langs:
        raise _fail("languages", "must be a non-empty list of language codes")
    for i, code in enumerate(langs):
        if not isinstance(code, str) or not languages.is_known(code):
            raise _fail(f"languages[{i}]", f"invalid language code {code!r}")
    if len(set(langs)) != len(langs):
        raise _fail("languages", "language codes must be unique")
    files = data["files"]
    if not isinstance(files, list) or not files:
        raise _fail("files", "must be a non-empty list")
    entries: list[FileEntry] = []
    seen: set[str] = set()
    for i, f in enumerate(files):
        fp = f"files[{i}]"
        if not isinstance(f, dict):
            raise _fail(fp, "must be an object with path, sha256 and size")
        for key in sorted(FILE_KEYS):
            if key not in f:
                raise _fail(f"{fp}.{key}", "is missing")
        extra = sorted(set(f) - FILE_KEYS)
        if extra:
            raise _fail(f"{fp}.{extra[0]}", "is not a known field")
        path = check_path(f["path"], f"{fp}.path")
        folded = path.casefold()
        if folded in seen:
            raise _fail(f"{fp}.path", f"{path!r} is listed twice")
        seen.add(folded)
        sha = f["sha256"]
        if not isinstance(sha, str) or not SHA256_RE.fullmatch(sha):
            raise _fail(f"{fp}.sha256", f"{sha!r} is not 64 lowercase hex digits")
        size = f["size"]
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise _fail(f"{fp}.size", f"must be a whole number of bytes, not {size!r}")
        if size > MAX_FILE_BYTES:
            raise _fail(f"{fp}.size", f"{path}: {size} bytes is over the limit of "
                                      f"{MAX_FILE_BYTES} bytes per file")
        entries.append(FileEntry(path, sha, size))
    # A path may not be both a file and a folder ("a" and "a/b"): extract could not write it.
    for e in entries:
        parents = PurePosixPath(e.path).parents
        for parent in list(parents)[:-1]:
            if str(parent).casefold() in seen:
                raise _fail("files", f"{str(parent)!r} is both a file and a folder")
    return Manifest(FORMAT, version, created, expires, tuple(langs), tuple(entries))


# ---------------------------------------------------------------------------------------
# Reading files without trusting them

def _open_regular(path: Path, label: str, missing: type[PackError]):
    """Open a regular file for reading; FIFOs, devices and folders are refused before open."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise missing(f"{label}: is missing") from None
    except OSError as e:
        raise missing(f"{label}: cannot be read ({e.strerror or e})") from None
    if not stat.S_ISREG(st.st_mode):
        raise missing(f"{label}: is not a regular file")
    try:
        return path.open("rb")
    except OSError as e:
        raise missing(f"{label}: cannot be read ({e.strerror or e})") from None


def _read_capped(path: Path, label: str, cap: int, too_large: type[PackError],
                 missing: type[PackError]) -> bytes:
    with _open_regular(path, label, missing) as f:
        data = f.read(cap + 1)
    if len(data) > cap:
        raise too_large(f"{label}: is larger than the limit of {cap} bytes")
    return data


def _hash_file(path: Path, label: str, limit: int, missing: type[PackError] = MissingFileError,
               sink=None) -> tuple[str, int]:
    """SHA-256 and size of a file, reading in chunks and never more than limit + 1 bytes."""
    h = hashlib.sha256()
    n = 0
    with _open_regular(path, label, missing) as f:
        while True:
            chunk = f.read(min(CHUNK, limit + 1 - n))
            if not chunk:
                break
            n += len(chunk)
            if n > limit:
                break
            h.update(chunk)
            if sink is not None:
                sink.write(chunk)
    return h.hexdigest(), n


# ---------------------------------------------------------------------------------------
# Build

def _source_files(src: Path) -> list[tuple[str, Path]]:
    """Every regular file under src as (relative POSIX path, path), sorted; dotfiles skipped."""
    found = []
    for dirpath, dirnames, filenames in os.walk(src):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in filenames:
            if name.startswith("."):
                continue
            p = Path(dirpath) / name
            rel = p.relative_to(src).as_posix()
            if p.is_symlink() or not p.is_file():
                raise PackError(f"{src}/{rel}: is not a regular file (links are not packed)")
            found.append((rel, p))
    return sorted(found)


def build(src_dir: str | Path, out_dir: str | Path, secret_key: signing.SigningKey,
          version: int, valid_days: int = 90, progress: Progress | None = None,
          now: datetime | None = None) -> Manifest:
    """Validate the content in src_dir, then write a signed pack to out_dir.

    out_dir must not exist or be empty; the pack appears there whole or not at all.
    progress(done, total) is called as files are hashed.
    """
    src, out = Path(src_dir), Path(out_dir)
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise PackError(f"version must be a whole number of at least 1, not {version!r}")
    if isinstance(valid_days, bool) or not isinstance(valid_days, int) or valid_days < 1:
        raise PackError(f"valid days must be a whole number of at least 1, not {valid_days!r}")
    if not src.is_dir():
        raise PackError(f"{src}: {'is not a directory' if src.exists() else 'no such directory'}")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise PackError(f"{out}: already exists and is not an empty directory")
    try:
        cat = content.load(src)  # refuse to sign content the kiosk would refuse to show
    except content.ContentError as e:
        raise PackError(f"content is not valid: {e}") from None
    now = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    sources = _source_files(src)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        (tmp / FILES).mkdir()
        entries = []
        for i, (rel, p) in enumerate(sources):
            check_path(rel, f"files[{i}].path")
            part = tmp / FILES / ".partial"
            with part.open("wb") as sink:
                sha, size = _hash_file(p, f"{src}/{rel}", MAX_FILE_BYTES, PackError, sink)
            if size > MAX_FILE_BYTES:
                raise FileTooLargeError(f"{src}/{rel}: is larger than the limit of "
                                f"{MAX_FILE_BYTES} bytes per file")
            os.replace(part, tmp / FILES / sha)
            entries.append({"path": rel, "sha256": sha, "size": size})
            if progress:
                progress(i + 1, len(sources))
        data = {"format": FORMAT, "version": version, "created": _iso(now),
                "expires": _iso(now + timedelta(days=valid_days)),
                "languages": list(cat.languages), "files": entries}
        raw = canonical_json(data)
        if len(raw) > MAX_MANIFEST_BYTES:
            raise PackError(f"the manifest would be {len(raw)} bytes, over the limit of "
                            f"{MAX_MANIFEST_BYTES}: too many files")
        manifest = parse_manifest(raw)  # what verify will check, checked now
        (tmp / MANIFEST).write_bytes(raw)
        kid = key_id(bytes(secret_key.verify_key))
        sig = base64.b64encode(secret_key.sign(raw).signature).decode("ascii")
        (tmp / SIGNATURE).write_bytes(canonical_json({"key_id": kid, "signature": sig}))
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return dataclasses.replace(manifest, key_id=kid)


# ---------------------------------------------------------------------------------------
# Verify

def _check_signature(pack: Path, raw: bytes,
                     trusted: Mapping[str, TrustedKey]) -> TrustedKey:
    """The pack's manifest.sig, read with its size cap, checked against the manifest."""
    sig_raw = _read_capped(pack / SIGNATURE, SIGNATURE, MAX_SIG_BYTES, SignatureError,
                           SignatureError)
    return check_signature(raw, sig_raw, trusted)


def check_signature(manifest_raw: bytes, sig_raw: bytes,
                    trusted_keys: Mapping[str, Any] | str | Path) -> TrustedKey:
    """Check manifest.sig bytes against manifest.json bytes without a pack directory (for
    manifests fetched over the network); return the signing TrustedKey or raise
    SignatureError / UnknownKeyError. trusted_keys as for verify()."""
    if len(sig_raw) > MAX_SIG_BYTES:
        raise SignatureError(f"{SIGNATURE}: is larger than the limit of {MAX_SIG_BYTES} bytes")
    if len(manifest_raw) > MAX_MANIFEST_BYTES:
        raise ManifestTooLargeError(f"{MANIFEST}: is larger than the limit of "
                                    f"{MAX_MANIFEST_BYTES} bytes")
    trusted = _trusted(trusted_keys)
    try:
        sig = json.loads(sig_raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise SignatureError(f"{SIGNATURE}: is not valid JSON") from None
    if not isinstance(sig, dict) or not isinstance(sig.get("key_id"), str) or \
            not isinstance(sig.get("signature"), str):
        raise SignatureError(f"{SIGNATURE}: must be an object with 'key_id' and 'signature'")
    kid = sig["key_id"]
    key = trusted.get(kid)
    if key is None:
        raise UnknownKeyError(f"{SIGNATURE}: field 'key_id': signed by unknown key {kid!r} "
                              "(not in the trusted keys)")
    try:
        signature = base64.b64decode(sig["signature"], validate=True)
    except (binascii.Error, ValueError):
        raise SignatureError(f"{SIGNATURE}: field 'signature': is not valid base64") from None
    try:
        key.verify_key.verify(manifest_raw, signature)
    except (nacl_exceptions.BadSignatureError, ValueError, TypeError):
        raise SignatureError(f"{SIGNATURE}: field 'signature': bad signature: "
                             f"{MANIFEST} was not signed by key {kid} ({key.name}) "
                             "or has been changed") from None
    return key


def verify_manifest(manifest_raw: bytes, sig_raw: bytes,
                    trusted_keys: Mapping[str, Any] | str | Path,
                    now: datetime | None = None) -> Manifest:
    """Signature, schema and expiry of a fetched manifest (no files): the Manifest with
    key_id and signer filled in, or a PackError subclass (ExpiredError when expired)."""
    key = check_signature(manifest_raw, sig_raw, trusted_keys)
    manifest = parse_manifest(manifest_raw)
    now = (now or datetime.now(UTC)).astimezone(UTC)
    if now >= manifest.expires:
        raise ExpiredError(f"{MANIFEST}: field 'expires': the pack expired on "
                           f"{_iso(manifest.expires)}")
    return dataclasses.replace(manifest, key_id=key.key_id, signer=key.name)


def _trusted(trusted_keys: Mapping[str, Any] | str | Path) -> dict[str, TrustedKey]:
    if isinstance(trusted_keys, (str, Path)):
        return load_trusted_keys(trusted_keys)
    out = {}
    for k in trusted_keys.values():
        if isinstance(k, signing.VerifyKey):
            k = TrustedKey(key_id(bytes(k)), k)
        out[k.key_id] = k
    return out


def verify(pack_dir: str | Path, trusted_keys: Mapping[str, Any] | str | Path,
           now: datetime | None = None, progress: Progress | None = None) -> Manifest:
    """Check a pack completely; return its Manifest or raise a PackError subclass.

    trusted_keys: {key id: TrustedKey} (load_trusted_keys), or the path of a keys file.
    """
    pack = Path(pack_dir)
    trusted = _trusted(trusted_keys)
    if not pack.is_dir():
        raise PackError(f"{pack}: {'is not a directory' if pack.exists() else 'no such pack'}")
    raw = _read_capped(pack / MANIFEST, MANIFEST, MAX_MANIFEST_BYTES, ManifestTooLargeError,
                       ManifestMalformedError)
    key = _check_signature(pack, raw, trusted)  # on the raw bytes, before any parsing
    manifest = parse_manifest(raw)
    now = (now or datetime.now(UTC)).astimezone(UTC)
    if now >= manifest.expires:
        raise ExpiredError(f"{MANIFEST}: field 'expires': the pack expired on "
                           f"{_iso(manifest.expires)}")
    files_dir = pack / FILES
    if not files_dir.is_dir() or files_dir.is_symlink():
        raise MissingFileError(f"{FILES}/: is missing")
    by_sha: dict[str, FileEntry] = {}
    for i, e in enumerate(manifest.files):
        label = f"{FILES}/{e.sha256} ({e.path})"
        if e.sha256 in by_sha:
            if by_sha[e.sha256].size != e.size:
                raise SizeMismatchError(f"{MANIFEST}: field 'files[{i}].size': {e.path} has "
                                        f"the same SHA-256 as {by_sha[e.sha256].path} "
                                        "but another size")
            continue
        by_sha[e.sha256] = e
        blob = files_dir / e.sha256
        if blob.is_symlink():
            raise PackError(f"{label}: is a link, not a file")
        sha, size = _hash_file(blob, label, e.size)
        if size > e.size:
            raise SizeMismatchError(f"{label}: is longer than the {e.size} bytes the manifest "
                                    "says (reading stopped)")
        if size < e.size:
            raise SizeMismatchError(f"{label}: is truncated: {size} bytes, but the manifest "
                                    f"says {e.size}")
        if sha != e.sha256:
            raise HashMismatchError(f"{label}: SHA-256 mismatch: the content is {sha}")
        if progress:
            progress(i + 1, len(manifest.files))
    with os.scandir(files_dir) as it:
        for entry in it:
            if entry.name not in by_sha:
                raise ExtraFileError(f"{FILES}/{entry.name}: is not in the manifest")
    with os.scandir(pack) as it:
        for entry in it:
            if entry.name not in (MANIFEST, SIGNATURE, FILES):
                raise ExtraFileError(f"{entry.name}: is not part of a pack")
    return dataclasses.replace(manifest, key_id=key.key_id, signer=key.name)


# ---------------------------------------------------------------------------------------
# Extract

def extract(pack_dir: str | Path, manifest: Manifest, dest_dir: str | Path) -> Path:
    """Write the verified pack's content tree to dest_dir (which must not exist or be empty).

    Each file is hashed again as it is copied, so a pack changed after verify() is refused;
    the tree appears whole or not at all.
    """
    pack, dest = Path(pack_dir), Path(dest_dir)
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise PackError(f"{dest}: already exists and is not an empty directory")
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest.parent))
    try:
        root = tmp.resolve()
        for i, e in enumerate(manifest.files):
            check_path(e.path, f"files[{i}].path")
            target = tmp.joinpath(*e.path.split("/"))
            if root not in target.resolve().parents:
                raise _fail(f"files[{i}].path", f"{e.path!r} is outside the content folder")
            target.parent.mkdir(parents=True, exist_ok=True)
            label = f"{FILES}/{e.sha256} ({e.path})"
            with target.open("xb") as sink:
                sha, size = _hash_file(pack / FILES / e.sha256, label, e.size, sink=sink)
            if size != e.size:
                raise SizeMismatchError(f"{label}: is {size} bytes, but the manifest says "
                                        f"{e.size} (changed since it was verified)")
            if sha != e.sha256:
                raise HashMismatchError(f"{label}: SHA-256 mismatch (changed since it was "
                                        "verified)")
        os.replace(tmp, dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return dest
