"""What a hub process keeps in memory for the terminals' API (their tokens, the documents
they fetch), and how a request knows it is current without a query of its own.

The database holds two numbers: config_version (migration 0006) and terminals_version
(0007). Every configuration change, enrolment and revocation adds one to its number in the
transaction that makes it. What a process keeps is kept under the number it was read at
(`Kept`) and used only while the database still says that number. The numbers are in the
database, not in a process, so this holds across `--workers` and for `kiosk-hub` commands
run beside the server.

A request needs the numbers as they are after it arrived: a revocation or a change that
committed before it must count. Reading them for each request is a query and a hop to a
thread per request, which was most of the hub's time when 200 terminals ask at once.
`SharedRead` gives each caller the result of a read that *started after it asked*, shared
with everyone else waiting: one read runs at a time, whoever arrives during it waits for
the next one, which starts as it ends. 200 requests at once cost two or three reads, and
none is answered from a read older than itself. `SharedWrite` does the same for what
terminals report about themselves: the changes of everyone waiting go in one transaction.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Generic, NamedTuple, TypeVar

T = TypeVar("T")


class Versions(NamedTuple):
    config: int
    terminals: int


class _OneAtATime(Generic[T]):
    """A blocking job (a database query) run on a thread of its own, one at a time; every
    caller of _after() waiting for the same run shares its result. Callers on one event
    loop. _job() is called on the loop's thread as a run starts, and gives what it runs."""

    def __init__(self, name: str):
        self._name = name
        self._pool: ThreadPoolExecutor | None = None  # made when first needed, in the worker
        self._started = 0
        self._running: tuple[int, asyncio.Future[T]] | None = None

    def _job(self) -> Callable[[], T]:
        raise NotImplementedError

    async def _after(self, arrived: int, accept: Callable[[T], bool] | None = None) -> T:
        """The result of a run numbered above `arrived` (self._started when the caller
        came), or of the one under way when accept(its result) says it will do. Its
        exception, if it raised one."""
        loop = asyncio.get_running_loop()
        while True:
            running = self._running
            if running is None or running[1].done() or running[1].get_loop() is not loop:
                running = self._start(loop)
            index, future = running
            # shield: a caller that goes away (its client hung up) does not cancel the run
            # the others are waiting for.
            result = await asyncio.shield(future)
            if index > arrived or (accept is not None and accept(result)):
                return result

    def _start(self, loop: asyncio.AbstractEventLoop) -> tuple[int, asyncio.Future[T]]:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(1, thread_name_prefix=self._name)
        self._started += 1
        running = (self._started, loop.run_in_executor(self._pool, self._job()))
        self._running = running

        def done(future: asyncio.Future[T]) -> None:
            if self._running is running:
                self._running = None
            if not future.cancelled():
                future.exception()  # seen here too: no "never retrieved" when all left

        running[1].add_done_callback(done)
        return running

    def close(self) -> None:
        """Let the thread go (at the app's shutdown; a later run makes another)."""
        if self._pool is not None:
            self._pool.shutdown(wait=False)
            self._pool = None


class SharedRead(_OneAtATime[T]):
    """read() run for whoever asks, one read at a time, shared by everyone waiting."""

    def __init__(self, read: Callable[[], T], name: str):
        super().__init__(name)
        self._read = read

    def _job(self) -> Callable[[], T]:
        return self._read

    async def get(self, accept: Callable[[T], bool] | None = None) -> T:
        """The result of a read that started after this call, or of the one under way when
        accept(its result) says it will do."""
        return await self._after(self._started, accept)


class SharedWrite(_OneAtATime[None]):
    """Changes from many requests, written together: write(changes by key) in one
    transaction, one at a time; a caller's changes go into the next one to start, and
    add() returns once it has committed (or raises what it raised). 200 terminals
    reporting at once cost two or three transactions, not 200 queued behind each other for
    SQLite's one writer."""

    def __init__(self, write: Callable[[dict[str, dict]], None], name: str):
        super().__init__(name)
        self._write = write
        self._pending: dict[str, dict] = {}

    def _job(self) -> Callable[[], None]:
        taken, self._pending = self._pending, {}  # on the loop's thread: nothing is lost
        return lambda: self._write(taken)

    async def add(self, key: str, changes: dict) -> None:
        arrived = self._started  # runs started before this are not carrying our changes
        self._pending[key] = {**self._pending.get(key, {}), **changes}
        await self._after(arrived)


class Kept(Generic[T]):
    """Something read from the database and kept under the version it was read at.
    load() returns (version, thing), reading the version first: what is kept is never
    older than the version it is kept under (at worst newer, and read once more)."""

    def __init__(self, load: Callable[[], tuple[int, T]], name: str):
        self._load = load
        self._state: tuple[int, T] | None = None
        self._reads = SharedRead(self._reload, name)

    def _reload(self) -> tuple[int, T]:
        state = self._state = self._load()
        return state

    async def at(self, version: int) -> T:
        """The thing as of `version` (from a SharedRead of the versions) or later. `!=`, not
        `<`: a database restored from a backup goes back."""
        state = self._state
        if state is None or state[0] != version:
            state = await self._reads.get(accept=lambda s: s[0] == version)
        return state[1]

    def close(self) -> None:
        self._reads.close()
