"""`kiosk-content import-govuk`: GOV.UK documents from files or URLs into a content source.

The conversion and the merge are pure (kiosk/core/govuk.py); here are the side effects:
reading files, fetching URLs through requests (timeouts, a size cap, a clear error),
and writing guides whole or not at all (kiosk/core/files.py). Each guide imported keeps a
record beside the content, `SRC/govuk/<id>.json`: the documents it came from and the
English GOV.UK gave, which the next import compares with, so the editor sees what GOV.UK
changed and only that changes in the guide.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from kiosk.clikit import UserError
from kiosk.core import content, files, govuk

RECORDS = "govuk"  # SRC/govuk/<id>.json
CONTENT_API = "https://www.gov.uk/api/content"
RECORD_FORMAT = 1
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 20.0
USER_AGENT = "kiosk-content (London library kiosks; content import)"


# --- reading ---------------------------------------------------------------------------------

def api_url(url: str) -> str:
    """A GOV.UK page's address as its Content API address: www.gov.uk/apply-blue-badge is
    www.gov.uk/api/content/apply-blue-badge. Other addresses are used as given."""
    parts = urlsplit(url)
    if parts.hostname in ("www.gov.uk", "gov.uk") and not parts.path.startswith("/api/"):
        return urlunsplit(("https", "www.gov.uk", "/api/content" + (parts.path or "/"), "", ""))
    return url


def fetch(url: str, session: Any = None, limit: int = govuk.MAX_DOCUMENT_BYTES) -> bytes:
    """A document from the web: timeouts on connecting and on each read, at most `limit`
    bytes (stopped as soon as it is longer), a 200 answer. Any failure is one clear line."""
    import requests  # only for URLs: files need no network stack

    s = session or requests.Session()
    target = api_url(url)
    try:
        with s.get(target, timeout=(CONNECT_TIMEOUT, READ_TIMEOUT), stream=True,
                   headers={"Accept": "application/json", "User-Agent": USER_AGENT}) as r:
            if r.status_code != 200:
                raise UserError(f"{target}: the server answered {r.status_code} "
                                f"{r.reason or ''}".strip())
            declared = r.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > limit:
                raise UserError(f"{target}: is {declared} bytes, more than the {limit} a GOV.UK "
                                "content item can be")
            body = bytearray()
            for chunk in r.iter_content(64 * 1024):
                body += chunk
                if len(body) > limit:
                    raise UserError(f"{target}: is more than the {limit} bytes a GOV.UK "
                                    "content item can be")
            return bytes(body)
    except requests.exceptions.Timeout:
        raise UserError(f"{target}: no answer in time (connect {CONNECT_TIMEOUT:g} s, read "
                        f"{READ_TIMEOUT:g} s); without internet, save the document and give "
                        "its file") from None
    except requests.exceptions.ConnectionError as e:
        reason = str(e.args[0] if e.args else e)
        reason = "cannot connect" if "Failed to establish" in reason or "resolve" in reason \
            else reason[:200]
        raise UserError(f"{target}: {reason}; without internet, save the document and give "
                        "its file") from None
    except requests.exceptions.RequestException as e:
        raise UserError(f"{target}: {type(e).__name__}: {str(e)[:200]}") from None


def read(source: str, session: Any = None) -> govuk.Document:
    """One document from a file or an http(s) address, parsed and checked."""
    if source.startswith(("http://", "https://")):
        raw = fetch(source, session)
    else:
        p = Path(source)
        try:
            if p.stat().st_size > govuk.MAX_DOCUMENT_BYTES:
                raise UserError(f"{source}: is larger than {govuk.MAX_DOCUMENT_BYTES} bytes; "
                                "not a GOV.UK content item")
            raw = p.read_bytes()
        except FileNotFoundError:
            raise UserError(f"{source}: no such file") from None
        except IsADirectoryError:
            raise UserError(f"{source}: is a directory, not a document") from None
        except OSError as e:
            raise UserError(f"{source}: cannot be read ({e.strerror or e})") from None
    try:
        return govuk.parse(raw, source)
    except govuk.GovukError as e:
        raise UserError(str(e)) from None


# --- which documents make which guide ------------------------------------------------------

def _links_to(sbs: govuk.Document, tx: govuk.Document) -> bool:
    """A start page belongs to a step-by-step that links to it, or that it says it is in."""
    base = tx.base_path
    if not base:
        return False
    nav = sbs.data["details"]["step_by_step_nav"]
    for step in nav.get("steps") or []:
        for c in step.get("contents") or [] if isinstance(step, dict) else []:
            for t in (c.get("contents") or []) if isinstance(c, dict) else []:
                href = t.get("href") if isinstance(t, dict) else None
                if isinstance(href, str) and govuk.absolute(href).rstrip("/") in (
                        govuk.GOVUK + base, govuk.GOVUK + base + "/"):
                    return True
    ids = {x.get("content_id") for x in (tx.data.get("links") or {}).get("part_of_step_navs", [])
           if isinstance(x, dict)}
    return sbs.data.get("content_id") in ids if ids else False


def _record_for(src: Path, item_id: str) -> dict | None:
    p = src / RECORDS / f"{item_id}.json"
    if not p.exists():
        return None
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise UserError(f"{p}: the guide's GOV.UK record cannot be read ({e}); restore it "
                        "from version control, or remove it to compare with the guide's "
                        "own English") from None
    if not isinstance(data, dict) or data.get("format") != RECORD_FORMAT or \
            not isinstance(data.get("part"), dict):
        raise UserError(f"{p}: is not a GOV.UK record this tool wrote (format "
                        f"{RECORD_FORMAT})")
    return data


def recorded_sources(src: Path, api: str = CONTENT_API) -> list[str]:
    """The Content API address of every document a guide was imported from, guide by guide
    (what a daily check reads again)."""
    out: list[str] = []
    folder = src / RECORDS
    for p in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        data = _record_for(src, p.stem) or {}
        for d in data.get("documents", []):
            base = d.get("base_path") if isinstance(d, dict) else None
            if isinstance(base, str) and base.startswith("/"):
                out.append(api.rstrip("/") + base)
    return out


def _known_ids(src: Path) -> dict[str, str]:
    """GOV.UK base paths and content ids -> the guide imported from them."""
    found: dict[str, str] = {}
    folder = src / RECORDS
    if folder.is_dir():
        for p in sorted(folder.glob("*.json")):
            try:
                data = json.loads(p.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            for d in data.get("documents", []) if isinstance(data, dict) else []:
                for key in ("base_path", "content_id"):
                    if isinstance(d, dict) and d.get(key):
                        found[d[key]] = p.stem
    return found


def group(docs: list[govuk.Document], src: Path, item_id: str | None
          ) -> list[tuple[str, list[govuk.Document]]]:
    """Guides (id, documents): all under `item_id` when given; otherwise each step-by-step
    with the start pages it links to, each other start page alone; a document imported
    before goes back to its guide."""
    if item_id:
        if not content.ID_RE.match(item_id):
            raise UserError(f"--id {item_id!r}: lowercase letters, digits and hyphens")
        return [(item_id, docs)]
    known = _known_ids(src)

    def id_of(d: govuk.Document) -> str:
        for key in (d.data.get("content_id"), d.base_path):
            if key and key in known:
                return known[key]
        slug = d.slug
        if not slug or not content.ID_RE.match(slug):
            raise UserError(f"{d.source}: no usable id from its base path {d.base_path!r}; "
                            "give --id")
        return slug

    guides: list[tuple[str, list[govuk.Document]]] = []
    txs = [d for d in docs if d.schema == "transaction"]
    placed: set[int] = set()
    for d in docs:
        if d.schema != "step_by_step_nav":
            continue
        mine = [t for t in txs if id(t) not in placed and _links_to(d, t)]
        placed |= {id(t) for t in mine}
        guides.append((id_of(d), [d, *mine]))
    for t in txs:
        if id(t) not in placed:
            guides.append((id_of(t), [t]))
    ids = [g for g, _ in guides]
    dupes = {g for g in ids if ids.count(g) > 1}
    if dupes:
        raise UserError(f"two documents make the guide {min(dupes)!r}; import them one "
                        "at a time with --id")
    return guides


# --- one guide ------------------------------------------------------------------------------

@dataclass
class Outcome:
    item_id: str
    path: Path
    new: bool
    service: dict
    record: dict
    changes: list[govuk.Change] = field(default_factory=list)
    findings: list[govuk.Finding] = field(default_factory=list)
    stale: dict[str, int] = field(default_factory=dict)
    kept: list[str] = field(default_factory=list)
    docs: list[govuk.Document] = field(default_factory=list)


def _check(service: dict, rel: str, item_id: str) -> None:
    """The guide as the kiosk would load it: an imported guide validates like one written
    by hand, or nothing is written."""
    r = content._Reader(rel, item_id)
    try:
        content._service(r, service)
    except content.ContentError as e:
        raise UserError(f"the imported guide would not be valid, nothing written: {e}") from None
    size = len(dump(service))
    if size > content.MAX_FILE_BYTES:
        raise UserError(f"{rel}: the imported guide would be {size} bytes, more than the "
                        f"{content.MAX_FILE_BYTES} a kiosk reads; nothing written")


def prepare(src: Path, item_id: str, docs: list[govuk.Document], adopt: bool,
            allow: Iterable[str]) -> Outcome:
    part, findings = govuk.gather(docs, allow)
    rel = f"services/{item_id}.json"
    path = src / rel
    record = _record_for(src, item_id)
    now = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    schemas = {d.schema for d in docs}
    kept_docs = [d for d in (record or {}).get("documents", [])
                 if isinstance(d, dict) and d.get("schema") not in schemas]
    # A guide made from a step-by-step and a start page keeps both in its record, whichever
    # of the two this import brings.
    new_record = {"format": RECORD_FORMAT, "imported": now,
                  "documents": kept_docs + [d.record() for d in docs],
                  "part": ((record or {}).get("part") or {}) | part}
    if not path.exists():
        service = govuk.new_service(item_id, part, docs, findings)
        _check(service, rel, item_id)
        return Outcome(item_id, path, True, service, new_record, [], findings, {}, [], docs)
    try:
        current = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise UserError(f"{path}: cannot be read as JSON ({e}); nothing written") from None
    if not isinstance(current, dict) or current.get("id") != item_id:
        raise UserError(f"{path}: is not the guide {item_id!r}; nothing written")
    if record is None and not adopt:
        raise UserError(f"{rel} was written by hand (no GOV.UK record in {RECORDS}/): importing "
                        "would replace its GOV.UK parts with GOV.UK's words. Give --adopt to "
                        "do that (the difference is shown first with --check), or --id NEW "
                        "for a guide of its own")
    old_part = record["part"] if record else None
    if old_part is not None:  # what GOV.UK's old part had that the new one is compared with
        old_part = {k: v for k, v in old_part.items() if k in part}
    m = govuk.merge(current, old_part, part)
    _check(m.service, rel, item_id)
    return Outcome(item_id, path, False, m.service, new_record, m.changes, findings, m.stale,
                   m.kept, docs)


def dump(data: Any) -> bytes:
    """The content's own JSON style (2 spaces, UTF-8 as it is), so a re-import's diff is
    only what changed."""
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def write(src: Path, outcomes: list[Outcome]) -> None:
    """Each guide whole, then its record, then the index: a crash leaves every file old or
    new, never half of one (and running the import again finishes the job)."""
    index_path = src / "content.json"
    index = json.loads(index_path.read_text(encoding="utf-8"))
    added = []
    for o in outcomes:
        with files.atomic_open(o.path) as f:
            f.write(dump(o.service))
        with files.atomic_open(src / RECORDS / f"{o.item_id}.json") as f:
            f.write(dump(o.record))
        if o.item_id not in index.get("services", []):
            added.append(o.item_id)
    if added:
        index = copy.deepcopy(index)
        index["services"] = list(index.get("services", [])) + added
        with files.atomic_open(index_path) as f:
            f.write(dump(index))


# --- what the editor reads ------------------------------------------------------------------

def report(o: Outcome, check: bool) -> str:
    rel = o.path.name
    sources = ", ".join(d.source for d in o.docs)
    head = f"{o.item_id} (services/{rel}) from {sources}"
    lines = []
    if o.new:
        g = o.service["guide"]
        lines.append(f"{head}: {'would be a new guide' if check else 'new guide'}, "
                     f"{len(g['steps'])} steps")
    elif not o.changes:
        lines.append(f"{head}: no change on GOV.UK")
    else:
        kinds: dict[str, int] = {}
        for c in o.changes:
            label = {"cost": "fees", "link": "links", "official address": "links",
                     "step added": "steps added", "step removed": "steps removed",
                     "step renamed": "steps renamed"}.get(c.kind, "texts")
            kinds[label] = kinds.get(label, 0) + 1
        order = ("fees", "links", "steps added", "steps removed", "steps renamed", "texts")
        summary = ", ".join(f"{k} {kinds[k]}" for k in order if k in kinds)
        lines.append(f"{head}: {len(o.changes)} change(s) on GOV.UK ({summary})"
                     f"{' (not written: --check)' if check else ''}")
        lines += [f"  {c.line()}" for c in o.changes]
    if o.stale:
        n = sum(o.stale.values())
        langs = ", ".join(f"{k} {v}" for k, v in sorted(o.stale.items()))
        verb = "would be marked" if check else "marked"
        lines.append(f"  translations {verb} as needing an update ({n}): {langs}; they show "
                     "in English until updated")
    for k in o.kept:
        lines.append(f"  kept: {k}")
    for f in o.findings:
        mark = {"link": "link", "lost": "not carried over", "write": "to write"}.get(f.kind,
                                                                                     "note")
        lines.append(f"  {mark}: {f.where}: {f.what}")
    return "\n".join(lines)


def run(src: Path, sources: list[str], item_id: str | None = None, check: bool = False,
        adopt: bool = False, allow: Iterable[str] = govuk.DEFAULT_ALLOW,
        session: Any = None) -> tuple[list[Outcome], str]:
    """Import the documents into `src`; returns what was (or, with `check`, would be) done
    and the report. Every guide is converted and checked before anything is written."""
    if not (src / "content.json").is_file():
        raise UserError(f"{src}: no content.json here; give the content source directory")
    docs = [read(s, session) for s in sources]
    try:
        outcomes = [prepare(src, gid, gdocs, adopt, allow)
                    for gid, gdocs in group(docs, src, item_id)]
    except govuk.GovukError as e:
        raise UserError(str(e)) from None
    if not check:
        write(src, outcomes)
    return outcomes, "\n".join(report(o, check) for o in outcomes)
