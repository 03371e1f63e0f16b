#!/usr/bin/env python3
"""Write docs/cli-reference.md from the real `--help` of the three programs and every
subcommand (as sqlite-utils does), so the reference cannot drift from the code:
tests/unit/test_docs.py fails when the file is not what this script writes.

    python scripts/cli_reference.py          # rewrite docs/cli-reference.md
    python scripts/cli_reference.py --check  # exit 1 if it is out of date
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "cli-reference.md"
WIDTH = "100"  # argparse wraps help at $COLUMNS: fixed, so the file is the same everywhere


def programs() -> list[tuple[str, argparse.ArgumentParser]]:
    sys.path.insert(0, str(ROOT))
    from kiosk import cli, content_cli, hub_cli

    return [("kiosk", cli.parser()), ("kiosk-content", content_cli.build_parser()),
            ("kiosk-hub", hub_cli.build_parser())]


def commands(name: str, parser: argparse.ArgumentParser
             ) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    """The program and each subcommand (depth first), with its parser."""
    yield name, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub, subparser in action.choices.items():
                yield from commands(f"{name} {sub}", subparser)


def render() -> str:
    old = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = WIDTH
    try:
        parts = ["# Command-line reference\n",
                 ("Generated from each command's `--help` by `scripts/cli_reference.py` "
                  "(`make cli-reference`); do not edit by hand. The README and the guides say "
                  "when to use each command; this page says everything it takes.\n")]
        for prog, parser in programs():
            for name, p in commands(prog, parser):
                level = "##" if name == prog else "###"
                parts.append(f"{level} `{name}`\n\n```\n{p.format_help().rstrip()}\n```\n")
        return "\n".join(parts)
    finally:
        if old is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = old


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="exit 1 if the file is out of date")
    args = ap.parse_args(argv)
    text = render()
    if args.check:
        current = OUT.read_text(encoding="utf-8") if OUT.exists() else ""
        if current != text:
            print(f"{OUT.relative_to(ROOT)} is out of date: run make cli-reference",
                  file=sys.stderr)
            return 1
        return 0
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
