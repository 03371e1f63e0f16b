"""The `screen_build` benchmark: time to build the kiosk's screens (placeholder, for the lead).

To fill in once kiosk.app.harness exists, in bench_screen_build() below:
  1. build each screen through the harness `settings.runs` times and take the median time
     from "build it" to its first drawn frame;
  2. baseline: the same for a bare kivy Screen holding one Label, in the same process;
  3. return Result.checked("screen_build", ratio <= target, measured=..., baseline=...,
     figure=f"{ratio:.2f}x", target=..., data={...}), as bench/startup.py does.
Until then it is reported as "not available" (never as a pass).
"""

from __future__ import annotations

from common import Result, Settings


def bench_screen_build(settings: Settings) -> Result:
    try:
        from kiosk.app import harness  # noqa: F401  (imports Kivy: run.py sets its env first)
    except ImportError as exc:
        return Result.not_available("screen_build", f"kiosk.app.harness cannot be imported: {exc}")
    return Result.not_available(
        "screen_build", "kiosk.app.harness imports, but the measurement is not written yet "
                        "(bench/screen_build.py)")
