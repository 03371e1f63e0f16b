"""What the three programs (`kiosk`, `kiosk-content`, `kiosk-hub`) share on the command line:
one `UserError`, one wrapper from errors to exit codes, one progress display and one table
printer, so every command fails, reports progress and prints tables the same way.

The contract (README.md, docs/cli-reference.md): exit 0 on success; a user error is one line on stderr,
`<program>: <reason>`, exit 1, never a traceback; Ctrl-C exits 130.
"""

from __future__ import annotations

import os
import sys
import time
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from typing import IO, Any, Self


class UserError(Exception):
    """A mistake the user can fix (a missing file, a bad flag, a refused pack): printed as
    one line, `<program>: <reason>`, exit 1."""


def run(prog: str, command: Callable[[], int], expected: tuple[type[BaseException], ...] = ()
        ) -> int:
    """Run a command and turn what it raises into the exit code of the contract.

    UserError and the `expected` exceptions (each program's own: a refused pack, an
    unreachable hub...) are one line. An OSError names its file. A reader that stops early
    (`| head`) is not an error of ours."""
    try:
        return command()
    except (UserError, *expected) as e:
        return fail(prog, e)
    except BrokenPipeError:
        # stdout's reader is gone: point stdout at /dev/null so the interpreter's final
        # flush does not raise again
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return 0
    except OSError as e:  # a folder we cannot write, a disk that is full...
        where = f"{e.filename}: " if e.filename else ""
        return fail(prog, f"{where}{e.strerror or e}")
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130


def fail(prog: str, reason: object) -> int:
    """Print `prog: reason` as one line on stderr; exit code 1."""
    text = " ".join(str(reason).split()) or type(reason).__name__
    print(f"{prog}: {text}", file=sys.stderr)
    return 1


class Progress:
    """Progress of a long job on stderr.

    On a terminal: one line redrawn in place, a bar when the total is known, the count and
    the rate (`publishing [#######.....] 120/200 files  48/s`). Otherwise (a log, a pipe, a
    test): quiet, one plain line at most every `every` seconds, and none for a job that ends
    sooner. `close()` ends the line; use it as a context manager.
    """

    WIDTH = 24

    def __init__(self, label: str, total: int | None = None, unit: str = "",
                 stream: IO[str] | None = None, tty: bool | None = None, every: float = 10.0,
                 scale: float = 1.0, fmt: str = "{:.0f}", clock=time.monotonic):
        self.label, self.total, self.unit = label, total, unit
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.every, self.scale, self.fmt, self.clock = every, scale, fmt, clock
        self.done = 0
        self.started = clock()
        self._last_draw = -1.0
        self._last_line = self.started
        self._drawn = False
        self._shown = 0

    # callbacks in the shapes the jobs report in
    def add(self, n: int = 1) -> None:
        self.update(self.done + n)

    def update(self, done: int, total: int | None = None) -> None:
        self.done = done
        if total is not None:
            self.total = total
        now = self.clock()
        if self.tty:
            finished = self.total is not None and done >= self.total
            if finished or now - self._last_draw >= 0.1:  # at most ten redraws a second
                self._last_draw = now
                self._draw(now)
        elif now - self._last_line >= self.every:
            self._last_line = now
            print(self.text(now), file=self.stream, flush=True)

    def text(self, now: float | None = None) -> str:
        now = self.clock() if now is None else now
        count = self.fmt.format(self.done * self.scale)
        unit = f" {self.unit}" if self.unit else ""
        if self.total:
            share = min(1.0, self.done / self.total)
            bar = "#" * round(share * self.WIDTH)
            count = (f"[{bar}{'.' * (self.WIDTH - len(bar))}] {count}/"
                     f"{self.fmt.format(self.total * self.scale)}")
        elapsed = now - self.started
        rate = (f"  {self.fmt.format(self.done * self.scale / elapsed)}{unit}/s"
                if elapsed > 0.5 else "")
        return f"{self.label} {count}{unit}{rate}"

    def _draw(self, now: float) -> None:
        self.stream.write("\r\x1b[K" + self.text(now))
        self.stream.flush()
        self._drawn, self._shown = True, self.done

    def close(self) -> None:
        if self._drawn:
            if self._shown != self.done:  # the last updates came too fast to draw
                self._draw(self.clock())
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def width(text: str) -> int:
    """Columns a string takes in a terminal (wide East Asian characters count two)."""
    return sum(0 if unicodedata.combining(c) else
               2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]], file: IO[str] | None = None,
          missing: str = "-") -> None:
    """Print rows under headers in aligned columns, two spaces apart; None shows as `missing`.
    No line ends in spaces."""
    cells = [[str(h) for h in headers]] + [
        [missing if v is None else str(v) for v in row] for row in rows]
    widths = [max(width(r[i]) for r in cells) for i in range(len(headers))]
    out = file or sys.stdout
    for r in cells:
        padded = [c + " " * (w - width(c)) for c, w in zip(r[:-1], widths[:-1])]
        print("  ".join([*padded, r[-1]]).rstrip(), file=out)
