"""kiosk-content: the content editors' tool.

`kiosk-content validate SRC` checks a content source (schema, links, every language's
completeness). A mistake is one line on stderr naming the file, the item and the field.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kiosk.core import content, languages


def completeness(cat: content.Catalogue) -> tuple[dict[str, int], dict[str, dict[str, int]]]:
    """Per language, how many texts have it: (over all texts, per item id).

    The "" key in each holds the number of texts, so percentages need nothing else.
    """
    total: dict[str, int] = {"": 0}
    per_item: dict[str, dict[str, int]] = {}
    for item_id, text in cat.texts():
        counts = per_item.setdefault(item_id, {"": 0})
        for c in (total, counts):
            c[""] += 1
            for lang in cat.languages:
                c[lang] = c.get(lang, 0) + text.has(lang)
    return total, per_item


def _pct(n: int, of: int) -> int:
    """A percentage rounded down, so 100 means every text really is translated."""
    return 100 * n // of if of else 100


def report(cat: content.Catalogue, src: Path) -> str:
    total, per_item = completeness(cat)
    langs = cat.languages
    summary = (f"{src}: valid, {len(cat.services)} services, {len(cat.tutorials)} tutorials, "
               f"{total['']} texts")
    lines = [summary, "", "Completeness by language:"]
    for lang in langs:
        name = languages.get(lang).english_name
        lines.append(f"  {lang:<4}{name:<12}{total.get(lang, 0):>6}/{total['']:<6}"
                     f"{_pct(total.get(lang, 0), total['']):>4}%")
    width = max([len(i) for i in per_item] + [4])
    lines += ["", "Completeness by item (%):",
              "  " + "item".ljust(width) + "".join(f"{lang:>5}" for lang in langs)]
    for item_id, counts in per_item.items():
        lines.append("  " + item_id.ljust(width)
                     + "".join(f"{_pct(counts[lang], counts['']):>5}" for lang in langs))
    return "\n".join(lines)


def cmd_validate(args: argparse.Namespace) -> int:
    src = Path(args.src)
    if not src.is_dir():
        problem = "is not a directory" if src.exists() else "no such content directory"
        print(f"error: {src}: {problem}", file=sys.stderr)
        return 2
    try:
        cat = content.load(src)
    except content.ContentError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except OSError as e:  # unreadable file, a directory where a file should be...
        print(f"error: {e.filename or src}: {e.strerror or e}", file=sys.stderr)
        return 1
    print(report(cat, src))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kiosk-content", description="The content editors' tool for the kiosk.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p = sub.add_parser("validate", help="check a content source: schema, links, languages",
                       description="Check a content source directory: every file's schema, "
                                   "the links between items, and how complete each language "
                                   "is. Exits 1 with one line naming the file, the item and "
                                   "the field at the first mistake.")
    p.add_argument("src", metavar="SRC", help="the content directory (holding content.json)")
    p.set_defaults(func=cmd_validate)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except BrokenPipeError:  # the reader stopped early (| head): not an error of ours
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
