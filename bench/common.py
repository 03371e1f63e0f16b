"""What every benchmark shares: the run settings it is given and the Result it returns.

A benchmark is a function `bench_<name>(settings) -> Result`. Results are ratios to a
baseline measured in the same run (the machine is shared and noisy), or, where a target is
absolute, a figure shown next to its baseline for context.
"""

from __future__ import annotations

from dataclasses import dataclass, field

PASS = "pass"
FAIL = "FAIL"
NOT_AVAILABLE = "not available"
ERROR = "error"


@dataclass(frozen=True)
class Settings:
    runs: int = 7          # process runs of each side (startup, memory)
    calls: int = 20_000    # calls of each side (event_record)


@dataclass
class Result:
    name: str
    status: str            # PASS | FAIL | NOT_AVAILABLE | ERROR
    measured: str = ""     # the columns of the printed table, already formatted
    baseline: str = ""
    figure: str = ""       # the ratio, or the figure compared with the target
    target: str = ""
    note: str = ""         # printed under the table (why not available, what failed...)
    data: dict = field(default_factory=dict)  # raw numbers, for the JSON report only

    @classmethod
    def checked(cls, name: str, passed: bool, **columns) -> Result:
        return cls(name, PASS if passed else FAIL, **columns)

    @classmethod
    def not_available(cls, name: str, why: str) -> Result:
        return cls(name, NOT_AVAILABLE, note=why)

    @classmethod
    def error(cls, name: str, why: str) -> Result:
        return cls(name, ERROR, note=why)


def ratio(measured: float, baseline: float) -> float:
    return measured / baseline if baseline else float("inf")
