"""Documents that cannot drift from the code (as sqlite-utils does it):

- every command and subcommand of the three programs is explained in the README or a guide;
- every command line shown in README.md and docs/ (code blocks and inline code) parses with
  the real argument parsers;
- docs/cli-reference.md is exactly what the programs' `--help` says today.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import re
import shlex
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "docs" / "cli-reference.md"
spec = importlib.util.spec_from_file_location("cli_reference", ROOT / "scripts" /
                                              "cli_reference.py")
cli_reference = importlib.util.module_from_spec(spec)
spec.loader.exec_module(cli_reference)

PROGRAMS = dict(cli_reference.programs())
SEPARATORS = {"&&", "||", "|", ";"}
REDIRECTS = {">", ">>", "<", "2>", "2>>"}


def guides() -> list[Path]:
    """The README and every guide (the generated reference does not count as explaining)."""
    return [ROOT / "README.md"] + sorted(p for p in (ROOT / "docs").rglob("*.md")
                                         if p != REFERENCE)


def command_lines(text: str) -> list[str]:
    """Shell lines in fenced code blocks (continuations joined) and inline code spans that
    are more than a command's name (`kiosk shots` names a command; `kiosk shots --out x`
    is a command line)."""
    lines, fenced, pending = [], False, ""
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        if fenced:
            if line.rstrip().endswith("\\"):
                pending += line.rstrip()[:-1] + " "
                continue
            lines.append(pending + line)
            pending = ""
        else:
            lines += [span for span in re.findall(r"`([^`\n]+)`", line)
                      if len(span.split()) > 2 or "-" in span.split()[-1][:1]]
    return lines


def invocations(line: str) -> list[list[str]]:
    """The program invocations on a line: [program, arg, ...] each. Synopses are reduced to
    what they require: `[optional parts]` go, `(a | b)` takes a, `...` goes."""
    while True:
        reduced = re.sub(r"\[[^\[\]]*\]", "", line)
        reduced = re.sub(r"\(([^()|]*)\|[^()]*\)", r"\1", reduced)
        if reduced == line:
            break
        line = reduced
    try:
        tokens = shlex.split(line, comments=True)
    except ValueError:
        return []
    found, current, skip = [], [], False
    for tok in tokens + [";"]:
        if skip:
            skip = False
            continue
        if tok in REDIRECTS:
            skip = True
            continue
        if tok in SEPARATORS:
            while current and re.fullmatch(r"[A-Z_][A-Z0-9_]*=.*", current[0]):
                current.pop(0)  # VAR=value before the command
            if len(current) > 1 and current[0] in PROGRAMS:
                found.append(current)
            current = []
            continue
        if tok != "...":
            current.append(tok)
    return found


def test_the_reference_is_what_help_says_today():
    assert REFERENCE.read_text(encoding="utf-8") == cli_reference.render(), \
        "docs/cli-reference.md is out of date: run make cli-reference"


def test_every_command_and_subcommand_is_explained_in_the_readme_or_a_guide():
    text = "\n".join(p.read_text(encoding="utf-8") for p in guides())
    missing = [name for prog, parser in PROGRAMS.items()
               for name, _ in cli_reference.commands(prog, parser)
               if not re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text)]
    assert not missing, f"not in README.md or docs/: {missing}"


@pytest.mark.parametrize("doc", [p.relative_to(ROOT).as_posix() for p in guides()])
def test_every_command_line_in_the_docs_parses(doc):
    bad, seen = [], 0
    for line in command_lines((ROOT / doc).read_text(encoding="utf-8")):
        for argv in invocations(line):
            seen += 1
            err = io.StringIO()
            try:
                with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
                    PROGRAMS[argv[0]].parse_args(argv[1:])
            except SystemExit as e:
                if e.code:
                    bad.append(f"{' '.join(argv)}: {err.getvalue().strip().splitlines()[-1]}")
    assert not bad, "\n".join(bad)


def test_the_docs_test_can_fail():
    """A made-up flag and a made-up command are caught, so the checks above mean something."""
    assert invocations("KIOSK_X=1 kiosk-hub export --from 2026-11-01 > f.csv  # figures") == [
        ["kiosk-hub", "export", "--from", "2026-11-01"]]
    assert invocations("kiosk-hub export [--format csv|json] (--raw | --centre C)") == [
        ["kiosk-hub", "export", "--raw"]]
    for argv in (["kiosk-hub", "export", "--sideways"], ["kiosk-content", "publish"]):
        with pytest.raises(SystemExit), contextlib.redirect_stderr(io.StringIO()):
            PROGRAMS[argv[0]].parse_args(argv[1:])


def test_every_setting_is_documented_in_the_staff_guide():
    from kiosk.core import config

    guide = (ROOT / "docs" / "staff-guide.md").read_text(encoding="utf-8")
    missing = [k for k in config.FIELDS if f"| `{k}` |" not in guide]
    assert not missing, f"not in docs/staff-guide.md: {missing}"
