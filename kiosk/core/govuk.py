"""GOV.UK Content API documents as the kiosk's guides: read, convert, compare and merge.

GOV.UK publishes every step-by-step navigation (`step_by_step_nav`) and service start page
(`transaction`) as JSON (alphagov/publishing-api, content_schemas/). This module turns them
into the English parts of a guide (docs/content-format.md), says what it could not carry
over (a link inside a sentence, a heading's emphasis, an abbreviation) instead of losing it
silently, and merges a newer document into a guide that editors and translators have
worked on: only what GOV.UK changed changes, the translations of changed English are
marked *needs update*, and what the kiosk added (its own "what you need" notes, practice
links, the time and cost lines) stays.

Pure: documents come in as bytes, guides as dicts; reading files and URLs and writing
guides is `kiosk/content_govuk.py`'s job.
"""

from __future__ import annotations

import copy
import difflib
import html
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from kiosk.core import content, sites

GOVUK = "https://www.gov.uk"
SCHEMAS = ("step_by_step_nav", "transaction")
MAX_DOCUMENT_BYTES = 5_000_000  # the largest real transaction, links expanded, is ~60 KB
MAX_STEPS = 50
MAX_ITEMS = 200  # content items in a step, tasks in a list
MAX_TEXT = 20_000  # characters in one text
DEFAULT_ALLOW = ("gov.uk", "nhs.uk")
NEEDS_UPDATE = "needs_update"  # the key in a text that lists translations to update
# Written by the importer where GOV.UK says nothing; an editor should replace them. A
# re-import never overwrites them (they are the kiosk's own).
TIME_UNKNOWN = "The official service tells you how long it takes."
COST_UNKNOWN = "The official service tells you if there is a cost."
COST_IN_STEPS = "Costs are shown beside each step that has one."
# GOV.UK shows a list without a style like a required one (no bullets); the kiosk needs one.
DEFAULT_LIST_STYLE = "required"
_URL_OK = re.compile(r"https://[A-Za-z0-9.-]+\.[a-z]{2,}(/\S*)?")


class GovukError(ValueError):
    """A document that cannot be imported; the message names it and what is wrong."""


@dataclass(frozen=True)
class Finding:
    """Something the editor should look at: `where` in the guide, `what` about it."""

    where: str
    what: str
    kind: str = "note"  # link | lost | write | note


@dataclass
class Document:
    """One GOV.UK document as read: its schema, where it came from, and the JSON."""

    schema: str
    source: str  # the file or URL
    data: dict

    @property
    def base_path(self) -> str:
        return self.data.get("base_path") or ""

    @property
    def slug(self) -> str:
        return self.base_path.strip("/").split("/")[-1] if self.base_path else ""

    def record(self) -> dict:
        """What the guide's GOV.UK record keeps of it."""
        d = self.data
        return {k: d[k] for k in ("base_path", "content_id", "public_updated_at", "updated_at",
                                  "title") if isinstance(d.get(k), str)} | \
            {"schema": self.schema,
             # an address as given; a file by its name only (not the editor's folders)
             "source": self.source if "://" in self.source else self.source.replace(
                 "\\", "/").rsplit("/", 1)[-1]}


def parse(raw: bytes, source: str) -> Document:
    """Bytes of a GOV.UK Content API document, checked: size, UTF-8, JSON, a schema this
    importer reads, and the fields that schema needs."""
    if len(raw) > MAX_DOCUMENT_BYTES:
        raise GovukError(f"{source}: is larger than {MAX_DOCUMENT_BYTES} bytes; not a GOV.UK "
                         "content item")
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as e:
        raise GovukError(f"{source}: is not UTF-8 ({e.reason} at byte {e.start})") from None
    except json.JSONDecodeError as e:
        raise GovukError(f"{source}: is not valid JSON: {e.msg} at line {e.lineno}, column "
                         f"{e.colno}") from None
    except RecursionError:
        raise GovukError(f"{source}: is nested too deeply to be a GOV.UK content item") from None
    if not isinstance(data, dict):
        raise GovukError(f"{source}: is not a GOV.UK content item (a JSON object)")
    schema = data.get("schema_name") or data.get("document_type")
    if schema not in SCHEMAS:
        raise GovukError(f"{source}: schema {schema!r} is not one this importer reads "
                         f"({', '.join(SCHEMAS)})")
    if data.get("locale", "en") != "en":
        raise GovukError(f"{source}: is in {data.get('locale')!r}; import the English "
                         "(locale 'en') document, the kiosk's translators do the rest")
    details = data.get("details")
    if not isinstance(details, dict):
        raise GovukError(f"{source}: field 'details' is missing or not an object")
    if schema == "step_by_step_nav":
        nav = details.get("step_by_step_nav")
        if not isinstance(nav, dict):
            raise GovukError(f"{source}: field 'details.step_by_step_nav' is missing")
        steps = nav.get("steps")
        if not isinstance(steps, list):
            raise GovukError(f"{source}: field 'details.step_by_step_nav.steps' is not a list")
        if not steps:
            raise GovukError(f"{source}: the step-by-step has no steps; a kiosk guide needs at "
                             "least one (nothing written)")
        if len(steps) > MAX_STEPS:
            raise GovukError(f"{source}: has {len(steps)} steps, more than {MAX_STEPS}")
    return Document(schema, source, data)


# --- text: HTML and govspeak to the kiosk's plain markup -----------------------------------

@dataclass
class Block:
    """A paragraph (items empty) or a list (text is the lead-in, items its entries)."""

    text: str = ""
    items: list[str] = field(default_factory=list)
    heading: bool = False

    @property
    def is_list(self) -> bool:
        return bool(self.items)


class _Html(HTMLParser):
    """GOV.UK's HTML as blocks of plain text. Kept: paragraphs, lists (nested ones joined to
    their item), line breaks, the words of links and emphasis. Reported: what is lost (a
    link's address, an abbreviation's meaning, a notice's emphasis, an image)."""

    INLINE = frozenset({"strong", "b", "em", "i", "span", "small", "code", "sup", "sub", "abbr",
              "a", "br", "img", "q", "cite", "u", "s", "time", "mark", "dfn"})
    BLOCK = frozenset({"p", "div", "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6", "section",
             "article", "blockquote", "address", "table", "thead", "tbody", "tr", "td", "th",
             "dl", "dt", "dd", "figure", "figcaption", "nav", "aside", "header", "footer", "hr"})

    def __init__(self, where: str, findings: list[Finding]):
        super().__init__(convert_charrefs=True)
        self.where, self.findings = where, findings
        self.blocks: list[Block] = []
        self.buf: list[str] = []
        self.lists: list[list[str]] = []  # open lists, innermost last: their items so far
        self.item_bufs: list[list[str]] = []
        self.links: list[tuple[str, list[str]]] = []
        self.heading = False
        self.reported: set[str] = set()

    def _note(self, what: str, kind: str = "lost") -> None:
        if what not in self.reported:
            self.reported.add(what)
            self.findings.append(Finding(self.where, what, kind))

    def _flush(self) -> None:
        text = _clean("".join(self.buf))
        self.buf = []
        if text:
            self.blocks.append(Block(text, heading=self.heading))

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("script", "style"):
            self._note(f"<{tag}> left out")
        if tag == "a":
            self.links.append((a.get("href") or "", []))
        elif tag == "br":
            self._text("\n")
        elif tag == "img":
            alt = (a.get("alt") or "").strip()
            self._note(f"an image left out{f' ({alt!r})' if alt else ''}")
            if alt:
                self._text(alt)
        elif tag == "abbr" and a.get("title"):
            self._note(f"abbreviation's meaning not shown: {a['title']}")
        elif tag in ("ul", "ol"):
            if self.item_bufs:  # a list inside an item: the item's words so far stay
                pass
            else:
                self._flush()
            self.lists.append([])
        elif tag == "li":
            self.item_bufs.append([])
        elif tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self._flush()
            self.heading = True
        elif tag in ("table", "dl"):
            self._note(f"a <{tag}> shown as plain lines")
            self._flush()
        elif tag == "div" and ("notice" in (a.get("class") or "") or a.get("role") == "note"):
            self._note("a notice's emphasis not shown (its words are kept)")
            self._flush()
        elif tag == "div" and "call-to-action" in (a.get("class") or ""):
            self._note("a call to action's emphasis not shown (its words are kept)")
            self._flush()
        elif tag in self.BLOCK:
            if not self.item_bufs:
                self._flush()
        elif tag not in self.INLINE:
            self._note(f"<{tag}> not understood; its words are kept")

    def handle_endtag(self, tag):
        if tag == "a" and self.links:
            href, words = self.links.pop()
            text = _clean("".join(words))
            if href:
                url = absolute(href)
                if href.startswith("mailto:") and href[7:] not in text:
                    self._text(f" ({href[7:]})")
                elif not href.startswith(("mailto:", "tel:", "#")):
                    self._note(f"link inside the text not shown: {text!r} -> {url}", "link")
        elif tag == "li" and self.item_bufs:
            words = _clean("".join(self.item_bufs.pop()))
            if self.lists:
                self.lists[-1].append(words)
            elif self.item_bufs:  # an item inside an item without a list: one item
                self.item_bufs[-1].append(f" {words} ")
            elif words:  # an item outside any list: a paragraph
                self._flush()
                self.blocks.append(Block(words))
        elif tag in ("ul", "ol") and self.lists:
            items = [i for i in self.lists.pop() if i]
            if self.item_bufs:  # a nested list: joined to the item it belongs to
                lead = _clean("".join(self.item_bufs[-1]))
                joined = "; ".join(items)
                self.item_bufs[-1][:] = [f"{lead}{'' if lead.endswith(':') else ':'} {joined}"
                                         if lead else joined]
                self._note("a list inside a list joined to its item", "note")
            elif items:
                lead = ""
                if self.blocks and not self.blocks[-1].is_list and \
                        self.blocks[-1].text.endswith(":"):
                    lead = self.blocks.pop().text
                self.blocks.append(Block(lead, items))
        elif tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self._flush()
            self.heading = False
        elif tag in self.BLOCK and not self.item_bufs:
            self._flush()

    def _text(self, data: str) -> None:
        for _, words in self.links:
            words.append(data)
        (self.item_bufs[-1] if self.item_bufs else self.buf).append(data)

    def handle_data(self, data):
        self._text(data)

    def close(self):
        super().close()
        while self.item_bufs:
            self.handle_endtag("li")
        while self.lists:
            self.handle_endtag("ul")
        self._flush()


def _clean(text: str) -> str:
    """Runs of spaces as one; line breaks kept (a contact's lines), trimmed."""
    lines = [" ".join(line.split()) for line in text.replace("\r", "").split("\n")]
    out = "\n".join(ln for ln in lines if ln)
    return out.strip()


def html_blocks(value: Any, where: str, findings: list[Finding]) -> list[Block]:
    """A GOV.UK body (an HTML string, or a list of {content_type, content} where text/html
    is preferred and text/govspeak read) as blocks."""
    if value is None or value == "":
        return []
    if isinstance(value, list):
        by_type = {v.get("content_type"): v.get("content") for v in value
                   if isinstance(v, dict) and isinstance(v.get("content"), str)}
        if "text/html" in by_type:
            value = by_type["text/html"]
        elif "text/govspeak" in by_type:
            return govspeak_blocks(by_type["text/govspeak"], where, findings)
        else:
            raise GovukError(f"{where}: none of its content types is text/html or "
                             f"text/govspeak ({', '.join(map(str, by_type)) or 'empty'})")
    if not isinstance(value, str):
        raise GovukError(f"{where}: must be HTML text, not {type(value).__name__}")
    if len(value) > MAX_TEXT * 5:
        raise GovukError(f"{where}: is longer than {MAX_TEXT * 5} characters")
    if "<" not in value:
        return [Block(t) for t in (_clean(p) for p in re.split(r"\n\s*\n", html.unescape(value)))
                if t]
    parser = _Html(where, findings)
    parser.feed(value)
    parser.close()
    return parser.blocks


_MD_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


def govspeak_blocks(text: str, where: str, findings: list[Finding]) -> list[Block]:
    """The part of govspeak (GOV.UK's Markdown) that suits the kiosk: paragraphs, bullet
    lists, links (their words kept, their address reported). Callouts lose their emphasis
    and abbreviation definitions are left out, both reported."""
    blocks: list[Block] = []
    for chunk in re.split(r"\n\s*\n", text.replace("\r\n", "\n")):
        lines = [ln.rstrip() for ln in chunk.strip("\n").split("\n") if ln.strip()]
        if not lines:
            continue
        kept = []
        for ln in lines:
            m = re.match(r"\*\[([^\]]+)\]:\s*(.*)", ln.strip())
            if m:
                findings.append(Finding(where, f"abbreviation's meaning not shown: {m[1]} "
                                               f"({m[2]})", "lost"))
                continue
            if re.match(r"^\s*(\$[A-Z]{1,2}|%|\^|@)", ln) or re.search(r"(\$[A-Z]{1,2}|%|\^|@)$",
                                                                          ln.strip()):
                findings.append(Finding(where, "a callout's emphasis not shown (its words are "
                                               "kept)", "lost"))
                ln = re.sub(r"^\s*(\$[A-Z]{1,2}|%|\^|@)\s*|\s*(\$[A-Z]{1,2}|%|\^|@)$", "", ln)
            for words, href in _MD_LINK.findall(ln):
                findings.append(Finding(where, f"link inside the text not shown: {words!r} -> "
                                               f"{absolute(href)}", "link"))
            ln = _MD_LINK.sub(lambda m: m[1], ln)
            ln = re.sub(r"^#+\s*", "", ln)
            ln = re.sub(r"(\*\*|__)(.+?)\1", r"\2", ln)
            if ln.strip():
                kept.append(ln)
        bullets = [re.sub(r"^\s*(?:[*\-+]|\d+\.)\s+", "", ln) for ln in kept
                   if re.match(r"^\s*(?:[*\-+]|\d+\.)\s+", ln)]
        if bullets and len(bullets) == len(kept):
            blocks.append(Block("", [_clean(b) for b in bullets]))
        elif bullets:
            lead = [ln for ln in kept if not re.match(r"^\s*(?:[*\-+]|\d+\.)\s+", ln)]
            blocks.append(Block(_clean(" ".join(lead)), [_clean(b) for b in bullets]))
        elif kept:
            blocks.append(Block(_clean(" ".join(kept))))
    return blocks


def plain(value: Any, where: str, findings: list[Finding]) -> str:
    """A body as one text: paragraphs on their own lines, list items as lines of their own."""
    lines: list[str] = []
    for b in html_blocks(value, where, findings):
        if b.text:
            lines.append(b.text)
        lines += [f"•  {i}" for i in b.items]
    return "\n".join(lines)


# --- links --------------------------------------------------------------------------------

def absolute(href: str) -> str:
    """A GOV.UK address as an absolute one: `/renew-adult-passport` is on www.gov.uk."""
    href = href.strip()
    if href.startswith("//"):
        return "https:" + href
    if href.startswith("/"):
        return GOVUK + href
    return href


def link(href: str, where: str, findings: list[Finding], allow: Iterable[str]) -> str | None:
    """A task's address as the kiosk keeps it: absolute and https. A link outside the
    allow-list is kept and reported (the kiosk's browser opens a guide's own sites, so the
    editor checks it); one that cannot be an https address is reported and left out."""
    url = absolute(href)
    if url.startswith("http://"):
        url = "https://" + url[len("http://"):]
        findings.append(Finding(where, f"{href} is not https: changed to {url}; check that "
                                       "it opens", "link"))
    if not _URL_OK.fullmatch(url):
        findings.append(Finding(where, f"address {href!r} left out: the kiosk opens only "
                                       "https:// web addresses (the words are kept)", "link"))
        return None
    host = sites.host_of(url)
    allow = tuple(allow)
    if allow and not sites.allows(allow, host):
        findings.append(Finding(where, f"{sites.site_of(host)} is outside the allow-list "
                                       f"({' '.join(allow)}): the guide's link lets this "
                                       "service's browser open it; check it is official",
                                "link"))
    return url


# --- documents to the GOV.UK parts of a guide -----------------------------------------------

def _str(d: dict, key: str, where: str, required: bool = True) -> str:
    v = d.get(key)
    if v is None and not required:
        return ""
    if not isinstance(v, str) or (required and not v.strip()):
        raise GovukError(f"{where}: field {key!r} must be a non-empty string")
    if len(v) > MAX_TEXT:
        raise GovukError(f"{where}: field {key!r} is longer than {MAX_TEXT} characters")
    return v


def _one_line(text: str, where: str, findings: list[Finding]) -> str:
    """Text GOV.UK gives as a string that may hold HTML (a paragraph, a task's words)."""
    if "<" in text or "&" in text:
        return plain(text, where, findings) if "<" in text else _clean(html.unescape(text))
    return _clean(text)


def from_step_by_step(doc: Document, findings: list[Finding],
                      allow: Iterable[str] = DEFAULT_ALLOW) -> dict:
    """The parts of a guide a step-by-step gives: its title, introduction and steps."""
    src = doc.source
    nav = doc.data["details"]["step_by_step_nav"]
    title = _clean(_str(nav, "title", f"{src}: step_by_step_nav", required=False))
    if not title:  # GOV.UK's 2018 examples have none: the document's title is the same
        title = _clean(_str(doc.data, "title", src))
        findings.append(Finding("guide.title", "GOV.UK's step-by-step has no title: the "
                                "document's is used", "note"))
    intro = plain(nav.get("introduction"), "guide.introduction", findings)
    if not intro:
        intro = plain(doc.data.get("description"), "guide.introduction", findings) or title
        findings.append(Finding("guide.introduction", "GOV.UK gives no introduction: the "
                                "description is used", "note"))
    steps = []
    for i, s in enumerate(nav["steps"]):
        where = f"guide.steps[{i}]"
        if not isinstance(s, dict):
            raise GovukError(f"{src}: {where} must be an object")
        stitle = _one_line(_str(s, "title", f"{src}: {where}"), where, findings)
        for key in sorted(set(s) - _STEP_KEYS):
            if s[key] is True and key == "optional":
                findings.append(Finding(where, "GOV.UK marks this step optional; the kiosk "
                                        "shows it like the others: say so in its words if "
                                        "it matters", "lost"))
            elif s[key] not in (None, False, "", [], {}):
                findings.append(Finding(where, f"GOV.UK's step field {key!r} not carried "
                                        f"over: {_short(s[key])}", "lost"))
        logic = s.get("logic") or "number"
        if logic not in content.STEP_LOGIC:
            raise GovukError(f"{src}: {where}.logic {logic!r} is not 'and' or 'or'")
        if i == 0 and logic != "number":
            findings.append(Finding(where, f"the first step cannot be '{logic}': numbered"))
            logic = "number"
        items = s.get("contents") or []
        if not isinstance(items, list) or len(items) > MAX_ITEMS:
            raise GovukError(f"{src}: {where}.contents must be a list of at most {MAX_ITEMS}")
        contents: list[dict] = []
        for j, c in enumerate(items):
            cw = f"{where}.contents[{j}]"
            if not isinstance(c, dict):
                raise GovukError(f"{src}: {cw} must be an object")
            kind = c.get("type")
            if kind == "paragraph":
                text = _one_line(_str(c, "text", f"{src}: {cw}"), cw, findings)
                if text:
                    contents.append({"type": "paragraph", "text": text})
            elif kind == "list":
                style = c.get("style") or DEFAULT_LIST_STYLE
                if style not in content.LIST_STYLES:
                    raise GovukError(f"{src}: {cw}.style {style!r} is not one of "
                                     f"{', '.join(content.LIST_STYLES)}")
                entries = c.get("contents")
                if not isinstance(entries, list) or len(entries) > MAX_ITEMS:
                    raise GovukError(f"{src}: {cw}.contents must be a list of at most "
                                     f"{MAX_ITEMS}")
                tasks = []
                for k, t in enumerate(entries):
                    tw = f"{cw}.items[{k}]"
                    if not isinstance(t, dict):
                        raise GovukError(f"{src}: {tw} must be an object")
                    task: dict = {"text": _one_line(_str(t, "text", f"{src}: {tw}"), tw,
                                                    findings)}
                    if t.get("href"):
                        url = link(_str(t, "href", f"{src}: {tw}"), tw, findings, allow)
                        if url:
                            task["href"] = url
                    if isinstance(t.get("context"), str) and t["context"].strip():
                        task["context"] = _one_line(t["context"], tw, findings)
                    tasks.append(task)
                if tasks:
                    contents.append({"type": "list", "style": style, "items": tasks})
            else:
                raise GovukError(f"{src}: {cw}.type {kind!r} is not 'paragraph' or 'list'")
        if not contents:
            findings.append(Finding(where, "GOV.UK's step has no contents: its title is "
                                    "repeated as its text", "note"))
            contents.append({"type": "paragraph", "text": stitle})
        steps.append({"title": stitle, "logic": logic, "contents": contents})
    return {"guide": {"title": title, "introduction": intro, "steps": steps}}


_STEP_KEYS = frozenset({"title", "logic", "contents"})
# A start page's details the importer reads, and those that are not for citizens
# (analytics, search terms); any other is reported, never dropped silently.
_TRANSACTION_READ = frozenset({"introductory_paragraph", "what_you_need_to_know",
                               "will_continue_on", "more_information", "other_ways_to_apply",
                               "transaction_start_link", "variants", "start_button_text",
                               "external_related_links", "downtime_message"})
_TRANSACTION_UNSEEN = frozenset({"department_analytics_profile", "hidden_search_terms"})


def _said(text: str) -> str:
    """A text quoted whole for the editor's report, its lines joined by " / "."""
    return repr(text.replace("\n", " / "))


def _short(value: Any) -> str:
    """A value GOV.UK gave that the kiosk does not use, quoted (its start, when long)."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return _said(text if len(text) <= 300 else text[:300] + "...")


def from_transaction(doc: Document, findings: list[Finding],
                     allow: Iterable[str] = DEFAULT_ALLOW) -> dict:
    """The parts of a start page a transaction gives: what it does (its introduction, where
    the citizen will continue, what to know), what you need (the lists of its "more
    information"), other ways to apply, and the start link."""
    src, d = doc.source, doc.data["details"]
    start: dict[str, Any] = {}
    intro = plain(d.get("introductory_paragraph"), "start.what_it_does", findings)
    extra = plain(d.get("what_you_need_to_know"), "start.what_it_does", findings)
    will = d.get("will_continue_on")
    lines = [x for x in (intro, extra) if x]
    if isinstance(will, str) and will.strip():
        lines.append(f"You will continue on {_one_line(will, 'start.what_it_does', findings)}.")
    if not lines:
        described = plain(doc.data.get("description"), "start.what_it_does", findings)
        lines = [described]
        findings.append(Finding("start.what_it_does", (
            "GOV.UK gives no introduction: the description is used; check it says what the "
            "service does") if described else ("GOV.UK gives no introduction or description: "
                                               "the title is used; write what the service "
                                               "does"), "write"))
    start["what_it_does"] = "\n".join(x for x in lines if x) or _str(doc.data, "title", src)
    # What you need: the lists of "more information" led in by words about needing (or the
    # first list, when it has no lead-in). The lead-in is the kiosk's heading "What you
    # need"; everything else there is reported, for the editor to place by hand.
    need: list[str] = []
    blocks = html_blocks(d.get("more_information"), "start.you_need", findings)
    for i, b in enumerate(blocks):
        nxt = blocks[i + 1] if i + 1 < len(blocks) else None
        if b.is_list:
            lead = b.text or (blocks[i - 1].text if i and not blocks[i - 1].is_list else "")
            if "need" in lead.lower() or (not lead and not need):
                need += b.items
                continue
            for text in ([b.text] if b.text else []) + b.items:
                findings.append(Finding("start.you_need", "from GOV.UK's more information, "
                                        f"not shown on the start page: {_said(text)}", "lost"))
        elif b.text and nxt is not None and nxt.is_list and not nxt.text and \
                "need" in b.text.lower():
            findings.append(Finding("start.you_need", f"{_said(b.text)} is the start page's "
                                    "heading 'What you need'", "note"))
        elif b.text:
            findings.append(Finding("start.you_need", "from GOV.UK's more information, not "
                                    f"shown on the start page: {_said(b.text)}", "lost"))
    start["you_need"] = need
    ways: list[str] = []
    for b in html_blocks(d.get("other_ways_to_apply"), "start.other_ways", findings):
        if b.is_list:
            ways += [f"{b.text} {i}" if b.text and not b.text.endswith(":") else i
                     for i in b.items]
            if b.text and b.text.endswith(":"):
                ways.insert(len(ways) - len(b.items), b.text)
        elif b.text:
            ways.append(b.text)
    start["other_ways"] = ways
    part: dict[str, Any] = {"start": start}
    if isinstance(d.get("variants"), list) and d["variants"]:
        findings.append(Finding("official_url", f"{len(d['variants'])} variant(s) of this start "
                                "page not imported; the main one is", "note"))
    raw = d.get("transaction_start_link")
    if isinstance(raw, str) and raw.strip():
        url = link(raw, "official_url", findings, allow)
        if url:
            part["official_url"] = url
    down = d.get("downtime_message")
    if isinstance(down, str) and down.strip():
        findings.append(Finding("official_url", f"GOV.UK announces downtime: {_short(down)}; "
                                "the kiosk does not show it", "note"))
    for rel in d.get("external_related_links") or []:
        if isinstance(rel, dict):
            findings.append(Finding("start", "GOV.UK's related link not carried over: "
                                    f"{_short(rel.get('title') or '')} -> {rel.get('url')}",
                                    "link"))
    for key in sorted(set(d) - _TRANSACTION_READ - _TRANSACTION_UNSEEN):
        if d[key] not in (None, False, "", [], {}):
            findings.append(Finding("start", f"GOV.UK's field {key!r} not carried over: "
                                    f"{_short(d[key])}", "lost"))
    return part


def button_text(doc: Document) -> str:
    """The words of a start page's own button ("Calculate your child maintenance"), if
    GOV.UK gives them."""
    text = doc.data["details"].get("start_button_text")
    return _clean(text) if isinstance(text, str) and "<" not in text else ""


def english_of(doc: Document) -> tuple[str, str]:
    """A document's title and description as the kiosk's service title and summary."""
    findings: list[Finding] = []
    title = _clean(doc.data.get("title") or "")
    title = re.sub(r":\s*step by step$", "", title, flags=re.IGNORECASE)
    summary = plain(doc.data.get("description"), "summary", findings).split("\n")[0]
    return title, summary or title


def gather(docs: list[Document], allow: Iterable[str] = DEFAULT_ALLOW
           ) -> tuple[dict, list[Finding]]:
    """The GOV.UK part of one guide from its documents (at most one of each schema)."""
    findings: list[Finding] = []
    part: dict[str, Any] = {}
    seen: dict[str, str] = {}
    for doc in docs:
        if doc.schema in seen:
            raise GovukError(f"{doc.source}: a second {doc.schema} document for one guide "
                             f"(the first is {seen[doc.schema]})")
        seen[doc.schema] = doc.source
    sbs = next((d for d in docs if d.schema == "step_by_step_nav"), None)
    tx = next((d for d in docs if d.schema == "transaction"), None)
    if sbs is not None:
        part |= from_step_by_step(sbs, findings, allow)
    if tx is not None:
        part |= from_transaction(tx, findings, allow)
    if "official_url" not in part:
        base = (tx or sbs).base_path if (tx or sbs) else ""
        if base:
            part["official_url"] = GOVUK + base
    return part, findings


# --- a new guide ----------------------------------------------------------------------------

def new_service(item_id: str, part: dict, docs: list[Document],
                findings: list[Finding]) -> dict:
    """A whole guide (content JSON, English) from a GOV.UK part: the lines GOV.UK does not
    give are written plainly and reported for an editor to replace."""
    first = next((d for d in docs if d.schema == "transaction"), docs[0])
    title, summary = english_of(first)
    if "guide" not in part:  # a start page alone: one step, to its start link
        tx = next((d for d in docs if d.schema == "transaction"), None)
        task = {"text": (button_text(tx) if tx else "") or title}
        if part.get("official_url"):
            task["href"] = part["official_url"]
        part = part | {"guide": {
            "title": title, "introduction": part["start"]["what_it_does"],
            "steps": [{"title": title, "logic": "number",
                       "contents": [{"type": "list", "style": "required", "items": [task]}]}]}}
        findings.append(Finding("guide.steps", "a start page alone gives one step: import "
                                "its step-by-step too, or write the steps", "write"))
    start = copy.deepcopy(part.get("start") or {})
    start.setdefault("what_it_does", summary)
    start.setdefault("you_need", [])
    start.setdefault("other_ways", [])
    costs = [t["context"] for s in part["guide"]["steps"] for c in s["contents"]
             if c["type"] == "list" for t in c["items"] if t.get("context")]
    start["time"] = TIME_UNKNOWN
    start["cost"] = COST_IN_STEPS if any("£" in c for c in costs) else COST_UNKNOWN
    findings.append(Finding("start.time", "GOV.UK does not say: write how long it takes",
                            "write"))
    findings.append(Finding("start.cost", "GOV.UK does not say on the start page: check the "
                            "cost line", "write"))
    service = {"id": item_id, "title": title, "summary": summary,
               "official_url": part.get("official_url") or GOVUK,
               "start": {k: start[k] for k in ("what_it_does", "you_need", "time", "cost",
                                               "other_ways")},
               "guide": copy.deepcopy(part["guide"])}
    return _texts(service)


def _texts(obj: Any, key: str = "") -> Any:
    """English strings of a guide as texts ({"en": ...}), ids, logic, styles, addresses
    and types left as they are."""
    if isinstance(obj, dict):
        return {k: _texts(v, k) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_texts(v, key) for v in obj]
    if isinstance(obj, str) and key in _TEXT_KEYS:
        return {"en": obj}
    return obj


_TEXT_KEYS = {"title", "summary", "what_it_does", "you_need", "time", "cost", "other_ways",
              "introduction", "text", "context"}


# --- changes: the readable difference, and applying it ------------------------------------

@dataclass
class Change:
    """One difference between GOV.UK's old and new document, as an editor reads it."""

    kind: str  # step added|step removed|step changed|text|cost|link|need added|...
    where: str
    old: str = ""
    new: str = ""

    def line(self) -> str:
        if self.kind in ("cost", "link", "text", "step renamed", "logic", "style",
                         "official address"):
            label = {"cost": "cost changed", "link": "link changed", "text": "text changed",
                     "step renamed": "step renamed", "logic": "step joined differently",
                     "style": "list style changed",
                     "official address": "official address changed"}[self.kind]
            return f"~ {self.where}: {label}: {_q(self.old)} -> {_q(self.new)}"
        mark = "+" if "added" in self.kind else "-" if "removed" in self.kind else "~"
        what = self.new or self.old
        return f"{mark} {self.where}: {self.kind}{f': {_q(what)}' if what else ''}"


def _q(s: str) -> str:
    s = s.replace("\n", " / ")
    return f'"{s[:117]}..."' if len(s) > 120 else f'"{s}"' if s else "(none)"


@dataclass
class Merge:
    """The result of merging GOV.UK's new part into a guide."""

    service: dict
    changes: list[Change]
    stale: dict[str, int]  # language -> translations marked as needing an update
    kept: list[str]  # the kiosk's own parts that stayed (what, where)


class _Merger:
    def __init__(self):
        self.changes: list[Change] = []
        self.stale: dict[str, int] = {}
        self.kept: list[str] = []

    # a text: GOV.UK's old English, its new English, and the guide's text now
    def text(self, old: str | None, new: str, cur: dict | None, where: str,
             kind: str = "text") -> dict:
        if cur is None:
            return {"en": new}
        if old is not None and old == new:
            return cur  # GOV.UK did not change it: the guide's text stays as it is
        if cur.get("en") == new:
            return cur
        if old is not None or cur.get("en"):
            self.changes.append(Change(kind, where, old if old is not None else
                                       cur.get("en", ""), new))
        out = dict(cur)
        out["en"] = new
        translated = [k for k, v in cur.items() if k not in ("en", NEEDS_UPDATE) and v]
        if translated:
            marked = set((cur.get(NEEDS_UPDATE) or "").split()) | set(translated)
            out[NEEDS_UPDATE] = " ".join(sorted(marked))
            for lang in translated:
                self.stale[lang] = self.stale.get(lang, 0) + 1
        return out


def _align(old: list, new: list, key: Callable[[Any], str]) -> list[tuple[int | None,
                                                                          int | None]]:
    """Pairs (old index, new index) in the new order; a pair with None was added or removed.
    Items with the same key are the same; a block replaced by one of equal length is
    the same items changed."""
    sm = difflib.SequenceMatcher(a=[key(x) for x in old], b=[key(x) for x in new],
                                 autojunk=False)
    pairs: list[tuple[int | None, int | None]] = []
    for op, a0, a1, b0, b1 in sm.get_opcodes():
        if op == "equal":
            pairs += list(zip(range(a0, a1), range(b0, b1)))
        elif op == "replace":
            n = min(a1 - a0, b1 - b0)
            pairs += list(zip(range(a0, a0 + n), range(b0, b0 + n)))
            pairs += [(i, None) for i in range(a0 + n, a1)]
            pairs += [(None, j) for j in range(b0 + n, b1)]
        elif op == "delete":
            pairs += [(i, None) for i in range(a0, a1)]
        else:
            pairs += [(None, j) for j in range(b0, b1)]
    return pairs


def _claim(old_items: list, cur_items: list, same: Callable[[Any, Any], bool]) -> dict[int, int]:
    """Which of the guide's items each of GOV.UK's old items became (first match, in order)."""
    found: dict[int, int] = {}
    used: set[int] = set()
    for i, o in enumerate(old_items):
        for c, cur in enumerate(cur_items):
            if c not in used and same(o, cur):
                found[i] = c
                used.add(c)
                break
    return found


def _weave(pairs, old_to_cur: dict[int, int], cur_items: list, build_old, build_new,
           removed: Callable[[int], None] = lambda oi: None) -> tuple[list, list[int]]:
    """The merged list in GOV.UK's new order, with the guide's own items (matched to no old
    GOV.UK item) kept after the item they followed. Returns it and their indexes."""
    out: list = []
    placed: dict[int, int] = {}  # guide index -> position in out
    for oi, ni in pairs:
        if ni is None:
            if oi is not None:
                removed(oi)  # said where it was, in the order an editor reads the guide
            continue
        if oi is not None and oi in old_to_cur:
            c = old_to_cur[oi]
            placed[c] = len(out)
            out.append(build_old(oi, ni, cur_items[c]))
        else:
            item = build_new(oi, ni)
            if item is not None:
                out.append(item)
    own = [c for c in range(len(cur_items)) if c not in old_to_cur.values()]
    for c in reversed(own):
        before = [p for k, p in placed.items() if k < c]
        at = (max(before) + 1) if before else 0
        out.insert(at, cur_items[c])
        for k, p in placed.items():
            if p >= at:
                placed[k] = p + 1
        placed[c] = at
    return out, own


def _en(t: Any) -> str:
    return t.get("en", "") if isinstance(t, dict) else str(t or "")


def _step_key(s: dict) -> str:
    return _en(s.get("title"))


def _content_key(c: dict) -> str:
    if c.get("type") == "paragraph":
        return "p:" + _en(c.get("text"))
    if c.get("type") == "list":
        return "l:" + "|".join(t.get("href") or _en(t.get("text")) for t in c.get("items", []))
    return f"{c.get('type')}:{json.dumps(c, sort_keys=True)}"


def _task_key(t: dict) -> str:
    return t.get("href") or "t:" + _en(t.get("text"))


def merge(current: dict, old_part: dict | None, new_part: dict) -> Merge:
    """GOV.UK's new part merged into the guide `current` (content JSON), given the part
    the guide was last imported from (None: the guide's own English stands for it).

    What GOV.UK changed is changed, and each translation of a changed English text is
    marked as needing an update. What GOV.UK did not change stays as the editors left it.
    What the guide has that GOV.UK's old part did not (its own notes, practice links,
    time, cost, title and summary) stays where it was."""
    service = copy.deepcopy(current)
    m = _Merger()
    old = old_part if old_part is not None else _english_part(current, new_part)
    if "official_url" in new_part and new_part["official_url"] != old.get("official_url"):
        if service.get("official_url") != new_part["official_url"]:
            m.changes.append(Change("official address", "official address",
                                    service.get("official_url", ""), new_part["official_url"]))
        service["official_url"] = new_part["official_url"]
    if "start" in new_part:
        ns, os_ = new_part["start"], old.get("start") or {}
        cs = service.setdefault("start", {})
        cs["what_it_does"] = m.text(os_.get("what_it_does"), ns["what_it_does"],
                                    cs.get("what_it_does"), "start page: what it does")
        for key, label in (("you_need", "what you need"), ("other_ways", "other ways to apply")):
            cs[key] = _merge_texts(m, os_.get(key) or [], ns.get(key) or [], cs.get(key) or [],
                                   label)
    if "guide" in new_part:
        ng, og = new_part["guide"], old.get("guide") or {}
        cg = service.setdefault("guide", {})
        cg["title"] = m.text(og.get("title"), ng["title"], cg.get("title"), "guide title")
        cg["introduction"] = m.text(og.get("introduction"), ng["introduction"],
                                    cg.get("introduction"), "guide introduction")
        cg["steps"] = _merge_steps(m, og.get("steps") or [], ng["steps"], cg.get("steps") or [])
    return Merge(service, m.changes, m.stale, m.kept)


def _english_part(current: dict, like: dict) -> dict:
    """The guide's own English in the shape of a GOV.UK part (for a guide imported before
    without a record, or adopted): what GOV.UK's new part is compared with."""
    def en(obj: Any) -> Any:
        if isinstance(obj, dict):
            if "en" in obj and all(isinstance(v, (str, list)) for v in obj.values()):
                return obj["en"]
            return {k: en(v) for k, v in obj.items()}
        if isinstance(obj, list):
            return [en(v) for v in obj]
        return obj
    part = en({k: current[k] for k in like if k in current})
    for step in (part.get("guide") or {}).get("steps") or []:
        # A council step is always the kiosk's own (GOV.UK has none): never "removed".
        step["contents"] = [c for c in step.get("contents") or [] if c.get("type") != "council"]
    return part


def _merge_texts(m: _Merger, old: list[str], new: list[str], cur: list[dict], label: str
                 ) -> list[dict]:
    pairs = _align(old, new, lambda s: s)
    old_to_cur = _claim(old, cur, lambda o, c: _en(c) == o)

    def build_old(oi, ni, c):
        return m.text(old[oi], new[ni], c, f"{label}: item {ni + 1}")

    def build_new(oi, ni):
        if oi is not None and old[oi] == new[ni]:
            return None  # unchanged on GOV.UK, taken out by the editors: stays out
        if oi is None:
            m.changes.append(Change("added", label, "", new[ni]))
        else:
            m.changes.append(Change("text", f"{label}: item {ni + 1}", old[oi], new[ni]))
        return {"en": new[ni]}

    out, own = _weave(pairs, old_to_cur, cur, build_old, build_new, lambda oi: m.changes.append(
        Change("removed", label, old[oi], "")))
    m.kept += [f"{label}: {_en(cur[c])!r} (the kiosk's own)" for c in own]
    return out


def _merge_steps(m: _Merger, old: list[dict], new: list[dict], cur: list[dict]) -> list[dict]:
    pairs = _align(old, new, _step_key)
    old_to_cur = _claim(old, cur, lambda o, c: _step_key(c) == o["title"])
    # A step the editors retitled is still GOV.UK's at the same place.
    unclaimed = [c for c in range(len(cur)) if c not in old_to_cur.values()]
    for i in range(len(old)):
        if i not in old_to_cur and i in unclaimed:
            old_to_cur[i] = i
            unclaimed.remove(i)

    def build_old(oi, ni, c):
        o, n = old[oi], new[ni]
        where = f"step {ni + 1} {_q(n['title'])}"
        step = dict(c)
        step["title"] = m.text(o["title"], n["title"], c.get("title"), where, "step renamed")
        if n.get("logic", "number") != c.get("logic", "number"):
            m.changes.append(Change("logic", where, c.get("logic", "number"), n["logic"]))
        step["logic"] = n.get("logic", "number")
        step["contents"] = _merge_contents(m, o.get("contents", []), n["contents"],
                                           c.get("contents") or [], where)
        return step

    def build_new(oi, ni):
        n = new[ni]
        if oi is not None and old[oi] == n:
            return None  # unchanged on GOV.UK, taken out by the editors: stays out
        m.changes.append(Change("step added", f"step {ni + 1}", "", n["title"]))
        return _texts(copy.deepcopy(n))

    out, own = _weave(pairs, old_to_cur, cur, build_old, build_new, lambda oi: m.changes.append(
        Change("step removed", f"old step {oi + 1}", old[oi]["title"])))
    m.kept += [f"step {_en(cur[c].get('title'))!r} (the kiosk's own)" for c in own]
    if out:
        out[0] = dict(out[0], logic="number")
    return out


def _merge_contents(m: _Merger, old: list[dict], new: list[dict], cur: list[dict],
                    where: str) -> list[dict]:
    pairs = _align(old, new, _content_key)

    def same(o: dict, c: dict) -> bool:
        if o.get("type") != c.get("type"):
            return False
        if o["type"] == "paragraph":
            return _en(c.get("text")) == o["text"]
        okeys = {_task_key(t) for t in o.get("items", [])}
        return bool(okeys & {_task_key(_flat_task(t)) for t in c.get("items", [])})

    old_to_cur = _claim(old, cur, same)

    def build_old(oi, ni, c):
        o, n = old[oi], new[ni]
        if o["type"] != n["type"]:
            return build_new(oi, ni)
        if n["type"] == "paragraph":
            return dict(c, text=m.text(o["text"], n["text"], c.get("text"), where))
        if n.get("style") != c.get("style"):
            m.changes.append(Change("style", where, c.get("style", ""), n.get("style", "")))
        items = _merge_tasks(m, o.get("items", []), n["items"], c.get("items") or [], where)
        return dict(c, style=n["style"], items=items)

    def build_new(oi, ni):
        n = new[ni]
        if oi is not None and old[oi] == n:
            return None  # unchanged on GOV.UK, taken out by the editors: stays out
        if oi is not None:
            o = old[oi]
            m.changes.append(Change("text" if n["type"] == "paragraph" else "list changed",
                                    where, _summary(o), _summary(n)))
        elif n["type"] == "paragraph":
            m.changes.append(Change("paragraph added", where, "", n["text"]))
        else:
            m.changes.append(Change("links added", where, "", _summary(n)))
        return _texts(copy.deepcopy(n))

    def removed(oi):
        o = old[oi]
        m.changes.append(Change("paragraph removed" if o["type"] == "paragraph"
                                else "links removed", where, _summary(o), ""))

    out, own = _weave(pairs, old_to_cur, cur, build_old, build_new, removed)
    m.kept += [f"{where}: {_summary(_flat(cur[c]))!r} (the kiosk's own)" for c in own]
    return out


def _flat_task(t: dict) -> dict:
    return {k: _en(v) if k in ("text", "context") else v for k, v in t.items()}


def _flat(c: dict) -> dict:
    if c.get("type") == "paragraph":
        return {"type": "paragraph", "text": _en(c.get("text"))}
    if c.get("type") == "list":
        return {"type": "list", "items": [_flat_task(t) for t in c.get("items", [])]}
    return c


def _summary(c: dict) -> str:
    if c.get("type") == "paragraph":
        return c.get("text", "")
    if c.get("type") == "list":
        return "; ".join(t.get("text", "") for t in c.get("items", []))
    return c.get("type", "")


def _merge_tasks(m: _Merger, old: list[dict], new: list[dict], cur: list[dict], where: str
                 ) -> list[dict]:
    pairs = _align(old, new, _task_key)
    old_to_cur = _claim(old, cur, lambda o, c: _task_key(_flat_task(c)) == _task_key(o)
                        or _en(c.get("text")) == o["text"])

    def build_old(oi, ni, c):
        o, n = old[oi], new[ni]
        task = dict(c)
        task["text"] = m.text(o["text"], n["text"], c.get("text"), f"{where}, link "
                              f"{_q(n['text'])}")
        if n.get("href") != c.get("href"):
            if o.get("href") != n.get("href"):
                m.changes.append(Change("link", f"{where}, {_q(n['text'])}",
                                        o.get("href") or "", n.get("href") or ""))
            if n.get("href"):
                task["href"] = n["href"]
            else:
                task.pop("href", None)
        if n.get("context"):
            task["context"] = m.text(o.get("context"), n["context"], c.get("context"),
                                     f"{where}, {_q(n['text'])}", "cost")
        elif "context" in task:
            m.changes.append(Change("cost", f"{where}, {_q(n['text'])}",
                                    _en(task["context"]), ""))
            task.pop("context")
        return {k: task[k] for k in ("text", "href", "context", "council") if k in task}

    def build_new(oi, ni):
        n = new[ni]
        if oi is not None and old[oi] == n:
            return None  # unchanged on GOV.UK, taken out by the editors: stays out
        if oi is not None:
            o = old[oi]
            if o.get("href") != n.get("href"):
                m.changes.append(Change("link", f"{where}, {_q(n['text'])}",
                                        o.get("href") or "", n.get("href") or ""))
            if o.get("context") != n.get("context"):
                m.changes.append(Change("cost", f"{where}, {_q(n['text'])}",
                                        o.get("context") or "", n.get("context") or ""))
        else:
            m.changes.append(Change("link added", where, "", f"{n['text']} "
                                    f"({n.get('href') or 'no address'})"
                                    + (f", {n['context']}" if n.get("context") else "")))
        return _texts(copy.deepcopy(n))

    def removed(oi):
        o = old[oi]
        m.changes.append(Change("link removed", where, f"{o['text']} "
                                f"({o.get('href') or 'no address'})", ""))

    out, own = _weave(pairs, old_to_cur, cur, build_old, build_new, removed)
    m.kept += [f"{where}: link {_en(cur[c].get('text'))!r} (the kiosk's own)" for c in own]
    return out


def diff(old_part: dict, new_part: dict) -> list[Change]:
    """What GOV.UK changed between two parts, without a guide: the merge into a guide that
    is exactly the old part."""
    return merge(_texts(copy.deepcopy(old_part)), old_part, new_part).changes
