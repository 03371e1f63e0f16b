"""kiosk/hub/fresh.py on its own: a caller is never answered from a read that started
before it asked (so a change committed before a request arrived always counts), reads and
writes are shared by whoever waits at the same moment, and what is kept is kept under the
version it was read at."""

from __future__ import annotations

import asyncio
import threading

import pytest

from kiosk.hub.fresh import Kept, SharedRead, SharedWrite


class Gate:
    """A blocking function whose runs the test lets through one at a time."""

    def __init__(self, result=lambda n: n):
        self.runs = 0
        self.result = result
        self.started = threading.Semaphore(0)
        self.go = threading.Semaphore(0)

    def __call__(self, *args):
        self.runs += 1
        n = self.runs
        self.started.release()
        assert self.go.acquire(timeout=10), "the test did not let the run finish"
        return self.result(n, *args) if args else self.result(n)

    async def wait_started(self):
        assert await asyncio.to_thread(self.started.acquire, True, 10)


def test_a_caller_arriving_during_a_read_gets_the_next_one():
    """Reads 1 and 2 return 1 and 2: whoever asked before read 1 started gets 1; whoever
    asked while it ran (after it started: it may have read the database before a change
    that then committed) waits for read 2, shared by all of them."""
    gate = Gate()
    shared = SharedRead(gate, "test")

    async def main():
        first = asyncio.create_task(shared.get())
        await gate.wait_started()  # read 1 is under way
        late = [asyncio.create_task(shared.get()) for _ in range(5)]
        await asyncio.sleep(0.05)
        gate.go.release()  # read 1 ends
        assert await first == 1
        await gate.wait_started()  # read 2 starts after it, for the late ones
        assert not any(t.done() for t in late)
        gate.go.release()
        assert await asyncio.gather(*late) == [2] * 5
        assert gate.runs == 2  # one read for the five of them
        # and nobody waiting: the next caller starts a read of its own
        gate.go.release()
        assert await shared.get() == 3

    try:
        asyncio.run(main())
    finally:
        shared.close()


def test_a_failed_read_fails_its_callers_and_the_next_read_is_tried_again():
    calls = []

    def read():
        calls.append(1)
        if len(calls) == 1:
            raise OSError("database is locked")
        return len(calls)

    shared = SharedRead(read, "test")

    async def main():
        with pytest.raises(OSError, match="locked"):
            await shared.get()
        assert await shared.get() == 2

    try:
        asyncio.run(main())
    finally:
        shared.close()


def test_a_caller_that_gives_up_does_not_cancel_the_read_of_the_others():
    gate = Gate()
    shared = SharedRead(gate, "test")

    async def main():
        quitter = asyncio.create_task(shared.get())
        await gate.wait_started()
        stayer = asyncio.create_task(shared.get())  # waits for read 1 to end, then read 2
        await asyncio.sleep(0.05)
        quitter.cancel()  # its client hung up, say
        await asyncio.sleep(0.05)
        gate.go.release()
        await gate.wait_started()
        gate.go.release()
        assert await stayer == 2
        assert quitter.cancelled()

    try:
        asyncio.run(main())
    finally:
        shared.close()


def test_kept_reloads_when_the_version_differs_either_way():
    """Kept under the version read with it; another version (newer, or older after a
    restore from a backup) means a reload, the same version none."""
    db = {"version": 1, "thing": "a"}
    loads = []

    def load():
        loads.append(db["version"])
        return db["version"], db["thing"]

    kept = Kept(load, "test")

    async def main():
        assert await kept.at(1) == "a"
        assert await kept.at(1) == "a" and loads == [1]
        db.update(version=2, thing="b")
        assert await kept.at(2) == "b"
        db.update(version=1, thing="restored")
        assert await kept.at(1) == "restored" and loads == [1, 2, 1]

    try:
        asyncio.run(main())
    finally:
        kept.close()


def test_writes_arriving_together_go_in_one_transaction_and_none_is_lost():
    """While one write runs, changes pile up and go in the next one, all together; each
    caller returns once its own changes are written."""
    written: list[dict] = []
    gate = Gate(result=lambda n, changes: written.append(changes))
    writes = SharedWrite(gate, "test")

    async def main():
        first = asyncio.create_task(writes.add("t1", {"last_seen": 1}))
        await gate.wait_started()
        more = [asyncio.create_task(writes.add(f"t{i}", {"last_seen": i})) for i in (2, 3)]
        more.append(asyncio.create_task(writes.add("t1", {"queue_depth": 0})))
        await asyncio.sleep(0.05)
        assert not any(t.done() for t in more)
        gate.go.release()
        await first
        await gate.wait_started()
        gate.go.release()
        await asyncio.gather(*more)
        assert written == [{"t1": {"last_seen": 1}},
                           {"t2": {"last_seen": 2}, "t3": {"last_seen": 3},
                            "t1": {"queue_depth": 0}}]

    try:
        asyncio.run(main())
    finally:
        writes.close()


def test_closed_at_the_apps_shutdown_and_usable_again_when_served_again():
    shared = SharedRead(lambda: 1, "test")
    assert asyncio.run(shared.get()) == 1
    shared.close()
    assert asyncio.run(shared.get()) == 1
    shared.close()
