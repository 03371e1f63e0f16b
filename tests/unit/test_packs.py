"""Signed content packs: keygen -> build -> verify -> extract round trip on the demo content,
and every attack a verifier must refuse, each with an error naming what is wrong."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kiosk import content_cli
from kiosk.core import packs, protocol

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "assets" / "content"
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    d = tmp_path_factory.mktemp("keys")
    key, pub = packs.generate_keypair(d)
    return packs.load_secret_key(key), packs.load_trusted_keys(pub), key, pub


@pytest.fixture(scope="module")
def built(tmp_path_factory, keys):
    out = tmp_path_factory.mktemp("built") / "pack"
    seen = []
    manifest = packs.build(DEMO, out, keys[0], 7, progress=lambda d, t: seen.append((d, t)),
                           now=NOW)
    return out, manifest, seen


@pytest.fixture
def pack(tmp_path, built):
    """A private copy of the demo pack to tamper with."""
    p = tmp_path / "pack"
    shutil.copytree(built[0], p)
    return p


def verify(pack, keys, now=NOW):
    return packs.verify(pack, keys[1], now=now)


def manifest_data(pack: Path) -> dict:
    return json.loads((pack / "manifest.json").read_bytes())


def resign(pack: Path, data: dict | bytes, sk) -> None:
    """Rewrite the manifest and sign it with the trusted key: only the schema can stop it."""
    raw = data if isinstance(data, bytes) else packs.canonical_json(data)
    (pack / "manifest.json").write_bytes(raw)
    sig = base64.b64encode(sk.sign(raw).signature).decode()
    (pack / "manifest.sig").write_text(json.dumps(
        {"key_id": packs.key_id(bytes(sk.verify_key)), "signature": sig}))


def blob_of(pack: Path, rel: str) -> Path:
    entry = next(f for f in manifest_data(pack)["files"] if f["path"] == rel)
    return pack / "files" / entry["sha256"]


def demo_files() -> dict[str, bytes]:
    return {p.relative_to(DEMO).as_posix(): p.read_bytes()
            for p in sorted(DEMO.rglob("*")) if p.is_file()}


# ---------------------------------------------------------------------------------------
# The round trip

def test_keygen_writes_the_documented_formats(keys):
    _, trusted, key, pub = keys
    assert key.read_text().startswith("ed25519-secret:")
    assert len(base64.b64decode(key.read_text().strip().split(":", 1)[1])) == 32
    assert os.stat(key).st_mode & 0o777 == 0o600
    line = pub.read_text().strip()
    assert line.startswith("ed25519:") and line.endswith(" publisher")
    (kid, tk), = trusted.items()
    raw = base64.b64decode(line.split(":", 1)[1].split()[0])
    assert kid == hashlib.sha256(raw).hexdigest()[:16] and tk.name == "publisher"
    with pytest.raises(packs.KeyFileError, match="already exists"):
        packs.generate_keypair(key.parent)


def test_build_verify_extract_reproduces_the_demo_content(built, keys, tmp_path):
    out, manifest, seen = built
    files = demo_files()
    assert (out / "manifest.json").is_file() and (out / "manifest.sig").is_file()
    raw = (out / "manifest.json").read_bytes()
    assert raw == packs.canonical_json(json.loads(raw))  # canonical: sorted, no whitespace
    data = json.loads(raw)
    assert data["format"] == 1 and data["version"] == 7
    assert data["created"] == "2025-06-01T12:00:00Z" and data["expires"] == "2025-08-30T12:00:00Z"
    assert [f["path"] for f in data["files"]] == sorted(files)
    assert "en" in data["languages"] and len(data["languages"]) > 1
    for f in data["files"]:
        blob = (out / "files" / f["sha256"]).read_bytes()
        assert hashlib.sha256(blob).hexdigest() == f["sha256"] and len(blob) == f["size"]
    assert seen[-1] == (len(files), len(files)) and len(seen) == len(files)

    m = verify(out, keys)
    assert m.version == 7 and len(m.files) == len(files) and m.signer == "publisher"
    assert m.languages == manifest.languages
    dest = packs.extract(out, m, tmp_path / "content")
    got = {p.relative_to(dest).as_posix(): p.read_bytes()
           for p in sorted(dest.rglob("*")) if p.is_file()}
    assert got == files


def test_verify_accepts_a_keys_file_path_with_comments_and_several_keys(pack, keys, tmp_path):
    other = packs.generate_keypair(tmp_path / "other", "other editor")[1]
    kf = tmp_path / "trusted"
    kf.write_text(f"# kiosk trusted keys\n\n{other.read_text()}{keys[3].read_text()}")
    assert packs.verify(pack, kf, now=NOW).version == 7


def test_build_refuses_invalid_content(tmp_path, keys):
    src = tmp_path / "src"
    shutil.copytree(DEMO, src)
    data = json.loads((src / "services" / "blue-badge.json").read_text())
    data["official_url"] = "http://not-secure.example.com"
    (src / "services" / "blue-badge.json").write_text(json.dumps(data))
    with pytest.raises(packs.PackError, match=r"services/blue-badge.json.*official_url"):
        packs.build(src, tmp_path / "pack", keys[0], 1)
    assert not (tmp_path / "pack").exists()


def test_build_refuses_to_overwrite_a_pack(built, keys):
    with pytest.raises(packs.PackError, match="not an empty directory"):
        packs.build(DEMO, built[0], keys[0], 8)


# ---------------------------------------------------------------------------------------
# Attacks

def test_bad_signature_changed_manifest(pack, keys):
    data = manifest_data(pack)
    data["version"] = 99  # still valid JSON and schema, but not what was signed
    (pack / "manifest.json").write_bytes(packs.canonical_json(data))
    with pytest.raises(packs.SignatureError, match="manifest.sig.*bad signature"):
        verify(pack, keys)


def test_bad_signature_changed_signature(pack, keys):
    sig = json.loads((pack / "manifest.sig").read_text())
    raw = bytearray(base64.b64decode(sig["signature"]))
    raw[0] ^= 1
    sig["signature"] = base64.b64encode(bytes(raw)).decode()
    (pack / "manifest.sig").write_text(json.dumps(sig))
    with pytest.raises(packs.SignatureError, match="'signature': bad signature"):
        verify(pack, keys)


def test_missing_or_garbled_signature_file(pack, keys):
    (pack / "manifest.sig").write_text("not json")
    with pytest.raises(packs.SignatureError, match="manifest.sig: is not valid JSON"):
        verify(pack, keys)
    (pack / "manifest.sig").unlink()
    with pytest.raises(packs.SignatureError, match="manifest.sig: is missing"):
        verify(pack, keys)


def test_unknown_key(pack, keys, tmp_path):
    other_pub = packs.generate_keypair(tmp_path / "other")[1]
    kid = json.loads((pack / "manifest.sig").read_text())["key_id"]
    with pytest.raises(packs.UnknownKeyError, match=f"unknown key '{kid}'"):
        packs.verify(pack, packs.load_trusted_keys(other_pub), now=NOW)


def test_signed_by_untrusted_key_claiming_a_trusted_key_id(pack, keys, tmp_path):
    other = packs.load_secret_key(packs.generate_keypair(tmp_path / "other")[0])
    resign(pack, manifest_data(pack), other)
    sig = json.loads((pack / "manifest.sig").read_text())
    sig["key_id"] = next(iter(keys[1]))  # lie about who signed
    (pack / "manifest.sig").write_text(json.dumps(sig))
    with pytest.raises(packs.SignatureError, match="bad signature"):
        verify(pack, keys)


def test_file_hash_mismatch(pack, keys):
    blob = blob_of(pack, "services/blue-badge.json")
    data = bytearray(blob.read_bytes())
    data[10] ^= 0x20  # same size, different content
    blob.write_bytes(bytes(data))
    with pytest.raises(packs.HashMismatchError,
                       match=r"files/[0-9a-f]{64} \(services/blue-badge.json\): SHA-256"):
        verify(pack, keys)


def test_file_longer_than_the_manifest_says(pack, keys):
    blob = blob_of(pack, "content.json")
    with blob.open("ab") as f:
        f.write(b" ")
    with pytest.raises(packs.SizeMismatchError, match=r"\(content.json\): is longer"):
        verify(pack, keys)


def test_truncated_file(pack, keys):
    blob = blob_of(pack, "tutorials/email.json")
    blob.write_bytes(blob.read_bytes()[:-100])
    with pytest.raises(packs.SizeMismatchError, match=r"\(tutorials/email.json\): is truncated"):
        verify(pack, keys)


def test_missing_file(pack, keys):
    blob_of(pack, "services/council-tax.json").unlink()
    with pytest.raises(packs.MissingFileError, match=r"\(services/council-tax.json\): is missing"):
        verify(pack, keys)


def test_file_not_in_the_manifest(pack, keys):
    extra = b'{"id": "smuggled"}'
    (pack / "files" / hashlib.sha256(extra).hexdigest()).write_bytes(extra)
    with pytest.raises(packs.ExtraFileError, match="is not in the manifest"):
        verify(pack, keys)


def test_blob_from_another_pack_mixed_in(pack, keys, tmp_path):
    """Mix and match: a blob from another (validly signed) pack is not accepted here."""
    other = tmp_path / "src"
    shutil.copytree(DEMO, other)
    (other / "notes.txt").write_text("from another pack")
    other_pack = tmp_path / "other"
    packs.build(other, other_pack, keys[0], 8, now=NOW)
    mine = {p.name for p in (pack / "files").iterdir()}
    for p in (other_pack / "files").iterdir():
        if p.name not in mine:
            shutil.copy(p, pack / "files" / p.name)
    with pytest.raises(packs.ExtraFileError, match="is not in the manifest"):
        verify(pack, keys)


def test_extra_file_at_the_top_of_the_pack(pack, keys):
    (pack / "run-me.sh").write_text("echo hi")
    with pytest.raises(packs.ExtraFileError, match="run-me.sh: is not part of a pack"):
        verify(pack, keys)


def test_expired_on_the_real_clock(pack, keys):
    with pytest.raises(packs.ExpiredError, match="expired on 2025-08-30"):
        packs.verify(pack, keys[1])  # built on 2025-06-01 for 90 days


def test_expired_manifest(pack, keys):
    expires = datetime.fromisoformat(manifest_data(pack)["expires"])
    assert verify(pack, keys, now=expires - timedelta(seconds=1))
    with pytest.raises(packs.ExpiredError, match="'expires': the pack expired on 2025-08-30"):
        verify(pack, keys, now=expires + timedelta(days=1))


def test_endless_manifest_is_refused_before_reading_it(pack, keys):
    with (pack / "manifest.json").open("wb") as f:
        f.truncate(50_000_000)  # sparse: big, but costs no disk
    with pytest.raises(packs.ManifestTooLargeError, match="manifest.json: is larger than"):
        verify(pack, keys)


def test_endless_file_stops_reading_at_the_manifest_size(pack, keys, monkeypatch):
    blob = blob_of(pack, "content.json")
    with blob.open("ab") as f:
        f.truncate(2_000_000_000)  # sparse 2 GB
    reads = []
    real = packs._hash_file

    def spy(path, label, limit, *a, **kw):
        sha, n = real(path, label, limit, *a, **kw)
        reads.append(n)
        return sha, n

    monkeypatch.setattr(packs, "_hash_file", spy)
    with pytest.raises(packs.SizeMismatchError, match=r"\(content.json\): is longer"):
        verify(pack, keys)
    assert max(reads) <= 10_000  # content.json is under 1 kB: read no further than that + 1


def test_device_instead_of_a_file(pack, keys):
    blob = blob_of(pack, "content.json")
    blob.unlink()
    blob.symlink_to("/dev/zero")
    with pytest.raises(packs.PackError, match=r"\(content.json\): is a link"):
        verify(pack, keys)


def test_build_refuses_a_file_over_the_cap(tmp_path, keys):
    src = tmp_path / "src"
    shutil.copytree(DEMO, src)
    with open(src / "media-huge.bin", "wb") as f:  # sparse: costs no disk
        f.truncate(protocol.MAX_FILE_BYTES + 1)
    with pytest.raises(packs.FileTooLargeError, match="media-huge.bin: is larger than the "
                                                      "limit of 50000000 bytes per file"):
        packs.build(src, tmp_path / "pack", keys[0], 1)
    assert not (tmp_path / "pack").exists()


def test_file_size_cap_in_manifest(pack, keys):
    data = manifest_data(pack)
    data["files"][0]["size"] = protocol.MAX_FILE_BYTES + 1
    resign(pack, data, keys[0])
    with pytest.raises(packs.ManifestSchemaError, match=r"'files\[0\].size'.*over the limit"):
        verify(pack, keys)


@pytest.mark.parametrize("bad, problem", [
    ("../../etc/cron.d/evil", "path traversal"),
    ("services/../../evil.json", "path traversal"),
    ("/etc/passwd", "absolute"),
    ("C:/Windows/evil", "absolute"),
    ("services\\evil.json", "backslash"),
    ("services//evil.json", "empty or '.'"),
    ("./evil.json", "empty or '.'"),
    ("services/", "empty or '.'"),
    ("", "non-empty string"),
])
def test_bad_paths_are_refused_even_when_signed(pack, keys, bad, problem):
    data = manifest_data(pack)
    data["files"][3]["path"] = bad
    resign(pack, data, keys[0])
    with pytest.raises(packs.ManifestSchemaError,
                       match=rf"manifest.json: field 'files\[3\].path'.*{problem}"):
        verify(pack, keys)


def test_duplicate_paths_are_refused(pack, keys):
    data = manifest_data(pack)
    data["files"][2]["path"] = data["files"][1]["path"].upper()
    resign(pack, data, keys[0])
    with pytest.raises(packs.ManifestSchemaError, match=r"'files\[2\].path'.*listed twice"):
        verify(pack, keys)


@pytest.mark.parametrize("raw, problem", [
    (b'{"format": 1, "version": ', "is not valid JSON"),
    (b"\xff\xfe not utf-8", "is not UTF-8"),
    (b'{"format": 1, "format": 1}', "duplicate key"),
    (b"[1, 2, 3]", "must be a JSON object"),
    (b'{"format": NaN}', "not allowed"),
])
def test_malformed_manifest_json(pack, keys, raw, problem):
    resign(pack, raw, keys[0])  # signed by a trusted key: the parser must still refuse it
    with pytest.raises(packs.PackError, match=f"manifest.json: .*{problem}"):
        verify(pack, keys)


@pytest.mark.parametrize("raw", [b'{"format": 1, "version": ', b"[" * 100_000,
                                 b'{"format": 1, "format": 1}'])
def test_an_unsigned_manifest_is_never_parsed(pack, keys, raw, monkeypatch):
    """The signature is checked on the raw bytes first (as TUF prescribes): a manifest the
    publisher did not sign never reaches the JSON parser, whatever it holds."""
    (pack / "manifest.json").write_bytes(raw)

    def parsed(_raw):
        raise AssertionError("parse_manifest saw bytes nobody trusted signed")

    monkeypatch.setattr(packs, "parse_manifest", parsed)
    with pytest.raises(packs.SignatureError, match="bad signature"):
        verify(pack, keys)


@pytest.mark.parametrize("field, value, problem", [
    ("version", "7", "whole number"),
    ("version", 0, "whole number"),
    ("version", True, "whole number"),
    ("format", 2, "must be 1"),
    ("expires", "next year", "not an ISO date-time"),
    ("created", "2025-06-01T12:00:00", "UTC"),
    ("languages", ["en", "xx"], "invalid language code 'xx'"),
    ("files", [], "non-empty list"),
])
def test_schema_errors_name_the_field(pack, keys, field, value, problem):
    data = manifest_data(pack)
    data[field] = value
    resign(pack, data, keys[0])
    with pytest.raises(packs.ManifestSchemaError, match=f"manifest.json: field '{field}.*{problem}"):
        verify(pack, keys)


def test_extract_rehashes_files_changed_after_verify(pack, keys, tmp_path):
    m = verify(pack, keys)
    blob = blob_of(pack, "services/council-tax.json")
    data = bytearray(blob.read_bytes())
    data[5] ^= 1
    blob.write_bytes(bytes(data))
    with pytest.raises(packs.HashMismatchError, match=r"\(services/council-tax.json\)"):
        packs.extract(pack, m, tmp_path / "out")
    assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------------------------------
# Key files

@pytest.mark.parametrize("text, problem", [
    ("# only a comment\n", "holds no public keys"),
    ("ed25519:not-base64!! name\n", "line 1: the public key is not valid base64"),
    ("\n# c\nssh-ed25519 AAAA name\n", "line 3: expected 'ed25519:"),
    ("ed25519:" + base64.b64encode(b"x" * 31).decode() + " short\n", "line 1: .*32 bytes"),
    ("ed25519-secret:" + base64.b64encode(b"x" * 32).decode() + "\n", "line 1: is a secret key"),
])
def test_trusted_keys_file_errors_name_file_and_line(tmp_path, text, problem):
    kf = tmp_path / "trusted"
    kf.write_text(text)
    with pytest.raises(packs.KeyFileError, match=f"{kf}: {problem}"):
        packs.load_trusted_keys(kf)


def test_secret_key_errors(tmp_path, keys):
    with pytest.raises(packs.KeyFileError, match="no such file"):
        packs.load_secret_key(tmp_path / "nope.key")
    with pytest.raises(packs.KeyFileError, match="this is a public key"):
        packs.load_secret_key(keys[3])


# ---------------------------------------------------------------------------------------
# The command line

def run(argv, capsys):
    rc = content_cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out, err


def test_cli_keygen_build_verify(tmp_path, capsys):
    rc, out, err = run(["keygen", "--out", tmp_path / "k"], capsys)
    assert rc == 0 and "publisher.pub" in out
    rc, out, err = run(["build", DEMO, "--out", tmp_path / "p", "--key",
                        tmp_path / "k" / "publisher.key", "--version", "3",
                        "--valid-days", "30"], capsys)
    assert rc == 0, err
    assert f"pack version 3, {len(demo_files())} files" in out
    assert "hashing" not in err  # progress only on a terminal
    rc, out, err = run(["verify", tmp_path / "p", "--pubkey", tmp_path / "k" / "publisher.pub"],
                       capsys)
    assert rc == 0, err
    assert "version: 3" in out and f"files: {len(demo_files())}" in out and "languages: en," in out
    assert "expires: " in out


def test_cli_default_version_goes_up(tmp_path, capsys, keys):
    rc, _, err = run(["build", DEMO, "--out", tmp_path / "p", "--key", keys[2]], capsys)
    assert rc == 0, err
    assert manifest_data(tmp_path / "p")["version"] > 20250000000000


def test_cli_errors_are_one_line(tmp_path, capsys, keys, monkeypatch):
    pack = tmp_path / "fresh"
    packs.build(DEMO, pack, keys[0], 9)  # built now: not expired on the real clock
    blob_of(pack, "content.json").write_bytes(b"{}")
    rc, out, err = run(["verify", pack, "--pubkey", keys[3]], capsys)
    assert rc == 1 and out == ""
    assert err.count("\n") == 1 and err.startswith("kiosk-content: files/")
    assert "(content.json)" in err and "Traceback" not in err

    rc, _, err = run(["build", DEMO, "--out", tmp_path / "p", "--key", tmp_path / "none"],
                     capsys)
    assert rc == 1 and err.startswith("kiosk-content: ") and "no such file" in err

    rc, _, err = run(["keygen", "--out", keys[2].parent], capsys)
    assert rc == 1 and "already exists" in err

    monkeypatch.delenv("KIOSK_TRUSTED_KEYS", raising=False)
    rc, _, err = run(["verify", pack], capsys)
    assert rc == 1 and "--pubkey" in err
    monkeypatch.setenv("KIOSK_TRUSTED_KEYS", str(tmp_path / "missing"))
    rc, _, err = run(["verify", pack], capsys)
    assert rc == 1 and "missing: no such file" in err


def test_cli_progress_on_a_terminal(tmp_path, capsys, keys, monkeypatch):
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    rc, _, err = run(["build", DEMO, "--out", tmp_path / "p", "--key", keys[2]], capsys)
    assert rc == 0
    n = len(demo_files())
    assert err.startswith("\r\x1b[Khashing [")  # a bar redrawn in place (kiosk/clikit.py)
    assert re.search(rf"\] {n}/{n} files(  \d+ files/s)?\n\Z", err)
    assert err.count(f"{n}/{n} files") == 1


def test_installed_command_builds_and_verifies(tmp_path):
    exe = Path(sys.executable).parent / "kiosk-content"
    if not exe.exists():
        pytest.skip("kiosk-content is not installed in this environment")
    script = (f'"{exe}" keygen --out keys && '
              f'"{exe}" build "{DEMO}" --out pack --key keys/publisher.key --version 2 && '
              f'"{exe}" verify pack --pubkey keys/publisher.pub')
    r = subprocess.run(["bash", "-c", script], cwd=tmp_path, capture_output=True, text=True, check=False,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    assert "version: 2" in r.stdout and f"files: {len(demo_files())}" in r.stdout
    (tmp_path / "pack" / "manifest.json").write_text("{")
    r = subprocess.run([str(exe), "verify", "pack", "--pubkey", "keys/publisher.pub"],
                       cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert r.stderr.startswith("kiosk-content: manifest.sig: field 'signature': bad signature")
