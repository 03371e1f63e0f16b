"""The content model (services, guides, tutorials, practice) and its loader.

Content is data, never code: JSON files under a content directory, described in
docs/content-format.md. Loading is all or nothing: any mistake raises ContentError naming
the file, the item and the field, so the kiosk never starts half-broken.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kiosk.core import councils, languages

SCHEMA_VERSION = 1
ID_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
ANSWER_RE = re.compile(r"^[A-Za-z0-9 @.\-_']+$")
SKILL_AREAS = ("foundation", "communicating", "handling_information", "transacting",
               "problem_solving", "being_safe")
STEP_LOGIC = ("number", "and", "or")
LIST_STYLES = ("required", "optional", "choice")
PRACTICE_TYPES = ("tap_target", "type_this", "choose_answer", "real_or_scam")
MAX_FILE_BYTES = 1_000_000
# In a text, the translations made from an older English: {"en": ..., "ar": ...,
# "needs_update": "ar"} (codes separated by spaces: a text stays an object of strings,
# which every tool that walks texts expects). They show in English until updated.
NEEDS_UPDATE = "needs_update"


class ContentError(ValueError):
    """A mistake in the content, with where it is: file, item and field."""

    def __init__(self, file: str, item: str, field: str, problem: str):
        self.file, self.item, self.field, self.problem = file, item, field, problem
        where = f"{file}: item {item!r}" if item else file
        if field:
            where += f", field {field!r}"
        super().__init__(f"{where}: {problem}")


@dataclass(frozen=True)
class Text:
    """A text a citizen reads, in one or more languages; English is always there.

    `stale` holds the languages whose translation was made from an older English (the
    English changed since, say on a GOV.UK re-import): they show in English, like a
    missing translation, until a translator updates them."""

    by_lang: dict[str, str]
    stale: frozenset[str] = frozenset()

    def get(self, lang: str) -> str:
        return (self.by_lang.get(lang) if lang not in self.stale else None) or self.by_lang["en"]

    def lang_for(self, lang: str) -> str:
        """The language the text will actually be shown in (English when not translated)."""
        return lang if self.has(lang) else "en"

    def has(self, lang: str) -> bool:
        return bool(self.by_lang.get(lang)) and lang not in self.stale

    def needs_update(self, lang: str) -> bool:
        """Translated once, but from an English that has changed since."""
        return lang in self.stale and bool(self.by_lang.get(lang))


@dataclass(frozen=True)
class Task:
    text: Text
    href: str | None = None
    context: Text | None = None


@dataclass(frozen=True)
class Paragraph:
    text: Text


@dataclass(frozen=True)
class TaskList:
    style: str
    items: tuple[Task, ...]


@dataclass(frozen=True)
class CouncilLink:
    """A council service (core/councils.py: council_tax, housing...): shown as "Your
    council: <name>" with a link to the centre's council's page for it, or GOV.UK's."""

    service: str


@dataclass(frozen=True)
class Step:
    title: Text
    logic: str
    contents: tuple[Paragraph | TaskList | CouncilLink, ...]


@dataclass(frozen=True)
class Guide:
    title: Text
    introduction: Text
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class StartPage:
    what_it_does: Text
    you_need: tuple[Text, ...]
    time: Text
    cost: Text
    other_ways: tuple[Text, ...]


@dataclass(frozen=True)
class Service:
    id: str
    title: Text
    summary: Text
    official_url: str
    start: StartPage
    guide: Guide


@dataclass(frozen=True)
class Target:
    label: Text
    x: float
    y: float


@dataclass(frozen=True)
class TapTarget:
    prompt: Text
    targets: tuple[Target, ...]
    type: str = "tap_target"


@dataclass(frozen=True)
class TypeThis:
    prompt: Text
    answer: str
    hint: Text | None = None
    case_sensitive: bool = False
    type: str = "type_this"

    def accepts(self, typed: str) -> bool:
        def norm(s: str) -> str:
            s = " ".join(s.split())
            return s if self.case_sensitive else s.casefold()

        return norm(typed) == norm(self.answer)


@dataclass(frozen=True)
class Option:
    text: Text
    correct: bool
    feedback: Text


@dataclass(frozen=True)
class ChooseAnswer:
    question: Text
    options: tuple[Option, ...]
    type: str = "choose_answer"


@dataclass(frozen=True)
class Card:
    sender: str
    message: Text
    is_scam: bool
    explanation: Text


@dataclass(frozen=True)
class RealOrScam:
    prompt: Text
    cards: tuple[Card, ...]
    type: str = "real_or_scam"


Practice = TapTarget | TypeThis | ChooseAnswer | RealOrScam


@dataclass(frozen=True)
class Lesson:
    title: Text
    body: tuple[Text, ...]
    practice: Practice | None


@dataclass(frozen=True)
class Tutorial:
    id: str
    title: Text
    summary: Text
    skill_area: str
    minutes: int
    lessons: tuple[Lesson, ...]
    learnt: tuple[Text, ...]
    next: tuple[str, ...]


# A centre's own information (name, hours, who can help...) is configuration, set per
# centre (core/config.py, core/offer.py): one signed pack serves every centre. Older packs
# still carry this file; it is ignored, with a note.
LEGACY_CENTRE_FILE = "centre.json"
LEGACY_CENTRE_NOTE = (f"{LEGACY_CENTRE_FILE} is ignored: a centre's own information is "
                      "configuration now (the centre.* settings, docs/staff-guide.md)")


REVIEW_STATES = ("unreviewed", "reviewed")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Review:
    """Where a language's translation stands: not yet checked by a native speaker (how it
    was made, when), or reviewed by whom and when. English, the source, needs none."""

    status: str = "unreviewed"
    by: str = ""
    date: str = ""
    note: str = ""  # "machine translation", "volunteers of ...": how it was made or checked

    @property
    def reviewed(self) -> bool:
        return self.status == "reviewed"

    def describe(self) -> str:
        """One line in English, for `kiosk-content validate`."""
        if self.reviewed:
            said = f"reviewed by {self.by}, {self.date}"
        else:
            said = "unreviewed" + (f", {self.date}" if self.date else "")
        return said + (f" ({self.note})" if self.note else "")


@dataclass(frozen=True)
class Catalogue:
    """Everything the kiosk shows, loaded and checked."""

    languages: tuple[str, ...]
    services: dict[str, Service] = field(default_factory=dict)
    tutorials: dict[str, Tutorial] = field(default_factory=dict)
    notes: tuple[str, ...] = ()  # what was found but not used (an old pack's centre.json)
    councils: Any = None  # core.councils.Councils, from councils.json when the pack has one
    review_by_lang: dict[str, Review] = field(default_factory=dict)

    def review(self, lang: str) -> Review | None:
        """The language's review status (None for English, the source)."""
        if lang == "en":
            return None
        return self.review_by_lang.get(lang) or Review()

    def share(self, lang: str) -> float:
        """How much of all the text (0 to 1) is written in `lang`; remembered."""
        shares = self.__dict__.setdefault("_shares", {})
        if lang not in shares:
            texts = [t for _, t in self.texts()]
            shares[lang] = sum(t.has(lang) for t in texts) / len(texts) if texts else 1.0
        return shares[lang]

    def item(self, item_id: str) -> Service | Tutorial:
        return self.services.get(item_id) or self.tutorials[item_id]

    def texts(self) -> Iterator[tuple[str, Text]]:
        """Every text in the catalogue with the id of the item it belongs to."""
        for s in self.services.values():
            yield from _walk_texts(s.id, s)
        for t in self.tutorials.values():
            yield from _walk_texts(t.id, t)


def share_in(item: Service | Tutorial, lang: str) -> float:
    """How much of an item's text (0 to 1) is written in `lang`."""
    texts = [t for _, t in _walk_texts(item.id, item)]
    return sum(t.has(lang) for t in texts) / len(texts) if texts else 1.0


def mostly_in(item: Service | Tutorial, lang: str) -> bool:
    """True when at least half of an item's text is in `lang`: otherwise the citizen meets a
    service or lesson in English, and is told so before starting it."""
    return share_in(item, lang) >= 0.5


def _walk_texts(item_id: str, obj: Any) -> Iterator[tuple[str, Text]]:
    if isinstance(obj, Text):
        yield item_id, obj
    elif isinstance(obj, tuple):
        for x in obj:
            yield from _walk_texts(item_id, x)
    elif hasattr(obj, "__dataclass_fields__"):
        for name in obj.__dataclass_fields__:
            yield from _walk_texts(item_id, getattr(obj, name))


class _Reader:
    """Reads one JSON item, raising ContentError with the path of the field at fault."""

    def __init__(self, file: str, item: str):
        self.file, self.item = file, item

    def fail(self, path: str, problem: str) -> ContentError:
        return ContentError(self.file, self.item, path, problem)

    def obj(self, data: Any, path: str) -> dict:
        if not isinstance(data, dict):
            raise self.fail(path, f"must be an object, not {_kind(data)}")
        return data

    def req(self, data: dict, key: str, path: str) -> Any:
        if key not in data:
            raise self.fail(_join(path, key), "is missing")
        return data[key]

    def unknown_keys(self, data: dict, allowed: set[str], path: str) -> None:
        extra = sorted(set(data) - allowed)
        if extra:
            raise self.fail(_join(path, extra[0]), "is not a known field "
                            f"(expected one of: {', '.join(sorted(allowed))})")

    def text(self, data: dict, key: str, path: str, optional: bool = False) -> Text | None:
        if optional and key not in data:
            return None
        return self.text_value(self.req(data, key, path), _join(path, key))

    def text_value(self, value: Any, path: str) -> Text:
        if not isinstance(value, dict):
            raise self.fail(path, "must be a text: an object from language code to string, "
                                  'like {"en": "..."}')
        marked = value.get(NEEDS_UPDATE, "")
        if not isinstance(marked, str):
            raise self.fail(f"{path}.{NEEDS_UPDATE}", 'must be language codes separated by '
                                                      'spaces, like "ar bn"')
        stale = marked.split()
        for code in stale:
            if code == "en" or not languages.is_known(code) or not isinstance(
                    value.get(code), str) or not value[code].strip():
                raise self.fail(f"{path}.{NEEDS_UPDATE}", f"{code!r} is not a translation of "
                                "this text (a language code with a translation)")
        for code, s in value.items():
            if code == NEEDS_UPDATE:
                continue
            if not languages.is_known(code):
                raise self.fail(f"{path}.{code}", f"invalid language code {code!r}")
            if not isinstance(s, str):
                raise self.fail(f"{path}.{code}", f"must be a string, not {_kind(s)}")
        if not (value.get("en") or "").strip():
            raise self.fail(f"{path}.en", "the English text is missing or empty")
        return Text({k: v.strip() for k, v in value.items() if k != NEEDS_UPDATE and v.strip()},
                    frozenset(stale))

    def texts(self, data: dict, key: str, path: str, min_items: int = 1) -> tuple[Text, ...]:
        items = self.list(data, key, path, min_items)
        return tuple(self.text_value(v, f"{_join(path, key)}[{i}]") for i, v in enumerate(items))

    def list(self, data: dict, key: str, path: str, min_items: int = 1) -> list:
        value = self.req(data, key, path)
        if not isinstance(value, list):
            raise self.fail(_join(path, key), f"must be a list, not {_kind(value)}")
        if len(value) < min_items:
            raise self.fail(_join(path, key), f"needs at least {min_items} item(s)")
        return value

    def str(self, data: dict, key: str, path: str, choices: tuple[str, ...] | None = None,
            default: str | None = None) -> str:
        if default is not None and key not in data:
            return default
        value = self.req(data, key, path)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(_join(path, key), "must be a non-empty string")
        if choices and value not in choices:
            raise self.fail(_join(path, key),
                            f"{value!r} is not one of: {', '.join(choices)}")
        return value

    def url(self, data: dict, key: str, path: str, optional: bool = False) -> str | None:
        if optional and key not in data:
            return None
        value = self.str(data, key, path)
        if not re.fullmatch(r"https://[A-Za-z0-9.-]+\.[a-z]{2,}(/\S*)?", value):
            raise self.fail(_join(path, key), f"{value!r} is not an https:// web address")
        return value

    def bool(self, data: dict, key: str, path: str, default: bool | None = None) -> bool:
        if default is not None and key not in data:
            return default
        value = self.req(data, key, path)
        if not isinstance(value, bool):
            raise self.fail(_join(path, key), "must be true or false")
        return value

    def number(self, data: dict, key: str, path: str, lo: float, hi: float) -> float:
        value = self.req(data, key, path)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not lo <= value <= hi:
            raise self.fail(_join(path, key), f"must be a number from {lo} to {hi}")
        return value


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "true/false",
            int: "a number", float: "a number", type(None): "null"}.get(type(value), "?")


def _read_json(path: Path, rel: str) -> Any:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ContentError(rel, "", "", f"is larger than {MAX_FILE_BYTES} bytes")
        with path.open("rb") as f:
            return json.loads(f.read().decode("utf-8"))
    except FileNotFoundError:
        raise ContentError(rel, path.stem if "/" in rel else "", "", "file is missing") from None
    except OSError as e:
        raise ContentError(rel, "", "", f"cannot be read ({e.strerror or e})") from None
    except UnicodeDecodeError as e:
        raise ContentError(rel, "", "", f"is not UTF-8 ({e.reason} at byte {e.start})") from None
    except json.JSONDecodeError as e:
        raise ContentError(rel, "", "", f"is not valid JSON: {e.msg} at line {e.lineno}, "
                                        f"column {e.colno}") from None


def _service(r: _Reader, d: dict) -> Service:
    r.unknown_keys(d, {"id", "title", "summary", "official_url", "start", "guide"}, "")
    start = r.obj(r.req(d, "start", ""), "start")
    r.unknown_keys(start, {"what_it_does", "you_need", "time", "cost", "other_ways"}, "start")
    guide = r.obj(r.req(d, "guide", ""), "guide")
    r.unknown_keys(guide, {"title", "introduction", "steps"}, "guide")
    steps = []
    for i, s in enumerate(r.list(guide, "steps", "guide")):
        sp = f"guide.steps[{i}]"
        s = r.obj(s, sp)
        r.unknown_keys(s, {"title", "logic", "contents"}, sp)
        logic = r.str(s, "logic", sp, STEP_LOGIC, default="number")
        if i == 0 and logic != "number":
            raise r.fail(f"{sp}.logic", "the first step must be 'number'")
        contents = []
        for j, c in enumerate(r.list(s, "contents", sp)):
            cp = f"{sp}.contents[{j}]"
            c = r.obj(c, cp)
            kind = r.str(c, "type", cp, ("paragraph", "list", "council"))
            if kind == "paragraph":
                r.unknown_keys(c, {"type", "text"}, cp)
                contents.append(Paragraph(r.text(c, "text", cp)))
            elif kind == "council":
                r.unknown_keys(c, {"type", "service"}, cp)
                contents.append(CouncilLink(r.str(c, "service", cp, councils.SERVICES)))
            else:
                r.unknown_keys(c, {"type", "style", "items"}, cp)
                tasks = []
                for k, t in enumerate(r.list(c, "items", cp)):
                    tp = f"{cp}.items[{k}]"
                    t = r.obj(t, tp)
                    r.unknown_keys(t, {"text", "href", "context"}, tp)
                    tasks.append(Task(r.text(t, "text", tp), r.url(t, "href", tp, optional=True),
                                      r.text(t, "context", tp, optional=True)))
                contents.append(TaskList(r.str(c, "style", cp, LIST_STYLES), tuple(tasks)))
        steps.append(Step(r.text(s, "title", sp), logic, tuple(contents)))
    return Service(
        id=d["id"],
        title=r.text(d, "title", ""),
        summary=r.text(d, "summary", ""),
        official_url=r.url(d, "official_url", ""),
        start=StartPage(
            what_it_does=r.text(start, "what_it_does", "start"),
            you_need=r.texts(start, "you_need", "start", min_items=0),
            time=r.text(start, "time", "start"),
            cost=r.text(start, "cost", "start"),
            other_ways=r.texts(start, "other_ways", "start", min_items=0),
        ),
        guide=Guide(r.text(guide, "title", "guide"), r.text(guide, "introduction", "guide"),
                    tuple(steps)),
    )


def _practice(r: _Reader, p: Any, path: str) -> Practice:
    p = r.obj(p, path)
    kind = r.str(p, "type", path, PRACTICE_TYPES)
    if kind == "tap_target":
        r.unknown_keys(p, {"type", "prompt", "targets"}, path)
        targets = []
        for i, t in enumerate(r.list(p, "targets", path)):
            tp = f"{path}.targets[{i}]"
            t = r.obj(t, tp)
            r.unknown_keys(t, {"label", "x", "y"}, tp)
            targets.append(Target(r.text(t, "label", tp), r.number(t, "x", tp, 0, 1),
                                  r.number(t, "y", tp, 0, 1)))
        return TapTarget(r.text(p, "prompt", path), tuple(targets))
    if kind == "type_this":
        r.unknown_keys(p, {"type", "prompt", "answer", "hint", "case_sensitive"}, path)
        answer = r.str(p, "answer", path)
        if not ANSWER_RE.fullmatch(answer) or len(answer) > 60:
            raise r.fail(f"{path}.answer", "must be up to 60 Latin letters, digits, spaces "
                                           "or @ . - _ ' (what the keyboard can type)")
        return TypeThis(r.text(p, "prompt", path), answer, r.text(p, "hint", path, optional=True),
                        r.bool(p, "case_sensitive", path, default=False))
    if kind == "choose_answer":
        r.unknown_keys(p, {"type", "question", "options"}, path)
        options = []
        for i, o in enumerate(r.list(p, "options", path, min_items=2)):
            op = f"{path}.options[{i}]"
            o = r.obj(o, op)
            r.unknown_keys(o, {"text", "correct", "feedback"}, op)
            options.append(Option(r.text(o, "text", op), r.bool(o, "correct", op),
                                  r.text(o, "feedback", op)))
        if sum(o.correct for o in options) != 1:
            raise r.fail(f"{path}.options", "exactly one option must be correct")
        return ChooseAnswer(r.text(p, "question", path), tuple(options))
    r.unknown_keys(p, {"type", "prompt", "cards"}, path)
    cards = []
    for i, c in enumerate(r.list(p, "cards", path)):
        cp = f"{path}.cards[{i}]"
        c = r.obj(c, cp)
        r.unknown_keys(c, {"sender", "message", "is_scam", "explanation"}, cp)
        cards.append(Card(r.str(c, "sender", cp), r.text(c, "message", cp),
                          r.bool(c, "is_scam", cp), r.text(c, "explanation", cp)))
    return RealOrScam(r.text(p, "prompt", path), tuple(cards))


def _tutorial(r: _Reader, d: dict) -> Tutorial:
    r.unknown_keys(d, {"id", "title", "summary", "skill_area", "minutes", "lessons", "learnt",
                       "next"}, "")
    lessons = []
    for i, lesson in enumerate(r.list(d, "lessons", "")):
        lp = f"lessons[{i}]"
        lesson = r.obj(lesson, lp)
        r.unknown_keys(lesson, {"title", "body", "practice"}, lp)
        practice = lesson.get("practice")
        lessons.append(Lesson(r.text(lesson, "title", lp), r.texts(lesson, "body", lp),
                              _practice(r, practice, f"{lp}.practice")
                              if practice is not None else None))
    nxt = r.list(d, "next", "", min_items=0)
    for i, n in enumerate(nxt):
        if not isinstance(n, str):
            raise r.fail(f"next[{i}]", "must be the id of a tutorial or service")
    return Tutorial(
        id=d["id"],
        title=r.text(d, "title", ""),
        summary=r.text(d, "summary", ""),
        skill_area=r.str(d, "skill_area", "", SKILL_AREAS),
        minutes=int(r.number(d, "minutes", "", 1, 60)),
        lessons=tuple(lessons),
        learnt=r.texts(d, "learnt", ""),
        next=tuple(nxt),
    )


def _load_item(root: Path, folder: str, item_id: str, build):
    rel = f"{folder}/{item_id}.json"
    data = _read_json(root / rel, rel)
    r = _Reader(rel, item_id)
    data = r.obj(data, "")
    found = data.get("id")
    if found != item_id:
        raise r.fail("id", f"is {found!r} but must equal the file name ({item_id!r})")
    return build(r, data)


def load(root: str | Path) -> Catalogue:
    """Load and check a content directory; raises ContentError on the first mistake."""
    root = Path(root)
    index = _read_json(root / "content.json", "content.json")
    r = _Reader("content.json", "")
    index = r.obj(index, "")
    r.unknown_keys(index, {"schema", "languages", "services", "tutorials", "review"}, "")
    if index.get("schema") != SCHEMA_VERSION:
        raise r.fail("schema", f"must be {SCHEMA_VERSION} (this kiosk reads schema "
                               f"{SCHEMA_VERSION}), not {index.get('schema')!r}")
    langs = r.list(index, "languages", "")
    for i, code in enumerate(langs):
        if not isinstance(code, str) or not languages.is_known(code):
            raise r.fail(f"languages[{i}]", f"invalid language code {code!r}")
    if "en" not in langs:
        raise r.fail("languages", "must include 'en' (English is the fallback)")
    ids: dict[str, list[str]] = {}
    for key in ("services", "tutorials"):
        ids[key] = r.list(index, key, "", min_items=0)
        for i, item_id in enumerate(ids[key]):
            if not isinstance(item_id, str) or not ID_RE.match(item_id):
                raise r.fail(f"{key}[{i}]", f"{item_id!r} is not a valid id (lowercase "
                                            "letters, digits and hyphens)")
    dupes = set(ids["services"]) & set(ids["tutorials"])
    if dupes or len(set(ids["services"])) != len(ids["services"]) or \
            len(set(ids["tutorials"])) != len(ids["tutorials"]):
        raise r.fail("services", f"ids must be unique ({', '.join(sorted(dupes)) or 'repeated'})")

    notes = (LEGACY_CENTRE_NOTE,) if (root / LEGACY_CENTRE_FILE).exists() else ()
    table = None
    if (root / councils.FILE).exists():
        cr = _Reader(councils.FILE, "")
        try:
            table = councils.load(_read_json(root / councils.FILE, councils.FILE),
                                  lambda v, where: cr.text_value(v, where))
        except councils.CouncilError as e:
            raise ContentError(councils.FILE, "", "", str(e).split(": ", 1)[1]) from None
    services = {i: _load_item(root, "services", i, _service) for i in ids["services"]}
    tutorials = {i: _load_item(root, "tutorials", i, _tutorial) for i in ids["tutorials"]}
    for t in tutorials.values():
        for i, n in enumerate(t.next):
            if n not in services and n not in tutorials:
                raise ContentError(f"tutorials/{t.id}.json", t.id, f"next[{i}]",
                                   f"links to {n!r}, which is not a service or tutorial")
    review = _review(r, index, langs)
    return Catalogue(tuple(langs), services, tutorials, notes, councils=table,
                     review_by_lang=review)


def _review(r: _Reader, index: dict, langs: list[str]) -> dict[str, Review]:
    """content.json's "review": per language, {"status": "unreviewed" | "reviewed", "by",
    "date" (YYYY-MM-DD), "note"}; "reviewed" needs "by" and "date". A language without an
    entry is unreviewed."""
    data = r.obj(index.get("review", {}), "review")
    out = {}
    for code, entry in data.items():
        path = f"review.{code}"
        if code not in langs or code == "en":
            raise r.fail(path, f"{code!r} is not one of the content's translated languages")
        entry = r.obj(entry, path)
        r.unknown_keys(entry, {"status", "by", "date", "note"}, path)
        status = r.str(entry, "status", path, choices=REVIEW_STATES)
        values = {}
        for key in ("by", "date", "note"):
            value = entry.get(key, "")
            if not isinstance(value, str):
                raise r.fail(f"{path}.{key}", f"must be a string, not {_kind(value)}")
            values[key] = value.strip()
        if values["date"] and not DATE_RE.match(values["date"]):
            raise r.fail(f"{path}.date", f"must be a date as YYYY-MM-DD, not {values['date']!r}")
        if status == "reviewed" and not (values["by"] and values["date"]):
            raise r.fail(path, "a reviewed language needs \"by\" (the reviewer) and "
                               "\"date\" (YYYY-MM-DD)")
        out[code] = Review(status, **values)
    return out
