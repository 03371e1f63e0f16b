"""The command-line toolkit the three programs share (kiosk/clikit.py): errors to exit codes,
progress on a terminal and off it, and tables."""

from __future__ import annotations

import io

import pytest

from kiosk import clikit
from kiosk.clikit import Progress, UserError


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_user_errors_are_one_line_and_exit_1(capsys):
    def bad() -> int:
        raise UserError("pack 7 not installed:\n  the signature is bad")

    assert clikit.run("kiosk", bad) == 1
    assert capsys.readouterr().err == "kiosk: pack 7 not installed: the signature is bad\n"


def test_expected_errors_of_a_program_are_user_errors_too(capsys):
    class Refused(ValueError):
        pass

    def refused() -> int:
        raise Refused("manifest.sig: bad signature")

    assert clikit.run("kiosk-content", refused, expected=(Refused,)) == 1
    assert capsys.readouterr().err == "kiosk-content: manifest.sig: bad signature\n"
    with pytest.raises(ValueError):  # anything else is a bug: its traceback is wanted
        clikit.run("kiosk-content", lambda: int("x"))


def test_os_errors_name_the_file(capsys, tmp_path):
    def unreadable() -> int:
        open(tmp_path / "missing.toml")  # noqa: SIM115
        return 0

    assert clikit.run("kiosk-hub", unreadable) == 1
    assert capsys.readouterr().err == (f"kiosk-hub: {tmp_path / 'missing.toml'}: "
                                       "No such file or directory\n")


def test_ctrl_c_exits_130_and_success_passes_through(capsys):
    def interrupted() -> int:
        raise KeyboardInterrupt

    assert clikit.run("kiosk", interrupted) == 130
    assert clikit.run("kiosk", lambda: 0) == 0


def test_progress_on_a_terminal_draws_a_bar_a_count_and_a_rate():
    clock, out = Clock(), io.StringIO()
    with Progress("publishing", 200, "files", stream=out, tty=True, clock=clock) as p:
        clock.now += 2.5
        p.update(120)
        assert out.getvalue().endswith("publishing [##############..........] 120/200 files"
                                       "  48 files/s")
        clock.now += 0.01  # redraws are capped at ten a second...
        p.update(121)
        assert out.getvalue().count("\r") == 1
        clock.now += 0.01
        p.update(200)  # ...but the last one always shows
    assert out.getvalue().endswith("200/200 files  79 files/s\n")


def test_progress_without_a_total_counts_with_a_scale():
    clock, out = Clock(), io.StringIO()
    p = Progress("downloading content", unit="MB", scale=1e-6, fmt="{:.1f}", stream=out,
                 tty=True, clock=clock)
    clock.now += 2
    p.add(3_000_000)
    clock.now += 0.01
    p.add(1_000_000)  # too soon after the last to draw: close() shows it
    p.close()
    assert out.getvalue() == "\r\x1b[Kdownloading content 3.0 MB  1.5 MB/s" \
                             "\r\x1b[Kdownloading content 4.0 MB  2.0 MB/s\n"


def test_progress_off_a_terminal_is_quiet_lines():
    clock, out = Clock(), io.StringIO()
    with Progress("exporting", unit="events", stream=out, tty=False, clock=clock) as p:
        for _ in range(5):
            clock.now += 1
            p.add(1000)
        assert out.getvalue() == ""  # a short job says nothing
        clock.now += 6
        p.add(1000)
        clock.now += 1
        p.add(1000)
    assert out.getvalue() == "exporting 6000 events  545 events/s\n"  # no \r, no bar


def test_a_table_is_aligned_without_trailing_spaces():
    out = io.StringIO()
    clikit.table(["ID", "CENTRE", "QUEUED"], [("k1", "Brixton Library", 0),
                                             ("kiosk-22", "西 centre", None)], file=out)
    assert out.getvalue().splitlines() == [
        "ID        CENTRE           QUEUED",
        "k1        Brixton Library  0",
        "kiosk-22  西 centre        -",
    ]
