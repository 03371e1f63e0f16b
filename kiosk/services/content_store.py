"""Installed content packs on the terminal, and the content half of a sync cycle.

    DATA_DIR/content/blobs/<sha256>          content files, named by their hash (verified)
    DATA_DIR/content/blobs/<sha256>.part     a download in progress (resumed with Range)
    DATA_DIR/content/manifests/<N>.json|.sig the signed manifest of each kept version
    DATA_DIR/content/manifests/<N>.stamp     each file's size and mtime when last checked
    DATA_DIR/content/versions/<N>/           the extracted content tree of version N
    DATA_DIR/content/current                 {"version": N, "dir": "versions/N"}
    DATA_DIR/content/previous                the version before (kept for a staff rollback)
    DATA_DIR/content/etag                    the ETag of the current manifest

Each blob is hashed once, when its download is complete, fsynced, and only then named
blobs/<sha256>: a blob's name promises its content. A new version is staged in a hidden
folder as hard links to its blobs (no second copy of the bytes to write and fsync; a copy,
hashed again, where the file system has no hard links), the tree loaded by the content
loader, its folders fsynced, renamed to versions/<N>, and only then is `current` switched
with os.replace (written to a temporary file and fsynced first). A crash at any point leaves
`current` naming a complete version. The blobs folder is fsynced once per sync, not once per
blob: a blob whose new name a crash lost is still its complete .part file, hashed again. Blobs and versions named by neither `current` nor
`previous` are then garbage-collected.

The installed version is checked again at every start (issue 15; `check_installed`): the
start path compares each file's size with the signed manifest and its size and mtime with
the stamp noted when it was installed, hashing only a file whose stamp changed; the full
hash of every file runs after the first frame (kiosk/cli.py). Content that fails either is
set aside by the caller and the kiosk serves the content it came with.

A manifest is refused (and the installed content kept) when its signature is bad or by an
unknown key, when it has expired, or when its version is not newer than the installed one
(a rollback attack); each with a PackError subclass whose message says why.

No Kivy, no network here: sync_content() gets a HubClient (or anything with get_manifest and
download).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from kiosk.core import files, packs, protocol

log = logging.getLogger(__name__)

CONTENT = "content"
BLOBS = "blobs"
VERSIONS = "versions"
MANIFESTS = "manifests"
CURRENT = "current"
PREVIOUS = "previous"
ETAG = "etag"
STAMP = ".stamp"


class RollbackError(packs.PackError):
    """The hub offers a version that is not newer than the installed one."""


class StoreError(packs.PackError):
    """The content store on disk is damaged or cannot be written."""


class ContentStore:
    def __init__(self, data_dir: str | Path):
        self.root = Path(data_dir).resolve() / CONTENT  # absolute: staging links into it
        self.blobs = self.root / BLOBS
        self.versions = self.root / VERSIONS
        self.manifests = self.root / MANIFESTS

    # -- what is installed ----------------------------------------------------------------

    def _pointer(self, name: str) -> dict | None:
        path = self.root / name
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError, ValueError) as e:
            log.error("content pointer %s is unreadable: %s", path, e)
            return None
        if not isinstance(data, dict):
            return None
        version = data.get("version")
        if isinstance(version, bool) or not isinstance(version, int) or version < 1 or \
                data.get("dir") != f"{VERSIONS}/{version}":
            log.error("content pointer %s is malformed: %r", path, data)
            return None
        if not (self.root / data["dir"]).is_dir():
            log.error("content pointer %s names a missing folder %s", path, data["dir"])
            return None
        return data

    def installed_version(self) -> int | None:
        """The version of the current content pack, None if none is installed."""
        p = self._pointer(CURRENT)
        return p["version"] if p else None

    def previous_version(self) -> int | None:
        p = self._pointer(PREVIOUS)
        return p["version"] if p else None

    def current_content_dir(self) -> Path | None:
        """The folder of the installed content tree (content.load() it), None if none."""
        p = self._pointer(CURRENT)
        return self.root / p["dir"] if p else None

    def etag(self) -> str | None:
        if self.installed_version() is None:
            return None
        try:
            text = (self.root / ETAG).read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError):
            return None
        return text or None

    def save_etag(self, etag: str | None) -> None:
        if etag:
            files.write_atomic(self.root / ETAG, etag.encode("utf-8"))
        else:
            (self.root / ETAG).unlink(missing_ok=True)

    def manifest_raw(self, version: int) -> bytes | None:
        try:
            return (self.manifests / f"{version}.json").read_bytes()
        except OSError:
            return None

    # -- checking the installed version again (at start) -------------------------------

    def check_installed(self, full: bool = False) -> str | None:
        """Is the installed version still what its signed manifest says? None when it is
        (or none is installed), else the problem in words, naming the file.

        Cheap by default (the start path): each file's size against the manifest, and its
        size and mtime against the stamp noted when it was last checked; only a file whose
        stamp changed is hashed. `full` hashes every file (after the first frame) and, when
        all match, notes fresh stamps."""
        p = self._pointer(CURRENT)
        if p is None:
            return None
        version = p["version"]
        raw = self.manifest_raw(version)
        if raw is None:
            return f"version {version}: its manifest is missing"
        try:
            manifest = packs.parse_manifest(raw)
        except packs.PackError as e:
            return f"version {version}: {e}"
        folder = self.root / p["dir"]
        stamps = self._stamps(version)
        seen = {}
        for e in manifest.files:
            path = folder.joinpath(*e.path.split("/"))
            try:
                st = os.stat(path, follow_symlinks=False)
            except OSError:
                return f"{e.path}: is missing"
            if st.st_size != e.size:
                return (f"{e.path}: is {st.st_size} bytes, but the signed manifest says "
                        f"{e.size}")
            stamp = [st.st_size, st.st_mtime_ns]
            seen[e.path] = stamp
            if full or (e.path in stamps and stamps[e.path] != stamp):
                try:
                    sha, _ = packs._hash_file(path, e.path, e.size)
                except packs.PackError as err:
                    return str(err)
                if sha != e.sha256:
                    return (f"{e.path}: its bytes no longer match the signed manifest's "
                            "SHA-256")
        if full or any(stamps.get(k) != v for k, v in seen.items() if k in stamps):
            self.note_stamps(version, seen)
        return None

    def _stamps(self, version: int) -> dict:
        try:
            data = json.loads((self.manifests / f"{version}{STAMP}").read_text("utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def note_stamps(self, version: int, stamps: dict | None = None) -> None:
        """Note each file's size and mtime (just checked); best effort."""
        if stamps is None:
            folder = self.versions / str(version)
            raw = self.manifest_raw(version)
            if raw is None:
                return
            stamps = {}
            for e in packs.parse_manifest(raw).files:
                st = os.stat(folder.joinpath(*e.path.split("/")), follow_symlinks=False)
                stamps[e.path] = [st.st_size, st.st_mtime_ns]
        try:
            files.write_atomic(self.manifests / f"{version}{STAMP}",
                               json.dumps(stamps).encode("utf-8"))
        except OSError as e:
            log.warning("cannot note the content's stamps: %s", e)

    # -- checking a fetched manifest ------------------------------------------------------

    def check_manifest(self, raw: bytes, sig: bytes,
                       trusted_keys: Mapping[str, Any] | str | Path,
                       now: datetime | None = None) -> packs.Manifest | None:
        """Verify a fetched manifest; the Manifest to install, or None when it is the one
        installed already. Raises a PackError subclass (RollbackError, ExpiredError,
        SignatureError, UnknownKeyError, ...) when it must be refused."""
        if len(raw) > protocol.MAX_MANIFEST_BYTES:
            raise packs.ManifestTooLargeError(f"{packs.MANIFEST}: is larger than the limit "
                                              f"of {protocol.MAX_MANIFEST_BYTES} bytes")
        manifest = packs.verify_manifest(raw, sig, trusted_keys, now)
        installed = self.installed_version()
        if installed is not None:
            if manifest.version == installed and self.manifest_raw(installed) == raw:
                return None
            if manifest.version <= installed:
                raise RollbackError(f"{packs.MANIFEST}: field 'version': the hub offers "
                                    f"version {manifest.version}, but version {installed} "
                                    "is installed (refusing to go back)")
        return manifest

    # -- blobs ------------------------------------------------------------------------------

    def blob_path(self, sha256: str) -> Path:
        return self.blobs / sha256

    def part_path(self, sha256: str) -> Path:
        return self.blobs / f"{sha256}.part"

    def has_blob(self, entry: packs.FileEntry) -> bool:
        p = self.blob_path(entry.sha256)
        try:
            return p.is_file() and not p.is_symlink() and p.stat().st_size == entry.size
        except OSError:
            return False

    def missing(self, manifest: packs.Manifest) -> list[packs.FileEntry]:
        """The files of manifest not yet in the store, each hash once."""
        out, seen = [], set()
        for e in manifest.files:
            if e.sha256 in seen:
                continue
            seen.add(e.sha256)
            if not self.has_blob(e):
                out.append(e)
        return out

    def commit_part(self, entry: packs.FileEntry, durable: bool = True) -> None:
        """Check a finished .part file's size and hash and move it to blobs/<sha256>.

        A file that does not match is deleted (never kept, never resumed) and refused.
        `durable=False` leaves the blobs folder's fsync (the new name) to the caller, who
        commits several and then calls sync_blobs() once."""
        part = self.part_path(entry.sha256)
        label = f"{packs.FILES}/{entry.sha256} ({entry.path})"
        try:
            sha, size = packs._hash_file(part, label, entry.size)
            if size != entry.size:
                raise packs.SizeMismatchError(f"{label}: downloaded {size} bytes, but the "
                                              f"manifest says {entry.size}")
            if sha != entry.sha256:
                raise packs.HashMismatchError(f"{label}: SHA-256 mismatch: the hub sent {sha}")
        except packs.PackError:
            part.unlink(missing_ok=True)
            raise
        files.fsync_file(part)  # the content first: the name below promises it
        if durable:
            files.replace(part, self.blob_path(entry.sha256))
        else:
            os.replace(part, self.blob_path(entry.sha256))

    def sync_blobs(self) -> None:
        """Make the names of blobs committed with durable=False durable (one fsync)."""
        files.fsync_dir(self.blobs)

    # -- install ----------------------------------------------------------------------------

    def stage(self, manifest: packs.Manifest, raw: bytes, sig: bytes) -> Path:
        """Build versions/<N> from the blobs (each hashed again), check it loads, fsync it.
        Returns the version folder; `current` is not touched."""
        from kiosk.core import content

        self.versions.mkdir(parents=True, exist_ok=True)
        final = self.versions / str(manifest.version)
        if final.exists():  # a crashed earlier attempt (never current: it is newer)
            shutil.rmtree(final)
        tmp = Path(tempfile.mkdtemp(prefix=f".staging-{manifest.version}.", dir=self.versions))
        try:
            tree, copied = self._link_tree(manifest, tmp)
            try:
                content.load(tree)
            except content.ContentError as e:
                raise packs.PackError(f"version {manifest.version}: the content is not "
                                      f"valid: {e}") from None
            for dirpath, _, names in os.walk(tree):
                for name in names:  # a link's content is its blob's, fsynced already
                    if os.path.join(dirpath, name) in copied:
                        files.fsync_file(os.path.join(dirpath, name))
                files.fsync_dir(dirpath)
            self.manifests.mkdir(parents=True, exist_ok=True)
            files.write_atomic(self.manifests / f"{manifest.version}.sig", sig)
            files.write_atomic(self.manifests / f"{manifest.version}.json", raw)
            files.replace(tree, final)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        self.note_stamps(manifest.version)  # each file was hashed as it came in
        return final

    def _link_tree(self, manifest: packs.Manifest, tmp: Path) -> tuple[Path, set[str]]:
        """The version's content tree in tmp/tree: each file a hard link to its blob (checked
        and fsynced when it was committed); where the file system refuses links, a copy
        hashed as it is made (packs.extract). The tree, and the paths that were copied."""
        tree = tmp / "tree"
        tree.mkdir()
        root = tree.resolve()
        copied: set[str] = set()
        for i, e in enumerate(manifest.files):
            packs.check_path(e.path, f"files[{i}].path")
            target = tree.joinpath(*e.path.split("/"))
            if root not in target.resolve().parents:
                raise packs._fail(f"files[{i}].path", f"{e.path!r} is outside the content "
                                  "folder")
            target.parent.mkdir(parents=True, exist_ok=True)
            blob = self.blob_path(e.sha256)
            label = f"{packs.FILES}/{e.sha256} ({e.path})"
            try:
                st = blob.lstat()
            except OSError:
                raise packs.MissingFileError(f"{label}: is missing") from None
            if not os.path.isfile(blob) or blob.is_symlink() or st.st_size != e.size:
                raise packs.SizeMismatchError(f"{label}: is {st.st_size} bytes, but the "
                                              f"manifest says {e.size}")
            try:
                os.link(blob, target)
                continue
            except OSError:
                pass
            with target.open("xb") as sink:
                sha, size = packs._hash_file(blob, label, e.size, sink=sink)
            if size != e.size or sha != e.sha256:
                raise packs.HashMismatchError(f"{label}: SHA-256 mismatch (changed since it "
                                              "was downloaded)")
            copied.add(str(target))
        return tree, copied

    def switch(self, version: int) -> None:
        """Make versions/<version> current (atomically); the old current becomes previous."""
        if not (self.versions / str(version)).is_dir():
            raise StoreError(f"{self.versions / str(version)}: is not staged")
        old = self._pointer(CURRENT)
        if old and old["version"] != version:
            files.write_atomic(self.root / PREVIOUS, json.dumps(old).encode("utf-8"))
        files.write_atomic(self.root / CURRENT, json.dumps(
            {"version": version, "dir": f"{VERSIONS}/{version}"}).encode("utf-8"))

    def install(self, manifest: packs.Manifest, raw: bytes, sig: bytes) -> None:
        self.stage(manifest, raw, sig)
        self.switch(manifest.version)
        self.gc()

    def rollback(self) -> int:
        """Staff rollback: make the previous version current again; returns its number."""
        prev, cur = self._pointer(PREVIOUS), self._pointer(CURRENT)
        if not prev:
            raise StoreError("no previous content version to go back to")
        files.write_atomic(self.root / CURRENT, json.dumps(prev).encode("utf-8"))
        if cur:
            files.write_atomic(self.root / PREVIOUS, json.dumps(cur).encode("utf-8"))
        self.save_etag(None)
        return prev["version"]

    def gc(self) -> dict:
        """Delete versions, manifests, blobs and .part files named by neither current nor
        previous (and leftover staging folders). Returns what was removed."""
        keep_versions = {p["version"] for p in (self._pointer(CURRENT), self._pointer(PREVIOUS))
                         if p}
        keep_blobs: set[str] = set()
        for v in keep_versions:
            raw = self.manifest_raw(v)
            if raw is None:
                continue
            try:
                keep_blobs.update(e.sha256 for e in packs.parse_manifest(raw).files)
            except packs.PackError:
                log.error("kept manifest %s is unreadable", v)
                return {"versions": 0, "blobs": 0}  # unsure what is needed: delete nothing
        removed = {"versions": 0, "blobs": 0}
        if self.versions.is_dir():
            for d in self.versions.iterdir():
                if d.name not in {str(v) for v in keep_versions}:
                    shutil.rmtree(d, ignore_errors=True) if d.is_dir() and not d.is_symlink() \
                        else d.unlink(missing_ok=True)
                    removed["versions"] += 0 if d.name.startswith(".") else 1
        if self.manifests.is_dir():
            for f in self.manifests.iterdir():
                if f.stem not in {str(v) for v in keep_versions}:
                    f.unlink(missing_ok=True)
        if self.blobs.is_dir():
            for f in self.blobs.iterdir():
                if f.name not in keep_blobs:
                    f.unlink(missing_ok=True)
                    if not f.name.endswith(".part"):
                        removed["blobs"] += 1
        return removed


# ---------------------------------------------------------------------------------------
# One content sync

def sync_content(client, store: ContentStore, trusted_keys: Mapping[str, Any] | str | Path,
                 now: datetime | None = None, progress=None) -> dict:
    """Fetch the manifest (with the stored ETag), verify it, download the missing blobs
    (resuming .part files), check each, stage, switch, GC.

    Returns {"status": "updated"|"up_to_date", "content_version", "bytes_downloaded",
    "files_downloaded"}. Raises HubError or PackError (the installed content is untouched);
    the caller reports the error."""
    report = {"status": "up_to_date", "content_version": store.installed_version(),
              "bytes_downloaded": 0, "files_downloaded": 0}
    raw, sig, etag = client.get_manifest(store.etag())
    if raw is None:
        return report
    report["bytes_downloaded"] += len(raw) + len(sig or b"")
    manifest = store.check_manifest(raw, sig or b"", trusted_keys, now)
    if manifest is None:  # the same version, re-sent (the ETag was lost)
        store.save_etag(etag)
        return report
    for entry in store.missing(manifest):
        report["bytes_downloaded"] += client.download(
            entry.sha256, store.part_path(entry.sha256), entry.size, progress=progress)
        store.commit_part(entry, durable=False)
        report["files_downloaded"] += 1
    store.sync_blobs()
    store.install(manifest, raw, sig)
    store.save_etag(etag)
    report.update(status="updated", content_version=manifest.version)
    return report



def install_pack(pack_dir: str | Path, store: ContentStore,
                 trusted_keys: Mapping[str, Any] | str | Path,
                 now: datetime | None = None) -> dict:
    """Install a pack from a folder (a USB stick, or the demo pack `make run` builds), with
    the same checks and the same atomic switch as a sync from the hub."""
    pack = Path(pack_dir)
    packs.verify(pack, trusted_keys, now)
    raw = (pack / packs.MANIFEST).read_bytes()
    sig = (pack / packs.SIGNATURE).read_bytes()
    report = {"status": "up_to_date", "content_version": store.installed_version(),
              "files_copied": 0}
    manifest = store.check_manifest(raw, sig, trusted_keys, now)
    if manifest is None:
        return report
    for entry in store.missing(manifest):
        part = store.part_path(entry.sha256)
        part.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(pack / packs.FILES / entry.sha256, part)
        store.commit_part(entry, durable=False)  # hashed again: the stick may have changed
        report["files_copied"] += 1
    store.sync_blobs()
    store.install(manifest, raw, sig)
    report.update(status="updated", content_version=manifest.version)
    return report
