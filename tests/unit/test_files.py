"""Files written whole or not at all (kiosk/core/files.py), and the writers that use it."""

from __future__ import annotations

import json
import os
import stat

import pytest

from kiosk.core import files
from kiosk.services import hub_client, sync_log


@pytest.fixture
def fsyncs(monkeypatch):
    """What was fsynced: ('file', name) or ('dir', name), in order."""
    seen = []
    real = os.fsync

    def spy(fd):
        st = os.fstat(fd)
        name = os.readlink(f"/proc/self/fd/{fd}")
        seen.append(("dir" if stat.S_ISDIR(st.st_mode) else "file", os.path.basename(name)))
        return real(fd)

    monkeypatch.setattr(os, "fsync", spy)
    return seen


def test_a_new_file_is_synced_renamed_and_its_folder_synced(tmp_path, fsyncs):
    target = tmp_path / "state.json"
    files.write_atomic(target, '{"ok": true}')
    assert target.read_text() == '{"ok": true}'
    assert [kind for kind, _ in fsyncs] == ["file", "dir"]
    assert fsyncs[0][1].startswith(".state.json.")  # the temporary file, before the rename
    assert fsyncs[1][1] == tmp_path.name
    assert os.listdir(tmp_path) == ["state.json"]


def test_a_failure_half_way_leaves_the_old_file_and_no_litter(tmp_path):
    target = tmp_path / "current"
    files.write_atomic(target, b"version 1")
    with pytest.raises(RuntimeError), files.atomic_open(target, "wb") as f:
        f.write(b"version 2, half")
        raise RuntimeError("disk pulled out")
    assert target.read_bytes() == b"version 1"
    assert os.listdir(tmp_path) == ["current"]


def test_modes_a_secret_is_private_from_the_start_and_others_follow_the_umask(tmp_path):
    files.write_atomic(tmp_path / "token", "secret", perms=0o600)
    assert stat.S_IMODE((tmp_path / "token").stat().st_mode) == 0o600
    files.write_atomic(tmp_path / "plain", "x")
    mask = os.umask(0o022)
    os.umask(mask)
    assert stat.S_IMODE((tmp_path / "plain").stat().st_mode) == 0o666 & ~mask
    with pytest.raises(ValueError, match="mode 'w' or 'wb'"), \
            files.atomic_open(tmp_path / "x", "a"):
        pass


def test_the_sync_report_is_fsynced_now(tmp_path, fsyncs):
    """sync_log.record used to rename an unsynced file: after a power cut, `kiosk status`
    could find an empty last-sync.json."""
    sync_log.record(tmp_path, {"status": "updated"})
    assert [k for k, _ in fsyncs] == ["file", "dir"]
    assert sync_log.last(tmp_path)["status"] == "updated"


def test_the_enrolment_is_private_and_durable(tmp_path, fsyncs):
    path = hub_client.save_enrolment(tmp_path, "http://127.0.0.1:1/",
                                     {"terminal_id": "t1", "token": "s3cret", "centre": "c"})
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text())["token"] == "s3cret"
    assert [k for k, _ in fsyncs] == ["file", "dir"]
