"""Read aloud: a speech facade, espeak-ng behind it, and a fake for tests.

Speaking happens on a worker thread (starting espeak-ng is a fork and a wait), so the UI
thread never waits on a child process. `stop()` silences it at once; the session reset
calls it.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import threading
from abc import ABC, abstractmethod

from kiosk.core import languages

log = logging.getLogger(__name__)

# espeak-ng's -l: lines shorter than this end a clause (every line the app hands over).
_LINE_IS_A_CLAUSE = 100_000


class Speech(ABC):
    """What the app needs from speech."""

    @abstractmethod
    def can_speak(self, lang: str) -> bool:
        ...

    @abstractmethod
    def say(self, text: str, lang: str) -> None:
        ...

    @abstractmethod
    def stop(self) -> None:
        ...


class EspeakSpeech(Speech):
    def __init__(self, executable: str | None = None, rate: int = 150):
        self.executable = executable or shutil.which("espeak-ng")
        self.rate = rate
        self._proc: subprocess.Popen | None = None
        self._lock = threading.Lock()
        self._generation = 0

    def can_speak(self, lang: str) -> bool:
        return bool(self.executable) and languages.get(lang).voice is not None

    def say(self, text: str, lang: str) -> None:
        if not self.can_speak(lang):
            return
        with self._lock:
            self._generation += 1
            gen = self._generation
        threading.Thread(target=self._speak, args=(gen, text, lang), daemon=True,
                         name="speech").start()

    def _speak(self, gen: int, text: str, lang: str) -> None:
        self._kill()
        with self._lock:
            if gen != self._generation:  # stopped or replaced before we began
                return
            try:
                # Text goes on stdin, never on the command line (ps shows arguments). Each
                # line (a label, a button's words) ends a clause, so there is a pause between
                # them: "-l" counts lines shorter than it as clause ends; without it a line
                # break is read as a space and two buttons run into one phrase.
                self._proc = subprocess.Popen(
                    [self.executable, "-v", languages.get(lang).voice, "-s", str(self.rate),
                     "-l", str(_LINE_IS_A_CLAUSE), "--stdin"],
                    stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL)
            except OSError:
                log.exception("could not start espeak-ng")
                return
            proc = self._proc
        try:
            proc.communicate(text.encode("utf-8"), timeout=600)
        except (subprocess.TimeoutExpired, OSError, ValueError):
            proc.kill()

    def _kill(self) -> None:
        with self._lock:
            proc, self._proc = self._proc, None
        if proc and proc.poll() is None:
            proc.kill()

    def stop(self) -> None:
        with self._lock:
            self._generation += 1
        threading.Thread(target=self._kill, daemon=True, name="speech-stop").start()

    @property
    def speaking(self) -> bool:
        proc = self._proc
        return proc is not None and proc.poll() is None


class FakeSpeech(Speech):
    """Remembers what it was asked to say; for tests and machines without espeak-ng."""

    def __init__(self, voices: bool = True):
        self.voices = voices
        self.said: list[tuple[str, str]] = []
        self.stopped = 0

    def can_speak(self, lang: str) -> bool:
        return self.voices and languages.get(lang).voice is not None

    def say(self, text: str, lang: str) -> None:
        if self.can_speak(lang):
            self.said.append((text, lang))

    def stop(self) -> None:
        self.stopped += 1
