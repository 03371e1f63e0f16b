"""Content to gettext PO files and back, for translators' own tools (Poedit, Weblate, Pontoon).

One PO file per language. Each text of the content is one entry: the English is the msgid,
the language's text the msgstr (empty when not translated yet), and the context (msgctxt)
is where the text lives, the file and a JSON pointer into it
("services/council-tax.json#/start/what_it_does"), which is also its source reference. An
extracted comment says what the text is (a guide's title, a practice target...), and texts
shown on a button say so. The header carries the language's review status
(content.json's "review"), so a reviewer can record a review in the PO file itself.

Import checks every entry against the content before it writes anything, and refuses the
file with one line per wrong entry: an entry the content does not have, English that changed
since the export, placeholders, markup, line breaks, web or e-mail addresses that do not
match the source, and (through `fits`, given by the caller) text that will not fit its
button at 200 % text size. PO handling is polib's; nothing here parses PO by hand.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import polib

from kiosk.core import content, languages

REVIEW_HEADERS = {"status": "X-Review-Status", "by": "X-Reviewed-By", "date": "X-Review-Date",
                  "note": "X-Review-Note"}
# What must come through translation unchanged: placeholders, tags, addresses.
_PLACEHOLDER = re.compile(r"\{[^{}\s]*\}|%\(\w+\)[sd]|%[sd]")
_TAG = re.compile(r"</?[A-Za-z][^<>]*>|\[/?[a-z]+[^\]]*\]")
_ADDRESS = re.compile(r"(?:https?://)?(?:[\w-]+\.)+(?:uk|com|org|net|gov|nhs|io)(?:/[\w./-]*)?"
                      r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)


class PoError(ValueError):
    """A PO file that cannot be imported: every reason, one a line."""

    def __init__(self, file: str, problems: list[str]):
        self.file, self.problems = file, problems
        shown = problems[:50] + ([f"... and {len(problems) - 50} more"]
                                 if len(problems) > 50 else [])
        super().__init__(f"{file}: refused, {len(problems)} "
                         f"{'entry is' if len(problems) == 1 else 'entries are'} wrong "
                         "(nothing was imported):\n" + "\n".join(f"  {file}: {p}"
                                                                 for p in shown))


@dataclass(frozen=True)
class Place:
    """One text of the content: where it is, what it is, and its languages."""

    file: str       # relative to the content directory: "services/council-tax.json"
    pointer: str    # JSON pointer inside the file: "/start/what_it_does"
    by_lang: dict
    what: str       # for the translator: "Guide 'Council Tax…': start page, what it does"
    button: bool    # shown on a button (a practice target, an answer)

    @property
    def context(self) -> str:
        return f"{self.file}#{self.pointer}"


def _item_files(src: Path) -> list[str]:
    index = json.loads((src / "content.json").read_text(encoding="utf-8"))
    return ([f"services/{i}.json" for i in index.get("services", [])]
            + [f"tutorials/{i}.json" for i in index.get("tutorials", [])])


def _walk(obj, pointer: str = "") -> Iterator[tuple[str, dict]]:
    if isinstance(obj, dict):
        if isinstance(obj.get("en"), str) and all(isinstance(v, str) for v in obj.values()):
            yield pointer, obj
            return
        for k, v in obj.items():
            yield from _walk(v, f"{pointer}/{k}")
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _walk(v, f"{pointer}/{i}")


def _describe(doc: dict, pointer: str) -> tuple[str, bool]:
    parts = pointer.strip("/").split("/")
    title = doc.get("title", {}).get("en", doc.get("id", ""))
    kind = "Guide" if "official_url" in doc else "Tutorial"
    words = [p.replace("_", " ") if not p.isdigit() else f"#{int(p) + 1}" for p in parts]
    button = (len(parts) >= 2 and parts[-1] == "label" and "targets" in parts) or \
        (len(parts) >= 2 and parts[-2] == "options") or \
        (len(parts) >= 3 and parts[-3] == "options" and parts[-1] == "text")
    said = f"{kind} {title!r}: {' '.join(words)}"
    if button:
        said += " (on a button: keep it short)"
    return said, button


def places(src: str | Path) -> list[Place]:
    """Every text of a content directory, in file order."""
    src = Path(src)
    out = []
    for rel in _item_files(src):
        doc = json.loads((src / rel).read_text(encoding="utf-8"))
        for pointer, texts in _walk(doc):
            what, button = _describe(doc, pointer)
            out.append(Place(rel, pointer, texts, what, button))
    return out


def export(src: str | Path, lang: str, out_dir: str | Path) -> Path:
    """Write OUT/<lang>.po for the content in SRC; returns its path."""
    src, out_dir = Path(src), Path(out_dir)
    if lang == "en" or not languages.is_known(lang):
        raise ValueError(f"{lang!r} is not a language to translate into (one of: "
                         f"{', '.join(c for c in languages.LANGUAGES if c != 'en')})")
    cat = content.load(src)  # export only content that validates
    review = cat.review(lang) or content.Review()
    po = polib.POFile(wrapwidth=0)
    language = languages.get(lang)
    po.metadata = {
        "Project-Id-Version": "kiosk content",
        "PO-Revision-Date": f"{review.date} 00:00+0000" if review.date else "",
        "Last-Translator": review.by,
        "Language": lang,
        "Language-Team": f"{language.english_name} ({language.native_name})",
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
        **{REVIEW_HEADERS[k]: getattr(review, k) for k in REVIEW_HEADERS},
    }
    po.header = (f"The kiosk's guides and tutorials in {language.english_name}.\n"
                 "msgctxt is where each text lives: keep it. Keep placeholders, line breaks, "
                 "web and e-mail addresses as in the English.\n"
                 "See docs/translation/README.md and the glossary "
                 f"docs/translation/{lang}.json.")
    # Texts whose English changed since they were translated (import-govuk marks them
    # "needs update") come first, fuzzy, with the old translation to start from: what the
    # translator should do first, and what citizens meanwhile see in English.
    every = places(src)
    stale = [p for p in every if _needs_update(p.by_lang, lang)]
    for p in stale + [p for p in every if not _needs_update(p.by_lang, lang)]:
        update = _needs_update(p.by_lang, lang)
        comment = p.what + ("\nneeds update: the English changed since this was translated; "
                            "correct the translation, then remove the fuzzy flag"
                            if update else "")
        entry = polib.POEntry(msgctxt=p.context, msgid=p.by_lang["en"],
                              msgstr=p.by_lang.get(lang, ""), comment=comment,
                              occurrences=[(p.file, "")], flags=["fuzzy"] if update else [])
        po.append(entry)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{lang}.po"
    po.save(str(path))
    return path


def _needs_update(texts: dict, lang: str) -> bool:
    return lang in (texts.get(content.NEEDS_UPDATE) or "").split()


def _tokens(pattern: re.Pattern, text: str) -> list[str]:
    return sorted(m.group(0).rstrip(".").lower() for m in pattern.finditer(text))


def check_entry(english: str, translation: str) -> list[str]:
    """What does not match between a source text and its translation."""
    problems = []
    if _tokens(_PLACEHOLDER, english) != _tokens(_PLACEHOLDER, translation):
        problems.append(f"placeholders {_tokens(_PLACEHOLDER, english)} of the English are "
                        f"not all there exactly once (found {_tokens(_PLACEHOLDER, translation)})")
    if _tokens(_TAG, english) != _tokens(_TAG, translation):
        problems.append(f"markup {_tokens(_TAG, translation)} does not match the English's "
                        f"{_tokens(_TAG, english)}")
    if english.count("\n") != translation.count("\n"):
        problems.append(f"{translation.count(chr(10)) + 1} paragraphs where the English has "
                        f"{english.count(chr(10)) + 1} (keep the line breaks)")
    missing = [a for a in _tokens(_ADDRESS, english) if a not in translation.lower()]
    if missing:
        problems.append(f"the address {missing[0]} of the English is missing or changed")
    return problems


def read(path: str | Path, src: str | Path,
         fits: Callable[[list[tuple[Place, str]], str], list[str]] | None = None,
         ) -> tuple[str, dict[str, str], content.Review | None]:
    """Read and check one PO file against the content: (language, {context: text},
    review from the header or None). Raises PoError naming every wrong entry."""
    path, src = Path(path), Path(src)
    try:
        po = polib.pofile(str(path), wrapwidth=0)
    except (OSError, ValueError) as e:
        raise PoError(str(path), [f"not a readable PO file: {e}"]) from None
    lang = (po.metadata.get("Language") or path.stem).strip().replace("_", "-")
    if not languages.is_known(lang) or lang == "en":
        raise PoError(str(path), [(f"the header's Language {lang!r} is not a language of "
                                   "the kiosk to translate into")])
    by_context = {p.context: p for p in places(src)}
    problems: list[str] = []
    texts: dict[str, str] = {}
    to_fit: list[tuple[Place, str]] = []
    lines: dict[str, int] = {}
    for entry in po:
        if entry.obsolete:
            continue
        where = f"line {entry.linenum}, {entry.msgctxt or '(no msgctxt)'}"
        place = by_context.get(entry.msgctxt or "")
        if place is None:
            problems.append(f"{where}: no such text in the content (keep msgctxt as exported)")
            continue
        if entry.msgid != place.by_lang["en"]:
            problems.append(f"{where}: the English has changed since this file was exported "
                            "(export again and merge, e.g. msgmerge)")
            continue
        if not entry.msgstr or "fuzzy" in entry.flags:
            continue  # not translated (or not sure): the content keeps what it has
        wrong = check_entry(entry.msgid, entry.msgstr)
        problems += [f"{where}: {w}" for w in wrong]
        if not wrong:
            texts[place.context] = entry.msgstr
            if place.button:
                to_fit.append((place, entry.msgstr))
                lines[place.context] = entry.linenum
    if fits is not None and to_fit:
        problems += [f"line {lines[p.split(':', 1)[0]]}, {p}" for p in fits(to_fit, lang)]
    if problems:
        raise PoError(str(path), problems)
    meta = {k: (po.metadata.get(h) or "").strip() for k, h in REVIEW_HEADERS.items()}
    review = content.Review(meta["status"], meta["by"], meta["date"], meta["note"]) \
        if meta["status"] else None
    return lang, texts, review


def apply(src: str | Path, lang: str, texts: dict[str, str],
          review: content.Review | None) -> int:
    """Write the texts into the content (JSON, indent 2, as the files are kept); returns
    how many texts changed. The caller validates the result."""
    src = Path(src)
    by_file: dict[str, dict[str, str]] = {}
    for context, text in texts.items():
        file, pointer = context.split("#", 1)
        by_file.setdefault(file, {})[pointer] = text
    changed = 0
    for file, pointers in by_file.items():
        path = src / file
        doc = json.loads(path.read_text(encoding="utf-8"))
        for pointer, obj in _walk(doc):
            new = pointers.get(pointer)
            if new is None:
                continue
            if obj.get(lang) != new:
                obj[lang] = new
                changed += 1
            if _needs_update(obj, lang):  # translated again: no longer waiting for it
                left = [c for c in obj[content.NEEDS_UPDATE].split() if c != lang]
                if left:
                    obj[content.NEEDS_UPDATE] = " ".join(left)
                else:
                    del obj[content.NEEDS_UPDATE]
                changed += 1
        _write(path, doc)
    if review is not None:
        path = src / "content.json"
        index = json.loads(path.read_text(encoding="utf-8"))
        entry = {k: v for k, v in (("status", review.status), ("by", review.by),
                                   ("date", review.date), ("note", review.note)) if v}
        if index.get("review", {}).get(lang) != entry:
            index.setdefault("review", {})[lang] = entry
            _write(path, index)
    return changed


def _write(path: Path, doc) -> None:
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)
