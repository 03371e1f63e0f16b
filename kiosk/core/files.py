"""Files that must survive a crash or a power cut: written whole or not at all.

One way for the whole project (terminal and hub): write a temporary file beside the target,
fsync it, `os.replace` it over the target, then fsync the folder so the rename itself is on
disk. A reader sees the old file or the new one, never half of one. Local files only; the
caller decides what a failure means (a sync report is best effort, an enrolment is not).
"""

from __future__ import annotations

import contextlib
import functools
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO


def fsync_dir(path: str | Path) -> None:
    """Make a folder's entries (a rename, a new file) durable. Best effort: some file
    systems cannot fsync a folder, and then there is nothing more to do."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def fsync_file(path: str | Path) -> None:
    """Flush a file already written (a finished download) to disk."""
    with open(path, "rb") as f:
        os.fsync(f.fileno())


def replace(src: str | Path, dst: str | Path) -> None:
    """Move a finished file or folder into place atomically, and make the move durable."""
    os.replace(src, dst)
    fsync_dir(Path(dst).parent)


@contextlib.contextmanager
def atomic_open(path: str | Path, mode: str = "wb", *, perms: int | None = None,
                encoding: str | None = None) -> Iterator[IO]:
    """Open a temporary file that becomes `path` when the block ends without an error (and
    is removed when it raises). `perms` (say 0o600 for a token) applies from the start: the
    secret is never readable by others, not even in the temporary file."""
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_open writes a new file: mode 'w' or 'wb', not {mode!r}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        # mkstemp gives 0600; without `perms`, the umask's usual mode, as open() would
        os.fchmod(fd, perms if perms is not None else 0o666 & ~_umask())
        text = "b" not in mode
        with os.fdopen(fd, mode, encoding=(encoding or "utf-8") if text else None,
                       newline="" if text else None) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_dir(path.parent)


def write_atomic(path: str | Path, data: bytes | str, *, perms: int | None = None) -> None:
    """Write `data` (text is UTF-8) to `path` whole or not at all."""
    if isinstance(data, str):
        with atomic_open(path, "w", perms=perms, encoding="utf-8") as f:
            f.write(data)
    else:
        with atomic_open(path, "wb", perms=perms) as f:
            f.write(data)


@functools.cache
def _umask() -> int:
    """The process's umask, read without changing it (os.umask would, for a moment, for
    every thread)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return 0o022


# --- private folders and files ---------------------------------------------------------
# A terminal's and a hub's data hold tokens, the outbox, the database: nobody else on the
# machine may read them (issue 15). The folder is what protects them (0700: nobody else
# can even list it, whatever the files' own modes); files that may live elsewhere (a
# SQLite database given with --db) are made 0600 themselves. Checked at every start.

def private_dir(path: str | Path) -> bool:
    """Make `path` a folder only its owner may enter (0700), creating it if needed. True if
    an existing folder was open to others and has been closed (the caller says so)."""
    path = Path(path)
    if not path.exists():
        path.mkdir(parents=True, mode=0o700)
        os.chmod(path, 0o700)  # the umask may have taken bits mkdir was given; none extra
        return False
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        os.chmod(path, mode & 0o700 | 0o700)
        return True
    return False


def private_file(path: str | Path) -> bool:
    """Make an existing file readable by its owner only (0600); True if it was not."""
    try:
        mode = os.stat(path).st_mode & 0o777
    except FileNotFoundError:
        return False
    if mode & 0o077:
        os.chmod(path, mode & 0o600)
        return True
    return False
