"""The speech and browser facades: fakes for tests, espeak-ng for read aloud."""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

import pytest

from kiosk.services.browser import Browser, DemoBrowser, FakeBrowser
from kiosk.services.speech import EspeakSpeech, FakeSpeech, Speech


def wait_for(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


# Fakes

def test_fake_speech_remembers_what_it_says():
    s = FakeSpeech()
    assert isinstance(s, Speech)
    assert s.can_speak("en") and s.can_speak("ar") and s.can_speak("bn")
    assert not s.can_speak("so")
    s.say("Welcome", "en")
    s.say("Soo dhawoow", "so")  # no voice: silently not said
    s.say("أهلاً", "ar")
    assert s.said == [("Welcome", "en"), ("أهلاً", "ar")]
    s.stop()
    s.stop()
    assert s.stopped == 2


def test_fake_speech_without_voices_says_nothing():
    s = FakeSpeech(voices=False)
    assert not s.can_speak("en")
    s.say("Welcome", "en")
    assert s.said == []


def test_fake_browser_remembers_addresses():
    b = FakeBrowser()
    assert isinstance(b, Browser)
    assert b.open("https://www.gov.uk/register-to-vote") == "ok"
    assert b.open("https://www.gov.uk/council-tax") == "ok"
    assert b.opened == ["https://www.gov.uk/register-to-vote", "https://www.gov.uk/council-tax"]
    assert b.closed == 0
    b.close()
    assert b.closed == 1


def test_demo_browser_opens_nothing():
    b = DemoBrowser()
    assert b.open("https://www.gov.uk/register-to-vote", sites=["gov.uk"]) == "demo"
    assert not b.shows_window and not b.is_open
    assert b.activity() is None and b.reachable("https://www.gov.uk/") is None
    b.hide(), b.show(), b.close()  # harmless
    assert b.wait_closed(0)


def test_fake_browser_can_cover_the_kiosk_and_end_by_itself():
    b = FakeBrowser(window=True)
    ended = []
    assert b.shows_window
    b.open("https://www.gov.uk/x", sites=["gov.uk"], area=(0, 80, 1280, 720), lang="ar",
           on_exit=ended.append)
    assert b.is_open and b.calls[-1]["area"] == (0, 80, 1280, 720)
    assert b.activity() == 0
    b.inputs += 1
    assert b.activity() == 1
    b.exit("crashed")
    assert ended == ["crashed"] and not b.is_open
    b.offline.add("www.gov.uk")
    assert b.reachable("https://www.gov.uk/x") is False
    assert b.reachable("https://www.nhs.uk/") is True


# Reachability: a cached check on a thread, never waited for

def test_reachability_checks_once_in_the_background_and_caches():
    import threading

    from kiosk.services.reachability import Reachability

    now = [0.0]
    asked, gate = [], threading.Event()

    class Conn:
        def close(self):
            pass

    def connect(target, timeout):
        asked.append(target)
        gate.wait(5)
        if target[0] == "down.example":
            raise OSError("unreachable")
        return Conn()

    r = Reachability(connect=connect, clock=lambda: now[0], fresh_for=100,
                     failed_fresh_for=10)
    results = []
    assert r.status("https://www.gov.uk/x", results.append) is None  # not known yet
    assert r.status("https://www.gov.uk/y", results.append) is None  # joins the same check
    gate.set()
    assert wait_for(lambda: results == [True, True], 5)
    assert asked == [("www.gov.uk", 443)]
    assert r.status("https://www.gov.uk/z") is True  # cached, nothing asked
    assert asked == [("www.gov.uk", 443)]
    done = []
    assert r.status("http://down.example:8080/", done.append) is None
    assert wait_for(lambda: done == [False], 5)
    assert asked[-1] == ("down.example", 8080)
    now[0] = 50  # a failure is asked again sooner than a success
    assert r.status("http://down.example:8080/", done.append) is False
    assert wait_for(lambda: len(done) == 2, 5)
    assert r.status("https://www.gov.uk/") is True
    assert r.status("mailto:someone@example.org") is None


def test_browser_is_abstract():
    with pytest.raises(TypeError):
        Browser()


# EspeakSpeech, with a stand-in program: works with or without espeak-ng installed

@pytest.fixture
def slow_speaker(tmp_path) -> Path:
    """A stand-in for espeak-ng: records its arguments and its stdin, then 'speaks' for 30 s."""
    script = tmp_path / "fake-espeak"
    script.write_text(
        f"#!{sys.executable}\n"
        "import sys, time\n"
        "from pathlib import Path\n"
        "here = Path(sys.argv[0]).parent\n"
        "(here / 'args').write_text(' '.join(sys.argv[1:]))\n"
        "(here / 'stdin').write_text(sys.stdin.read(), encoding='utf-8')\n"
        "time.sleep(30)\n")
    script.chmod(0o755)
    return script


def test_espeak_has_no_somali_voice(slow_speaker):
    s = EspeakSpeech(executable=str(slow_speaker))
    assert s.can_speak("en") and s.can_speak("ar") and s.can_speak("bn")
    assert not s.can_speak("so")
    assert not EspeakSpeech().can_speak("so")


def test_espeak_without_program_cannot_speak():
    s = EspeakSpeech()
    s.executable = None  # as on a machine without espeak-ng
    assert not s.can_speak("en")
    s.say("Welcome", "en")
    time.sleep(0.2)
    assert not s.speaking


def test_espeak_says_nothing_without_a_voice(slow_speaker):
    s = EspeakSpeech(executable=str(slow_speaker))
    s.say("Soo dhawoow", "so")
    time.sleep(0.3)
    assert not s.speaking and not (slow_speaker.parent / "args").exists()


def test_espeak_stop_ends_the_child(slow_speaker):
    s = EspeakSpeech(executable=str(slow_speaker))
    s.say("Register to vote", "en")
    assert wait_for(lambda: (slow_speaker.parent / "stdin").exists(), 10), "never started"
    assert s.speaking
    proc = s._proc
    # The text goes on stdin, never on the command line (ps would show it).
    assert wait_for(lambda: (slow_speaker.parent / "stdin").read_text() != "", 2)
    assert (slow_speaker.parent / "stdin").read_text(encoding="utf-8") == "Register to vote"
    args = (slow_speaker.parent / "args").read_text()
    assert "Register" not in args and "-v en-gb" in args
    started = time.monotonic()
    s.stop()
    assert wait_for(lambda: not s.speaking, 2), "still speaking 2 s after stop()"
    assert wait_for(lambda: proc.poll() is not None, 2), "child still running after stop()"
    assert time.monotonic() - started < 2.5


def test_espeak_new_text_replaces_the_old(slow_speaker):
    s = EspeakSpeech(executable=str(slow_speaker))
    s.say("first", "en")
    assert wait_for(lambda: s.speaking, 10)
    first = s._proc
    s.say("second", "en")
    assert wait_for(lambda: first.poll() is not None, 2), "old speech not stopped"
    assert wait_for(lambda: s.speaking and s._proc is not first, 10)
    s.stop()
    assert wait_for(lambda: not s.speaking, 2)


# The real espeak-ng

@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_real_espeak_says_and_stops():
    s = EspeakSpeech()
    assert s.can_speak("en")
    s.say("Welcome to the library. This computer is free to use. Touch the screen to start.",
          "en")
    # Without a sound card espeak-ng may finish at once, so wait for the child, not for sound.
    assert wait_for(lambda: s._proc is not None, 10), "espeak-ng was never started"
    proc = s._proc
    assert proc.args[0] == s.executable
    s.stop()
    assert wait_for(lambda: not s.speaking, 2), "still speaking 2 s after stop()"
    assert wait_for(lambda: proc.poll() is not None, 2), "espeak-ng still running after stop()"
